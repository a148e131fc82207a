from datetime import date
from decimal import Decimal

import pytest
from openpyxl import Workbook

from sdsf.core.imports import (
    ImportFailed,
    RowError,
    RowReader,
    check_unique,
    parse_bool,
    parse_date,
    parse_decimal,
    parse_int,
    read_table,
)


def write(tmp_path, name, content: bytes):
    path = tmp_path / name
    path.write_bytes(content)
    return path


def test_semicolon_windows_1252_csv(tmp_path):
    path = write(tmp_path, "eaje.csv", "code;nom\n93001;Crèche Été\n".encode("cp1252"))
    table = read_table(path)
    assert table.columns == ["code", "nom"]
    assert table.rows[0].line == 2 and table.rows[0].get("nom") == "Crèche Été"


def test_comma_utf8_csv_with_bom_and_blank_lines(tmp_path):
    path = write(tmp_path, "f.csv", "\ufeffa,b\n1,2\n\n3,4\n".encode())
    table = read_table(path)
    assert table.columns == ["a", "b"]
    assert [(r.line, r.get("a")) for r in table.rows] == [(2, "1"), (4, "3")]


def test_xlsx(tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.append(["code", "places", "date"])
    sheet.append(["93001", 12.0, date(2024, 1, 1)])
    book.save(tmp_path / "f.xlsx")
    table = read_table(tmp_path / "f.xlsx")
    assert table.rows[0].values == {"code": "93001", "places": "12", "date": "2024-01-01"}


def test_missing_columns_are_all_reported(tmp_path):
    table = read_table(write(tmp_path, "f.csv", b"a;b\n1;2\n"))
    with pytest.raises(ImportFailed) as failure:
        table.require("a", "c", "d")
    assert [e.column for e in failure.value.errors] == ["c", "d"]
    assert "colonne obligatoire absente" in failure.value.report()


def test_empty_and_missing_files(tmp_path):
    with pytest.raises(ImportFailed, match="error"):
        read_table(write(tmp_path, "empty.csv", b""))
    with pytest.raises(ImportFailed) as failure:
        read_table(tmp_path / "nope.csv")
    assert "fichier introuvable" in failure.value.report()


def test_parsers():
    assert parse_int("1 200") == 1200
    assert parse_decimal("3,5") == Decimal("3.5")
    assert parse_date("01/09/2025") == date(2025, 9, 1)
    assert parse_date("2025-09-01") == date(2025, 9, 1)
    assert parse_bool("Oui") is True and parse_bool("0") is False
    for parser, text in [
        (parse_int, "-3"),
        (parse_int, "2.5"),
        (parse_int, "douze"),
        (parse_decimal, "NaN"),
        (parse_date, "31/02/2025"),
        (parse_bool, "peut-être"),
    ]:
        with pytest.raises(ValueError):
            parser(text)


def test_row_reader_collects_errors_with_line_and_column(tmp_path):
    table = read_table(write(tmp_path, "f.csv", b"id;places\nA;x\nA;\n"))
    errors: list[RowError] = []
    for row in table.rows:
        RowReader(row, errors).cell("places", parse_int)
    check_unique(table, "id", errors)
    assert [(e.line, e.column) for e in errors] == [(2, "places"), (3, "places"), (3, "id")]
    assert (
        str(errors[2])
        == "Ligne 3, colonne « id » : identifiant « A » en double (déjà à la ligne 2)"
    )
