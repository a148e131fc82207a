"""Proposals of a validated round and the families' answers; the places they free.

Rules (also in docs/glossary.md):

- On validation, every application with a final structure gets a proposal to answer within the
  round's ``answer_days``; its pré-demande becomes "place proposée". Every family with an
  e-mail address receives its decision letter attached (:mod:`sdsf.allocation.letters`). An
  online application without a place goes back to its waiting status and stays active for the
  next round.
- Accepting closes the pré-demande for every other round (status "place acceptée"; any other
  proposal still pending for it is withdrawn) and enrols the child in the registry from the
  round's start date (a child changing structure leaves its former one the day before).
  Refusing needs a reason; the pré-demande stays active for the next rounds (status "place
  refusée"). A proposal not answered by its deadline expires and counts as refused. Refused
  and expired places go back to the next round (:func:`sdsf.allocation.rounds.held_places`),
  and so does a place an agent marks vacated.
"""

from collections.abc import Callable
from datetime import date, timedelta
from functools import partial

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Case, When
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from sdsf.allocation.models import AllocationRound, Answer, Application
from sdsf.audit.log import record
from sdsf.audit.models import AuditEvent
from sdsf.core import clock, formats
from sdsf.core.links import public_url
from sdsf.families import history
from sdsf.families.models import Event, PreApplication
from sdsf.offer.models import Enrolment

WAITING = (PreApplication.Status.RECEIVED, PreApplication.Status.COMPLETE)


class AnswerError(Exception):
    """The answer is not possible (message in French)."""


def final_structure(application: Application):
    return (
        application.decided_structure if application.overridden else application.proposed_structure
    )


def waiting_status(pre: PreApplication) -> str:
    """The waiting status the pré-demande had before entering commission (received or
    complete), read from its history."""
    last = (
        pre.events.filter(status__in=WAITING)
        .order_by("-at", "-pk")
        .values_list("status", flat=True)
    ).first()
    return last or PreApplication.Status.RECEIVED


def family_address(pre: PreApplication) -> str:
    return pre.email or (pre.family.user.email if pre.family_id else "")


def _mail(pre: PreApplication, compose: Callable[[], tuple[str, list[str]]]) -> None:
    """E-mail to the family after the transaction commits (no child data in the subject), in
    the family's language: ``compose`` returns the subject and paragraphs, called in it."""
    address = family_address(pre)
    if not address:
        return
    with translation.override(pre.language):
        subject, lines = compose()
        link = public_url("families:application", reference=pre.reference)
        body = "\n\n".join([_("Bonjour,"), *lines, link])
    transaction.on_commit(lambda: send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [address]))


def issue_proposals(allocation_round: AllocationRound, on: date, actor=None) -> int:
    """Turns a validated round's decisions into proposals; returns how many were made."""
    deadline = on + timedelta(days=allocation_round.answer_days)
    applications = list(
        allocation_round.applications.select_related(
            "pre_application__family__user", "proposed_structure", "decided_structure"
        )
    )
    placed = [a for a in applications if a.final_structure_id is not None]
    for application in placed:
        Application.ANSWERS.check(application.answer, Answer.PENDING)
        application.answer, application.answer_deadline = Answer.PENDING, deadline
    Application.objects.bulk_update(placed, ["answer", "answer_deadline"], batch_size=2000)
    for application in applications:
        pre = application.pre_application
        if pre is None:
            continue
        if application.final_structure_id is not None:
            _propose(pre, final_structure(application).name, deadline, actor)
        else:
            _no_place(pre, allocation_round, actor)
    return len(placed)


def _propose(pre: PreApplication, structure: str, deadline: date, actor) -> None:
    note = {
        "note": gettext_noop(
            "Place proposée à %(structure)s ; réponse attendue au plus tard le %(date)s."
        ),
        "note_params": {"structure": structure, "date": formats.date(deadline)},
    }
    if pre.active:
        history.set_status(
            pre,
            PreApplication.Status.PROPOSED,
            kind=Event.Kind.PROPOSAL,
            actor=actor,
            by_agent=True,
            **note,
        )
    else:  # closed or accepted elsewhere since the intake: it stays so (no declared move back)
        history.record(
            pre, Event.Kind.PROPOSAL, actor=actor, by_agent=True, with_status=False, **note
        )


