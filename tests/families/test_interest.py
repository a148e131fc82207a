"""Confirmation of interest: asked after the period, archived after the notice, idempotent;
families without e-mail are listed for the desk, never archived silently."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command

from sdsf.core import clock
from sdsf.families import interest
from sdsf.families.models import Event, PreApplication
from tests.factories import make_pre_application

pytestmark = pytest.mark.django_db
Status = PreApplication.Status


def _old(days=100, **fields):
    at = clock.now() - timedelta(days=days)
    return make_pre_application(submitted_at=at, confirmed_at=at, **fields)


def test_ask_then_archive_after_notice(settings, django_capture_on_commit_callbacks):
    settings.SDSF_FAMILY_CONFIRMATION_MONTHS = 3
    settings.SDSF_FAMILY_CONFIRMATION_NOTICE_DAYS = 30
    old, recent = _old(), _old(days=10)
    in_commission = _old(status=Status.IN_COMMISSION)
    now = clock.now()

    result = interest.run(now)
    assert result.asked == [old.reference] and result.archived == []
    assert len(mail.outbox) == 1 and old.reference in mail.outbox[0].subject
    old.refresh_from_db()
    assert old.confirmation_requested_at == now
    assert old.events.filter(kind=Event.Kind.REMINDER).count() == 1

    again = interest.run(now + timedelta(days=1))  # idempotent
    assert again.asked == [] and again.archived == [] and len(mail.outbox) == 1

    with django_capture_on_commit_callbacks(execute=True):  # the notice leaves after commit
        archived = interest.run(now + timedelta(days=31))
    assert archived.archived == [old.reference]
    old.refresh_from_db()
    recent.refresh_from_db()
    in_commission.refresh_from_db()
    assert old.status == Status.CLOSED
    assert old.closed_reason == PreApplication.ClosedReason.ARCHIVED
    assert "archivée" in mail.outbox[-1].subject
    assert recent.status == Status.RECEIVED and in_commission.status == Status.IN_COMMISSION


def test_the_link_confirms_and_prevents_archiving(client):
    pre = _old()
    now = clock.now()
    interest.run(now)
    link = re.search(r"http\S+", mail.outbox[0].body).group(0)
    response = client.get(link.split("localhost:8000", 1)[1])
    assert response.status_code == 200
    pre.refresh_from_db()
    assert pre.confirmed_at > pre.confirmation_requested_at
    assert pre.events.filter(kind=Event.Kind.CONFIRMED).exists()
    assert interest.run(now + timedelta(days=31)).archived == []
    assert client.get("/familles/confirmation/faux/").status_code == 404


def test_families_without_email_are_listed_not_archived():
    pre = _old(email="")
    now = clock.now()
    assert interest.run(now).to_call == [pre.reference]
    later = interest.run(now + timedelta(days=200))
    assert later.archived == [] and later.to_call == [pre.reference]
    pre.refresh_from_db()
    assert pre.status == Status.RECEIVED and not mail.outbox


def test_command_dry_run_changes_nothing(capsys):
    pre = _old()
    call_command("confirm_interest", "--dry-run")
    out = capsys.readouterr().out
    assert "[simulation] 1 demande(s) de confirmation" in out
    pre.refresh_from_db()
    assert pre.confirmation_requested_at is None and not mail.outbox
    call_command("confirm_interest")
    assert "1 demande(s) de confirmation envoyée(s)" in capsys.readouterr().out
