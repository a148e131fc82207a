"""The audit log: logins and failed logins, reads per object, append-only, what axes keeps."""

import logging

import pytest
from axes.models import AccessAttempt, AccessLog
from django.urls import reverse

from sdsf.accounts.models import Role
from sdsf.audit.models import AppendOnlyError, AuditEvent, EventDepartement
from tests.factories import make_user

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-test-password"


def login(client, email, password=PASSWORD):
    return client.post(reverse("accounts:login"), {"username": email, "password": password})


def places(event) -> set[str]:
    return set(event.departements.values_list("departement", flat=True))


def test_login_and_failed_login_are_audited_and_keep_emails_out_of_logs(client, caplog):
    user = make_user(Role.PMI_AGENT, email="agent.pmi@example.org")
    caplog.set_level(logging.DEBUG)
    assert login(client, "Agent.PMI@example.org", "wrong-password").status_code == 200
    assert login(client, "agent.pmi@example.org").status_code == 302

    failed, success = AuditEvent.objects.order_by("id")
    # A failed login for an existing account names the account, never the text typed.
    assert failed.action == "login_failed" and failed.user == user
    assert failed.user_email == "agent.pmi@example.org" and failed.detail == ""
    assert places(failed) == {"93"}
    assert success.action == "login" and success.user == user
    assert success.ip == "127.0.0.1"
    assert success.institution  # the person's institution is snapshotted
    assert places(success) == {"93"}
    assert "agent.pmi@example.org" not in caplog.text


def test_a_failed_login_for_no_account_keeps_nothing_typed(client):
    typed = "mistyped.adress@example.org"
    assert login(client, typed, "hunter2-typed-in-the-wrong-field").status_code == 200
    event = AuditEvent.objects.get()
    assert event.action == "login_failed" and event.user is None
    assert (event.user_email, event.detail, event.object_type) == ("", "", "")
    assert event.ip == "127.0.0.1"
    assert places(event) == set()
    # The lockout counts the attempt under a keyed digest of the address, not the address.
    attempt = AccessAttempt.objects.get()
    stored = f"{attempt.username} {attempt.get_data} {attempt.post_data}"
    assert attempt.username and "mistyped" not in stored and "hunter2" not in stored


def test_the_lockout_still_locks_with_digests(client):
    make_user(Role.PMI_AGENT, email="agent@example.org")
    for _attempt in range(5):
        login(client, "agent@example.org", "wrong-password")
    # Locked out: even the right password is refused during the cool-off.
    assert login(client, "agent@example.org").status_code == 429
    assert not AuditEvent.objects.filter(action="login").exists()


def test_axes_logs_no_successful_login(client):
    make_user(Role.PMI_AGENT, email="agent@example.org")
    assert login(client, "agent@example.org").status_code == 302
    assert not AccessLog.objects.exists()


def test_reading_people_is_audited_per_person(client):
    admin = make_user(Role.ADMINISTRATOR)
    others = [make_user(Role.CAF_ADVISOR), make_user(Role.COMMUNE_AGENT, "commune", "93008")]
    outside = make_user(Role.PMI_AGENT, "departement", "26")
    client.force_login(admin)
    response = client.get(reverse("people:list"))
    assert response.status_code == 200
    assert outside.email not in response.content.decode()
    read = AuditEvent.objects.filter(action="read", user=admin)
    assert {e.object_id for e in read} == {str(u.pk) for u in [admin, *others]}
    assert {e.object_type for e in read} == {"accounts.user"}
    assert all(places(e) == {"93"} for e in read)


def test_audit_log_is_append_only():
    event = AuditEvent.objects.create(action="read")
    place = EventDepartement.objects.create(event=event, departement="93")
    event.detail = "changed"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.update(detail="x")
    place.departement = "26"
    for change in (place.save, place.delete, EventDepartement.objects.all().delete):
        with pytest.raises(AppendOnlyError):
            change()
    with pytest.raises(AppendOnlyError):
        EventDepartement.objects.update(departement="26")
    # The purge is on the manager only: it cannot be narrowed to chosen events.
    assert not hasattr(AuditEvent.objects.filter(pk=event.pk), "purge_before")
