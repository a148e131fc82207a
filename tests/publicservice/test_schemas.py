"""A commune's agent opens, fills, adopts and updates the schéma pluriannuel of their commune."""

import datetime

import pytest
from django.urls import reverse

from sdsf.accounts.models import Role
from sdsf.observatory.models import BirthCount, CapacityCount, PopulationCount
from sdsf.publicservice.authorities import commune_rows
from sdsf.publicservice.models import LocalSchema, Orientation
from sdsf.steering.models import Action, Axis, Scheme
from sdsf.territories.models import Level
from tests.factories import make_structure, make_user

NIORT, CHAURAY = "79191", "79081"


@pytest.fixture
def figures(db):
    """Niort well covered, its neighbour Chauray below the threshold (2023)."""
    for code, children, places in ((NIORT, 1800, 1100), (CHAURAY, 250, 60)):
        common = {"commune_id": code, "year": 2023, "source": "Test"}
        PopulationCount.objects.create(children_under_3=children, **common)
        BirthCount.objects.create(births=children / 3, **common)
        CapacityCount.objects.create(eaje_psu_places=places / 2, am_places=places / 2, **common)
    scheme = Scheme.objects.create(
        reference="sdsf-79", departement_id="79", name="Schéma 79", start_year=2024, end_year=2029
    )
    axis = Axis.objects.create(scheme=scheme, code="1", title="Accueil")
    return Action.objects.create(scheme=scheme, axis=axis, code="1.1", title="Créer des places")


@pytest.fixture
def agent(client, db):
    user = make_user(Role.COMMUNE_AGENT, Level.COMMUNE, NIORT)
    client.force_login(user)
    return user


def _open(client) -> LocalSchema:
    response = client.post(
        reverse("publicservice:schema_open"), {"level": "commune", "authority": NIORT}
    )
    assert response.status_code == 302
    return LocalSchema.objects.get(authority_code=NIORT)


def test_the_agent_finds_the_sections_prefilled_from_the_data(client, agent, figures):
    make_structure(NIORT, identifier="EAJE-N", name="Crèche des Brizeaux")
    schema = _open(client)
    assert schema.scheme.reference == "sdsf-79"
    assert "EAJE (toutes catégories) : 1, 0 places" in schema.inventory
    assert "1 800 enfants de moins de 3 ans" in schema.needs.replace("\xa0", " ")
    assert "Chauray (24)" in schema.zones and "Niort (" not in schema.zones
    assert list(schema.orientations.values_list("part", flat=True)) == list("abcdefgh")
    page = client.get(reverse("publicservice:schema", args=[schema.pk])).content.decode()
    assert "h) Indicateurs et modalités d&#x27;évaluation" in page
    assert "<svg" in page and "Chauray" in page
    assert _open(client) == schema  # opening again finds the same schéma
    LocalSchema.objects.filter(pk=schema.pk).update(inventory="Mon texte.")
    client.post(reverse("publicservice:schema_refill", args=[schema.pk]))
    schema.refresh_from_db()
    assert "EAJE (toutes catégories) : 1, 0 places" in schema.inventory


def test_orientations_name_the_departmental_actions_and_adoption_freezes_a_version(
    client, agent, figures
):
    schema = _open(client)
    url = reverse("publicservice:orientation_edit", args=[schema.pk, "a"])
    response = client.post(
        url, {"text": "Ouvrir 40 places.", "actions": [figures.pk], "bindings": ["coverage_rate"]}
    )
    assert response.status_code == 302
    orientation = schema.orientations.get(part="a")
    assert list(orientation.actions.all()) == [figures]
    client.post(
        reverse("publicservice:schema_adopt", args=[schema.pk]),
        {"adopted_on": "2026-11-30", "deliberation": "DCM 2026-118"},
    )
    schema.refresh_from_db()
    assert (schema.status, schema.adopted_on) == ("adopted", datetime.date(2026, 11, 30))
    version = schema.versions.get()
    assert version.snapshot["orientations"][0]["actions"] == ["1.1. Créer des places"]
    row = {r["commune"]: r for r in commune_rows("79", datetime.date(2026, 12, 5))}[NIORT]
    assert row["schema_adopted_on"] == "2026-11-30"
    # adopted: no more changes until an update is declared
    client.post(url, {"text": "Autre."})
    assert schema.orientations.get(part="a").text == "Ouvrir 40 places."
    client.post(reverse("publicservice:schema_update", args=[schema.pk]))
    client.post(url, {"text": "Ouvrir 60 places."})
    assert schema.orientations.get(part="a").text == "Ouvrir 60 places."
    client.post(
        reverse("publicservice:schema_adopt", args=[schema.pk]), {"adopted_on": "2027-06-30"}
    )
    assert list(schema.versions.values_list("status", flat=True)) == ["adopted", "updated"]


def test_the_yearly_review_and_the_pdf(client, agent, figures, monkeypatch):
    from tests.queries import FakeHTML

    schema = _open(client)
    client.post(
        reverse("publicservice:schema_review", args=[schema.pk]),
        {"year": "2027", "summary": "Vingt places ouvertes."},
    )
    assert schema.reviews.get().summary == "Vingt places ouvertes."
    monkeypatch.setattr("weasyprint.HTML", FakeHTML)
    response = client.get(reverse("publicservice:schema_pdf", args=[schema.pk]))
    assert response["Content-Type"] == "application/pdf"
    html = response.content.decode()
    for part in Orientation.Part.labels:
        assert str(part).replace("'", "&#x27;") in html
    assert "Vingt places ouvertes." in html


def test_another_communes_agent_reads_but_cannot_open_or_change(client, figures, db):
    other = make_user(Role.COMMUNE_AGENT, Level.COMMUNE, CHAURAY)
    client.force_login(other)
    response = client.post(
        reverse("publicservice:schema_open"), {"level": "commune", "authority": NIORT}
    )
    assert response.status_code == 403
    client.force_login(make_user(Role.COMMUNE_AGENT, Level.COMMUNE, NIORT))
    schema = _open(client)
    client.force_login(other)
    assert client.get(reverse("publicservice:schema", args=[schema.pk])).status_code == 200
    edit = reverse("publicservice:schema_edit", args=[schema.pk])
    assert client.get(edit).status_code == 404


def test_the_obligations_page_filters_and_exports(client, db):
    client.force_login(make_user(Role.ADMINISTRATOR, Level.DEPARTEMENT, "79"))
    url = reverse("publicservice:obligations", args=["79"])
    page = client.get(url, {"afficher": "schema"}).content.decode()
    assert "<td>Niort<br>" in page and "<td>Chauray<br>" not in page and "<svg" in page
    response = client.get(reverse("publicservice:obligations_export", args=["79", "csv"]))
    assert response.content.decode("utf-8-sig").startswith("commune;population;authority")
    client.post(
        reverse("publicservice:transfer_add", args=["79"]),
        {"commune": CHAURAY, "effective_from": "2026-01-01"},
    )
    page = client.get(url).content.decode()
    assert "CA du Niortais" in page
