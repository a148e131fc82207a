"""The one way to read a file a user brings: CSV (``;`` or ``,``, UTF-8 or Windows-1252) or XLSX.

Every importer of the platform (territories, offer, observatory, waiting lists, plans) reads its
file through :func:`read_table`, reports problems as :class:`RowError` (French, with line and
column) and writes through :func:`apply`, which is all-or-nothing and honours ``--dry-run``.
The reading itself, without Django, is :mod:`sdsf.core.rows`; this module adds the platform's
limits (settings) and the writing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from django.conf import settings
from django.db import transaction

from sdsf.core.rows import (
    Column,
    ImportFailed,
    Limits,
    Repeats,
    Row,
    RowError,
    RowReader,
    Table,
    check_unique,
    decode_text,
    decode_utf8,
    parse_bool,
    parse_date,
    parse_decimal,
    parse_int,
    read,
    require_columns,
)

# What the importers use, read from here as from one module.
__all__ = [
    "Column",
    "ImportFailed",
    "ImportResult",
    "Limits",
    "Repeats",
    "Row",
    "RowError",
    "RowReader",
    "Table",
    "apply",
    "check_unique",
    "decode_text",
    "decode_utf8",
    "limits",
    "parse_bool",
    "parse_date",
    "parse_decimal",
    "parse_int",
    "read_table",
    "require_columns",
    "upsert",
]


def limits() -> Limits:
    """What one file may hold on this platform (settings ``SDSF_IMPORT_MAX_*``)."""
    return Limits(
        settings.SDSF_IMPORT_MAX_ROWS,
        settings.SDSF_IMPORT_MAX_COLUMNS,
        settings.SDSF_IMPORT_MAX_CELL_CHARS,
    )


def read_table(file: str | Path | IO[bytes], source: str | None = None) -> Table:
    """Reads a CSV or XLSX file (path or binary stream) into rows with line numbers, within the
    platform's :func:`limits` (:func:`sdsf.core.rows.read`)."""
    return read(file, limits(), source)


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
