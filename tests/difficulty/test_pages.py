"""The difficulty pages as their users go through them: the list, a health sheet, the manager's
year, the FILOUÉ upload, and a follow-up file from its opening to a paid aid."""

from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from sdsf.accounts.models import Role
from sdsf.audit.models import AuditEvent
from sdsf.difficulty.models import ActivityMonth, ActivityYear, Aid, FollowUp, ThresholdSet
from sdsf.offer.models import Capacity
from tests.factories import make_structure, make_user

pytestmark = pytest.mark.django_db
FIXTURES = Path(__file__).parent / "fixtures"


def _year(structure, year, **figures):
    values = {
        "places": 20,
        "opening_days": 225,
        "opening_hours_per_day": Decimal(11),
        "hours_realised": Decimal(27_000),  # 54.5 % of 49,500 hours
        "hours_invoiced": Decimal(30_000),
        "children_enrolled": 40,
        "staff_costs_eur": Decimal(400_000),
        "total_costs_eur": Decimal(500_000),
        "total_income_eur": Decimal(440_000),
    } | figures
    return ActivityYear.objects.create(structure=structure, year=year, source="test", **values)


@pytest.fixture
def eaje(db):
    s = make_structure(
        "93008",
        identifier="EAJE-D1",
        name="Crèche des Lilas",
        funding="psu",
        category="multi_accueil",
    )
    Capacity.objects.create(structure=s, section="all", places=20, start="2020-01-01")
    _year(s, 2024, hours_realised=Decimal(38_000), total_income_eur=Decimal(500_000))
    _year(s, 2025)
    return s


def _client(client, role, level="departement", code="93"):
    client.force_login(make_user(role, level, code))
    return client


def test_the_list_shows_the_signals_of_the_latest_year(client, eaje):
    page = _client(client, Role.CAF_ADVISOR).get(reverse("difficulty:index")).content.decode()
    assert "Crèche des Lilas" in page and "taux d&#x27;occupation bas" in page
    assert "Indicateurs 2025" in page
    only = client.get(reverse("difficulty:index") + "?signal=opening_days_low").content.decode()
    assert "Crèche des Lilas" not in only
    geo = client.get(reverse("difficulty:structures_geojson")).json()
    assert geo["features"][0]["properties"]["signals"] >= 2


def test_a_commune_sees_only_its_structures(client, eaje):
    make_structure("93048", identifier="EAJE-MTR", name="Crèche de Montreuil")
    page = _client(client, Role.COMMUNE_AGENT, "commune", "93048").get(reverse("difficulty:index"))
    assert "Crèche de Montreuil" in page.content.decode()
    assert "Crèche des Lilas" not in page.content.decode()
    sheet = client.get(reverse("difficulty:structure", args=["EAJE-D1"]))
    assert sheet.status_code == 404


def test_the_health_sheet_puts_years_side_by_side_with_references(client, eaje):
    page = (
        _client(client, Role.PMI_AGENT)
        .get(reverse("difficulty:structure", args=["EAJE-D1"]))
        .content.decode()
    )
    assert "<svg" in page and "2024" in page and "2025" in page
    assert "69 %" in page and "73 % (multi-accueil, 2019)" in page and "indicateur 2.5" in page
    assert "54,5 %" in page  # occupancy 2025
    assert "Circulaire CNAF" in page  # the PSU consequence of the 2025 invoicing rate


def test_the_departement_sets_its_thresholds(client, eaje):
    _client(client, Role.ADMINISTRATOR)
    url = reverse("difficulty:thresholds", args=["93"])
    body = {
        "occupancy_low_pct": "50",
        "occupancy_fall_points": "10",
        "invoicing_low_pct": "107",
        "invoicing_high_pct": "117",
        "staff_costs_high_pct": "90",
        "deficit_high_pct": "10",
        "children_per_place_low": "1",
        "children_per_place_high": "5",
        "opening_days_low": "220",
    }
    assert client.post(url, body | {"invoicing_high_pct": "100"}).status_code == 200
    assert not ThresholdSet.objects.exists()
    assert client.post(url, body).status_code == 302
    page = client.get(reverse("difficulty:structure", args=["EAJE-D1"])).content.decode()
    assert "taux d&#x27;occupation bas" not in page.split("Dossiers de suivi")[0]


