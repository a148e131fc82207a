"""Obligations of the communes (article L214-1-3 CASF) against the COG populations shipped."""

import csv
import datetime
import io
import json

import pytest
from django.core.management import call_command
from hypothesis import given
from hypothesis import strategies as st

from sdsf.core.datadir import data_dir
from sdsf.publicservice import obligations
from sdsf.publicservice.authorities import commune_rows
from sdsf.publicservice.models import CompetenceTransfer, LocalSchema
from tests.factories import make_structure

TODAY = datetime.date(2026, 12, 5)


def test_thresholds_are_strict():
    assert obligations.obligations(3_500).as_flags() == {
        "census": 1,
        "information": 1,
        "planning": 0,
        "quality": 0,
        "schema_required": 0,
        "rpe_required": 0,
    }
    assert obligations.obligations(3_501).planning
    assert not obligations.obligations(10_000).schema_required
    assert obligations.obligations(10_001).rpe_required
    assert obligations.obligations(None) == obligations.obligations(0)


@given(st.integers(min_value=0, max_value=3_000_000))
def test_a_larger_population_never_has_fewer_obligations(population):
    fewer = obligations.obligations(population).as_flags()
    more = obligations.obligations(population + 1).as_flags()
    assert all(more[duty] >= fewer[duty] for duty in obligations.DUTIES)


def test_a_transfer_counts_from_its_date_with_the_epci_population():
    commune = obligations.CommuneFacts("26001", "Petite", 800, "200000001", "CA Grande", 60_000)
    transfers = {"26001": datetime.date(2026, 1, 1)}
    before = obligations.authority_of(commune, transfers, datetime.date(2025, 12, 31))
    after = obligations.authority_of(commune, transfers, datetime.date(2026, 1, 1))
    assert (before.level, before.code, before.population) == ("commune", "26001", 800)
    assert (after.level, after.code, after.population) == ("epci", "200000001", 60_000)


def _cog(departement: str) -> dict[str, int]:
    with open(data_dir() / "cog" / "communes_cog2026_epci.csv", encoding="utf-8") as f:
        return {
            row["code_commune"]: int(row["population"])
            for row in csv.DictReader(f)
            if row["code_departement"] == departement and row["type"] == "commune-actuelle"
        }


# (communes, of which more than 3,500 inhabitants, more than 10,000) in the COG 2026 file
SEED = {"93": (39, 39, 35), "26": (362, 28, 6), "07": (335, 10, 4), "79": (252, 17, 4)}


@pytest.mark.parametrize("departement", sorted(SEED))
def test_the_seed_departements_obligations_follow_the_cog_populations(db, departement):
    rows = commune_rows(departement, TODAY)
    populations = _cog(departement)
    assert {r["commune"]: r["population"] for r in rows} == populations
    assert (
        len(rows),
        sum(r["planning"] for r in rows),
        sum(r["schema_required"] for r in rows),
    ) == SEED[departement]
    for row in rows:
        assert row["authority"] == row["commune"]
        assert row["quality"] == row["planning"] == int(populations[row["commune"]] > 3_500)
        assert row["rpe_required"] == row["schema_required"]
        assert row["schema_required"] == int(populations[row["commune"]] > 10_000)
        assert row["census"] == row["information"] == 1


def test_privas_below_10000_gets_the_schema_of_its_agglomeration_after_a_transfer(db):
    before = {r["commune"]: r for r in commune_rows("07", TODAY)}["07186"]
    assert (before["population"], before["schema_required"], before["planning"]) == (8538, 0, 1)
    CompetenceTransfer.objects.create(
        departement_id="07",
        commune_id="07186",
        epci_id="200071413",
        effective_from=datetime.date(2026, 1, 1),
    )
    after = {r["commune"]: r for r in commune_rows("07", TODAY)}["07186"]
    assert after["authority"] == "200071413"
    assert after["authority_population"] > 10_000
    assert (after["schema_required"], after["rpe_required"]) == (1, 1)


def test_the_command_prints_exactly_the_columns_with_the_registry_and_the_schemas(db):
    relais = make_structure("79191", "rpe", identifier="RPE-NIORT", name="Relais de Niort")
    relais.covered_communes.set(["79191"])
    LocalSchema.objects.create(
        departement_id="79",
        authority_level="commune",
        authority_code="79191",
        authority_name="Niort",
        start_year=2026,
        end_year=2031,
        status=LocalSchema.Status.ADOPTED,
        adopted_on=datetime.date(2026, 6, 30),
    )
    out = io.StringIO()
    call_command("commune_obligations", "--departement", "79", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0] == (
        "commune,population,authority,authority_population,census,information,planning,quality,"
        "schema_required,rpe_required,rpe_present,schema_adopted_on"
    )
    niort = next(line for line in lines if line.startswith("79191,"))
    assert niort == "79191,59854,79191,59854,1,1,1,1,1,1,1,2026-06-30"
    assert len(lines) == 1 + 252
    out = io.StringIO()
    call_command("commune_obligations", "--departement", "79", "--format", "json", stdout=out)
    rows = json.loads(out.getvalue())
    assert list(rows[0]) == list(obligations.COLUMNS)


def test_the_command_refuses_an_unknown_departement(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="Département inconnu"):
        call_command("commune_obligations", "--departement", "999")
