"""Family accounts: sign-up, and the verification of the e-mail address by a signed link.

A family account is an :class:`~sdsf.accounts.models.User` without staff role plus a
:class:`~sdsf.families.models.Family`. Families log in, log out and reset their password with
Django's views (and the same lockout as agents). The verification link is signed with the
address it verifies, so it stops working if the address changes; it expires after
``SDSF_FAMILY_VERIFY_MAX_AGE`` seconds.
"""

from django.conf import settings
from django.core import signing
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from sdsf.accounts.models import User
from sdsf.core import clock
from sdsf.families.models import Family

SALT = "sdsf.families.verify-email"


@transaction.atomic
def sign_up(*, email: str, password: str, first_name: str, last_name: str) -> Family:
    user = User.objects.create_user(email, password, first_name=first_name, last_name=last_name)
    return Family.objects.create(user=user)


def _address_digest(email: str) -> str:
    # The link names the address by a digest: no e-mail address in URLs or server logs.
    return salted_hmac(SALT, email.lower()).hexdigest()[:20]


def verification_token(family: Family) -> str:
    return signing.TimestampSigner(salt=SALT).sign(
        f"{family.user_id}.{_address_digest(family.user.email)}"
    )


def send_verification(request, family: Family) -> None:
    link = request.build_absolute_uri(
        reverse("families:verify", kwargs={"token": verification_token(family)})
    )
    context = {"family": family, "link": link, "days": settings.SDSF_FAMILY_VERIFY_MAX_AGE // 86400}
    send_mail(
        _("Vérifiez votre adresse e-mail"),
        render_to_string("families/account/verify_email.txt", context),
        None,
        [family.user.email],
    )


def verify(token: str) -> Family | None:
    """Marks the address verified; None when the link is wrong, expired or for an old address."""
    try:
        value = signing.TimestampSigner(salt=SALT).unsign(
            token, max_age=settings.SDSF_FAMILY_VERIFY_MAX_AGE
        )
    except signing.BadSignature:
        return None
    user_id, _sep, digest = value.partition(".")
    family = Family.objects.select_related("user").filter(user_id=user_id).first()
    if family is None or _address_digest(family.user.email) != digest:
        return None
    if not family.email_verified:
        family.email_verified_at = clock.now()
        family.save(update_fields=["email_verified_at"])
    return family
