"""Query counts of the communes' and the committee's lists: the same at two sizes, pinned."""

import datetime

import pytest
from django.urls import reverse

from sdsf.accounts.models import Role
from sdsf.publicservice.models import (
    CompetenceTransfer,
    Decision,
    LocalSchema,
    Meeting,
    Member,
    Orientation,
    SchemaReview,
)
from sdsf.steering.models import Action, Axis, Review, Scheme
from sdsf.territories.models import Commune
from tests.factories import make_user
from tests.queries import FakeHTML, queries

pytestmark = pytest.mark.django_db
DAY = datetime.date(2026, 3, 1)


@pytest.fixture
def admin(client):
    client.force_login(make_user(Role.ADMINISTRATOR, code="79"))
    scheme = Scheme.objects.create(
        reference="s79", departement_id="79", name="Schéma 79", start_year=2024, end_year=2029
    )
    axis = Axis.objects.create(scheme=scheme, code="1", title="Accueil")
    Review.objects.create(scheme=scheme, year=2026)
    return [
        Action.objects.create(scheme=scheme, axis=axis, code=f"1.{i}", title=f"Action {i}")
        for i in range(4)
    ]


def _schemas(start: int, end: int) -> None:
    """Draft schémas and transfers of the largest communes of the 79."""
    communes = Commune.objects.filter(departement="79").order_by("-population")[start:end]
    for commune in communes:
        schema = LocalSchema.objects.create(
            departement_id="79",
            authority_level="commune",
            authority_code=commune.code,
            authority_name=commune.name,
            start_year=2027,
            end_year=2032,
            adopted_on=DAY,
        )
        Orientation.objects.create(schema=schema, part="a")
    for commune in Commune.objects.filter(departement="79").order_by("population")[start:end]:
        CompetenceTransfer.objects.create(
            departement_id="79", commune=commune, epci_id=commune.epci_id, effective_from=DAY
        )


def test_obligations(client, admin):
    url = reverse("publicservice:obligations", args=["79"])
    _schemas(0, 1)
    small = queries(client, url)
    _schemas(1, 4)
    assert (small, queries(client, url, warm=False, shows="Bressuire")) == (13, 13)


def test_obligations_export(client, admin):
    url = reverse("publicservice:obligations_export", args=["79", "csv"])
    _schemas(0, 1)
    small = queries(client, url)
    _schemas(1, 4)
    assert (small, queries(client, url, warm=False, shows="79049")) == (16, 16)


def _committee(start: int, end: int, actions) -> None:
    members = Member.objects.bulk_create(
        Member(
            departement_id="79",
            college="caf",
            name=f"Membre {i}",
            organisation="CAF",
            mandate_start=DAY,
        )
        for i in range(start, end)
    )
    for i in range(start, end):
        meeting = Meeting.objects.create(
            departement_id="79", held_on=DAY, title=f"Séance {i}", agenda="Bilan"
        )
        meeting.attendees.set(members)
        decision = Decision.objects.create(meeting=meeting, text=f"Décision {i}")
        decision.actions.set(actions)


def test_committee(client, admin):
    url = reverse("publicservice:committee", args=["79"])
    _committee(0, 1, admin)
    small = queries(client, url)
    _committee(1, 5, admin)
    assert (small, queries(client, url, warm=False, shows="Membre 4")) == (15, 15)


def test_summary_and_its_pdf(client, admin, monkeypatch):
    monkeypatch.setattr("weasyprint.HTML", FakeHTML)
    url = reverse("publicservice:summary", args=["79", 2026])
    pdf = reverse("publicservice:summary_pdf", args=["79", 2026])
    _committee(0, 1, admin)
    small = (queries(client, url), queries(client, pdf))
    _committee(1, 5, admin)
    assert (
        small,
        queries(client, url, warm=False, shows="Décision 4"),
        queries(client, pdf, warm=False, shows="Décision 4"),
    ) == ((17, 17), 17, 17)


def test_meeting(client, admin):
    _committee(0, 1, admin)
    meeting = Meeting.objects.get()
    url = reverse("publicservice:meeting", args=[meeting.pk])
    small = queries(client, url)
    members = Member.objects.bulk_create(
        Member(
            departement_id="79",
            college="state",
            name=f"Présent {i}",
            organisation="État",
            mandate_start=DAY,
        )
        for i in range(5)
    )
    meeting.attendees.add(*members)
    for i in range(4):
        Decision.objects.create(meeting=meeting, text=f"Suite {i}").actions.set(admin)
    assert (small, queries(client, url, warm=False, shows="Suite 3")) == (10, 10)


def test_schema_and_its_pdf(client, admin, monkeypatch):
    monkeypatch.setattr("weasyprint.HTML", FakeHTML)
    _schemas(0, 1)
    schema = LocalSchema.objects.get()
    url = reverse("publicservice:schema", args=[schema.pk])
    pdf = reverse("publicservice:schema_pdf", args=[schema.pk])
    SchemaReview.objects.create(schema=schema, year=2027, summary="Bilan 2027")
    small = (queries(client, url), queries(client, pdf))
    for part in "bcdefgh":
        Orientation.objects.create(schema=schema, part=part).actions.set(admin)
    for year in (2028, 2029):
        SchemaReview.objects.create(schema=schema, year=year, summary=f"Bilan {year}")
    assert (
        small,
        queries(client, url, warm=False, shows="Bilan 2029"),
        queries(client, pdf, warm=False, shows="Bilan 2029"),
    ) == ((20, 19), 20, 19)
