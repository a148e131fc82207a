"""Retention of the audit log: events are kept ``SDSF_AUDIT_RETENTION_MONTHS`` 30-day months.

The CNIL recommends keeping access logs between 6 months and a year (reasons for the default in
``docs/personal-data.md``); a setting outside those bounds is refused. ``sdsf
purge_personal_data`` (families app) runs :func:`purge` with the families' own purge, daily. The
rows of the login lockout whose cool-off is over go at the same time
(:func:`sdsf.audit.logins.purge_lockout_attempts`).
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from sdsf.audit.log import record
from sdsf.audit.logins import purge_lockout_attempts
from sdsf.audit.models import AuditEvent
from sdsf.core import clock

MONTHS = range(6, 13)


def cutoff(now: datetime) -> datetime:
    """Events older than this are past their retention period."""
    months = settings.SDSF_AUDIT_RETENTION_MONTHS
    if months not in MONTHS:
        raise ImproperlyConfigured(
            f"SDSF_AUDIT_RETENTION_MONTHS must be between {MONTHS[0]} and {MONTHS[-1]}"
        )
    return now - timedelta(days=30 * months)


@dataclass(frozen=True)
class Purge:
    events: int
    lockout_attempts: int


def purge(now: datetime | None = None, *, dry_run: bool = False) -> Purge:
    """Deletes the events past their period and the expired lockout rows (or counts the events
    only, with ``dry_run``); the purge itself is an event (a count, no territory)."""
    now = now or clock.now()
    limit = cutoff(now)
    if dry_run:
        return Purge(AuditEvent.objects.filter(at__lt=limit).count(), 0)
    events = AuditEvent.objects.purge_before(limit, now=now)
    attempts = purge_lockout_attempts(now)
    if events:
        record(
            None,
            AuditEvent.Action.DELETE,
            detail=f"purge : {events} événements d'audit (durée de conservation)",
        )
    return Purge(events, attempts)
