"""From the database to the health core and back: activity rows → indicators and signals.

:func:`health_rows` loads the activity of some structures in one query, runs
:func:`sdsf.difficulty.health.structure_health` with each département's thresholds, and
returns plain dicts keyed by the structure's primary key. Pages, the command and the yearly
view read it; nothing here writes.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal

import polars as pl
from django.db.models import Q

from sdsf.core import clock
from sdsf.difficulty.health import (
    CAF_FINISTERE,
    COUNT_COLUMNS,
    MEASURE_COLUMNS,
    OUTPUT_COLUMNS,
    SIGNALS,
    Thresholds,
    structure_health,
)
from sdsf.difficulty.models import ActivityYear, ThresholdSet
from sdsf.offer.models import Status, Structure

SIGNAL_LABELS = {
    "occupancy_low": "taux d'occupation bas",
    "occupancy_falling": "taux d'occupation en baisse",
    "invoicing_low": "taux de facturation bas",
    "invoicing_high": "taux de facturation haut",
    "staff_costs_high": "charges de personnel élevées",
    "deficit_high": "déficit élevé",
    "deficit_growing": "déficit en hausse",
    "children_per_place_low": "peu d'enfants par place",
    "children_per_place_high": "beaucoup d'enfants par place",
    "opening_days_low": "peu de jours d'ouverture",
}
assert set(SIGNAL_LABELS) == set(SIGNALS)

# National references shown beside a structure's occupancy: the Programme de qualité et
# d'efficience « Famille » (annex 1 to the social security financing bill), indicator 2.5
# « Augmenter le taux d'occupation des établissements d'accueil du jeune enfant », 2019 figures
# (evaluation.securite-sociale.fr); places funded by the PSU, France excluding Mayotte.
NATIONAL_OCCUPANCY = (
    (Decimal(69), "ensemble des EAJE financés par la PSU, 2019"),
    (Decimal(73), "multi-accueil, 2019"),
)
NATIONAL_SOURCE = (
    "Programme de qualité et d'efficience « Famille » (annexe 1 au PLFSS), indicateur 2.5 "
    "« Augmenter le taux d'occupation des établissements d'accueil du jeune enfant » : "
    "données Cnaf (MTEAJE, EQUEAJE) 2019, places financées par la PSU"
)

_SCHEMA = {
    "structure_id": pl.Int64,
    "year": pl.Int64,
    **dict.fromkeys(COUNT_COLUMNS, pl.Int64),
    **dict.fromkeys(MEASURE_COLUMNS, pl.Decimal(38, 2)),
}
_FIELDS = ("structure_id", "year", *COUNT_COLUMNS, *MEASURE_COLUMNS)


def activity_frame(rows: Iterable[tuple]) -> pl.DataFrame:
    """Rows of ``_FIELDS`` values as the core's input frame."""
    return pl.DataFrame(list(rows), schema=_SCHEMA, orient="row")


def thresholds_by_departement(codes: Iterable[str]) -> dict[str, Thresholds]:
    rows = ThresholdSet.objects.filter(departement_id__in=list(codes))
    found = {t.departement_id: t.thresholds() for t in rows}
    return defaultdict(lambda: CAF_FINISTERE, found)


def health_rows(
    structures: dict[int, str], years: Iterable[int] | None = None
) -> dict[int, list[dict]]:
    """Indicators and signals of ``structures`` (primary key → département code), per year.

    One query for the activity (every year, since the trend signals read the years before),
    one for the thresholds; the core runs once per département.
    """
    activity = ActivityYear.objects.filter(structure_id__in=list(structures)).values_list(*_FIELDS)
    by_departement: dict[str, list[tuple]] = defaultdict(list)
    for row in activity.order_by():
        by_departement[structures[row[0]]].append(row)
    thresholds = thresholds_by_departement(by_departement)
    found: dict[int, list[dict]] = defaultdict(list)
    wanted = None if years is None else list(years)
    for code, rows in by_departement.items():
        result = structure_health(activity_frame(rows), thresholds[code], wanted)
        for row in result.iter_rows(named=True):
            row["signals"] = row["signals"].split("|") if row["signals"] else []
            row["signal_labels"] = [SIGNAL_LABELS[code] for code in row["signals"]]
            found[row["structure_id"]].append(row)
    return found


def latest_year(structure_ids: Iterable[int]) -> int:
    """The latest year of activity of these structures, or last year when there is none."""
    rows = ActivityYear.objects.filter(structure_id__in=list(structure_ids)).order_by("-year")
    year = rows.values_list("year", flat=True).first()
    return year if year is not None else clock.today().year - 1


def departement_health(code: str, year: int) -> list[dict]:
    """One row per EAJE of the département (open, or with activity that year), in the core's
    columns (:data:`sdsf.difficulty.health.OUTPUT_COLUMNS`), ``structure_id`` being the
    registry's identifier, ``signals`` joined by ``|``; an EAJE without activity that year has
    every figure empty. Sorted by identifier."""
    eaje = Structure.objects.filter(commune__departement_id=code, kind=Structure.Kind.EAJE)
    with_activity = ActivityYear.objects.filter(year=year).values("structure_id")
    listed = eaje.filter(Q(status=Status.OPEN) | Q(pk__in=with_activity))
    identifiers = dict(listed.values_list("pk", "identifier"))
    found = health_rows(dict.fromkeys(identifiers, code), [year])
    rows = []
    for pk, identifier in identifiers.items():
        computed = found[pk][0] if found.get(pk) else {}
        row = {column: computed.get(column) for column in OUTPUT_COLUMNS}
        row["structure_id"], row["year"] = identifier, year
        row["signals"] = "|".join(row["signals"] or [])
        rows.append(row)
    return sorted(rows, key=lambda r: r["structure_id"])
