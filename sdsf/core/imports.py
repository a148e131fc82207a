"""The one way to read a file a user brings: CSV (``;`` or ``,``, UTF-8 or Windows-1252) or XLSX.

Every importer of the platform (territories, offer, observatory, waiting lists, plans) reads its
file through :func:`read_table`, reports problems as :class:`RowError` (French, with line and
column) and writes through :func:`apply`, which is all-or-nothing and honours ``--dry-run``.
Line numbers are those a person sees in a spreadsheet: the header is line 1.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import IO, Any

from django.db import transaction

from sdsf.core import formats

MAX_REPORTED_ERRORS = 200


@dataclass(frozen=True)
class RowError:
    """One problem in a user's file, worded for that user (French)."""

    message: str
    line: int | None = None
    column: str | None = None
    source: str | None = None  # the file, when one import reads several

    def __str__(self) -> str:
        where = [f"fichier {self.source}"] if self.source else []
        if self.line is not None:
            where.append(f"ligne {self.line}")
        if self.column:
            where.append(f"colonne « {self.column} »")
        if not where:
            return self.message
        place = ", ".join(where)
        return f"{place[0].upper()}{place[1:]} : {self.message}"


class ImportFailed(Exception):
    """The file cannot be imported; nothing was written. Carries every error found."""

    def __init__(self, errors: Iterable[RowError], source: str = ""):
        self.errors = list(errors)
        self.source = source
        super().__init__(f"{len(self.errors)} error(s) in {source or 'file'}")

    def report(self) -> str:
        """The French report shown to the user, one error a line."""
        head = f"Fichier {self.source} : " if self.source else ""
        shown = self.errors[:MAX_REPORTED_ERRORS]
        lines = [f"{head}{len(self.errors)} erreur(s), rien n'a été enregistré."]
        lines += [f"- {error}" for error in shown]
        if len(self.errors) > len(shown):
            lines.append(f"- … et {len(self.errors) - len(shown)} autre(s) erreur(s).")
        return "\n".join(lines)


@dataclass
class Row:
    """A data row: its line number in the file and its values by (normalised) column name."""

    line: int
    values: dict[str, str]

    def get(self, column: str) -> str:
        return (self.values.get(column) or "").strip()


@dataclass
class Table:
    source: str
    columns: list[str]
    rows: list[Row] = field(default_factory=list)

    def require(self, *columns: str) -> None:
        """Fails with one error per missing column, before any row is looked at."""
        missing = [c for c in columns if c not in self.columns]
        if missing:
            raise ImportFailed(
                [RowError("colonne obligatoire absente", line=1, column=c) for c in missing],
                self.source,
            )


def _normalise_header(name: Any) -> str:
    return str(name or "").strip().lstrip("\ufeff").strip()


@dataclass(frozen=True)
class Limits:
    """What one file may hold (settings ``SDSF_IMPORT_MAX_*``): a file past them is refused
    with its line, before it costs the server its memory."""

    rows: int
    columns: int
    cell_chars: int

    @classmethod
    def current(cls) -> Limits:
        from django.conf import settings

        return cls(
            settings.SDSF_IMPORT_MAX_ROWS,
            settings.SDSF_IMPORT_MAX_COLUMNS,
            settings.SDSF_IMPORT_MAX_CELL_CHARS,
        )


class _TableBuilder:
    """Checks each row against the limits as it is read, and keeps the non-empty ones."""

    def __init__(self, source: str, header: list, limits: Limits):
        self.source = source
        self.limits = limits
        self.table = Table(source, [])
        self._check(header, 1)
        self.table.columns = [_normalise_header(c) for c in _trimmed(header)]

    def _fail(self, message: str, line: int, column: str | None = None):
        raise ImportFailed([RowError(message, line=line, column=column)], self.source)

    def check_length(self, last_line: int) -> None:
        """Refuses a file whose last line is past the row limit (the header is line 1)."""
        if last_line - 1 > self.limits.rows:
            self._fail(
                f"le fichier dépasse {formats.number(self.limits.rows)} lignes de données, "
                "la limite d'un import : découpez-le",
                self.limits.rows + 2,
            )

    def _check(self, values: list, line: int) -> None:
        self.check_length(line)
        if len(_trimmed(values)) > self.limits.columns:
            self._fail(f"plus de {self.limits.columns} colonnes, la limite d'un import", line)
        for index, value in enumerate(values):
            if isinstance(value, str) and len(value) > self.limits.cell_chars:
                columns = self.table.columns
                self._fail(
                    f"cellule de plus de {self.limits.cell_chars} caractères, la limite d'un "
                    "import",
                    line,
                    columns[index] if index < len(columns) else None,
                )

    def add(self, values: list, line: int) -> None:
        self._check(values, line)
        if any(v.strip() for v in values):
            self.table.rows.append(Row(line, dict(zip(self.table.columns, values, strict=False))))


