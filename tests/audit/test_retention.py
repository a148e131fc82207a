"""Audit events are kept SDSF_AUDIT_RETENTION_MONTHS, then purged with the personal data."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.db import models

from sdsf.audit import retention
from sdsf.audit.logins import purge_lockout_attempts
from sdsf.audit.models import AppendOnlyError, AuditEvent, EventDepartement
from sdsf.core import clock

pytestmark = pytest.mark.django_db


def event_aged(days: int, detail: str) -> AuditEvent:
    item = AuditEvent.objects.create(action="read", detail=detail)
    EventDepartement.objects.create(event=item, departement="93")
    # Tests only: write the date into the past (the log itself offers no way to).
    models.QuerySet.update(
        AuditEvent.objects.filter(pk=item.pk), at=clock.now() - timedelta(days=days)
    )
    return item


def test_events_past_the_period_go_with_their_territory(settings):
    settings.SDSF_AUDIT_RETENTION_MONTHS = 12
    old = event_aged(370, "old")
    kept = event_aged(350, "kept")
    assert retention.purge(dry_run=True).events == 1
    assert AuditEvent.objects.count() == 2

    assert retention.purge().events == 1
    assert not AuditEvent.objects.filter(pk=old.pk).exists()
    assert not EventDepartement.objects.filter(event_id=old.pk).exists()
    assert AuditEvent.objects.filter(pk=kept.pk).exists()
    assert EventDepartement.objects.filter(event=kept).exists()
    # The purge itself is written to the log (a count, nothing else).
    assert AuditEvent.objects.filter(action="delete", detail__contains="1 événements").exists()


def test_no_purge_reaches_events_younger_than_six_months():
    event_aged(100, "young")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.purge_before(clock.now() - timedelta(days=100))
    assert AuditEvent.objects.count() == 1


@pytest.mark.parametrize("months", [0, 5, 13, 120])
def test_a_period_outside_the_cnil_bounds_is_refused(settings, months):
    settings.SDSF_AUDIT_RETENTION_MONTHS = months
    with pytest.raises(ImproperlyConfigured):
        retention.purge()


def test_the_daily_purge_command_purges_the_audit_log_too(capsys):
    event_aged(400, "old")
    call_command("purge_personal_data")
    assert "événements du journal d'audit supprimé(e)s : 1" in capsys.readouterr().out
    assert not AuditEvent.objects.filter(detail="old").exists()


def test_lockout_rows_go_after_their_cool_off(settings):
    settings.AXES_COOLOFF_TIME = 1
    fields = {"user_agent": "", "http_accept": "", "path_info": "/", "failures_since_start": 1}
    recent = AccessAttempt.objects.create(username="a", ip_address="127.0.0.1", **fields)
    old = AccessAttempt.objects.create(username="b", ip_address="127.0.0.1", **fields)
    AccessAttempt.objects.filter(pk=old.pk).update(attempt_time=clock.now() - timedelta(hours=2))
    assert purge_lockout_attempts() == 1
    assert list(AccessAttempt.objects.all()) == [recent]
