"""Declared status changes: the maps of the four lifecycles, and the mechanism that enforces them.

Every change of these states in the code goes through a map (``set_status`` for pré-demandes,
``Transitions.change``/``change_all`` elsewhere), so the whole suite also proves that each move
the code makes in its flows is declared: an undeclared one fails the test that exercises it.
"""

import pytest

from sdsf.allocation.models import AllocationRound, Answer, Application
from sdsf.core.transitions import TransitionError, Transitions
from sdsf.families import history
from sdsf.families.models import PreApplication
from sdsf.offer.models import ImportJob
from tests.factories import make_pre_application

Status = PreApplication.Status
MAPS = [
    (PreApplication.TRANSITIONS, PreApplication.Status.values),
    (AllocationRound.TRANSITIONS, AllocationRound.Status.values),
    (Application.ANSWERS, ["", *Answer.values]),
    (ImportJob.TRANSITIONS, ImportJob.State.values),
]


@pytest.mark.parametrize(("transitions", "states"), MAPS)
def test_each_map_covers_every_state_of_its_field(transitions, states):
    assert transitions.states == set(states)


@pytest.mark.parametrize(
    ("transitions", "current", "target"),
    [
        (PreApplication.TRANSITIONS, Status.CLOSED, Status.RECEIVED),  # never reopened
        (PreApplication.TRANSITIONS, Status.ACCEPTED, Status.PROPOSED),
        (PreApplication.TRANSITIONS, Status.DRAFT, Status.IN_COMMISSION),
        (AllocationRound.TRANSITIONS, AllocationRound.Status.VALIDATED, "running"),
        (AllocationRound.TRANSITIONS, AllocationRound.Status.DRAFT, "running"),
        (Application.ANSWERS, Answer.ACCEPTED, Answer.REFUSED),
        (Application.ANSWERS, "", Answer.ACCEPTED),
        (ImportJob.TRANSITIONS, ImportJob.State.DONE, ImportJob.State.VALIDATING),
    ],
)
def test_an_undeclared_move_raises(transitions, current, target):
    assert not transitions.allows(current, target)
    with pytest.raises(TransitionError):
        transitions.check(current, target)


def test_staying_in_a_state_is_not_a_change():
    assert PreApplication.TRANSITIONS.allows(Status.PROPOSED, Status.PROPOSED)


def test_a_map_names_only_states_it_declares():
    with pytest.raises(ValueError, match="without an entry"):
        Transitions("status", {"a": {"b"}})


@pytest.mark.django_db
def test_set_status_refuses_an_undeclared_move_and_writes_nothing():
    pre = make_pre_application(status=Status.CLOSED, closed_reason="withdrawn")
    with pytest.raises(TransitionError):
        history.set_status(pre, Status.RECEIVED)
    pre.refresh_from_db()
    assert pre.status == Status.CLOSED and not pre.events.exists()


@pytest.mark.django_db
def test_change_all_moves_every_row_or_none():
    waiting = [make_pre_application(), make_pre_application(status=Status.COMPLETE)]
    closed = make_pre_application(status=Status.CLOSED, closed_reason="withdrawn")
    rows = PreApplication.objects.filter(pk__in=[p.pk for p in [*waiting, closed]])
    with pytest.raises(TransitionError):
        PreApplication.TRANSITIONS.change_all(rows, Status.IN_COMMISSION)
    assert not PreApplication.objects.filter(status=Status.IN_COMMISSION).exists()
    moved = PreApplication.TRANSITIONS.change_all(rows.exclude(pk=closed.pk), Status.IN_COMMISSION)
    assert moved == 2
    assert set(rows.values_list("status", flat=True)) == {Status.IN_COMMISSION, Status.CLOSED}
