"""Confirmation of interest: a waiting list that is kept current.

A pré-demande waiting for a place (received, complete, or after a refused place) must be
confirmed every ``SDSF_FAMILY_CONFIRMATION_MONTHS`` months: otherwise commissions rank children
whose parents found another solution long ago. The ``confirm_interest`` command (daily):

1. asks the families whose last confirmation (or submission) is older than the period: an e-mail
   with a signed one-click link (no password: the link names the pré-demande and is valid for the
   notice period), ``confirmation_requested_at`` set, a *rappel* event;
2. archives the pré-demandes still unconfirmed ``SDSF_FAMILY_CONFIRMATION_NOTICE_DAYS`` days after
   the question (closed, *archivée*), with a notice e-mail.

Files in commission or with a place proposed are not asked (the commission or the proposal
answers the question). **Families without an e-mail address** (filed at the guichet unique) are
never archived by the command: they are listed (command output, desk list « à appeler ») for an
agent to call them and confirm their interest at the desk. Archiving someone who was never told
would be silent, and the desk is where they chose to be reached.

Every step is idempotent: running the command twice the same day changes nothing more.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.core import signing
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.db.models.functions import Coalesce, Greatest
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from sdsf.core import clock
from sdsf.core.links import public_url
from sdsf.families import history
from sdsf.families.models import Event, PreApplication

SALT = "sdsf.families.confirm-interest"
Status = PreApplication.Status
# Statuses where the family waits and must say it still needs a place.
WAITING_STATUSES = (Status.RECEIVED, Status.COMPLETE, Status.REFUSED)


def period_start(now: datetime) -> datetime:
    """Confirmations older than this are due (the period counted in 30-day months)."""
    return now - timedelta(days=30 * settings.SDSF_FAMILY_CONFIRMATION_MONTHS)


def notice_start(now: datetime) -> datetime:
    return now - timedelta(days=settings.SDSF_FAMILY_CONFIRMATION_NOTICE_DAYS)


def _with_last(queryset: QuerySet) -> QuerySet:
    """Annotates ``last_confirmed``: the latest of confirmation and submission."""
    return queryset.annotate(
        last_confirmed=Greatest(
            Coalesce("confirmed_at", "submitted_at"), Coalesce("submitted_at", "confirmed_at")
        )
    )


def _contactable() -> Q:
    return ~Q(email="") | Q(family__isnull=False)


def due(now: datetime, queryset: QuerySet | None = None) -> QuerySet:
    """Waiting pré-demandes whose confirmation is due and not yet asked since the last one."""
    queryset = PreApplication.objects.all() if queryset is None else queryset
    return (
        _with_last(queryset.filter(status__in=WAITING_STATUSES))
        .filter(last_confirmed__lt=period_start(now))
        .filter(
            Q(confirmation_requested_at__isnull=True)
            | Q(confirmation_requested_at__lt=F("last_confirmed"))
        )
    )


def to_call(now: datetime, queryset: QuerySet | None = None) -> QuerySet:
    """Due pré-demandes without any e-mail address: the guichet unique calls the family."""
    return due(now, queryset).exclude(_contactable())


def to_archive(now: datetime) -> QuerySet:
    """Asked, not confirmed since, and the notice period is over."""
    return (
        _with_last(PreApplication.objects.filter(status__in=WAITING_STATUSES))
        .filter(confirmation_requested_at__gt=F("last_confirmed"))
        .filter(confirmation_requested_at__lt=notice_start(now))
    )


def address(pre: PreApplication) -> str:
    return pre.email or (pre.family.user.email if pre.family_id else "")


def token(pre: PreApplication) -> str:
    return signing.TimestampSigner(salt=SALT).sign(str(pre.pk))


def link(pre: PreApplication) -> str:
    return public_url("families:confirm_interest", token=token(pre))


def _mail(pre: PreApplication, subject: str, template: str, context: dict) -> None:
    send_mail(
        subject,
        render_to_string(template, {"pre": pre, **context}),
        None,
        [address(pre)],
    )


@dataclass
class Run:
    asked: list[str] = field(default_factory=list)
    archived: list[str] = field(default_factory=list)
    to_call: list[str] = field(default_factory=list)


def run(now: datetime | None = None, *, dry_run: bool = False) -> Run:
    """Asks, then archives (see module); with ``dry_run`` only says what it would do."""
    now = now or clock.now()
    result = Run(
        to_call=list(to_call(now).order_by("reference").values_list("reference", flat=True))
    )
    notice_days = settings.SDSF_FAMILY_CONFIRMATION_NOTICE_DAYS
    for pre in to_archive(now).select_related("family__user").order_by("reference"):
        result.archived.append(pre.reference)
        if not dry_run:
            archive(pre)
    asking = due(now).filter(_contactable()).select_related("family__user").order_by("reference")
    for pre in asking:
        result.asked.append(pre.reference)
        if dry_run:
            continue
        with transaction.atomic():
            pre.confirmation_requested_at = now
            pre.save(update_fields=["confirmation_requested_at", "updated_at"])
            history.record(
                pre, Event.Kind.REMINDER, note=_("Confirmation de l'intérêt demandée."), at=now
            )
        _mail(
            pre,
            _("Confirmez votre pré-demande %(reference)s") % {"reference": pre.reference},
            "families/privacy/interest_email.txt",
            {
                "link": link(pre),
                "deadline": now + timedelta(days=notice_days),
                "months": settings.SDSF_FAMILY_CONFIRMATION_MONTHS,
            },
        )
    return result


@transaction.atomic
def archive(pre: PreApplication) -> None:
    history.set_status(pre, Status.CLOSED, closed_reason=PreApplication.ClosedReason.ARCHIVED)
    transaction.on_commit(
        lambda: _mail(
            pre,
            _("Votre pré-demande %(reference)s est archivée") % {"reference": pre.reference},
            "families/privacy/archived_email.txt",
            {"public_url": public_url("families:apply")},
        )
    )


@transaction.atomic
def confirm(pre: PreApplication, *, actor=None, by_agent: bool = False) -> bool:
    """Records the family's confirmation; False when the pré-demande no longer waits."""
    if pre.status not in WAITING_STATUSES:
        return False
    pre.confirmed_at = clock.now()
    pre.save(update_fields=["confirmed_at", "updated_at"])
    history.record(pre, Event.Kind.CONFIRMED, actor=actor, by_agent=by_agent)
    return True


def from_token(value: str) -> PreApplication | None:
    """The pré-demande a confirmation link names, while the link is valid."""
    try:
        pk = signing.TimestampSigner(salt=SALT).unsign(
            value, max_age=timedelta(days=settings.SDSF_FAMILY_CONFIRMATION_NOTICE_DAYS)
        )
    except signing.BadSignature:
        return None
    return PreApplication.objects.filter(pk=pk).first()
