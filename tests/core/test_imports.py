from datetime import date
from decimal import Decimal

import pytest
from openpyxl import Workbook, load_workbook

from sdsf.core.imports import (
    Column,
    ImportFailed,
    Repeats,
    RowError,
    RowReader,
    check_unique,
    parse_bool,
    parse_date,
    parse_decimal,
    parse_int,
    read_table,
    require_columns,
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


def report_of(path) -> str:
    with pytest.raises(ImportFailed) as failure:
        read_table(path)
    return failure.value.report()


def test_a_nul_byte_is_refused_in_french_with_its_line(tmp_path):
    path = write(tmp_path, "f.csv", b"a;b\n1;2\n3;\x004\n")
    assert "Ligne 3 : le fichier contient un caractère nul" in report_of(path)


def test_a_field_past_the_csv_limit_is_a_french_error_with_its_line(tmp_path, settings):
    settings.SDSF_IMPORT_MAX_CELL_CHARS = 10**9  # the csv module's own limit is met first
    path = write(tmp_path, "f.csv", b"a;b\n1;2\n3;" + b"x" * 200_000 + b"\n")
    assert "Ligne 3 : ligne CSV illisible (cellule de plus de 131072 caractères)" in report_of(path)


def test_limits_on_rows_columns_and_cells(tmp_path, settings):
    settings.SDSF_IMPORT_MAX_ROWS = 3
    settings.SDSF_IMPORT_MAX_COLUMNS = 4
    settings.SDSF_IMPORT_MAX_CELL_CHARS = 10
    assert len(read_table(write(tmp_path, "ok.csv", b"a;b\n1;2\n3;4\n5;6\n")).rows) == 3
    rows = write(tmp_path, "rows.csv", b"a;b\n1;2\n3;4\n5;6\n7;8\n")
    assert "Ligne 5 : le fichier dépasse 3 lignes de données" in report_of(rows)
    columns = write(tmp_path, "cols.csv", b"a;b\n1;2;3;4;5\n")
    assert "Ligne 2 : plus de 4 colonnes" in report_of(columns)
    cell = write(tmp_path, "cell.csv", b"a;b\n1;" + b"x" * 11 + b"\n")
    assert "Ligne 2, colonne « b » : cellule de plus de 10 caractères" in report_of(cell)


def _workbook(tmp_path, rows, *, write_only=True):
    book = Workbook(write_only=write_only)
    sheet = book.create_sheet() if write_only else book.active
    for row in rows:
        sheet.append(row)
    path = tmp_path / "f.xlsx"
    book.save(path)
    return path


def test_xlsx_limits_are_checked_while_streaming(tmp_path, settings):
    settings.SDSF_IMPORT_MAX_ROWS = 5
    settings.SDSF_IMPORT_MAX_COLUMNS = 3
    path = _workbook(tmp_path, [["a", "b"], *([i, i] for i in range(10))])
    assert "Ligne 7 : le fichier dépasse 5 lignes de données" in report_of(path)
    wide = _workbook(tmp_path, [["a", "b"], [1, 2, None, None, 5]])
    assert "Ligne 2 : plus de 3 colonnes" in report_of(wide)
    trailing_blanks = _workbook(tmp_path, [["a", "b", None, None], [1, 2, None, None, None]])
    assert read_table(trailing_blanks).columns == ["a", "b"]


def test_xlsx_declaring_a_million_rows_is_refused_before_reading_them(tmp_path, settings):
    """A file's own <dimension> says how many rows it has: past the limit it is refused at once,
    and an absurd declared width does not pad the rows."""
    settings.SDSF_IMPORT_MAX_ROWS = 100
    path = _workbook(tmp_path, [["a"], [1]], write_only=False)
    book = load_workbook(path)
    book.active["XFD1000000"] = "x"
    book.save(path)
    assert "Ligne 102 : le fichier dépasse 100 lignes de données" in report_of(path)
    settings.SDSF_IMPORT_MAX_ROWS = 2_000_000
    assert "Ligne 1000000 : plus de 300 colonnes" in report_of(path)


def test_declared_columns_and_repeated_keys(tmp_path):
    path = write(tmp_path, "f.csv", b"code;annee;note\nA;2021;\nB;x;ok\nA;2021;\n")
    table = read_table(path)
    columns = [
        Column("code", "code"),
        Column("annee", "year", parse_int),
        Column("note", "note", required=False, default=""),
        Column("absente", "other", required=False, in_file=False),
    ]
    require_columns(table, columns)
    errors: list[RowError] = []
    repeats = Repeats("annee")
    read = []
    for row in table.rows:
        values = {c.field: c.read(RowReader(row, errors)) for c in columns}
        repeats.check((values["code"], values["year"]), row, errors)
        read.append(values)
    assert read[0] == {"code": "A", "year": 2021, "note": "", "other": None}
    assert [str(e) for e in errors] == [
        "Ligne 3, colonne « annee » : nombre attendu, reçu « x »",
        "Ligne 4, colonne « annee » : A 2021 en double (déjà à la ligne 2)",
    ]
    with pytest.raises(ImportFailed, match="1 error"):
        require_columns(table, [Column("absente", "other")])
