"""Editing the registry in forms: structures, dated capacity, RPE coverage, agrément decisions;
each change dated in the history and audited."""

from datetime import date, timedelta

import pytest
from django.urls import reverse

from sdsf.accounts.models import Role
from sdsf.audit.models import AuditEvent
from sdsf.core import clock
from sdsf.offer.history import BeforeLatest, set_capacity
from sdsf.offer.models import Agrement, AgrementStatus, Capacity, Structure
from sdsf.territories.models import Commune, Level
from tests.factories import make_assistant, make_structure, make_user

pytestmark = pytest.mark.django_db


def _login(client, role=Role.PMI_AGENT, level=Level.DEPARTEMENT, code="93"):
    user = make_user(role, level, code)
    client.force_login(user)
    return user


def _form(response) -> str:
    return response.content.decode()


def test_a_structure_is_edited_and_the_change_listed_on_its_page(client):
    _login(client)
    eaje = make_structure("93008", name="Crèche Lilas", location_approximate=True)
    url = reverse("offer:structure_edit", args=[eaje.identifier])
    body = {
        "name": "Crèche des Lilas",
        "category": "multi_accueil",
        "status": "open",
        "funding": "psu",
        "latitude": "48,9086",
        "longitude": "2,4397",
        "opens_at": "07:30",
        "closes_at": "18:30",
        "avip": "on",
        "avip_share": "30",
    }
    assert _form(client.get(url)).count("position actuelle est approchée") == 1
    refused = client.post(url, body | {"closes_at": "07:00", "avip_share": "101"})
    assert "L&#x27;heure de fermeture précède" in _form(refused)
    assert "inférieure ou égale à 100" in _form(refused)
    assert client.post(url, body | {"longitude": ""}).status_code == 200
    assert client.post(url, body).status_code == 302
    eaje.refresh_from_db()
    assert (eaje.name, eaje.latitude, eaje.longitude) == ("Crèche des Lilas", 48.9086, 2.4397)
    assert not eaje.location_approximate and eaje.avip_share == 30
    page = _form(client.get(reverse("offer:structure", args=[eaje.identifier])))
    assert "Modifications enregistrées" in page and "modifié : Nom, " in page and "Latitude" in page
    event = AuditEvent.objects.get(object_type="offer.structure", object_id=str(eaje.pk))
    assert list(event.departements.values_list("departement", flat=True)) == ["93"]


def test_no_position_falls_back_to_the_communes_centre(client):
    _login(client)
    eaje = make_structure("93008", latitude=48.9, longitude=2.44)
    url = reverse("offer:structure_edit", args=[eaje.identifier])
    client.post(url, {"name": eaje.name, "status": "open", "latitude": "", "longitude": ""})
    eaje.refresh_from_db()
    bobigny = Commune.objects.get(code="93008")
    assert (eaje.latitude, eaje.longitude) == (bobigny.centroid_lat, bobigny.centroid_lon)
    assert eaje.location_approximate


def test_only_writers_of_the_structure_edit_it(client):
    eaje_26 = make_structure("26362")
    _login(client)
    assert client.get(reverse("offer:structure_edit", args=[eaje_26.identifier])).status_code == 404
    _login(client, Role.COMMUNE_AGENT, Level.COMMUNE, "93008")
    eaje = make_structure("93008")
    assert client.get(reverse("offer:structure_edit", args=[eaje.identifier])).status_code == 403


def test_rpe_coverage_changes_only_communes_of_the_editors_territory(client):
    _login(client, Role.CAF_ADVISOR, Level.COMMUNE, "93008")
    rpe = make_structure("93008", "rpe")
    rpe.covered_communes.set(["93008", "93048"])
    url = reverse("offer:structure_edit", args=[rpe.identifier])
    page = _form(client.get(url))
    assert "Bobigny" in page and "Montreuil" not in page
    client.post(url, {"name": rpe.name, "status": "open"})  # Bobigny unticked
    assert set(rpe.covered_communes.values_list("code", flat=True)) == {"93048"}
    response = client.post(url, {"name": rpe.name, "status": "open", "covered": ["26362"]})
    assert "Sélectionnez un choix valide" in _form(response)


