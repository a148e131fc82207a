"""A round on the database with the places commissions count: pooled capacity, enrolments who
stay or leave, declared vacancies, part-time needs, twins and a transfer."""

import datetime

import pytest
from django.test import RequestFactory

from sdsf.accounts.models import Role
from sdsf.allocation import answers, rounds, vacancies
from sdsf.allocation.models import AllocationRound, Application, Vacancy
from sdsf.core import clock
from sdsf.offer import days
from sdsf.offer.models import Enrolment, Section
from sdsf.territories.models import Level
from tests.allocation.test_commission import _round
from tests.allocation.test_rounds import COMMUNE, START, _structure
from tests.factories import make_user

pytestmark = pytest.mark.django_db
BEFORE = START - datetime.timedelta(days=1)


def _enrol(structure, reference, section="older", needs="", end=None):
    return Enrolment.objects.create(
        structure=structure,
        reference=reference,
        section=section,
        days=days.parse(needs),
        start=datetime.date(2025, 9, 1),
        planned_end=end,
    )


def _apply(allocation_round, reference, wishes, points=0, section="older", **fields):
    return Application.objects.create(
        round=allocation_round,
        reference=reference,
        section=section,
        submitted_on=datetime.date(2026, 1, 1),
        wishes=[w.identifier for w in wishes],
        points=points,
        **fields,
    )


def _outcome(allocation_round) -> dict:
    return {
        a.reference: a.proposed_structure.identifier if a.proposed_structure else None
        for a in allocation_round.applications.select_related("proposed_structure")
    }


def test_a_pool_less_the_children_who_stay_serves_every_section_per_day():
    pool = _structure("EAJE-POOL", {"all": 2})
    _enrol(pool, "STAYS")
    _enrol(pool, "MON-TUE", "middle", "lu|ma")
    coming = clock.today() + datetime.timedelta(days=60)  # a departure still to come
    _enrol(pool, "LEAVES", end=coming - datetime.timedelta(days=1))
    item = _round(starts_on=coming)
    _apply(item, "PART", [pool], 10, Section.BABIES, days=days.parse("me|je|ve"))
    _apply(item, "FULL", [pool], 100, Section.BABIES)
    assert rounds.run(item) == 1
    assert _outcome(item) == {"PART": "EAJE-POOL", "FULL": None}
    figures = rounds.round_places(item, [pool]).figures[0]
    assert (figures.capacity, figures.enrolled, figures.leaving, figures.offered) == (2, 3, 1, 1)
    item.refresh_from_db()
    assert "calcul exact" in item.progress_note


def test_a_declaration_replaces_the_count():
    pool = _structure("EAJE-POOL", {"all": 2})
    _enrol(pool, "STAYS")
    _enrol(pool, "STAYS-TOO")
    item = _round()
    for n in range(3):
        _apply(item, f"A{n}", [pool], n)
    assert rounds.run(item) == 0
    Vacancy.objects.create(round=item, structure=pool, section="all", places=2, leaving=2)
    assert rounds.run(item) == 2
    figures = rounds.round_places(item, [pool]).figures[0]
    assert figures.uses_declaration and (figures.declared, figures.offered) == (2, 2)


def test_twins_are_placed_together_or_not_at_all():
    pool = _structure("EAJE-TWINS", {"older": 2})
    item = _round()
    _apply(item, "BEST", [pool], 100)
    _apply(item, "TWIN-1", [pool], 50, group="T")
    _apply(item, "TWIN-2", [pool], 50, group="T")
    _apply(item, "ALONE", [pool], 10)
    rounds.run(item)
    assert _outcome(item) == {
        "BEST": "EAJE-TWINS",
        "TWIN-1": None,
        "TWIN-2": None,
        "ALONE": "EAJE-TWINS",
    }


def test_twins_must_share_their_application():
    pool = _structure("EAJE-TWINS", {"older": 2})
    item = _round()
    _apply(item, "TWIN-1", [pool], 50, group="T")
    _apply(item, "TWIN-2", [pool], 40, group="T")
    with pytest.raises(rounds.RoundError, match="TWIN-1, TWIN-2"):
        rounds.run(item)


def test_a_transfer_keeps_its_place_unless_it_gets_a_better_one_which_another_child_takes():
    here = _structure("EAJE-HERE", {"all": 1})
    there = _structure("EAJE-THERE", {"all": 1})
    _enrol(here, "MOVING")
    item = _round()
    _apply(item, "MOVER", [there], 0, current_structure=here)
    _apply(item, "NEXT", [here], 0)
    rival = _apply(item, "RIVAL", [there], 100)
    rounds.run(item)
    assert _outcome(item) == {"MOVER": None, "NEXT": None, "RIVAL": "EAJE-THERE"}
    rival.delete()
    item.status = AllocationRound.Status.PUBLISHED
    item.save()
    rounds.run(item)
    assert _outcome(item) == {"MOVER": "EAJE-THERE", "NEXT": "EAJE-HERE"}
    # Accepted, the move is in the registry: enrolled there, gone from here the day before.
    request = RequestFactory().post("/")
    request.user = make_user(Role.COMMUNE_AGENT, Level.COMMUNE, COMMUNE)
    rounds.validate(request, item)
    answers.accept(request, item.applications.get(reference="MOVER"), by_agent=True)
    assert Enrolment.objects.get(structure=there).start == START
    assert Enrolment.objects.get(reference="MOVING").planned_end == BEFORE


def test_a_structure_manager_declares_for_its_own_structures_only():
    mine = _structure("EAJE-MINE", {"all": 10})
    item = _round()
    agent = make_user(Role.COMMUNE_AGENT, Level.COMMUNE, "93048")  # Montreuil
    with pytest.raises(vacancies.DeclarationError, match="hors de votre périmètre"):
        vacancies.declare(agent, item, mine, [("all", 3, days.ALL_DAYS)], 0)
    local = make_user(Role.COMMUNE_AGENT, Level.COMMUNE, COMMUNE)
    vacancies.declare(local, item, mine, [("all", 3, days.parse("lu|ma"))], 2)
    assert Vacancy.objects.get().days == days.parse("lu|ma")
    item.status = AllocationRound.Status.VALIDATED
    item.save()
    with pytest.raises(vacancies.DeclarationError, match="validée"):
        vacancies.declare(local, item, mine, [], 0)


def test_the_places_of_one_structure_ignore_transfers_from_others():
    here = _structure("EAJE-HERE", {"all": 1})
    there = _structure("EAJE-THERE", {"all": 3})
    item = _round()
    _apply(item, "MOVER", [there], 0, current_structure=here)
    assert rounds.round_places(item, [there]).figures[0].offered == 3


def test_waiting_list_siblings_must_match_and_days_are_checked():
    import io

    from sdsf.allocation.waiting_list import import_waiting_list
    from sdsf.core.imports import ImportFailed

    _structure("EAJE-LILAS", {"older": 2})
    item = _round()
    text = (
        "reference,section,date_demande,insertion,voeux,criteres,jours,fratrie\n"
        "T1,grands,2026-01-01,non,EAJE-LILAS,residence,,J\n"
        "T2,grands,2026-01-02,non,EAJE-LILAS,residence,,J\n"
        "P1,grands,2026-01-01,non,EAJE-LILAS,residence,lu|di,\n"
    )
    with pytest.raises(ImportFailed) as failed:
        import_waiting_list(item, io.BytesIO(text.encode()), "liste.csv")
    report = failed.value.report()
    assert "Ligne 3, colonne « fratrie » : la fratrie « J »" in report
    assert "Ligne 4, colonne « jours » : jour « di » inconnu" in report
