"""The audit page: an administrator reads the events of their own départements, no other."""

import pytest
from django.core.management import call_command
from django.urls import reverse

from sdsf.accounts.models import Institution, Role
from sdsf.audit.models import AuditEvent, EventDepartement
from sdsf.territories.models import Level
from tests.factories import make_institution, make_user

pytestmark = pytest.mark.django_db


def event(detail: str, *departements: str, **fields) -> AuditEvent:
    item = AuditEvent.objects.create(action="read", detail=detail, **fields)
    for code in departements:
        EventDepartement.objects.create(event=item, departement=code)
    return item


@pytest.fixture
def log():
    event("evt-93", "93", user_email="a@example.org", object_type="x.y")
    event("evt-26", "26", user_email="b@example.org")
    event("evt-both", "26", "93")
    event("evt-none")


def page(client, user, **query) -> str:
    client.force_login(user)
    return client.get(reverse("audit:search"), query).content.decode()


def test_admin_of_93_reads_93_and_shared_events_only(client, log):
    content = page(client, make_user(Role.ADMINISTRATOR, Level.DEPARTEMENT, "93"))
    assert "evt-93" in content and "evt-both" in content
    assert "evt-26" not in content and "evt-none" not in content
    assert "Événements (3)" in content  # and the administrator's own login


def test_admin_of_26_reads_26_and_shared_events_only(client, log):
    content = page(client, make_user(Role.ADMINISTRATOR, Level.DEPARTEMENT, "26"))
    assert "evt-26" in content and "evt-both" in content
    assert "evt-93" not in content and "evt-none" not in content


def test_only_the_departements_of_the_admin_role_count(client, log):
    """An administrator of the 93 who is also PMI agent in the 26 reads no 26 event."""
    admin = make_user(Role.ADMINISTRATOR, Level.DEPARTEMENT, "93")
    admin.assignments.create(
        institution=make_institution(Institution.Kind.DEPARTEMENT, Level.DEPARTEMENT, "26"),
        role=Role.PMI_AGENT,
        scope_level=Level.DEPARTEMENT,
        scope_code="26",
    )
    content = page(client, admin)
    assert "evt-93" in content and "evt-26" not in content


def test_search_filters_within_the_territory(client, log):
    content = page(client, make_user(Role.ADMINISTRATOR), who="a@example")
    assert "evt-93" in content and "evt-both" not in content
    content = page(client, make_user(Role.ADMINISTRATOR), who="b@example")
    assert "evt-26" not in content


def test_a_login_in_the_26_never_reaches_the_admin_of_the_93(client):
    agent = make_user(Role.PMI_AGENT, Level.DEPARTEMENT, "26", email="pmi26@example.org")
    client.post(reverse("accounts:login"), {"username": agent.email, "password": "wrong"})
    client.post(reverse("accounts:login"), {"username": "nobody@example.org", "password": "x"})
    admin_26 = make_user(Role.ADMINISTRATOR, Level.DEPARTEMENT, "26")
    admin_93 = make_user(Role.ADMINISTRATOR, Level.DEPARTEMENT, "93")
    content = page(client, admin_26)
    assert "pmi26@example.org" in content and "<td>Échec de connexion</td>" in content
    content = page(client, admin_93)
    assert "pmi26@example.org" not in content and "<td>Échec de connexion</td>" not in content


def test_the_operator_reads_every_event(log, capsys):
    call_command("audit_log")
    out = capsys.readouterr().out
    assert all(d in out for d in ("evt-93", "evt-26", "evt-both", "evt-none"))
    call_command("audit_log", "--no-territory")
    assert capsys.readouterr().out.strip().endswith("evt-none")
    call_command("audit_log", "--departement", "26")
    out = capsys.readouterr().out
    assert "evt-26" in out and "evt-both" in out and "evt-93" not in out
