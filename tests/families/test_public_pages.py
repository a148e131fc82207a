"""Find the offer, as a family without account sees it: search page, map layer, detail pages."""

import re
from datetime import time, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from sdsf.accounts.models import Role
from sdsf.core import clock
from sdsf.offer.models import (
    AgrementStatus,
    Capacity,
    ParentingAction,
    ParentingEvent,
    Section,
    Status,
    Structure,
)
from sdsf.territories.models import Commune, Level
from tests.factories import make_assistant, make_family, make_structure, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def crèche():
    item = make_structure(
        identifier="EAJE-T-1",
        name="Crèche Les Lucioles",
        category="creche_collective",
        funding=Structure.Funding.PSU,
        opening_days="lundi-vendredi",
        opens_at=time(7, 30),
        closes_at=time(18, 30),
        avip=True,
        available_places=2,
        available_from=clock.today() + timedelta(days=30),
        availability_updated_at=clock.now(),
        phone="01 99 00 00 01",
        email="lucioles@example.org",
    )
    Capacity.objects.create(structure=item, section=Section.BABIES, places=10, start=clock.today())
    Capacity.objects.create(structure=item, section=Section.OLDER, places=15, start=clock.today())
    Capacity.objects.create(structure=item, section=Section.MIDDLE, places=12, start=clock.today())
    return item


