"""Places by component on any date, for the observatory and ``sdsf offer_counts``.

The contract the observatory builds on:

- EAJE places on date D: for each structure and age section, the latest capacity row with
  ``start <= D``; only EAJE open on D (opening date on or before D, or unknown for a structure
  not planned; no closing date on or before D). PSU-funded places apart from the others.
- Assistants maternels on D: for each childminder, the latest agrément row with
  ``effective_from <= D``; active when granted or renewed and D within [start, expiry].
  ``am_places`` sums the children those agréments allow. The commune is the commune of work
  known today (its history is not kept).

Each question is answered in SQL (window functions, on SQLite and PostgreSQL) with at most one
row per commune, then polars joins and sums. A childminder whose agrément has not changed since
D is read from their own row (its copy of the current state), so the history is only searched
for the few changed since: all communes of France in under 2 s.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

import polars as pl
from django.db import connection

from sdsf.offer.models import ACTIVE_STATUSES, Agrement, AssistantMaternel, Capacity, Structure
from sdsf.territories.models import Commune, Departement, Epci

COUNT_COLUMNS = ["eaje_psu_places", "eaje_other_places", "am_count", "am_places"]
LEVELS = ("commune", "epci", "departement")
SQL_FILTER_LIMIT = 500  # fewer communes than this: filter in SQL; more: in polars


def _tables() -> dict[str, str]:
    q = connection.ops.quote_name
    return {
        "capacity": q(Capacity._meta.db_table),
        "structure": q(Structure._meta.db_table),
        "agrement": q(Agrement._meta.db_table),
        "assistant": q(AssistantMaternel._meta.db_table),
    }


def _commune_clause(column: str, codes: list[str] | None) -> tuple[str, list]:
    if codes is None or len(codes) > SQL_FILTER_LIMIT:
        return "", []
    if not codes:
        return " AND 1 = 0", []
    return f" AND {column} IN ({', '.join(['%s'] * len(codes))})", list(codes)


def _eaje_rows(on: datetime.date, codes: list[str] | None) -> list[tuple]:
    t = _tables()
    where, params = _commune_clause("s.commune_id", codes)
    sql = f"""
        SELECT s.commune_id, s.funding, SUM(c.places)
        FROM (
            SELECT structure_id, places,
                   ROW_NUMBER() OVER (
                       PARTITION BY structure_id, section ORDER BY start DESC
                   ) AS rank_in_section
            FROM {t["capacity"]} WHERE start <= %s
        ) c
        JOIN {t["structure"]} s ON s.id = c.structure_id
        WHERE c.rank_in_section = 1 AND s.kind = %s
          AND (s.opened_on <= %s OR (s.opened_on IS NULL AND s.status <> %s))
          AND (s.closed_on IS NULL OR s.closed_on > %s){where}
        GROUP BY s.commune_id, s.funding
    """  # noqa: S608 — table names from the models, values as parameters
    with connection.cursor() as cursor:
        cursor.execute(sql, [on, Structure.Kind.EAJE, on, "planned", on, *params])
        return cursor.fetchall()


def _assistant_rows(on: datetime.date, codes: list[str] | None) -> list[tuple]:
    """Childminders whose current agrément state was already in force on ``on`` are read from
    their own row; only those changed since are looked up in the history (window function)."""
    t = _tables()
    where, params = _commune_clause("am.commune_id", codes)
    current = f"""
        SELECT am.commune_id, COUNT(*), SUM(am.agrement_places)
        FROM {t["assistant"]} am
        WHERE am.agrement_since <= %s AND am.agrement_status IN (%s, %s)
          AND am.agrement_start <= %s AND am.agrement_expiry >= %s{where}
        GROUP BY am.commune_id
    """  # noqa: S608 — table names from the models, values as parameters
    changed_where, changed_params = _commune_clause("changed.commune_id", codes)
    changed_since = f"""
        SELECT a.commune_id, COUNT(*), SUM(a.places)
        FROM (
            SELECT changed.commune_id, h.status, h.places, h.start, h.expiry,
                   ROW_NUMBER() OVER (
                       PARTITION BY h.assistant_id ORDER BY h.effective_from DESC
                   ) AS rank_in_history
            FROM {t["agrement"]} h
            JOIN {t["assistant"]} changed ON changed.id = h.assistant_id
            WHERE h.effective_from <= %s AND changed.agrement_since > %s{changed_where}
        ) a
        WHERE a.rank_in_history = 1 AND a.status IN (%s, %s)
          AND a.start <= %s AND a.expiry >= %s
        GROUP BY a.commune_id
    """  # noqa: S608 — table names from the models, values as parameters
    with connection.cursor() as cursor:
        cursor.execute(current, [on, *ACTIVE_STATUSES, on, on, *params])
        rows = cursor.fetchall()
        cursor.execute(changed_since, [on, on, *changed_params, *ACTIVE_STATUSES, on, on])
        return rows + cursor.fetchall()


def commune_counts(on: datetime.date, commune_codes: Iterable[str] | None = None) -> pl.DataFrame:
    """One row per commune having any offer on ``on``: ``commune_code`` (str),
    ``eaje_psu_places``, ``eaje_other_places``, ``am_count``, ``am_places`` (int)."""
    codes = None if commune_codes is None else sorted(set(commune_codes))
    eaje = pl.DataFrame(
        _eaje_rows(on, codes),
        schema={"commune_code": pl.String, "funding": pl.String, "places": pl.Int64},
        orient="row",
    )
    eaje = eaje.group_by("commune_code").agg(
        pl.col("places")
        .filter(pl.col("funding") == Structure.Funding.PSU)
        .sum()
        .alias("eaje_psu_places"),
        pl.col("places")
        .filter(pl.col("funding") != Structure.Funding.PSU)
        .sum()
        .alias("eaje_other_places"),
    )
    assistants = (
        pl.DataFrame(
            _assistant_rows(on, codes),
            schema={"commune_code": pl.String, "am_count": pl.Int64, "am_places": pl.Int64},
            orient="row",
        )
        .group_by("commune_code")
        .agg(pl.col("am_count", "am_places").sum())
    )
    counts = (
        eaje.join(assistants, on="commune_code", how="full", coalesce=True)
        .with_columns(pl.col(COUNT_COLUMNS).fill_null(0).cast(pl.Int64))
        .filter(pl.sum_horizontal(COUNT_COLUMNS) > 0)
    )
    if codes is not None:
        counts = counts.filter(pl.col("commune_code").is_in(codes))
    return counts.select("commune_code", *COUNT_COLUMNS).sort("commune_code")


def _territories(level: str, code: str | None) -> pl.DataFrame:
    model = {"commune": Commune, "epci": Epci, "departement": Departement}[level]
    rows = model.objects.all() if code is None else model.objects.filter(pk=code)
    return pl.DataFrame(
        list(rows.order_by("pk").values_list("pk", "name")),
        schema={"code": pl.String, "name": pl.String},
        orient="row",
    )


def _membership(level: str, code: str | None) -> pl.DataFrame:
    """Commune → territory code at ``level`` (communes of ``code`` only, when given)."""
    key = {"commune": "code", "epci": "epci_id", "departement": "departement_id"}[level]
    communes = Commune.objects.exclude(**{f"{key}__isnull": True})
    if code is not None:
        communes = communes.filter(**{key: code})
    return pl.DataFrame(
        list(communes.values_list("code", key)),
        schema={"commune_code": pl.String, "code": pl.String},
        orient="row",
    )


def offer_counts(level: str, code: str | None, on: datetime.date) -> list[dict]:
    """Places by component for every territory of ``level`` (or the one named ``code``), with
    zeros where there is no offer. Columns: level, code, name, date, then the counts."""
    if level not in LEVELS:
        raise ValueError(f"unknown level {level!r}")
    membership = _membership(level, code)
    codes = None if code is None else membership["commune_code"].to_list()
    totals = (
        commune_counts(on, codes)
        .join(membership, on="commune_code")
        .group_by("code")
        .agg(pl.col(COUNT_COLUMNS).sum())
    )
    table = (
        _territories(level, code)
        .join(totals, on="code", how="left")
        .with_columns(pl.col(COUNT_COLUMNS).fill_null(0).cast(pl.Int64))
        .with_columns(pl.lit(level).alias("level"), pl.lit(on.isoformat()).alias("date"))
        .select("level", "code", "name", "date", *COUNT_COLUMNS)
        .sort("code")
    )
    return table.to_dicts()
