"""Invitations of agents: a signed link, valid a few days, to choose one's password.

The link names the account and a digest of its password state: once the person has chosen a
password the link no longer works, and it never works for a deactivated account. E-mails are
sent after the transaction commits (an account rolled back receives nothing); their links use
``SDSF_PUBLIC_URL`` (:mod:`sdsf.core.links`).
"""

from django.conf import settings
from django.core import signing
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils.crypto import salted_hmac

from sdsf.accounts.models import User
from sdsf.core import links

SALT = "sdsf.accounts.invitation"


def _state(user: User) -> str:
    return salted_hmac(SALT, f"{user.pk}.{user.password}.{user.is_active}").hexdigest()[:20]


def token(user: User) -> str:
    return signing.TimestampSigner(salt=SALT).sign(f"{user.pk}.{_state(user)}")


def link(user: User) -> str:
    return links.public_url("accounts:welcome", token=token(user))


def person_of(value: str) -> User | None:
    """The invited account, or None when the link is altered, expired, already used, or the
    account deactivated."""
    try:
        text = signing.TimestampSigner(salt=SALT).unsign(
            value, max_age=settings.SDSF_INVITATION_DAYS * 86400
        )
    except signing.BadSignature:
        return None
    pk, _, state = text.partition(".")
    user = User.objects.filter(pk=pk, is_active=True).first() if pk.isdigit() else None
    return user if user is not None and state == _state(user) else None


def send(user: User, sent_by: User | None = None) -> str:
    """Sends the invitation e-mail once the transaction commits; returns the link."""
    url = link(user)
    body = render_to_string(
        "accounts/invitation.txt",
        {"user": user, "sent_by": sent_by, "link": url, "days": settings.SDSF_INVITATION_DAYS},
    )
    transaction.on_commit(
        lambda: send_mail(
            "Votre compte sur la plateforme des services aux familles",
            body,
            settings.DEFAULT_FROM_EMAIL,
            [user.email],
        )
    )
    return url