def _no_place(pre: PreApplication, allocation_round: AllocationRound, actor) -> None:
    note = {
        "note": gettext_noop(
            "Commission « %(commission)s » : aucune place n'a pu être proposée. La demande "
            "reste active pour la prochaine commission."
        ),
        "note_params": {"commission": allocation_round.name},
    }
    if pre.status == PreApplication.Status.IN_COMMISSION:
        history.set_status(pre, waiting_status(pre), actor=actor, by_agent=True, **note)
    else:
        history.record(
            pre, Event.Kind.STATUS, actor=actor, by_agent=True, with_status=False, **note
        )


def _check_open(application: Application, today: date) -> None:
    if application.answer != Answer.PENDING:
        raise AnswerError(_("Cette proposition a déjà reçu une réponse."))
    pre = application.pre_application
    if pre is not None and not pre.active:  # withdrawn, or a place accepted elsewhere
        raise AnswerError(_("La pré-demande est close : la proposition ne peut plus être reçue."))
    if application.answer_deadline and today > application.answer_deadline:
        raise AnswerError(_("Le délai de réponse est dépassé."))


def _siblings(application: Application) -> list[Application]:
    """The twins' proposals of the same joint application in the same round: the family
    answers them at once."""
    if application.pre_application_id is None:
        return []
    return list(
        application.round.applications.filter(
            pre_application=application.pre_application_id, answer=Answer.PENDING
        ).exclude(pk=application.pk)
    )


def accept(request, application: Application, *, by_agent: bool, today: date | None = None):
    """The family accepts (for every child of a joint application placed in the round): its
    pré-demande is closed for every other round."""
    _check_open(application, today or clock.today())
    structure = final_structure(application).name
    with transaction.atomic():
        for child in [application, *_siblings(application)]:
            _answer(child, Answer.ACCEPTED, "")
            enrol(child)
        pre = application.pre_application
        if pre is not None:
            for other in pre.round_applications.filter(answer=Answer.PENDING).exclude(
                round=application.round
            ):
                _answer(other, Answer.REFUSED, f"Place acceptée à {structure}.")
            history.set_status(
                pre,
                PreApplication.Status.ACCEPTED,
                kind=Event.Kind.ANSWER,
                note=gettext_noop("Place acceptée à %(structure)s."),
                note_params={"structure": structure},
                actor=request.user,
                by_agent=by_agent,
            )
        record(request, AuditEvent.Action.UPDATE, [application], detail="Proposition acceptée")


def enrol(application: Application) -> Enrolment:
    """An accepted place becomes an enrolment in the registry, from the round's start date,
    with the child's section and days; a child who changes structure leaves its former one
    the day before."""
    start = application.round.starts_on
    enrolment = Enrolment.objects.get_or_create(
        structure=final_structure(application),
        reference=application.reference,
        defaults={"section": application.section, "days": application.days, "start": start},
    )[0]
    application.enrolment = enrolment
    application.save(update_fields=["enrolment"])
    if application.current_structure_id:
        former = (
            Enrolment.objects.present_on(start)
            .filter(structure=application.current_structure_id)
            .order_by(
                # the same child as far as the registry can tell: same section, then days
                Case(When(section=application.section, then=0), default=1),
                Case(When(days=application.days, then=0), default=1),
                "start",
            )
            .first()
        )
        if former is not None:
            former.planned_end = start - timedelta(days=1)
            former.save(update_fields=["planned_end"])
    return enrolment


def refuse(
    request, application: Application, reason: str, *, by_agent: bool, today: date | None = None
):
    """The family refuses, with a reason: the place goes back; the pré-demande stays active."""
    _check_open(application, today or clock.today())
    if not reason.strip():
        raise AnswerError(_("Le motif du refus est obligatoire."))
    with transaction.atomic():
        for child in [application, *_siblings(application)]:
            _answer(child, Answer.REFUSED, reason.strip())
        pre = application.pre_application
        if pre is not None:
            note = gettext_noop("Place refusée : %(reason)s")
            _after_refusal(pre, note, request.user, by_agent, {"reason": reason.strip()})
        record(
            request,
            AuditEvent.Action.UPDATE,
            [application],
            detail=f"Proposition refusée : {reason.strip()}",
        )


