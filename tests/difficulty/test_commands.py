"""``sdsf import_activity`` and ``sdsf structure_health``: the documented columns, errors and
rounding."""

import csv
import io
import json
from decimal import Decimal

import pytest
from django.core.management import call_command

from sdsf.difficulty.health import OUTPUT_COLUMNS as OUTPUT
from sdsf.difficulty.models import ActivityYear, ThresholdSet
from tests.factories import make_structure

pytestmark = pytest.mark.django_db

HEADER = (
    "structure_id,year,places,opening_days,opening_hours_per_day,hours_realised,hours_invoiced,"
    "children_enrolled,staff_costs_eur,total_costs_eur,total_income_eur\n"
)


@pytest.fixture
def structures(db):
    return [
        make_structure("93008", identifier="EAJE-A", name="A"),
        make_structure("93048", identifier="EAJE-B", name="B"),
        make_structure("26362", identifier="EAJE-C", name="C"),
    ]


def _run(tmp_path, body: str, *args):
    path = tmp_path / "activite.csv"
    path.write_text(HEADER + body, encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import_activity", str(path), *args, stdout=out, stderr=err)
        code = 0
    except SystemExit as exit:
        code = exit.code
    return code, out.getvalue(), err.getvalue()


def test_import_creates_then_updates(tmp_path, structures):
    body = (
        "EAJE-A,2024,20,225,11,30000,33000,40,400000,500000,480000\nEAJE-A,2025,20,225,11,,,40,,,\n"
    )
    code, out, _ = _run(tmp_path, body)
    assert code == 0 and "2 ligne(s) ont été créée(s)" in out
    row = ActivityYear.objects.get(year=2025)
    assert row.hours_realised is None and row.places == 20
    code, out, _ = _run(tmp_path, "EAJE-A,2025,22,225,11,,,40,,,\n")
    assert code == 0 and "1 mise(s) à jour" in out
    assert ActivityYear.objects.get(year=2025).places == 22


def test_dry_run_writes_nothing(tmp_path, structures):
    code, out, _ = _run(tmp_path, "EAJE-A,2024,20,225,11,30000,33000,40,1,2,3\n", "--dry-run")
    assert code == 0 and "aucune donnée enregistrée" in out
    assert not ActivityYear.objects.exists()


UNKNOWN = "Ligne 3, colonne « structure_id » : structure inconnue du registre : « EAJE-X »"
NEGATIVE = "Ligne 3, colonne « hours_realised » : un chiffre ne peut pas être négatif"
WITHOUT = "Ligne 3, colonne « hours_invoiced » : des heures facturées sans heures réalisées"


@pytest.mark.parametrize(
    "line, message",
    [
        ("EAJE-X,2024,20,225,11,30000,33000,40,1,2,3", UNKNOWN),
        ("EAJE-A,2024,20,225,11,-5,33000,40,1,2,3", NEGATIVE),
        ("EAJE-A,2024,20,225,11,,33000,40,1,2,3", WITHOUT),
        ("EAJE-A,2024,20,225,11,0,33000,40,1,2,3", WITHOUT),
        ("EAJE-A,2024,20,400,11,1,1,40,1,2,3", "colonne « opening_days » : au plus 366"),
        ("EAJE-A,2024,20.5,225,11,1,1,40,1,2,3", "colonne « places » : nombre entier attendu"),
        ("EAJE-A,1850,20,225,11,1,1,40,1,2,3", "colonne « year » : année entre 2000 et 2100"),
        ("EAJE-A,2024,20,225,11,1.234,1,40,1,2,3", "au plus deux décimales"),
    ],
)
def test_errors_name_line_and_column_and_write_nothing(tmp_path, structures, line, message):
    good = "EAJE-B,2024,20,225,11,30000,33000,40,400000,500000,480000\n"
    code, out, err = _run(tmp_path, good + line + "\n")
    assert code == 2
    assert message in err and "rien n'a été enregistré" in err
    assert not ActivityYear.objects.exists()


def test_a_repeated_structure_and_year_is_an_error(tmp_path, structures):
    line = "EAJE-A,2024,20,225,11,30000,33000,40,400000,500000,480000\n"
    code, _, err = _run(tmp_path, line + line)
    assert code == 2 and "Ligne 3" in err and "déjà à la ligne 2" in err


def _health(*args) -> str:
    out = io.StringIO()
    call_command("structure_health", *args, stdout=out)
    return out.getvalue()


def test_structure_health_csv_rounds_half_up_and_leaves_unknowns_empty(structures):
    a, b, c = structures
    common = {"places": 10, "opening_days": 200, "opening_hours_per_day": Decimal(10)}
    common["source"] = "t"
    # occupancy 12,345 / 20,000 = 61.725 % → 61.7; invoicing 13,580 / 12,345 = 110.004 %.
    ActivityYear.objects.create(
        structure=a,
        year=2024,
        hours_realised=Decimal(12_345),
        hours_invoiced=Decimal(13_580),
        children_enrolled=8,
        staff_costs_eur=Decimal(95),
        total_costs_eur=Decimal(100),
        total_income_eur=Decimal("88.99"),
        **common,
    )
    ActivityYear.objects.create(structure=b, year=2024, hours_realised=None, **common)
    ActivityYear.objects.create(structure=c, year=2024, hours_realised=Decimal(1), **common)
    rows = list(csv.DictReader(io.StringIO(_health("--departement", "93", "--year", "2024"))))
    assert [r["structure_id"] for r in rows] == ["EAJE-A", "EAJE-B"]
    first, second = rows
    assert first["occupancy_rate"] == "61.7" and first["invoicing_rate"] == "110.0"
    assert first["cost_per_hour_eur"] == "0.01" and first["children_per_place"] == "0.80"
    assert first["staff_costs_share"] == "95.0" and first["deficit_share"] == "11.0"
    assert first["opening_days"] == "200"
    raised = "staff_costs_high|deficit_high|children_per_place_low|opening_days_low"
    assert first["signals"] == raised
    assert second["occupancy_rate"] == "" and second["invoicing_rate"] == ""
    assert second["signals"] == "opening_days_low"


def test_structure_health_json_and_the_departement_thresholds(structures):
    a = structures[0]
    ActivityYear.objects.create(
        structure=a,
        year=2024,
        places=10,
        opening_days=230,
        opening_hours_per_day=Decimal(10),
        hours_realised=Decimal(11_000),
        source="t",
    )
    rows = json.loads(_health("--departement", "93", "--year", "2024", "--format", "json"))
    assert rows[0]["occupancy_rate"] == 47.8 and rows[0]["signals"] == "occupancy_low"
    assert rows[0]["deficit_share"] is None
    ThresholdSet.objects.create(departement_id="93", occupancy_low_pct=Decimal(40))
    rows = json.loads(_health("--departement", "93", "--year", "2024", "--format", "json"))
    assert rows[0]["signals"] == ""


def test_structure_health_of_a_departement_without_eaje(db):
    assert _health("--departement", "2A", "--year", "2024").splitlines() == [",".join(OUTPUT)]
    assert json.loads(_health("--departement", "2a", "--year", "2024", "--format", "json")) == []


def test_structure_health_reads_the_two_years_before_for_the_trends(structures):
    a = structures[0]
    for year, realised in ((2019, 1_000), (2022, 16_000), (2023, 15_000), (2024, 13_000)):
        ActivityYear.objects.create(
            structure=a, year=year, places=10, opening_days=230,
            opening_hours_per_day=Decimal(10), hours_realised=Decimal(realised), source="t",
        )  # fmt: skip
    rows = json.loads(_health("--departement", "93", "--year", "2024", "--format", "json"))
    assert rows[0]["occupancy_rate"] == 56.5
    assert rows[0]["signals"] == "occupancy_low|occupancy_falling"
