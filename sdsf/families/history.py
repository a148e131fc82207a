"""A pré-demande's status changes and its history, written one way.

Every module that moves a pré-demande (the family's steps, the confirmation of interest, the merge
of duplicates, the commission's intake, proposals and answers) goes through :func:`set_status`
and :func:`record`, so that the status, the closing reason and the
:class:`~sdsf.families.models.Event` shown to the family and to the guichet unique always agree.
The commission's intake, which moves thousands of files in one statement, builds the same events
with :func:`events` for a ``bulk_create``.

A draft's steps are not events: a history is the draft's creation, then every change from its
submission on. The rule lives here rather than in the steps (:mod:`sdsf.families.applications`)
because it says what a history contains, whoever writes to it: a new step, or an agent acting on
a draft, cannot forget it. Creation is the one event of a draft: it opens the history.
"""

from collections.abc import Iterable, Sequence
from datetime import datetime

from sdsf.core import clock
from sdsf.families.models import Event, PreApplication

Status = PreApplication.Status


def events(
    pres: Iterable[PreApplication],
    kind: str,
    *,
    note: str = "",
    note_params: dict | None = None,
    actor=None,
    by_agent: bool = False,
    at: datetime | None = None,
    with_status: bool = True,
) -> list[Event]:
    """Unsaved events, one per pré-demande with its current status (drafts left out, see the
    module), for ``Event.objects.bulk_create``.

    ``with_status=False`` for an event that leaves the status as it was and says nothing of it
    (a proposal's reminder, an answer while another proposal still waits): the history shows no
    state beside it.
    """
    at = at or clock.now()
    return [
        Event(
            pre_application=pre,
            at=at,
            kind=kind,
            status=pre.status if with_status else "",
            actor=actor,
            by_agent=by_agent,
            note=note,
            note_params=note_params or {},
        )
        for pre in pres
        if pre.status != Status.DRAFT or kind == Event.Kind.CREATED
    ]


def record(
    pre: PreApplication,
    kind: str,
    *,
    note: str = "",
    note_params: dict | None = None,
    actor=None,
    by_agent: bool = False,
    at: datetime | None = None,
    with_status: bool = True,
) -> None:
    """Writes one event with the pré-demande's current status (nothing for a draft's step).

    ``actor`` is who acted (None: the platform itself); ``by_agent`` tells an agent of the
    guichet unique from the family.
    """
    for event in events(
        [pre],
        kind,
        note=note,
        note_params=note_params,
        actor=actor,
        by_agent=by_agent,
        at=at,
        with_status=with_status,
    ):
        event.save()


def set_status(
    pre: PreApplication,
    status: str,
    *,
    kind: str = Event.Kind.STATUS,
    closed_reason: str = "",
    note: str = "",
    note_params: dict | None = None,
    actor=None,
    by_agent: bool = False,
    extra_fields: Sequence[str] = (),
) -> None:
    """Moves the pré-demande to ``status``, saves it, and records the change as a ``kind`` event.

    Closing needs a ``closed_reason`` (and only closing takes one): the family's page and the
    history say why a file ended; the reason's label is the event's note unless one is given.
    ``extra_fields``: other fields the caller set on ``pre``, saved in the same update.
    """
    if (status == Status.CLOSED) != bool(closed_reason):
        raise ValueError("closed_reason goes with the closed status, and only with it")
    PreApplication.TRANSITIONS.check(pre.status, status)
    fields = ["status", *extra_fields, "updated_at"]
    pre.status = status
    if pre.closed_reason != closed_reason:
        pre.closed_reason = closed_reason
        fields.append("closed_reason")
    pre.save(update_fields=fields)
    if closed_reason and not note:
        note = str(pre.get_closed_reason_display())
    record(pre, kind, note=note, note_params=note_params, actor=actor, by_agent=by_agent)
