import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings
from django.urls import reverse

from sdsf.accounts.models import Assignment, Role, User
from sdsf.allocation.models import AllocationRound
from sdsf.difficulty.models import ActivityYear, Aid, FollowUp
from sdsf.emergency.models import EmergencyPeriod
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def test_home_shows_the_persons_territory(client):
    client.force_login(make_user(Role.COMMUNE_AGENT, "commune", "93008"))
    page = client.get(reverse("site:home")).content.decode()
    assert "Agent petite enfance de commune" in page
    assert "Métropole du Grand Paris" in page and "Est Ensemble" in page
    assert "1</p><p>commune dans votre périmètre" in page.replace("\n", "")


def test_departement_page_lists_communes_and_map(client):
    client.force_login(make_user(Role.PMI_AGENT))
    page = client.get(reverse("territories:departement", args=["93"])).content.decode()
    assert "Seine-Saint-Denis (93)" in page
    assert page.count("<tr><td>93") == 39
    assert 'class="sdsf-map"' in page and "leaflet/leaflet.js" in page
    assert "Plaine Commune" in page and "Paris Terres d&#x27;Envol" in page


def test_geojson_of_the_communes(client):
    client.force_login(make_user(Role.CAF_ADVISOR))
    data = client.get(reverse("territories:departement_geojson", args=["93"])).json()
    assert len(data["features"]) == 39
    assert {"code", "name", "population"} <= set(data["features"][0]["properties"])


def test_api_lists_communes_in_scope(client):
    client.force_login(make_user(Role.ANALYST, "departement", "26"))
    rows = client.get("/api/territories/departements/26/communes").json()
    assert len(rows) == 362
    assert client.get("/api/territories/departements/93/communes").status_code == 404


@override_settings(DEBUG=True)
def test_demo_creates_one_account_per_role(capsys):
    call_command("load_demo", departement="26")
    call_command("load_demo", departement="26")  # idempotent
    out = capsys.readouterr().out
    for role in Role:
        assert str(role.label) in out
    assert User.objects.filter(email__endswith="26.demo.sdsf.fr").count() == len(Role)
    assert Assignment.objects.filter(user__email__endswith="26.demo.sdsf.fr").count() == len(Role)
    demo_round = AllocationRound.objects.get(name__contains="Données de démonstration")
    assert demo_round.status == AllocationRound.Status.RUN
    assert demo_round.applications.exclude(proposed_structure=None).exists()
    exercise = EmergencyPeriod.objects.get(departement="26", is_demo=True)
    assert exercise.figures.get().matched > 0
    files = FollowUp.objects.filter(structure__commune__departement="26")
    assert files.count() == 5 and all(f.is_demo for f in files)
    assert ActivityYear.objects.filter(is_demo=True, source="Données de démonstration").exists()
    assert Aid.objects.get(file__in=files).grant.paid_eur > 0


def test_demo_refuses_without_debug():
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("load_demo", departement="93")
