"""The one way to read a file a user brings: CSV (``;`` or ``,``, UTF-8 or Windows-1252) or XLSX.

Every importer of the platform (territories, offer, observatory, waiting lists, plans) reads its
file through :func:`read_table`, reports problems as :class:`RowError` (French, with line and
column) and writes through :func:`apply`, which is all-or-nothing and honours ``--dry-run``.
Line numbers are those a person sees in a spreadsheet: the header is line 1.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import IO, Any

from django.db import transaction

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


def _decode(raw: bytes) -> str:
    """UTF-8 (with or without BOM) first, then Windows-1252 as spreadsheets export in France."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")


def _read_csv(text: str, source: str) -> Table:
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") >= first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        raise ImportFailed([RowError("le fichier est vide", line=1)], source) from None
    columns = [_normalise_header(c) for c in header]
    table = Table(source, columns)
    for values in reader:
        if not any(v.strip() for v in values):
            continue
        table.rows.append(Row(reader.line_num, dict(zip(columns, values, strict=False))))
    return table


def _read_xlsx(stream: IO[bytes], source: str) -> Table:
    from openpyxl import load_workbook

    try:
        sheet = load_workbook(stream, read_only=True, data_only=True).worksheets[0]
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise ImportFailed([RowError("classeur XLSX illisible")], source) from exc
    rows = sheet.iter_rows(values_only=True)
    try:
        columns = [_normalise_header(c) for c in next(rows)]
    except StopIteration:
        raise ImportFailed([RowError("le classeur est vide", line=1)], source) from None
    table = Table(source, columns)
    for line, values in enumerate(rows, start=2):
        cells = ["" if v is None else _cell_text(v) for v in values]
        if any(c.strip() for c in cells):
            table.rows.append(Row(line, dict(zip(columns, cells, strict=False))))
    return table


def _cell_text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "date") and callable(value.date):
        return value.date().isoformat()
    return str(value)


def read_table(file: str | Path | IO[bytes], source: str | None = None) -> Table:
    """Reads a CSV or XLSX file (path or binary stream) into rows with line numbers."""
    if isinstance(file, str | Path):
        path = Path(file)
        source = source or path.name
        if not path.exists():
            raise ImportFailed([RowError(f"fichier introuvable : {path}")], source)
        with path.open("rb") as stream:
            return read_table(stream, source)
    source = source or getattr(file, "name", "") or "fichier"
    raw = file.read()
    if raw[:4] == b"PK\x03\x04":
        return _read_xlsx(io.BytesIO(raw), source)
    return _read_csv(_decode(raw), source)


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
            text = "Vérification seule (--dry-run) : aucune donnée enregistrée. " + text
        return "\n".join([text, *self.notes])


class _DryRunRollback(Exception):
    pass


def apply(write: Callable[[], ImportResult], *, dry_run: bool) -> ImportResult:
    """Runs ``write`` in one transaction; a dry run executes it fully then rolls it back.

    Executing the writes in a dry run (rather than only validating) means the counts it reports
    are the real ones, and database constraints are checked too.
    """
    result: ImportResult | None = None
    try:
        with transaction.atomic():
            result = write()
            if dry_run:
                raise _DryRunRollback
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