def _answer(application: Application, answer: str, reason: str) -> None:
    application.answer_reason, application.answered_at = reason, clock.now()
    Application.ANSWERS.change(application, answer, fields=["answer_reason", "answered_at"])


def _after_refusal(
    pre: PreApplication, note: str, actor, by_agent: bool, params: dict | None = None
) -> None:
    """Refused (or expired): "place refusée", unless another proposal still awaits an answer
    or the pré-demande was closed meanwhile (a closed file is never reopened). ``note`` is a
    message marked for translation, with ``params``."""
    written = {"note": note, "note_params": params, "actor": actor, "by_agent": by_agent}
    if not pre.active or pre.round_applications.filter(answer=Answer.PENDING).exists():
        history.record(pre, Event.Kind.ANSWER, with_status=False, **written)
    else:
        history.set_status(pre, PreApplication.Status.REFUSED, kind=Event.Kind.ANSWER, **written)


def vacate(request, application: Application, on: date, reason: str) -> None:
    """An agent records that the child left its place: the place is free from ``on``."""
    if application.round.status != AllocationRound.Status.VALIDATED or application.answer not in (
        Answer.ACCEPTED,
        Answer.PENDING,
    ):
        raise AnswerError("Seule une place proposée ou acceptée peut être libérée.")
    if not reason.strip():
        raise AnswerError("Le motif est obligatoire.")
    application.vacated_on = on
    application.save(update_fields=["vacated_on"])
    if application.enrolment_id:
        Enrolment.objects.filter(pk=application.enrolment_id).update(
            planned_end=on - timedelta(days=1)
        )
    record(
        request,
        AuditEvent.Action.UPDATE,
        [application],
        detail=f"Place libérée le {formats.date(on)} : {reason.strip()}",
    )


def pending_past(today: date):
    return Application.objects.filter(answer=Answer.PENDING, answer_deadline__lt=today)


def send_reminders(today: date, days_before: int) -> int:
    """One reminder e-mail per proposal ``days_before`` days (or less) before its deadline."""
    due = Application.objects.filter(
        answer=Answer.PENDING,
        reminder_sent_at__isnull=True,
        pre_application__isnull=False,
        answer_deadline__gte=today,
        answer_deadline__lte=today + timedelta(days=days_before),
    ).select_related("pre_application__family__user")
    sent = 0
    for application in due:
        pre = application.pre_application
        when = formats.date(application.answer_deadline)
        with transaction.atomic():
            application.reminder_sent_at = clock.now()
            application.save(update_fields=["reminder_sent_at"])
            history.record(
                pre,
                Event.Kind.REMINDER,
                note=gettext_noop("Rappel : réponse attendue au plus tard le %(date)s."),
                note_params={"date": when},
                with_status=False,
            )
            _mail(pre, partial(_reminder, when))
        sent += 1
    return sent


def _reminder(when: str) -> tuple[str, list[str]]:
    return _("[SDSF] Rappel : une place d'accueil attend votre réponse"), [
        _(
            "Une place vous a été proposée. Répondez au plus tard le %(date)s depuis votre "
            "espace ; sans réponse, elle sera proposée à une autre famille."
        )
        % {"date": when}
    ]


def expire(today: date) -> int:
    """Proposals without an answer past their deadline expire: the place goes back."""
    expired = 0
    for application in pending_past(today).select_related("pre_application"):
        with transaction.atomic():
            _answer(application, Answer.EXPIRED, "")
            if application.pre_application is not None:
                _after_refusal(
                    application.pre_application,
                    gettext_noop(
                        "Proposition expirée sans réponse dans le délai : elle compte comme un "
                        "refus ; la demande reste active pour la prochaine commission."
                    ),
                    None,
                    False,
                )
            record(None, AuditEvent.Action.UPDATE, [application], detail="Proposition expirée")
        expired += 1
    return expired
