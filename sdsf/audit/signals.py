"""Logins, logouts and failed logins go to the audit log (the e-mail tried stays out of logs)."""

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from sdsf.audit.log import record
from sdsf.audit.models import AuditEvent


@receiver(user_logged_in)
def on_login(sender, request, user, **kwargs):
    record(request, AuditEvent.Action.LOGIN, user=user)


@receiver(user_logged_out)
def on_logout(sender, request, user, **kwargs):
    if user is not None:
        record(request, AuditEvent.Action.LOGOUT, user=user)


@receiver(user_login_failed)
def on_login_failed(sender, credentials, request=None, **kwargs):
    # The address tried is kept in the audit table (not in application logs) to trace attacks.
    record(
        request,
        AuditEvent.Action.LOGIN_FAILED,
        detail=f"identifiant tenté : {credentials.get('username', '')}"[:300],
    )
