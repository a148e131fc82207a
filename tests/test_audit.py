import logging

import pytest
from django.urls import reverse

from sdsf.accounts.models import Role
from sdsf.audit.models import AppendOnlyError, AuditEvent
from tests.factories import make_user

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-test-password"


def login(client, email, password=PASSWORD):
    return client.post(reverse("accounts:login"), {"username": email, "password": password})


def test_login_and_failed_login_are_audited_and_keep_emails_out_of_logs(client, caplog):
    user = make_user(Role.PMI_AGENT, email="agent.pmi@example.org")
    caplog.set_level(logging.DEBUG)
    assert login(client, "agent.pmi@example.org", "wrong-password").status_code == 200
    assert login(client, "agent.pmi@example.org").status_code == 302

    failed, success = AuditEvent.objects.order_by("id")
    assert failed.action == "login_failed" and failed.user is None
    assert success.action == "login" and success.user == user
    assert success.ip == "127.0.0.1"
    assert success.institution  # the person's institution is snapshotted
    assert "agent.pmi@example.org" not in caplog.text


def test_reading_people_is_audited_per_person(client):
    admin = make_user(Role.ADMINISTRATOR)
    others = [make_user(Role.CAF_ADVISOR), make_user(Role.COMMUNE_AGENT, "commune", "93008")]
    outside = make_user(Role.PMI_AGENT, "departement", "26")
    client.force_login(admin)
    response = client.get(reverse("accounts:people"))
    assert response.status_code == 200
    assert outside.email not in response.content.decode()
    read = AuditEvent.objects.filter(action="read", user=admin)
    assert {e.object_id for e in read} == {str(u.pk) for u in [admin, *others]}
    assert {e.object_type for e in read} == {"accounts.user"}


def test_audit_log_is_append_only():
    event = AuditEvent.objects.create(action="read")
    event.detail = "changed"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.update(detail="x")


def test_audit_search_filters(client):
    admin = make_user(Role.ADMINISTRATOR, email="admin@example.org")
    AuditEvent.objects.create(action="read", user_email="a@example.org", object_type="x.y")
    AuditEvent.objects.create(action="export", user_email="b@example.org", object_type="x.y")
    client.force_login(admin)
    page = client.get(reverse("audit:search"), {"action": "export"}).content.decode()
    assert "b@example.org" in page and "a@example.org" not in page
