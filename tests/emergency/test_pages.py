"""Emergency childcare as its users see it: the préfecture, the PMI, a manager, a family."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse

from sdsf.accounts.models import Role
from sdsf.audit.models import AuditEvent
from sdsf.core import clock
from sdsf.emergency.models import EmergencyOffer, EmergencyPeriod, EmergencyRequest
from tests.emergency.test_service import ask, open_93
from tests.factories import make_structure, make_user
from tests.queries import queries

pytestmark = pytest.mark.django_db


def client_of(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_prefecture_opens_a_period_from_the_form():
    client = client_of(make_user(Role.STATE))
    today = clock.today()
    response = client.post(
        reverse("emergency:open"),
        {
            "departement": "93",
            "title": "Crise sanitaire",
            "reason": "Fermeture des écoles",
            "starts_on": today.isoformat(),
            "ends_on": (today + timedelta(days=4)).isoformat(),
            "max_distance_km": "10",
            "categories": "Soignants\n\nForces de sécurité\n",
        },
    )
    period = EmergencyPeriod.objects.get()
    assert response.status_code == 302
    assert [c.label for c in period.categories.all()] == ["Soignants", "Forces de sécurité"]
    page = client.get(reverse("emergency:period", args=[period.pk])).content.decode()
    assert "Soignants" in page and "appariement non lancé" in page


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("max_distance_km", "1000", "inférieure ou égale à 100"),
        ("starts_on", "2000-01-01", "aujourd&#x27;hui ou plus tard"),
        ("categories", "\n\n", "Ce champ est obligatoire"),
    ],
)
def test_bad_period_input_is_refused_in_french(field, value, message):
    today = clock.today()
    data = {
        "departement": "93",
        "title": "Crise",
        "reason": "Motif",
        "starts_on": today.isoformat(),
        "ends_on": today.isoformat(),
        "max_distance_km": "10",
        "categories": "Soignants",
    } | {field: value}
    response = client_of(make_user(Role.PMI_AGENT)).post(reverse("emergency:open"), data)
    assert response.status_code == 200 and message in response.content.decode()
    assert not EmergencyPeriod.objects.exists()


def test_a_manager_declares_places_bounded():
    period = open_93()
    structure = make_structure(identifier="S-MINE", name="Crèche des Lilas")
    client = client_of(make_user(Role.STRUCTURE_MANAGER, level="structure", code="S-MINE"))
    url = reverse("emergency:places", args=[period.pk])
    page = client.get(url, {"holder": f"s-{structure.pk}"}).content.decode()
    assert "Crèche des Lilas" in page
    day = period.starts_on.isoformat()
    response = client.post(url, {"holder": f"s-{structure.pk}", day: "100000"})
    assert "inférieure ou égale à 200" in response.content.decode()
    client.post(url, {"holder": f"s-{structure.pk}", day: "6"})
    assert EmergencyOffer.objects.get().places == 6


def test_a_family_asks_online_in_arabic():
    period = open_93()
    url = reverse("emergency_family:request", args=[period.pk])
    response = Client().post(
        url,
        {
            "parent_name": "Samira B.",
            "email": "samira@example.org",
            "employer": "Hôpital Avicenne",
            "category": period.categories.get(rank=1).pk,
            "home_commune": "93008",
            "child_0_name": "Adam",
            "child_0_birth": (clock.today() - timedelta(days=800)).isoformat(),
            "days": period.starts_on.isoformat(),
        },
        HTTP_ACCEPT_LANGUAGE="ar",
    )
    item = EmergencyRequest.objects.get()
    assert item.reference in response.content.decode()
    assert item.language == "ar" and item.children.get().first_name == "Adam"


def test_a_family_needs_a_way_to_be_reached():
    period = open_93()
    response = Client().post(
        reverse("emergency_family:request", args=[period.pk]),
        {
            "parent_name": "X",
            "employer": "Y",
            "category": period.categories.first().pk,
            "home_commune": "93008",
            "child_0_name": "Adam",
            "child_0_birth": "2025-01-01",
            "days": period.starts_on.isoformat(),
        },
    )
    assert "adresse e-mail ou un téléphone" in response.content.decode()
    assert not EmergencyRequest.objects.exists()


def test_reading_the_requests_is_audited_and_the_run_proposes_places():
    period = open_93()
    pmi = make_user(Role.PMI_AGENT)
    client = client_of(pmi)
    structure = make_structure(name="Crèche Pablo Picasso")
    EmergencyOffer.objects.create(
        period=period, structure=structure, day=period.starts_on, places=1, declared_by=pmi
    )
    item = ask(period)
    response = client.post(reverse("emergency:run", args=[period.pk]), {"day": period.starts_on})
    assert response.status_code == 302
    page = client.get(reverse("emergency:requests", args=[period.pk])).content.decode()
    assert "Crèche Pablo Picasso" in page and item.reference in page
    assert AuditEvent.objects.filter(action=AuditEvent.Action.READ, object_id=str(item.pk)).exists()
    geojson = client.get(reverse("emergency:period_geojson", args=[period.pk])).json()
    assert geojson["features"][0]["properties"] == {
        "name": "Crèche Pablo Picasso",
        "commune": "Bobigny",
        "places": 1,
        "left": 0,
    }


def test_a_commune_agent_sees_no_emergency_page():
    period = open_93()
    client = client_of(make_user(Role.COMMUNE_AGENT, level="commune", code="93008"))
    assert client.get(reverse("emergency:requests", args=[period.pk])).status_code == 403


def test_the_lists_do_not_query_per_row():
    period = open_93(days=1)
    client = client_of(make_user(Role.PMI_AGENT))
    url = reverse("emergency:requests", args=[period.pk])
    ask(period)
    small = queries(client, url)
    for _n in range(4):
        ask(period, children=2)
    assert (small, queries(client, url, warm=False, shows="Enfant1")) == (small, small)
    index = reverse("emergency:index")
    one = queries(client, index)
    open_93()
    assert queries(client, index, warm=False, shows="Crise sanitaire") == one
