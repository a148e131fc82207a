"""The guichet unique: an agent files a pré-demande for a family, with the same forms and rules as
families, and completes those of their territory; every read is audited. Attaching a file to a
family account is the family's decision: tests/families/test_invitations.py."""

from datetime import date

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from sdsf.accounts.models import Role
from sdsf.audit.models import AuditEvent
from sdsf.families.models import Event, PreApplication
from sdsf.territories.models import Level
from tests.factories import make_family, make_pre_application, make_structure, make_user

pytestmark = pytest.mark.django_db


def _step(pre, step):
    return reverse("families:desk_step", kwargs={"reference": pre.reference, "step": step})


PARENT = {
    "parent_first_name": "Samir",
    "parent_last_name": "Synthétique",
    "email": "",
    "phone": "01 23 45 67 89",
    "address": "",
    "home_commune": "93000",
}


def test_agent_files_for_a_family_without_account(client, agent):
    response = client.post(reverse("families:desk_new"), PARENT)
    pre = PreApplication.objects.get()
    assert pre.filed_by == agent and pre.family is None
    assert response.url == _step(pre, "child")
    client.post(
        _step(pre, "child"),
        {"born": "no", "child_last_name": "Synthétique", "expected_birth_date": "2026-12-15"},
    )
    client.post(_step(pre, "need"), {"wished_start": "2027-03-01", "days": ["0", "1"]})
    client.post(_step(pre, "wishes"), {"action": "add_structure", "target": make_structure().pk})
    client.post(
        _step(pre, "documents"),
        {"kind": "residence", "file": SimpleUploadedFile("a.pdf", b"%PDF-1.4 test")},
    )
    edit = reverse("families:desk_edit", args=[pre.reference])
    page = client.get(edit).content.decode()
    assert "La famille a reçu" in page
    response = client.post(edit, {"consent": "on"})
    assert response.url == edit
    pre.refresh_from_db()
    assert pre.status == PreApplication.Status.RECEIVED
    assert pre.expected_birth_date == date(2026, 12, 15)
    submitted = pre.events.get(kind=Event.Kind.SUBMITTED)
    assert submitted.by_agent and submitted.actor == agent
    assert not mail.outbox  # no address given: no e-mail
    reads = AuditEvent.objects.filter(
        action=AuditEvent.Action.READ, object_id=str(pre.pk), user=agent
    )
    assert reads.count() >= 5


def test_agent_completes_a_pre_application_of_the_territory_only(client, agent):
    family = make_family()
    ours = make_pre_application(family, home_commune="93008")
    theirs = make_pre_application(make_family(), home_commune="93048", wishes=["93048"])
    assert client.get(reverse("families:desk_edit", args=[theirs.reference])).status_code == 404
    assert client.get(_step(theirs, "documents")).status_code == 404
    client.post(
        _step(ours, "documents"),
        {"kind": "birth", "file": SimpleUploadedFile("b.png", b"\x89PNG\r\n\x1a\n0000")},
    )
    event = ours.events.get(kind=Event.Kind.DOCUMENT)
    assert event.by_agent and event.actor == agent
    assert AuditEvent.objects.filter(object_id=str(ours.pk), user=agent).exists()


def test_another_agents_draft_is_out_of_reach(client, agent):
    other = make_user(Role.COMMUNE_AGENT, Level.COMMUNE, "93008")
    draft = make_pre_application(status=PreApplication.Status.DRAFT, filed_by=other)
    assert client.get(reverse("families:desk_edit", args=[draft.reference])).status_code == 404


def test_staff_without_desk_role_cannot_file(client):
    client.force_login(make_user(Role.ANALYST))
    assert client.get(reverse("families:desk_new")).status_code == 403


def test_agent_withdraws_at_the_familys_request(client, agent):
    pre = make_pre_application(home_commune="93008")
    url = reverse("families:desk_withdraw", kwargs={"reference": pre.reference})
    assert "Confirmer le retrait" in client.get(url).content.decode()
    client.post(url)
    pre.refresh_from_db()
    assert pre.closed_reason == PreApplication.ClosedReason.WITHDRAWN
    event = pre.events.get(kind=Event.Kind.STATUS, status="closed")
    assert event.by_agent and event.actor == agent
    assert AuditEvent.objects.filter(user=agent, action=AuditEvent.Action.READ).exists()
    # another commune's file is out of reach
    other = make_pre_application(home_commune="93048", wishes=[make_structure("93048")])
    url = reverse("families:desk_withdraw", kwargs={"reference": other.reference})
    assert client.post(url).status_code == 404


def test_agent_prints_the_receipt_of_a_file_of_the_territory(client, agent):
    pre = make_pre_application(home_commune="93008")
    response = client.get(reverse("families:desk_receipt", kwargs={"reference": pre.reference}))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert AuditEvent.objects.filter(user=agent, action=AuditEvent.Action.READ).exists()
    other = make_pre_application(home_commune="93048", wishes=[make_structure("93048")])
    url = reverse("families:desk_receipt", kwargs={"reference": other.reference})
    assert client.get(url).status_code == 404