def _trimmed(values) -> list:
    """The row without its trailing empty cells (spreadsheets often store a few)."""
    values = list(values)
    while values and values[-1] in (None, ""):
        values.pop()
    return values


def decode_text(raw: bytes, source: str) -> str:
    """UTF-8 (with or without BOM) first, then Windows-1252 as spreadsheets export in France.

    A NUL byte is refused: no text file holds one (a UTF-16 export or a binary file does), and
    the CSV reader would stop on it with an error in English.
    """
    nul = raw.find(b"\x00")
    if nul >= 0:
        raise ImportFailed(
            [
                RowError(
                    "le fichier contient un caractère nul (octet 0) : ce n'est pas un fichier "
                    "texte CSV ; enregistrez-le en « CSV UTF-8 » ou en XLSX",
                    line=raw.count(b"\n", 0, nul) + 1,
                )
            ],
            source,
        )
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")


def decode_utf8(raw: bytes, source: str) -> str:
    """Text that must be UTF-8 (JSON documents): another encoding is refused with its line."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise ImportFailed(
            [RowError("le fichier n'est pas encodé en UTF-8 : enregistrez-le en UTF-8", line=line)],
            source,
        ) from None


def _read_csv(text: str, source: str, limits: Limits) -> Table:
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") >= first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
        builder = _TableBuilder(source, header, limits)
        for values in reader:
            builder.add(values, reader.line_num)
    except StopIteration:
        raise ImportFailed([RowError("le fichier est vide", line=1)], source) from None
    except csv.Error as exc:  # a field past csv.field_size_limit, an unclosed quote at the end
        raise ImportFailed(
            [RowError(f"ligne CSV illisible ({_csv_problem(exc)})", line=reader.line_num)],
            source,
        ) from None
    return builder.table


def _csv_problem(exc: csv.Error) -> str:
    if "field larger than field limit" in str(exc):
        return f"cellule de plus de {csv.field_size_limit()} caractères"
    return "guillemets mal fermés ou caractère inattendu"


def _read_xlsx(stream: IO[bytes], source: str, limits: Limits) -> Table:
    """Streams the first sheet (openpyxl read-only mode): its rows are counted in the raw XML
    first, then parsed one at a time, never padded to the width or height the file declares,
    so a workbook of a million rows is refused in seconds and small memory."""
    from openpyxl import load_workbook

    size = _TableBuilder(source, [], limits)
    try:
        size.check_length(_count_rows(stream, limits.rows + 2))
        stream.seek(0)
        book = load_workbook(stream, read_only=True, data_only=True)
        sheet = book.worksheets[0]
    except ImportFailed:
        raise
    except Exception as exc:  # openpyxl and zipfile raise many kinds for a damaged file
        raise ImportFailed([RowError("classeur XLSX illisible")], source) from exc
    line = 1
    try:
        size.check_length(sheet.max_row or 1)  # the file's own <dimension>, when it has one
        sheet.reset_dimensions()
        rows = sheet.iter_rows(values_only=True)
        try:
            builder = _TableBuilder(source, list(next(rows)), limits)
        except StopIteration:
            raise ImportFailed([RowError("le classeur est vide", line=1)], source) from None
        for line, values in enumerate(rows, start=2):
            builder.add(["" if v is None else _cell_text(v) for v in values], line)
    except ImportFailed:
        raise
    except Exception as exc:
        raise ImportFailed([RowError("classeur XLSX illisible", line=line)], source) from exc
    finally:
        book.close()
    return builder.table


_ROW_TAG = re.compile(rb"<(?:\w+:)?row[\s>/]")


def _count_rows(stream: IO[bytes], enough: int) -> int:
    """The rows of the workbook's first sheet, counted in its raw XML up to ``enough``.

    Counting tags in the decompressed stream is some fifty times faster than parsing cells
    (and than openpyxl's own opening of a sheet that declares no size), so a file far past
    the row limit is refused in seconds.
    """
    from openpyxl.reader.excel import ExcelReader

    reader = ExcelReader(stream, read_only=True)
    reader.read_manifest()
    reader.read_workbook()
    _, first = next(iter(reader.parser.find_sheets()))
    count, tail = 0, b""
    with reader.archive.open(first.target) as xml:
        while count < enough and (chunk := xml.read(1 << 20)):
            data = tail + chunk
            cut = max(data.rfind(b"<"), 0)  # a tag cut by the chunk's end waits for the next
            count += len(_ROW_TAG.findall(data, 0, cut))
            tail = data[cut:]
    reader.archive.close()
    return count + len(_ROW_TAG.findall(tail + b" "))


def _cell_text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "date") and callable(value.date):
        return value.date().isoformat()
    return str(value)


def read_table(file: str | Path | IO[bytes], source: str | None = None) -> Table:
    """Reads a CSV or XLSX file (path or binary stream) into rows with line numbers.

    The file is refused, with a French error and its line, when it goes past
    :class:`Limits` (rows, columns, characters in a cell), holds a NUL byte, or is no CSV or
    XLSX a spreadsheet can open.
    """
    if isinstance(file, str | Path):
        path = Path(file)
        source = source or path.name
        if not path.exists():
            raise ImportFailed([RowError(f"fichier introuvable : {path}")], source)
        with path.open("rb") as stream:
            return read_table(stream, source)
    source = source or getattr(file, "name", "") or "fichier"
    limits = Limits.current()
    if not file.seekable():
        file = io.BytesIO(file.read())
    start = file.tell()
    if file.read(4) == b"PK\x03\x04":
        file.seek(start)
        return _read_xlsx(file, source, limits)
    file.seek(start)
    return _read_csv(decode_text(file.read(), source), source, limits)


# --- cell parsers: each returns the value or raises ValueError with a French message ----------


def parse_int(text: str, *, minimum: int | None = 0) -> int:
    value = parse_decimal(text, minimum=None if minimum is None else Decimal(minimum))
    if value != value.to_integral_value():
        raise ValueError(f"nombre entier attendu, reçu « {text} »")
    return int(value)


def parse_decimal(text: str, *, minimum: Decimal | None = None) -> Decimal:
    try:
        value = Decimal(text.replace(" ", "").replace("\u00a0", "").replace(",", "."))
    except InvalidOperation:
        raise ValueError(f"nombre attendu, reçu « {text} »") from None
    if not value.is_finite():
        raise ValueError(f"nombre attendu, reçu « {text} »")
    if minimum is not None and value < minimum:
        raise ValueError(f"nombre supérieur ou égal à {minimum} attendu, reçu « {text} »")
    return value


def parse_date(text: str) -> date:
    """ISO dates (2025-09-01) and the French form (01/09/2025)."""
    try:
        if "/" in text:
            day, month, year = text.split("/")
            return date(int(year), int(month), int(day))
        return date.fromisoformat(text[:10])
    except ValueError:
        raise ValueError(f"date attendue (AAAA-MM-JJ ou JJ/MM/AAAA), reçu « {text} »") from None


_TRUE = {"1", "oui", "o", "vrai", "true", "x", "yes"}
_FALSE = {"0", "non", "n", "faux", "false", "", "no"}


def parse_bool(text: str) -> bool:
    lowered = text.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ValueError(f"oui ou non attendu, reçu « {text} »")


class RowReader:
    """Collects the errors of one row while its cells are parsed, so a file reports them all."""

    def __init__(self, row: Row, errors: list[RowError]):
        self.row = row
        self.errors = errors

    def cell(
        self,
        column: str,
        parse: Callable[[str], Any] = str,
        *,
        required: bool = True,
        default: Any = None,
    ) -> Any:
        text = self.row.get(column)
        if not text:
            if required:
                self.error(column, "valeur obligatoire manquante")
            return default
        try:
            return parse(text)
        except ValueError as exc:
            self.error(column, str(exc))
            return default

    def error(self, column: str | None, message: str) -> None:
        self.errors.append(RowError(message, line=self.row.line, column=column))


@dataclass(frozen=True)
class Column:
    """One column of a file and the field it fills: a :meth:`RowReader.cell` call declared once,
    so an importer can describe its file as a list of columns."""

    name: str
    field: str
    parse: Callable[[str], Any] = str
    required: bool = True  # an empty cell is an error
    in_file: bool = True  # the file must have the column (an absent one reads as empty cells)
    default: Any = None  # the value of an empty cell

    def read(self, cells: RowReader) -> Any:
        return cells.cell(self.name, self.parse, required=self.required, default=self.default)


def require_columns(table: Table, columns: Iterable[Column]) -> None:
    """:meth:`Table.require` for the columns a file must have."""
    table.require(*(c.name for c in columns if c.in_file))


class Repeats:
    """Reports a key (one value or several, e.g. commune and year) already met in the file,
    with the line of its first occurrence, in ``column``."""

    def __init__(self, column: str):
        self.column = column
        self.seen: dict[tuple, int] = {}

    def check(self, key: tuple, row: Row, errors: list[RowError]) -> None:
        if key in self.seen:
            errors.append(
                RowError(
                    f"{' '.join(map(str, key))} en double (déjà à la ligne {self.seen[key]})",
                    line=row.line,
                    column=self.column,
                )
            )
        else:
            self.seen[key] = row.line


def check_unique(table: Table, column: str, errors: list[RowError]) -> None:
    """Reports every repeated identifier with the line of its first occurrence."""
    first_seen: dict[str, int] = {}
    for row in table.rows:
        key = row.get(column)
        if not key:
            continue
        if key in first_seen:
            errors.append(
                RowError(
                    f"identifiant « {key} » en double (déjà à la ligne {first_seen[key]})",
                    line=row.line,
                    column=column,
                )
            )
        else:
            first_seen[key] = row.line


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    dry_run: bool = False
    notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        verb = "seraient" if self.dry_run else "ont été"
        text = (
            f"{self.created} ligne(s) {verb} créée(s), {self.updated} mise(s) à jour, "
            f"{self.unchanged} inchangée(s)."
        )
        if self.dry_run:
            text = "Vérification seule : aucune donnée enregistrée. " + text
        return "\n".join([text, *self.notes])


class _DryRunRollback(Exception):
    pass


def apply(
    write: Callable[[], ImportResult],
    *,
    dry_run: bool,
    on_written: Callable[[ImportResult], None] | None = None,
) -> ImportResult:
    """Runs ``write`` in one transaction; a dry run executes it fully then rolls it back.

    Executing the writes in a dry run (rather than only validating) means the counts it reports
    are the real ones, and database constraints are checked too. ``on_written(result)`` runs
    inside the writing transaction (never for a dry run): a web import records its outcome
    there, so that a worker dying after the commit cannot leave written rows behind a job said
    unfinished.
    """
    result: ImportResult | None = None
    try:
        with transaction.atomic():
            result = write()
            if dry_run:
                raise _DryRunRollback
            if on_written is not None:
                on_written(result)
    except _DryRunRollback:
        pass
    assert result is not None
    result.dry_run = dry_run
    return result


def upsert(model, objects: list, fields: list[str], result: ImportResult) -> None:
    """Creates or updates ``objects`` by primary key, touching only rows whose fields changed.

    Comparing in Python first keeps a monthly re-import of an unchanged file free of writes, and
    bulk operations keep a national file (35,000 communes) to a few seconds.
    """
    existing = model.objects.in_bulk([o.pk for o in objects])
    to_create, to_update = [], []
    for obj in objects:
        current = existing.get(obj.pk)
        if current is None:
            to_create.append(obj)
        elif any(getattr(current, f) != getattr(obj, f) for f in fields):
            to_update.append(obj)
        else:
            result.unchanged += 1
    model.objects.bulk_create(to_create, batch_size=2000)
    model.objects.bulk_update(to_update, fields, batch_size=2000)
    result.created += len(to_create)
    result.updated += len(to_update)
