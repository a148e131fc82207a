"""Attaching a file filed at the guichet unique to a family account, with the family's consent.

An agent never chooses the account: they send an invitation to the address recorded on the file
(:func:`send`). The e-mail holds a signed link, valid ``SDSF_FAMILY_INVITATION_DAYS`` days, and
no data of the file (the address may be mistyped). The family logs in, or signs up and verifies
its address, and from its own space sees a summary (child's first name, commune, date filed;
no document) and accepts or declines (:func:`accept`, :func:`decline`). Only on acceptance is the
file attached, with a history event and an audit event.

An invitation is bound to its address: only an account opened with that address, verified, may
answer it, and only while the file still carries that address and has no account. A new
invitation replaces the pending one. The desk's message after sending is the same whether an
account exists for the address or not, and the e-mail is the same too: the desk learns nothing
of the family's accounts until the family accepts.
"""

from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from sdsf.audit.log import record
from sdsf.audit.models import AuditEvent
from sdsf.core import clock
from sdsf.families import history
from sdsf.families.applications import ApplicationError
from sdsf.families.models import Event, Family, Invitation, PreApplication

SALT = "sdsf.families.invitation"
State = Invitation.State
Status = PreApplication.Status


def _days() -> int:
    return settings.SDSF_FAMILY_INVITATION_DAYS


def _digest(email: str) -> str:
    # The link names the address by a digest: no e-mail address in URLs or server logs.
    return salted_hmac(SALT, email.lower()).hexdigest()[:20]


def token(invitation: Invitation) -> str:
    return signing.TimestampSigner(salt=SALT).sign(f"{invitation.pk}.{_digest(invitation.email)}")


def from_token(value: str) -> Invitation | None:
    """The invitation a link names, while the link is valid (None: wrong or too old)."""
    try:
        unsigned = signing.TimestampSigner(salt=SALT).unsign(value, max_age=timedelta(days=_days()))
    except signing.BadSignature:
        return None
    pk, _sep, digest = unsigned.partition(".")
    invitation = (
        Invitation.objects.select_related("pre_application__home_commune")
        .filter(pk=pk if pk.isdigit() else None)
        .first()
    )
    if invitation is None or _digest(invitation.email) != digest:
        return None
    return invitation


def refusal(pre: PreApplication) -> str | None:
    """Why the desk cannot invite for this file (None: it can)."""
    if pre.family_id:
        return _("Ce dossier est déjà rattaché à un compte famille.")
    if not pre.email:
        return _("Le dossier n'a pas d'adresse e-mail : ajoutez-la à l'étape « Le parent ».")
    if pre.status == Status.DRAFT:
        return _("Déposez d'abord la pré-demande.")
    if pre.status == Status.CLOSED:
        return _("Cette pré-demande est close.")
    return None


def _expire_pending(pre: PreApplication, now) -> None:
    pre.invitations.filter(state=State.SENT, expires_at__gt=now).update(expires_at=now)


def send(request, pre: PreApplication, language: str) -> Invitation:
    """Sends an invitation to the file's address, in ``language``; replaces a pending one."""
    reason = refusal(pre)
    if reason:
        raise ApplicationError(reason)
    now = clock.now()
    with transaction.atomic():
        _expire_pending(pre, now)
        invitation = Invitation.objects.create(
            pre_application=pre,
            email=pre.email.lower(),
            language=language,
            sent_by=request.user,
            sent_at=now,
            expires_at=now + timedelta(days=_days()),
        )
        record(request, AuditEvent.Action.UPDATE, [pre], detail="invitation au rattachement")
        if pre.language != language:  # the agent chose the family's language: its letters too
            pre.language = language
            pre.save(update_fields=["language"])
    link = request.build_absolute_uri(
        reverse("families:invitation", kwargs={"token": token(invitation)})
    )
    with translation.override(language):
        send_mail(
            _("Suivez en ligne la pré-demande déposée pour votre enfant"),
            render_to_string(
                "families/invitation/invitation_email.txt", {"link": link, "days": _days()}
            ),
            None,
            [invitation.email],
        )
    return invitation


def pending_for(family: Family) -> QuerySet[Invitation]:
    """Invitations the family may answer now: to its verified address, on a file still without
    account and still at that address."""
    if not family.email_verified:
        return Invitation.objects.none()
    email = family.user.email.lower()
    return Invitation.objects.filter(
        email=email,
        state=State.SENT,
        expires_at__gt=clock.now(),
        pre_application__family__isnull=True,
        pre_application__email__iexact=email,
    ).select_related("pre_application__home_commune")


def check_answerable(invitation: Invitation, family: Family) -> None:
    """Raises the reason this family cannot answer (its address first: a wrong account learns
    nothing of the file)."""
    if family.user.email.lower() != invitation.email:
        raise ApplicationError(
            _(
                "Cette invitation a été envoyée à une autre adresse e-mail que celle de votre "
                "compte. Connectez-vous avec le compte ouvert à cette adresse, ou créez-le avec "
                "elle."
            )
        )
    if not family.email_verified:
        raise ApplicationError(
            _("Vérifiez d'abord l'adresse e-mail de votre compte avec le lien que vous avez reçu.")
        )
    pre = invitation.pre_application
    if (
        invitation.status != State.SENT
        or pre.family_id is not None
        or pre.email.lower() != invitation.email
        or pre.status == Status.CLOSED
    ):
        raise ApplicationError(
            _("Cette invitation n'est plus valable. Demandez-en une nouvelle au guichet unique.")
        )


def _answer(invitation: Invitation, family: Family, state: str) -> Invitation:
    """Locks the invitation and its file, checks again, and records the answer."""
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    invitation.pre_application = PreApplication.objects.select_for_update().get(
        pk=invitation.pre_application_id
    )
    check_answerable(invitation, family)
    invitation.state, invitation.answered_at = state, clock.now()
    invitation.answered_by = family.user
    invitation.save(update_fields=["state", "answered_at", "answered_by"])
    return invitation


@transaction.atomic
def accept(request, invitation: Invitation, family: Family) -> PreApplication:
    invitation = _answer(invitation, family, State.ACCEPTED)
    pre = invitation.pre_application
    pre.family = family
    pre.save(update_fields=["family", "updated_at"])
    _expire_pending(pre, invitation.answered_at)
    history.record(pre, Event.Kind.ATTACHED, actor=family.user)
    record(request, AuditEvent.Action.UPDATE, [pre], detail="rattachement accepté par la famille")
    return pre


@transaction.atomic
def decline(request, invitation: Invitation, family: Family) -> None:
    invitation = _answer(invitation, family, State.DECLINED)
    record(
        request,
        AuditEvent.Action.UPDATE,
        [invitation.pre_application],
        detail="rattachement refusé par la famille",
    )
