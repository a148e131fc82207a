"""The activity files: an EAJE's year (CSV or XLSX) and its FILOUÉ file (months).

Both are all or nothing: a file with one error writes nothing and reports every error in French
with its line and column. A structure must be in the registry and in the importer's reach
(``structures``: a queryset of the structures the person may write to).
"""

from __future__ import annotations

from decimal import Decimal
from typing import IO

from django.db.models import QuerySet

from sdsf.core.imports import (
    ImportFailed,
    ImportResult,
    Repeats,
    RowError,
    RowReader,
    apply,
    parse_decimal,
    read_table,
    upsert,
)
from sdsf.difficulty import filoue
from sdsf.difficulty.models import MAX_EUROS, MAX_HOURS, ActivityMonth, ActivityYear

ACTIVITY_COLUMNS = (
    "structure_id",
    "year",
    "places",
    "opening_days",
    "opening_hours_per_day",
    "hours_realised",
    "hours_invoiced",
    "children_enrolled",
    "staff_costs_eur",
    "total_costs_eur",
    "total_income_eur",
)
# column → (whole number?, largest value accepted); every figure may be empty (unknown).
FIGURES = {
    "places": (True, Decimal(10_000)),
    "opening_days": (True, Decimal(366)),
    "opening_hours_per_day": (False, Decimal(24)),
    "hours_realised": (False, MAX_HOURS),
    "hours_invoiced": (False, MAX_HOURS),
    "children_enrolled": (True, Decimal(100_000)),
    "staff_costs_eur": (False, MAX_EUROS),
    "total_costs_eur": (False, MAX_EUROS),
    "total_income_eur": (False, MAX_EUROS),
}
FIRST_YEAR, LAST_YEAR = 2000, 2100


def _figure(whole: bool, maximum: Decimal):
    def parse(text: str) -> Decimal | int:
        value = parse_decimal(text)
        if value < 0:
            raise ValueError(f"un chiffre ne peut pas être négatif, reçu « {text} »")
        if value > maximum:
            raise ValueError(f"au plus {maximum} attendu, reçu « {text} »")
        if whole:
            if value != value.to_integral_value():
                raise ValueError(f"nombre entier attendu, reçu « {text} »")
            return int(value)
        if value != value.quantize(Decimal("0.01")):
            raise ValueError(f"au plus deux décimales, reçu « {text} »")
        return value

    return parse


def _year(text: str) -> int:
    value = parse_decimal(text)
    if value != value.to_integral_value() or not FIRST_YEAR <= value <= LAST_YEAR:
        raise ValueError(f"année entre {FIRST_YEAR} et {LAST_YEAR} attendue, reçu « {text} »")
    return int(value)


def import_activity(
    file: str | IO[bytes],
    structures: QuerySet,
    *,
    dry_run: bool,
    source: str | None = None,
) -> ImportResult:
    """Creates or updates one :class:`ActivityYear` per row (structure and year)."""
    table = read_table(file, source)
    table.require(*ACTIVITY_COLUMNS)
    known = dict(structures.values_list("identifier", "pk"))
    errors: list[RowError] = []
    repeats = Repeats("year")
    rows = []
    for row in table.rows:
        cells = RowReader(row, errors)
        identifier = cells.cell("structure_id")
        if identifier and identifier not in known:
            cells.error("structure_id", f"structure inconnue du registre : « {identifier} »")
        year = cells.cell("year", _year)
        figures = {
            column: cells.cell(column, _figure(*rule), required=False)
            for column, rule in FIGURES.items()
        }
        if figures["hours_invoiced"] and not figures["hours_realised"]:
            cells.error(
                "hours_invoiced", "des heures facturées sans heures réalisées (colonne vide ou 0)"
            )
        if identifier in known and year is not None:
            repeats.check((identifier, year), row, errors)
            rows.append((known[identifier], year, figures))
    if errors:
        raise ImportFailed(errors, table.source)
    label = f"Import {table.source}"[:200]

    def write() -> ImportResult:
        result = ImportResult()
        existing = {
            (a.structure_id, a.year): a.pk
            for a in ActivityYear.objects.filter(structure_id__in={r[0] for r in rows})
        }
        objects = [
            ActivityYear(
                pk=existing.get((structure, year)),
                structure_id=structure,
                year=year,
                source=label,
                **figures,
            )
            for structure, year, figures in rows
        ]
        new = [o for o in objects if o.pk is None]
        ActivityYear.objects.bulk_create(new, batch_size=2000)
        result.created += len(new)
        upsert(ActivityYear, [o for o in objects if o.pk is not None], [*FIGURES, "source"], result)
        return result

    return apply(write, dry_run=dry_run)


def import_filoue(
    stream: IO[bytes], structure, *, source: str, dry_run: bool, on_written=None
) -> ImportResult:
    """Replaces the structure's months that the FILOUÉ file covers by the file's aggregates."""
    try:
        summary = filoue.aggregate_filoue(stream, structure.pk)
    except filoue.FiloueError as failure:
        raise ImportFailed(
            [
                RowError(message, line=line, column=column)
                for line, column, message in failure.errors
            ],
            source,
        ) from None
    label = f"FILOUÉ {source}"[:200]
    months = [
        ActivityMonth(
            structure=structure,
            month=row["month"],
            children=row["children"],
            children_allocataires=row["children_allocataires"],
            hours_invoiced=row["hours_invoiced"],
            hours_realised=row["hours_realised"],
            amount_invoiced_eur=row["amount_invoiced_eur"],
            source=label,
        )
        for row in summary.months.iter_rows(named=True)
    ]

    def write() -> ImportResult:
        covered = [m.month for m in months]
        replaced = ActivityMonth.objects.filter(structure=structure, month__in=covered)
        updated, _ = replaced.delete()
        ActivityMonth.objects.bulk_create(months)
        result = ImportResult(created=len(months) - updated, updated=updated)
        result.notes.append(
            f"{summary.rows_read} ligne(s) lue(s), agrégées en {len(months)} mois ; "
            "aucune donnée personnelle n'est conservée."
        )
        return result

    return apply(write, dry_run=dry_run, on_written=on_written)
