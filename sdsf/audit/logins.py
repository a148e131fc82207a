"""Logins, logouts and failed logins: what the audit log and the lockout keep of them.

- A login or a logout is an event of the person, placed in the départements it concerns.
- A failed login names the account only when the address typed is one: the event then holds that
  account (and its snapshot), never the text typed. An address that matches no account (often a
  mistyped one, sometimes a password typed in the wrong field) is not kept at all: the event says
  only that a login failed, from which IP address.
- django-axes counts failures per (address typed, IP address) to lock an account out for
  ``AXES_COOLOFF_TIME``. It stores the address it is given: :func:`lockout_username` gives it a
  keyed digest instead (same address, same digest, so the lockout works; the text cannot be read
  back). Its rows are deleted once their cool-off is over (:func:`purge_lockout_attempts`, run by
  ``sdsf purge_personal_data``, and by axes itself at the next login); its log of successful
  logins is off (``AXES_DISABLE_ACCESS_LOG``): the audit log keeps them, with its retention.
"""

from datetime import datetime, timedelta

from axes.models import AccessAttempt, AccessFailureLog
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.utils.crypto import salted_hmac

from sdsf.accounts.models import User
from sdsf.audit.log import record
from sdsf.audit.models import AuditEvent
from sdsf.core import clock

SALT = "sdsf.audit.lockout-username"


@receiver(user_logged_in)
def on_login(sender, request, user, **kwargs):
    record(request, AuditEvent.Action.LOGIN, user=user)


@receiver(user_logged_out)
def on_logout(sender, request, user, **kwargs):
    if user is not None:
        record(request, AuditEvent.Action.LOGOUT, user=user)


def _typed(credentials: dict | None) -> str:
    value = (credentials or {}).get(settings.AXES_USERNAME_FORM_FIELD) or ""
    return str(value).strip().lower()


@receiver(user_login_failed)
def on_login_failed(sender, credentials, request=None, **kwargs):
    typed = _typed(credentials)
    account = User.objects.filter(email__iexact=typed).first() if typed else None
    record(request, AuditEvent.Action.LOGIN_FAILED, user=account or AnonymousUser())


def lockout_username(request, credentials: dict | None = None) -> str | None:
    """``AXES_USERNAME_CALLABLE``: the address typed, as a keyed digest (see module)."""
    if credentials is None and request is not None:
        credentials = getattr(request, "POST", None)
    typed = _typed(credentials)
    return salted_hmac(SALT, typed, algorithm="sha256").hexdigest() if typed else None


def purge_lockout_attempts(now: datetime | None = None) -> int:
    """Deletes the lockout's rows whose cool-off is over; returns how many."""
    limit = (now or clock.now()) - timedelta(hours=settings.AXES_COOLOFF_TIME)
    attempts, _ = AccessAttempt.objects.filter(attempt_time__lt=limit).delete()
    failures, _ = AccessFailureLog.objects.filter(attempt_time__lt=limit).delete()
    return attempts + failures
