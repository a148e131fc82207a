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
from django.db import connection
from django.db.models import BigIntegerField, F, Q, QuerySet
from django.db.models.functions import Cast, Round

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


def _activity(structures: QuerySet, years: list[int] | None = None) -> pl.DataFrame:
    """The activity of ``structures`` (a queryset) with each row's département: every year, or
    ``years`` and the two before the first (what the trend signals read).

    One query, read with the database cursor (the ORM would build a Decimal per cell: seconds
    for a département's 160,000 rows); hours and euros come as integer hundredths, exact on both
    databases, and become 2-decimal Decimals for the core.
    """
    activity = ActivityYear.objects.filter(structure__in=structures.values("pk"))
    if years:
        activity = activity.filter(year__gte=min(years) - 2, year__lte=max(years))
    rows = activity.values_list(
        "structure_id",
        "structure__commune__departement_id",
        "year",
        *COUNT_COLUMNS,
        *(Cast(Round(F(c) * 100), BigIntegerField()) for c in MEASURE_COLUMNS),
    )
    sql, params = rows.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        found = cursor.fetchall()
    names = ("structure_id", "departement", "year", *COUNT_COLUMNS, *MEASURE_COLUMNS)
    columns = list(zip(*found, strict=True)) if found else [()] * len(names)
    frame = pl.DataFrame(
        [
            pl.Series(name, values, dtype=pl.String if name == "departement" else pl.Int64)
            for name, values in zip(names, columns, strict=True)
        ]
    )
    return frame.with_columns(pl.col(c).cast(pl.Decimal(38, 2)) / 100 for c in MEASURE_COLUMNS)


def thresholds_by_departement(codes: Iterable[str]) -> dict[str, Thresholds]:
    rows = ThresholdSet.objects.filter(departement_id__in=list(codes))
    found = {t.departement_id: t.thresholds() for t in rows}
    return defaultdict(lambda: CAF_FINISTERE, found)


def health_frame(structures: QuerySet, years: Iterable[int] | None = None) -> pl.DataFrame:
    """Indicators and signals (:data:`OUTPUT_COLUMNS`) of ``structures`` that have activity,
    per year (all years, or ``years``), each département with its own thresholds: one query
    for the activity (with the two years before: the trend signals read them), one for the
    thresholds, the core once per département."""
    wanted = None if years is None else list(years)
    activity = _activity(structures, wanted)
    codes = activity.get_column("departement").unique().to_list()
    thresholds = thresholds_by_departement(codes)
    parts = [
        structure_health(
            activity.filter(pl.col("departement") == code).drop("departement"),
            thresholds[code],
            wanted,
        )
        for code in sorted(codes)
    ]
    return pl.concat(parts) if parts else structure_health(activity.drop("departement"))


def health_rows(structures: QuerySet, years: Iterable[int] | None = None) -> dict[int, list[dict]]:
    """:func:`health_frame` as dicts by structure (sorted by year), ``signals`` as a list of
    codes and ``signal_labels`` their French labels: what the pages show."""
    found: dict[int, list[dict]] = defaultdict(list)
    for row in health_frame(structures, years).iter_rows(named=True):
        row["signals"] = row["signals"].split("|") if row["signals"] else []
        row["signal_labels"] = [SIGNAL_LABELS[code] for code in row["signals"]]
        found[row["structure_id"]].append(row)
    return found


def latest_year(structure_ids: Iterable[int]) -> int:
    """The latest year of activity of these structures, or last year when there is none."""
    rows = ActivityYear.objects.filter(structure_id__in=list(structure_ids)).order_by("-year")
    year = rows.values_list("year", flat=True).first()
    return year if year is not None else clock.today().year - 1


def departement_health(code: str, year: int) -> pl.DataFrame:
    """One row per EAJE of the département (open, or with activity that year), in the core's
    columns (:data:`sdsf.difficulty.health.OUTPUT_COLUMNS`), ``structure_id`` being the
    registry's identifier, ``signals`` joined by ``|``; an EAJE without activity that year has
    every figure empty. Sorted by identifier."""
    eaje = Structure.objects.filter(commune__departement_id=code, kind=Structure.Kind.EAJE)
    with_activity = ActivityYear.objects.filter(year=year).values("structure_id")
    listed = eaje.filter(Q(status=Status.OPEN) | Q(pk__in=with_activity))
    pairs = list(listed.values_list("pk", "identifier"))
    pks, names = zip(*pairs, strict=True) if pairs else ((), ())
    identifiers = pl.DataFrame(
        [pl.Series("structure_id", pks, pl.Int64), pl.Series("identifier", names, pl.String)]
    )
    health = health_frame(listed, [year])
    return (
        identifiers.join(health, on="structure_id", how="left")
        .with_columns(
            pl.col("identifier").alias("structure_id"),
            pl.lit(year).alias("year"),
            pl.col("signals").fill_null(""),
        )
        .select(OUTPUT_COLUMNS)
        .sort("structure_id")
    )
