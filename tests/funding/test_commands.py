"""``sdsf import_grants`` and ``sdsf funding_summary``."""

from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from sdsf.funding.models import Funder, Grant, Operator, Programme
from tests.factories import make_programme

pytestmark = pytest.mark.django_db
EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "grants.csv"
HEADER = "programme,operator_siren,operator_name,commune,year,funder,committed_eur,paid_eur\n"


def _run(*args):
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def _file(tmp_path, body):
    path = tmp_path / "grants.csv"
    path.write_text(HEADER + body, encoding="utf-8")
    return path


def test_the_example_imports_and_warns_about_unknown_programmes_and_funders():
    report = _run("import_grants", str(EXAMPLE))
    assert "4 ligne(s) ont été créée(s)" in report
    assert "programme « Contrat enfance départemental » inconnu, créé" in report
    assert "financeur « MSA » inconnu, créé" in report
    assert Grant.objects.count() == 4 and Operator.objects.count() == 2
    assert Programme.objects.get(name="Appel à projets parentalité").departement_id == "93"
    again = _run("import_grants", str(EXAMPLE))
    assert "0 ligne(s) ont été créée(s), 0 mise(s) à jour, 4 inchangée(s)" in again
    assert Grant.objects.count() == 4


def test_a_known_programme_is_found_by_its_code_and_amounts_are_updated(tmp_path):
    make_programme(code="ced", name="CED")
    row = "ced,900000001,Asso,93008,2025,CAF,{},0\n"
    _run("import_grants", str(_file(tmp_path, row.format(100))))
    _run("import_grants", str(_file(tmp_path, row.format('"150,50"'))))
    grant = Grant.objects.get()
    assert grant.programme.code == "ced" and grant.committed_eur == Decimal("150.50")
    assert Programme.objects.count() == 1


def test_dry_run_writes_nothing():
    report = _run("import_grants", str(EXAMPLE), "--dry-run")
    assert "aucune donnée enregistrée" in report
    assert not Grant.objects.exists() and not Funder.objects.exists()


def test_errors_are_french_with_line_and_column_and_nothing_is_written(tmp_path, capsys):
    body = (
        "P,12345,Asso,93008,2025,CAF,10,0\n"
        "P,900000001,Asso,99999,2025,CAF,10,0\n"
        "P,900000001,Asso,93008,1850,CAF,10,20\n"
        "P,900000001,Asso,93008,2025,CAF,10,20\n"
        "P,900000001,Asso,93008,2025,CAF,1.234,0\n"
    )
    with pytest.raises(SystemExit) as exit:
        call_command("import_grants", str(_file(tmp_path, body)))
    assert exit.value.code == 1
    err = capsys.readouterr().err
    assert "Ligne 2, colonne « operator_siren » : SIREN à 9 chiffres" in err
    assert "Ligne 3, colonne « commune » : commune « 99999 » inconnue" in err
    assert "Ligne 4, colonne « year »" in err
    assert "Ligne 5, colonne « paid_eur » : le montant versé dépasse" in err
    assert "Ligne 6, colonne « committed_eur »" in err
    assert not Grant.objects.exists()


def test_a_key_twice_in_the_file_is_an_error(tmp_path, capsys):
    body = "P,900000001,Asso,93008,2025,CAF,10,0\n" * 2
    with pytest.raises(SystemExit):
        call_command("import_grants", str(_file(tmp_path, body)))
    assert "déjà à la ligne 2" in capsys.readouterr().err


def test_summary_by_funder_and_programme(tmp_path):
    _run("import_grants", str(EXAMPLE))
    out = _run("funding_summary", "--level", "departement", "--year", "2025")
    assert out.splitlines() == [
        "level,code,year,funder,committed_eur,paid_eur",
        "departement,93,2025,CAF,14800.00,9800.00",
        "departement,93,2025,Département,12500.00,6250.00",
        "departement,93,2025,MSA,2500.00,0.00",
    ]
    out = _run(
        "funding_summary",
        "--level",
        "commune",
        "--code",
        "93048",
        "--year",
        "2025",
        "--by",
        "programme",
        "--format",
        "json",
    )
    assert '"programme": "Appel à projets parentalité"' in out
    assert '"committed_eur": "4800.00"' in out
    assert "93008" not in out


@pytest.mark.parametrize(
    "args, message",
    [
        (["--level", "region", "--year", "2025"], "Niveau « region » inconnu"),
        (["--level", "epci", "--code", "123", "--year", "2025"], "Code « 123 » inconnu"),
        (["--level", "commune", "--year", "20x5"], "Année « 20x5 » invalide"),
        (["--level", "commune", "--year", "2025", "--by", "x"], "Regroupement « x »"),
    ],
)
def test_summary_refuses_bad_arguments_with_exit_code_2(args, message):
    with pytest.raises(CommandError, match=message) as error:
        call_command("funding_summary", *args)
    assert error.value.returncode == 2
