import csv
import io
import shutil

import pytest
from django.core.management import call_command

from sdsf.core.imports import ImportFailed
from sdsf.territories.importer import cog_dir, import_territories
from sdsf.territories.models import Commune, Departement, Epci, Ept, Region

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("code", "communes"), [("93", 39), ("26", 362), ("07", 335), ("79", 252)])
def test_cog_2026_commune_counts(code, communes):
    assert Departement.objects.get(code=code).communes.count() == communes


def test_the_whole_cog_is_loaded_with_its_links():
    assert Commune.objects.count() == 35014
    assert Departement.objects.count() == 109
    assert Epci.objects.count() == 1255
    assert Ept.objects.count() == 11
    assert Region.objects.filter(code="11").exists()
    bobigny = Commune.objects.get(code="93008")
    assert bobigny.epci_id == "200054781"  # Métropole du Grand Paris
    assert bobigny.ept.name == "Est Ensemble"
    assert bobigny.geometry["type"] in {"Polygon", "MultiPolygon"}
    assert 48.88 < bobigny.centroid_lat < 48.93 and 2.41 < bobigny.centroid_lon < 2.47


def test_reimport_is_idempotent():
    before = Commune.objects.count()
    result = import_territories()
    assert (result.created, result.updated) == (0, 0)
    assert Commune.objects.count() == before


def _copy_cog(tmp_path):
    target = tmp_path / "cog"
    shutil.copytree(cog_dir(), target)
    return target


def test_one_bad_line_writes_nothing(tmp_path):
    cog = _copy_cog(tmp_path)
    path = cog / "communes_cog2026_epci.csv"
    rows = path.read_text(encoding="utf-8").splitlines()
    # A renamed commune (a change to write) and, further down, a wrong population.
    rows[1] = rows[1].replace("L'Abergement-Clémenciat", "Nouveau nom")
    rows[3] = rows[3].replace(",15934,", ",quinze,")
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")

    with pytest.raises(ImportFailed) as failure:
        import_territories(cog)

    report = failure.value.report()
    assert "ligne 4" in report and "colonne « population »" in report
    assert "nombre attendu" in report
    assert Commune.objects.get(code="01001").name == "L'Abergement-Clémenciat"


def test_unknown_departement_is_reported(tmp_path):
    cog = _copy_cog(tmp_path)
    path = cog / "communes_cog2026_epci.csv"
    text = path.read_text(encoding="utf-8").replace(
        "01001,L'Abergement-Clémenciat,commune-actuelle,01,",
        "01001,L'Abergement-Clémenciat,commune-actuelle,XX,",
        1,
    )
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ImportFailed, match="error"):
        import_territories(cog)


def test_dry_run_reports_without_writing(tmp_path):
    cog = _copy_cog(tmp_path)
    path = cog / "communes_cog2026_epci.csv"
    path.write_text(
        path.read_text(encoding="utf-8").replace("Aubervilliers", "Auber"), encoding="utf-8"
    )
    result = import_territories(cog, dry_run=True)
    assert result.updated == 1 and result.dry_run
    assert Commune.objects.get(code="93001").name == "Aubervilliers"


def test_command_exits_non_zero_with_a_french_report(tmp_path, capsys):
    cog = _copy_cog(tmp_path)
    (cog / "epci_cog2026.csv").write_text("code_epci,nom_epci\n1,x\n", encoding="utf-8")
    with pytest.raises(SystemExit) as exit_:
        call_command("import_territories", cog_dir=cog)
    assert exit_.value.code == 1
    err = capsys.readouterr().err
    assert "colonne obligatoire absente" in err and "type_epci" in err


def test_territories_command_lists_communes_as_csv():
    out = io.StringIO()
    call_command("territories", departement="93", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0] == "code,name,epci_code,epci_name,ept_code,population"
    rows = list(csv.DictReader(lines))
    assert len(rows) == 39
    bobigny = next(r for r in rows if r["code"] == "93008")
    assert bobigny["ept_code"] == "200057875" and int(bobigny["population"]) > 50000


def test_territories_command_json():
    out = io.StringIO()
    call_command("territories", departement="26", format="json", stdout=out)
    assert '"code": "26362"' in out.getvalue()


def test_unknown_departement_gives_a_clear_message():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="Département inconnu : « 999 »"):
        call_command("territories", departement="999")
