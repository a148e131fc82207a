"""The guichet unique's desk: scoped list and search, audited detail and documents, merge."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from sdsf.accounts.models import Role
from sdsf.allocation.models import PointsGrid
from sdsf.audit.models import AuditEvent
from sdsf.core import clock
from sdsf.families.applications import add_document
from sdsf.families.models import Event, PreApplication
from sdsf.territories.models import Level
from tests.factories import PDF, make_pre_application, make_user

pytestmark = pytest.mark.django_db


def _reads(user):
    return AuditEvent.objects.filter(user=user, action=AuditEvent.Action.READ)


def test_list_shows_only_files_of_the_territory_and_searches(client, agent):
    mine = make_pre_application(child_last_name="Bobignot", email="a@x.org")
    wishing_here = make_pre_application(
        home_commune="93066", wishes=["93008"], child_last_name="Dionysien", email="b@x.org"
    )
    elsewhere = make_pre_application(
        home_commune="93066", wishes=["93066"], child_last_name="Ailleurs", email="c@x.org"
    )
    make_pre_application(status=PreApplication.Status.DRAFT, child_last_name="Brouillon")
    page = client.get(reverse("families:desk")).content.decode()
    assert mine.reference in page and wishing_here.reference in page
    assert elsewhere.reference not in page
    found = client.get(reverse("families:desk"), {"q": "bobignot"}).content.decode()
    assert mine.reference in found and wishing_here.reference not in found
    closed = client.get(reverse("families:desk"), {"status": "closed"}).content.decode()
    assert mine.reference not in closed
    assert not _reads(agent).exists()  # the list shows few fields and is not a file read


def test_list_is_paginated(client, agent):
    for _ in range(27):
        make_pre_application()
    response = client.get(reverse("families:desk"))
    assert len(response.context["page"]) == 25
    assert len(client.get(reverse("families:desk"), {"page": 2}).context["page"]) == 2


def test_detail_shows_history_and_is_audited(client, agent):
    pre = make_pre_application()
    Event.objects.create(pre_application=pre, kind=Event.Kind.SUBMITTED, actor=agent, by_agent=True)
    response = client.get(reverse("families:desk_detail", kwargs={"reference": pre.reference}))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Dépôt" in page and agent.email in page
    assert reverse("families:desk_edit", kwargs={"reference": pre.reference}) in page
    assert _reads(agent).filter(object_id=str(pre.pk)).count() == 1


def test_detail_shows_the_declared_situation_in_the_grids_words(client, agent):
    grid = PointsGrid.objects.create(commune_id="93008", name="Grille", source="test")
    grid.criteria.create(
        position=1, key="residence", label="Famille résidant à Bobigny", weight=300, reason="r"
    )
    pre = make_pre_application(situation=["residence", "no_longer_asked"])
    url = reverse("families:desk_detail", kwargs={"reference": pre.reference})
    page = client.get(url).content.decode()
    assert "Situation déclarée : Famille résidant à Bobigny, no_longer_asked" in page


def test_detail_out_of_scope_is_404(client, agent):
    other = make_pre_application(home_commune="93066", wishes=["93066"])
    response = client.get(reverse("families:desk_detail", kwargs={"reference": other.reference}))
    assert response.status_code == 404


def test_document_download_is_scoped_and_audited(client, agent):
    pre = make_pre_application()
    document = add_document(
        pre, "residence", SimpleUploadedFile("r.pdf", PDF), actor=None, by_agent=False
    )
    url = reverse(
        "families:desk_document", kwargs={"reference": pre.reference, "document": document.pk}
    )
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert _reads(agent).filter(object_type="families.document", object_id=str(document.pk))
    other = make_pre_application(home_commune="93066", wishes=["93066"])
    assert (
        client.get(
            reverse(
                "families:desk_document",
                kwargs={"reference": other.reference, "document": document.pk},
            )
        ).status_code
        == 404
    )


def test_duplicate_outside_the_territory_is_named_by_reference_only(client, agent):
    make_pre_application(child_first_name="Inès")
    other = make_pre_application(home_commune="93066", wishes=["93066"], parent_last_name="Zyx")
    page = client.get(reverse("families:desk")).content.decode()
    assert other.reference in page and "Zyx" not in page


def test_duplicates_are_listed_and_merged_with_confirmation(client, agent):
    now = clock.now()
    first = make_pre_application(submitted_at=now - timedelta(days=3), child_last_name="Lefèvre")
    second = make_pre_application(submitted_at=now, child_last_name="LEFEVRE")
    assert first.reference in client.get(reverse("families:desk")).content.decode()
    detail = client.get(reverse("families:desk_detail", kwargs={"reference": second.reference}))
    assert "Doublon probable" in detail.content.decode()

    url = reverse("families:desk_merge", kwargs={"reference": second.reference})
    page = client.get(url, {"avec": first.reference})
    assert page.status_code == 200 and page.context["kept"] == first
    unconfirmed = client.post(url, {"other": first.reference})
    assert unconfirmed.status_code == 200
    second.refresh_from_db()
    assert second.status != PreApplication.Status.CLOSED

    response = client.post(url, {"other": first.reference, "confirm": "yes"})
    assert response.status_code == 302
    second.refresh_from_db()
    assert second.merged_into == first
    assert second.closed_reason == PreApplication.ClosedReason.MERGED


def test_merge_needs_the_right(client):
    caf = make_user(Role.CAF_ADVISOR, Level.DEPARTEMENT, "93")
    client.force_login(caf)
    pre = make_pre_application()
    url = reverse("families:desk_merge", kwargs={"reference": pre.reference})
    assert client.get(url).status_code == 403


def test_agent_confirms_interest_of_a_family_without_email(client, agent):
    pre = make_pre_application(email="")
    url = reverse("families:desk_confirm_interest", kwargs={"reference": pre.reference})
    assert client.post(url).status_code == 302
    pre.refresh_from_db()
    assert pre.confirmed_at is not None
    event = pre.events.get(kind=Event.Kind.CONFIRMED)
    assert event.by_agent and event.actor == agent