def test_the_territory_counts_places_at_risk(client, eaje):
    page = (
        _client(client, Role.CAF_ADVISOR)
        .get(reverse("difficulty:territory", args=["93"]))
        .content.decode()
    )
    assert "<strong>1</strong> structure(s) sur 1" in page
    assert "<strong>20</strong> place(s) sur 20" in page


def test_the_manager_enters_a_year_with_bounded_figures(client, eaje):
    from sdsf.accounts.models import Institution
    from tests.factories import give_structure_role

    user = make_user()
    user.assignments.all().delete()
    give_structure_role(user, Role.STRUCTURE_MANAGER, "EAJE-D1")
    client.force_login(user)
    url = reverse("difficulty:activity", args=["EAJE-D1"])
    assert client.get(url).status_code == 200
    refused = client.post(url, {"year": "2023", "opening_days": "400", "hours_invoiced": "10"})
    assert refused.status_code == 200
    text = refused.content.decode()
    assert "366" in text and "heures réalisées" in text
    assert (
        client.post(url, {"year": "2023", "places": "20", "hours_realised": "1000"}).status_code
        == 302
    )
    row = ActivityYear.objects.get(structure=eaje, year=2023)
    assert row.hours_realised == 1000 and row.opening_days is None
    assert Institution.objects.exists()


def test_a_filoue_file_keeps_months_only(client, eaje):
    _client(client, Role.CAF_ADVISOR)
    content = (FIXTURES / "filoue_small.csv").read_bytes()
    upload = SimpleUploadedFile("filoue.csv", content, content_type="text/csv")
    response = client.post(reverse("difficulty:filoue", args=["EAJE-D1"]), {"file": upload})
    assert response.status_code == 302
    months = ActivityMonth.objects.filter(structure=eaje)
    assert months.count() >= 3
    page = client.get(reverse("difficulty:structure", args=["EAJE-D1"])).content.decode()
    assert "Activité par mois" in page and "1000001" not in page and "BOBIGNY" not in page


def test_a_bad_filoue_file_writes_nothing_and_says_where(client, eaje):
    _client(client, Role.CAF_ADVISOR)
    content = (FIXTURES / "filoue_bad_line.csv").read_bytes()
    upload = SimpleUploadedFile("filoue.csv", content, content_type="text/csv")
    client.post(reverse("difficulty:filoue", args=["EAJE-D1"]), {"file": upload})
    assert not ActivityMonth.objects.exists()
    page = client.get(reverse("difficulty:structure", args=["EAJE-D1"])).content.decode()
    assert "Ligne" in page and "rien n&#x27;a été enregistré" in page


