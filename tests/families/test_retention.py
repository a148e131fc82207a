"""Retention periods and the purge: what goes, when, what stays; files leave after commit."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from sdsf.audit.models import AuditEvent
from sdsf.core import clock
from sdsf.families import retention
from sdsf.families.applications import add_document
from sdsf.families.models import Document, Event, PreApplication
from tests.factories import PDF, make_pre_application

pytestmark = pytest.mark.django_db
Status = PreApplication.Status


def _closed(days_ago: int, with_document=True):
    pre = make_pre_application()
    document = None
    if with_document:
        document = add_document(
            pre, "residence", SimpleUploadedFile("r.pdf", PDF), actor=None, by_agent=False
        )
    pre.status = Status.CLOSED
    pre.save()
    Event.objects.create(
        pre_application=pre,
        kind=Event.Kind.STATUS,
        status=Status.CLOSED,
        at=clock.now() - timedelta(days=days_ago),
    )
    return pre, document


def test_periods(settings, django_capture_on_commit_callbacks):
    settings.SDSF_FAMILY_RETENTION = {
        "closed_months": 24,
        "draft_days": 90,
        "closed_documents_months": 3,
    }
    old, old_document = _closed(days_ago=800)
    middle, middle_document = _closed(days_ago=100)
    recent, recent_document = _closed(days_ago=10)
    draft = make_pre_application(status=Status.DRAFT)
    PreApplication.objects.filter(pk=draft.pk).update(updated_at=clock.now() - timedelta(days=91))
    fresh_draft = make_pre_application(status=Status.DRAFT)
    active = make_pre_application()
    storage = old_document.file.storage

    counted = retention.purge(dry_run=True)
    assert counted.counts == {
        "closed_pre_applications": 1,
        "drafts": 1,
        "closed_documents": 2,
    }
    assert PreApplication.objects.count() == 6

    with django_capture_on_commit_callbacks(execute=True):
        done = retention.purge()
    assert done.counts == counted.counts and done.files == 2
    remaining = set(PreApplication.objects.values_list("pk", flat=True))
    assert remaining == {middle.pk, recent.pk, fresh_draft.pk, active.pk}
    assert set(Document.objects.values_list("pk", flat=True)) == {recent_document.pk}
    assert not storage.exists(old_document.file.name)
    assert not storage.exists(middle_document.file.name)
    assert storage.exists(recent_document.file.name)
    assert AuditEvent.objects.filter(action=AuditEvent.Action.DELETE).count() == 3


def test_command_prints_counts(capsys):
    _closed(days_ago=800, with_document=False)
    call_command("purge_personal_data", "--dry-run")
    assert "pré-demandes closes à supprimer : 1" in capsys.readouterr().out
    assert PreApplication.objects.count() == 1
    call_command("purge_personal_data")
    assert "pré-demandes closes supprimé(e)s : 1" in capsys.readouterr().out
    assert PreApplication.objects.count() == 0
