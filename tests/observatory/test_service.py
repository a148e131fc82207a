"""Figures through the database: the ``indicators`` command on hand-computed examples, the
registry used for components without an imported count, demo flags."""

import datetime
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from sdsf.observatory.demo import create_figures
from sdsf.observatory.importers import import_caf_coverage, import_capacity, import_population
from sdsf.observatory.models import DEMO_LABEL
from sdsf.observatory.service import ROW_COLUMNS, Observatory, territory
from sdsf.offer.models import Capacity, Structure
from sdsf.territories.models import Departement

pytestmark = pytest.mark.django_db
EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"
HEADER = ",".join(ROW_COLUMNS)


@pytest.fixture
def examples():
    """Four communes of Seine-Saint-Denis, 2021 (docs/examples, synthetic figures)."""
    import_population(EXAMPLES / "base-ic-evol-struct-pop.csv", 2021)
    import_capacity(EXAMPLES / "capacity.csv")
    import_caf_coverage(EXAMPLES / "txcouv_pe_com.csv")
    import_caf_coverage(EXAMPLES / "txcouv_pe_nat.csv")


def indicators(capsys, **options) -> list[str]:
    call_command("indicators", **options)
    return capsys.readouterr().out.splitlines()


def test_commune_rows_by_hand(examples, capsys):
    # Bobigny: 420 + 36 + 260 + 12 + 40 = 768 places for 2,710.52 children → 28.3.
    # Saint-Denis: childminders not given and no registry in 93 → unknown; 1,110 / 5,420.87.
    lines = indicators(capsys, level="commune", code="93008", year=2021)
    assert lines == [HEADER, "commune,93008,Bobigny,2021,2710.5,420,36,260,12,40,768,28.3,28.3"]
    lines = indicators(capsys, level="commune", code="93066", year=2021)
    assert lines[1] == "commune,93066,Saint-Denis,2021,5420.9,910,80,,25,95,1110,20.5,29.1"


def test_groups_pool_counts(examples, capsys):
    # Plaine Commune holds Saint-Denis and Aubervilliers (and others without data):
    # 2,015 places / 9,721.77 children = 20.7, not the mean of the communes' rates.
    lines = indicators(capsys, level="ept", code="200057867", year=2021)
    assert lines[1] == "ept,200057867,Plaine Commune,2021,9721.8,1450,80,300,35,150,2015,20.7,"
    lines = indicators(capsys, level="departement", code="93", year=2021)
    assert (
        lines[1] == "departement,93,Seine-Saint-Denis,2021,17062.3,2920,236,1170,107,260,4693,27.5,"
    )
    france = indicators(capsys, level="france", year=2021)
    assert france[1] == "france,FR,France,2021,17062.3,2920,236,1170,107,260,4693,27.5,59.9"


def test_territories_without_figures_have_empty_cells(examples, capsys):
    lines = indicators(capsys, level="ept", year=2021)
    assert "ept,200057941,Paris Est Marne et Bois,2021,,,,,,,,," in lines
    assert len(lines) == 1 + 11


def test_json_format_and_unknown_year_or_territory(examples, capsys):
    rows = json.loads(
        "\n".join(indicators(capsys, level="commune", code="93008", year=2021, format="json"))
    )
    assert rows[0]["coverage_rate"] == 28.3 and list(rows[0]) == list(ROW_COLUMNS)
    call_command("indicators", level="departement", code="93", year=2030)
    captured = capsys.readouterr()
    assert captured.out.strip() == HEADER and "Aucune donnée importée pour 2030" in captured.err
    with pytest.raises(CommandError, match="Territoire inconnu"):
        call_command("indicators", level="epci", code="999", year=2021)


def _eaje(identifier: str, commune: str, funding: str, places: int) -> None:
    structure = Structure.objects.create(
        identifier=identifier,
        kind=Structure.Kind.EAJE,
        name=identifier,
        commune_id=commune,
        funding=funding,
        opened_on=datetime.date(2015, 1, 1),
    )
    Capacity.objects.create(
        structure=structure, section="all", places=places, start=datetime.date(2015, 1, 1)
    )


def test_registry_fills_components_without_imported_count(examples, capsys):
    # Aubervilliers' file row leaves "EAJE hors PSU" empty: the registry's count on
    # 1 January 2021 is used (12 places); a commune of 93 the registry does not list has none.
    _eaje("MICRO-1", "93001", Structure.Funding.PAJE, 12)
    _eaje("CRECHE-1", "93008", Structure.Funding.PSU, 60)
    lines = indicators(capsys, level="commune", code="93001", year=2021)
    assert lines[1] == "commune,93001,Aubervilliers,2021,4300.9,540,12,300,10,55,917,21.3,"
    bobigny = indicators(capsys, level="commune", code="93008", year=2021)[1]
    assert ",420,36," in bobigny  # the imported count prevails over the registry's 60
    place = territory("commune", "93001")
    sources = Observatory().sources(place, 2021)
    assert sources["eaje_other_places"] == ["Registre de l'offre au 1er janvier 2021"]
    assert sources["eaje_psu_places"] == ["Import capacity.csv"]
    assert sources["am_places"] == ["Import capacity.csv"]


def test_demo_figures_are_flagged_and_labelled(capsys):
    lines = create_figures(Departement.objects.get(code="93"))
    assert DEMO_LABEL in lines[0]
    assert create_figures(Departement.objects.get(code="93")) == lines  # deterministic rerun
    call_command("indicators", level="departement", code="93", year=2023)
    captured = capsys.readouterr()
    assert f"Attention : {DEMO_LABEL}" in captured.err
    rows = Observatory().rows("commune", ["93008"], [2023]).to_dicts()
    assert rows[0]["is_demo"] and rows[0]["coverage_rate"] is not None


def test_a_registry_without_any_imported_figure_answers_empty_rows(client):
    """Structures in the registry but no figure imported yet (a new installation): the
    observatory's pages and API answer, with nothing to show, instead of failing."""
    from sdsf.accounts.models import Role
    from tests.factories import make_structure, make_user

    make_structure("93008")
    client.force_login(make_user(Role.ANALYST))
    assert client.get("/api/indicators").status_code == 200
    assert client.get("/observatoire/departement/93/").status_code == 200