def test_a_file_from_signal_to_paid_aid(client, eaje):
    from tests.factories import give_structure_role

    caf = _client(client, Role.CAF_ADVISOR)
    response = caf.post(reverse("difficulty:file_open", args=["EAJE-D1"]))
    file = FollowUp.objects.get()
    assert response.url == reverse("difficulty:file", args=[file.pk])
    assert "occupancy_low" in file.signals and "low_occupancy" in file.causes
    assert file.places == 20
    edit = lambda part: reverse("difficulty:file_edit", args=[file.pk, part])  # noqa: E731
    assert (
        caf.post(
            edit("action"),
            {"title": "Relancer la commission", "who": "Commune", "budget_eur": "10000"},
        ).status_code
        == 302
    )
    assert (
        caf.post(
            edit("meeting"), {"kind": "pmi_visit", "held_on": "2026-11-02", "notes": "Visite"}
        ).status_code
        == 302
    )
    assert (
        caf.post(edit("action"), {"title": "", "who": "x", "budget_eur": "-1"}).status_code == 200
    )
    caf.post(reverse("difficulty:file_sign", args=[file.pk]))
    manager = make_user()
    manager.assignments.all().delete()
    give_structure_role(manager, Role.STRUCTURE_MANAGER, "EAJE-D1")
    client.force_login(manager)
    client.post(reverse("difficulty:file_sign", args=[file.pk]))
    file.refresh_from_db()
    assert file.cosigned
    client.post(edit("aid"), {"funder": "caf", "requested": "9000"})
    aid = Aid.objects.get()
    assert aid.computed_eur == Decimal("8000.00")  # 80 % of the plan's 10,000 €
    assert (
        client.post(
            reverse("difficulty:file_status", args=[file.pk]), {"status": "diagnosed"}
        ).status_code
        == 403
    )
    _client(client, Role.CAF_ADVISOR)
    for status in ("diagnosed", "supported", "stabilised"):
        client.post(reverse("difficulty:file_status", args=[file.pk]), {"status": status})
    decide = reverse("difficulty:aid_decide", args=[file.pk])
    client.post(decide, {"aid": aid.pk, "decision": "granted", "granted": "9000"})
    aid.refresh_from_db()
    assert aid.status == "requested"  # above the rule's amount
    client.post(decide, {"aid": aid.pk, "decision": "granted", "granted": "8000"})
    client.post(decide, {"aid": aid.pk, "decision": "paid"})
    aid.refresh_from_db()
    file.refresh_from_db()
    assert aid.status == "paid" and file.status == "stabilised" and file.stabilised_on
    grant = aid.grant  # the ledger's row: the CAF's rule aid, paid in full
    assert (grant.committed_eur, grant.paid_eur, grant.status) == (8000, 8000, "paid")
    assert grant.origin == "rule" and grant.programme.kind == "rule_aid"
    assert grant.operator.structure == eaje and grant.funder.kind == "caf"
    assert any("80" in line["label"] for line in grant.explanation)
    page = client.get(reverse("difficulty:file", args=[file.pk])).content.decode()
    assert "Relancer la commission" in page and "visite de la PMI" in page
    assert AuditEvent.objects.filter(action="read", object_type="difficulty.followup").exists()
    year = file.stabilised_on.year
    territory = client.get(reverse("difficulty:territory", args=["93"])).content.decode()
    assert f"<td>{year}</td><td>1</td><td>1</td><td>1</td><td>0</td><td>20</td>" in territory
    assert "8\u00a0000,00 €" in territory


def test_a_mam_records_its_own_figures(client):
    mam = make_structure("93008", "mam", identifier="MAM-D1", name="MAM des Petits")
    caf = _client(client, Role.CAF_ADVISOR)
    caf.post(reverse("difficulty:file_open", args=["MAM-D1"]))
    file = FollowUp.objects.get(structure=mam)
    url = reverse("difficulty:file_edit", args=[file.pk, "mam"])
    assert (
        caf.post(
            url, {"mam_childminders": "9", "mam_children": "12", "mam_places": "12"}
        ).status_code
        == 200
    )
    caf.post(url, {"mam_childminders": "3", "mam_children": "14", "mam_places": "12"})
    page = caf.get(reverse("difficulty:file", args=[file.pk])).content.decode()
    assert "MAM en demande de stabilisation" in page and "3 assistant(s)" in page


def test_the_steering_indicator_counts_supported_structures(eaje):
    from sdsf.core import clock
    from sdsf.steering import bindings

    year = clock.today().year
    FollowUp.objects.create(structure=eaje, opened_on=clock.today(), supported_on=clock.today())
    key = "structures_in_difficulty_supported"
    assert bindings.value(key, "93", year) == 1
    assert bindings.value(key, "93", year - 1) == 0
    assert bindings.value(key, "93", year + 1) is None
    FollowUp.objects.update(is_demo=True)
    assert bindings.value(key, "93", year) is None