def test_search_page_without_criteria_shows_the_form_and_the_help(client):
    response = client.get(reverse("families:search"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "recherche par adresse n'est pas possible" in page
    assert 'id="results"' not in page
    assert "data-locate hidden" in page  # the geolocation button shows only with JavaScript
    assert "<script>" not in page and "onclick" not in page
    assert "families/js/locate.js" in page
    # The family menu on family pages, for an anonymous visitor.
    assert "Trouver un mode d&#x27;accueil</a>" in page


def test_search_by_commune_lists_results_paginated_and_the_map_gets_the_same(client, crèche):
    for number in range(25):
        make_structure(name=f"Relais {number:02d}", kind=Structure.Kind.RPE)
    make_assistant(first_name="Awa", last_name="Diallo", available_places=1)
    query = {"commune": "Bobigny", "radius": "5"}
    response = client.get(reverse("families:search"), query)
    page = response.content.decode()
    assert response.status_code == 200
    assert "27 résultats à moins de 5 km de Bobigny" in page
    assert page.count('class="fr-card ') == 20  # first page
    assert "Page suivante" in page
    assert reverse("families:structure", args=["EAJE-T-1"]) in page
    assert "Awa D." in page and "Diallo" not in page
    second = client.get(reverse("families:search"), {**query, "page": 2}).content.decode()
    assert second.count('class="fr-card ') == 7
    geojson = client.get(reverse("families:search_geojson"), query).json()
    assert len(geojson["features"]) == 27
    urls = {f["properties"]["url"] for f in geojson["features"]}
    assert reverse("families:structure", args=["EAJE-T-1"]) in urls
    map_url = re.search(r'data-geojson="([^"]+)"', page)[1].replace("&amp;", "&")
    assert client.get(map_url).json() == geojson


def test_search_around_a_position_and_a_bad_commune(client, crèche):
    bobigny = Commune.objects.get(code="93008")
    page = client.get(
        reverse("families:search"),
        {"latitude": bobigny.centroid_lat, "longitude": bobigny.centroid_lon, "radius": "2"},
    ).content.decode()
    assert "1 résultat à moins de 2 km de votre position" in page
    page = client.get(reverse("families:search"), {"commune": "Atlantide"}).content.decode()
    assert "Commune introuvable" in page and 'id="results"' not in page
    assert client.get(reverse("families:search_geojson"), {"commune": "Atlantide"}).json() == {
        "type": "FeatureCollection",
        "features": [],
    }


def test_psu_crèche_detail_page(client, crèche):
    page = client.get(reverse("families:structure", args=["EAJE-T-1"])).content.decode()
    assert "Crèche Les Lucioles" in page
    assert "de 07:30 à 18:30" in page
    # sections in age order, not in alphabetical order
    assert (
        "bébés (moins de 18 mois) : 10 · moyens (18 mois à 2 ans) : 12 · "
        "grands (plus de 2 ans) : 15" in page
    )
    assert "2 places disponibles" in page
    assert "barème national de la CAF" in page
    assert "vocation d'insertion professionnelle" in page
    assert 'href="tel:0199000001"' in page and "mailto:lucioles@example.org" in page
    assert f'href="{reverse("families:apply")}"' in page
    assert reverse("families:cost") in page


def test_paje_micro_crèche_is_applied_to_directly(client):
    make_structure(identifier="MICRO-T-1", category="micro_creche", funding=Structure.Funding.PAJE)
    page = client.get(reverse("families:structure", args=["MICRO-T-1"])).content.decode()
    assert "Contactez directement la structure" in page
    assert "complément de libre choix" in page
    assert reverse("families:apply") not in page


def test_closed_structures_and_social_centres_are_not_public(client):
    make_structure(identifier="CLOSED-1", status=Status.CLOSED)
    make_structure(identifier="SOCIAL-1", kind=Structure.Kind.SOCIAL)
    for identifier in ("CLOSED-1", "SOCIAL-1"):
        assert client.get(reverse("families:structure", args=[identifier])).status_code == 404


def test_assistant_page_shows_only_what_a_family_needs(client):
    relais = make_structure(
        identifier="RPE-T-1", name="Relais de Bobigny", kind="rpe", phone="01 99 00 00 09"
    )
    relais.covered_communes.add("93008")
    make_assistant(
        identifier="AM-T-1",
        first_name="Sophie",
        last_name="Martin",
        address="3 allée des Tilleuls",
        email="sophie@example.org",
        available_places=1,
        agrement_places=3,
    )
    page = client.get(reverse("families:assistant", args=["AM-T-1"])).content.decode()
    assert "Sophie M." in page
    for private in ("Martin", "Tilleuls", "sophie@example.org", "AM-T-1</"):
        assert private not in page
    assert "1 place disponible" in page and "3 enfants à la fois" in page
    assert "Relais de Bobigny" in page and "tel:0199000009" in page


def test_assistants_without_places_or_active_agrément_are_not_public(client):
    make_assistant(identifier="AM-NONE", available_places=0)
    make_assistant(identifier="AM-UNDECLARED")
    make_assistant(
        identifier="AM-SUSPENDED", available_places=2, agrement_status=AgrementStatus.SUSPENDED
    )
    make_assistant(
        identifier="AM-EXPIRED",
        available_places=2,
        agrement_expiry=clock.today() - timedelta(days=1),
    )
    for identifier in ("AM-NONE", "AM-UNDECLARED", "AM-SUSPENDED", "AM-EXPIRED"):
        assert client.get(reverse("families:assistant", args=[identifier])).status_code == 404


def test_parenting_action_page_lists_coming_sessions(client):
    action = ParentingAction.objects.create(
        identifier="PAR-T-1",
        title="Café des parents",
        promoter="Centre social Le Pont",
        commune_id="93008",
    )
    today = clock.today()
    ParentingEvent.objects.create(action=action, title="Séance passée", date=today - timedelta(1))
    ParentingEvent.objects.create(
        action=action, title="Séance à venir", date=today + timedelta(7), starts_at=time(9, 30)
    )
    page = client.get(reverse("families:parenting_action", args=["PAR-T-1"])).content.decode()
    assert "Séance à venir" in page and "Séance passée" not in page
    assert "Centre social Le Pont" in page


def test_family_menu_for_families_staff_menu_for_staff(client):
    client.force_login(make_family().user)
    page = client.get(reverse("families:cost")).content.decode()
    assert "Trouver un mode d&#x27;accueil</a>" in page
    client.force_login(make_user(Role.PMI_AGENT))
    page = client.get(reverse("families:search")).content.decode()
    assert "Trouver un mode d&#x27;accueil</a>" not in page
    assert reverse("offer:index") in page
    assert reverse("families:desk") not in page  # the PMI does not serve at the desk
    client.force_login(make_user(Role.COMMUNE_AGENT, Level.COMMUNE, "93008"))
    page = client.get(reverse("site:home")).content.decode()
    assert f'href="{reverse("families:desk")}"' in page


def test_a_search_is_kept_until_the_registry_changes(
    client, crèche, django_capture_on_commit_callbacks
):
    query = {"commune": "Bobigny", "radius": "5"}
    first = client.get(reverse("families:search"), query).content.decode()
    assert "1 résultat à moins de 5 km de Bobigny" in first
    # The same search again: the places found come from the cache (the page reads its rows).
    with CaptureQueriesContext(connection) as again:
        client.get(reverse("families:search"), query)
    with CaptureQueriesContext(connection) as cold:
        client.get(reverse("families:search"), {**query, "radius": "10"})
    assert len(again) < len(cold)
    with django_capture_on_commit_callbacks(execute=True):
        make_structure(name="Relais du canal", kind=Structure.Kind.RPE)
    page = client.get(reverse("families:search"), query).content.decode()
    assert "Relais du canal" in page and "2 résultats" in page


def test_distance_shown_only_when_the_place_has_its_own_position(client):
    bobigny = Commune.objects.get(code="93008")
    make_structure(name="Crèche placée", latitude=bobigny.centroid_lat + 0.01)
    make_structure(name="Crèche du centre", location_approximate=True)
    query = {"commune": "Bobigny", "radius": "5"}
    page = client.get(reverse("families:search"), query).content.decode()
    placed = page[page.index("Crèche placée") :][:400]
    centre = page[page.index("Crèche du centre") :][:400]
    assert re.search(r"Bobigny · 1[.,]1 km", placed)
    assert "km" not in centre and "adresse non localisée : distance inconnue" in centre
    features = client.get(reverse("families:search_geojson"), query).json()["features"]
    approximate = {f["properties"]["name"]: f["properties"]["approximate"] for f in features}
    assert approximate == {"Crèche placée (Crèche)": False, "Crèche du centre (Crèche)": True}


def test_search_map_draws_the_communes_and_the_departement_under_the_points(client):
    page = client.get(reverse("families:search"), {"commune": "Bobigny"}).content.decode()
    outlines = re.search(r'data-outlines="([^"]+)"', page)[1].replace("&amp;", "&").split()
    assert outlines[1] == reverse("maps:departement", args=["93"])
    communes = client.get(outlines[0]).json()["features"]
    assert "Bobigny" in {f["properties"]["name"] for f in communes}
    # On a phone the map's toggle comes before the list.
    assert (
        page.index("data-map-toggle")
        < page.index('id="search-map-panel"')
        < page.index("fr-raw-list")
    )


def test_assistant_page_says_assistante_maternelle_for_a_woman(client):
    woman = make_assistant(
        first_name="Awa", last_name="Diallo", available_places=1, civility="female"
    )
    unknown = make_assistant(first_name="Camille", last_name="Roux", available_places=1)
    page = client.get(reverse("families:assistant", args=[woman.identifier])).content.decode()
    assert "Assistante maternelle agréée à Bobigny" in page
    page = client.get(reverse("families:assistant", args=[unknown.identifier])).content.decode()
    assert "Assistant maternel agréé à Bobigny" in page
