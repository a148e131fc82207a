"""The end of an emergency period: periods past their last day are closed, and the personal
data of closed periods (requests, children, days asked, proposals) is deleted
``SDSF_EMERGENCY_RETENTION_DAYS`` after the period's last day. The period itself, its
categories, the places declared and the daily figures hold no personal data and stay."""

from datetime import timedelta

from django.conf import settings
from django.db import transaction

from sdsf.core import clock
from sdsf.emergency.models import EmergencyPeriod, EmergencyRequest


def close_ended(today=None) -> int:
    """Closes the open periods whose last day has passed; returns how many."""
    today = today or clock.today()
    ended = EmergencyPeriod.objects.filter(status=EmergencyPeriod.Status.OPEN, ends_on__lt=today)
    return ended.update(status=EmergencyPeriod.Status.CLOSED, closed_at=clock.now())


def expired_requests(today=None):
    today = today or clock.today()
    limit = today - timedelta(days=settings.SDSF_EMERGENCY_RETENTION_DAYS)
    return EmergencyRequest.objects.filter(
        period__status=EmergencyPeriod.Status.CLOSED, period__ends_on__lt=limit
    )


def purge(today=None, dry_run: bool = False) -> int:
    """Deletes the requests past their retention (children, days and proposals with them)."""
    with transaction.atomic():
        expired = expired_requests(today)
        count = expired.count()
        if not dry_run:
            expired.delete()
    return count