def test_capacity_is_dated_and_never_rewritten_before_its_latest_change(client):
    _login(client)
    eaje = make_structure("93008")
    Capacity.objects.create(structure=eaje, section="all", places=20, start=date(2024, 1, 1))
    url = reverse("offer:structure_capacity", args=[eaje.identifier])
    both = client.post(url, {"start": "2026-09-01", "all": "20", "babies": "10"})
    assert "pas les deux" in _form(both)
    assert "inférieure ou égale à 500" in _form(
        client.post(url, {"start": "2026-09-01", "babies": "501"})
    )
    early = client.post(url, {"start": "2023-09-01", "babies": "10"})
    assert "antérieur au dernier changement enregistré (01/01/2024)" in _form(early)
    response = client.post(url, {"start": "2026-09-01", "babies": "10", "older": "14"})
    assert response.status_code == 302
    rows = set(Capacity.objects.filter(structure=eaje).values_list("start", "section", "places"))
    assert rows == {
        (date(2024, 1, 1), "all", 20),
        (date(2026, 9, 1), "all", 0),
        (date(2026, 9, 1), "babies", 10),
        (date(2026, 9, 1), "older", 14),
    }
    assert not set_capacity(eaje, {"babies": 10, "older": 14}, date(2026, 10, 1))
    with pytest.raises(BeforeLatest):
        set_capacity(eaje, {"babies": 9}, date(2026, 8, 1))
    mam = make_structure("93008", "mam")
    assert client.get(reverse("offer:structure_capacity", args=[mam.identifier])).status_code == 404


def test_a_pmi_agent_records_agrement_decisions_in_the_history(client):
    _login(client)
    assistant = make_assistant("93008")
    url = reverse("offer:assistant_agrement", args=[assistant.identifier])
    today = clock.today()
    body = {
        "decision": "withdrawal",
        "effective_from": today.isoformat(),
        "places": "4",
        "ages": "0-6 ans",
        "start": assistant.agrement_start.isoformat(),
        "expiry": assistant.agrement_expiry.isoformat(),
        "reason": "",
    }
    # Date inputs show their initial value as the browser reads it (AAAA-MM-JJ).
    assert f'name="effective_from" value="{today.isoformat()}"' in _form(client.get(url))
    assert "Indiquez le motif" in _form(client.post(url, body))
    assert "inférieure ou égale à 6" in _form(client.post(url, body | {"places": "7"}))
    early = body | {"effective_from": (today - timedelta(days=400)).isoformat(), "reason": "x"}
    assert "antérieur au dernier changement" in _form(client.post(url, early))
    extension = body | {"decision": "extension", "places": "5", "reason": "Dérogation."}
    assert client.post(url, extension).status_code == 302
    withdrawal = body | {"reason": "Manquement aux règles de sécurité."}
    assert client.post(url, withdrawal).status_code == 302  # same day: corrects that state
    assistant.refresh_from_db()
    assert (
        assistant.agrement_status == AgrementStatus.WITHDRAWN and assistant.agrement_since == today
    )
    history = list(assistant.agrements.order_by("effective_from").values_list("decision", "reason"))
    assert history[-1] == ("withdrawal", "Manquement aux règles de sécurité.")
    assert Agrement.objects.filter(assistant=assistant, effective_from=today).count() == 1
    page = _form(client.get(reverse("offer:assistant", args=[assistant.identifier])))
    assert "retrait" in page and "Manquement aux règles de sécurité." in page
    assert (
        AuditEvent.objects.filter(
            object_type="offer.assistantmaternel", action="update", object_id=str(assistant.pk)
        ).count()
        == 2
    )


def test_agrement_decisions_belong_to_the_pmi_of_the_territory(client):
    assistant_26 = make_assistant("26362")
    _login(client)
    url = reverse("offer:assistant_agrement", args=[assistant_26.identifier])
    assert client.get(url).status_code == 404
    _login(client, Role.CAF_ADVISOR)
    assistant = make_assistant("93008")
    assert (
        client.get(reverse("offer:assistant_agrement", args=[assistant.identifier])).status_code
        == 403
    )
    assert Structure.objects.count() == 0


def test_a_structure_is_added_in_a_commune_of_the_editors_territory(client):
    _login(client, Role.CAF_ADVISOR, Level.COMMUNE, "93008")
    url = reverse("offer:structure_create")
    body = {
        "identifier": "EAJE-93-NEW",
        "kind": "eaje",
        "name": "Crèche Neuve",
        "status": "planned",
    }
    assert "Sélectionnez un choix valide" in _form(client.post(url, body | {"commune": "93048"}))
    assert "sans espace" in _form(
        client.post(url, body | {"identifier": "EAJE 1", "commune": "93008"})
    )
    response = client.post(url, body | {"commune": "93008"})
    assert response.status_code == 302
    item = Structure.objects.get(identifier="EAJE-93-NEW")
    assert item.location_approximate and item.status == "planned"
    assert AuditEvent.objects.filter(object_id=str(item.pk), action="create").exists()
    duplicate = client.post(url, body | {"commune": "93008"})
    assert "existe déjà" in _form(duplicate)
