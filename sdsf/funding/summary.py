"""What each funder (or programme) committed and paid in a territory and a year.

The core of ``sdsf funding_summary``: sums of grants, never averages, per territory of one level
(commune, EPCI, département) and per funder or programme. A grant counts in the territory of its
operator's commune, so a commune's rows add up exactly to its EPCI's and its département's. Pure
polars: no Django, no I/O; the Django layer reads the grants and the communes and calls it.

Money is exact: amounts are polars ``Decimal(38, 2)`` (euros and cents, summed as integers of
cents inside polars), never floats, so a territory's total is the exact sum of its grants. Input
amounts may be ``Decimal`` with at most two decimals or integers (whole euros); a float column is
refused, as rounding has already happened when a float holds money.

Contract:

1. ``grants``: ``programme, commune_code, year, funder, committed_eur, paid_eur``, one row per
   grant and funder (several rows may share every key: they are added). No null allowed in
   these columns (0 when nothing was paid); negative amounts are kept (a recovery is a grant
   reduced), the importer decides whether to accept them.
2. ``communes``: ``commune_code, epci_code, departement_code`` (text codes; ``epci_code`` null
   for a commune in no EPCI: its grants count for its commune and département only).
3. Grants whose commune is not in ``communes`` are left out; :func:`unknown_communes` lists
   them so that the importer reports them instead of losing money silently.
4. Output: one row per territory and funder (or programme) that has at least one grant in the
   year, columns ``level, code, year, funder|programme, committed_eur, paid_eur``, sorted by
   code then funder (or programme).
"""

from __future__ import annotations

import polars as pl

LEVELS: tuple[str, ...] = ("commune", "epci", "departement")
GROUPINGS: tuple[str, ...] = ("funder", "programme")
MONEY = pl.Decimal(38, 2)
AMOUNTS: tuple[str, ...] = ("committed_eur", "paid_eur")
GRANT_COLUMNS: tuple[str, ...] = ("programme", "commune_code", "year", "funder", *AMOUNTS)
COMMUNE_COLUMNS: tuple[str, ...] = ("commune_code", "epci_code", "departement_code")
_LEVEL_COLUMN = {"commune": "commune_code", "epci": "epci_code", "departement": "departement_code"}


def funding_summary(
    grants: pl.DataFrame,
    communes: pl.DataFrame,
    level: str,
    year: int,
    *,
    by: str = "funder",
    code: str | None = None,
) -> pl.DataFrame:
    """Committed and paid sums per territory of ``level`` and per ``by`` for ``year``.

    ``code`` restricts the output to one territory of the level (an unknown code gives an empty
    frame; the command checks codes against the registry first).
    """
    if level not in LEVELS:
        raise ValueError(f"unknown level {level!r}; expected one of {', '.join(LEVELS)}")
    if by not in GROUPINGS:
        raise ValueError(f"unknown grouping {by!r}; expected one of {', '.join(GROUPINGS)}")
    territory = _LEVEL_COLUMN[level]
    rows = (
        _exact_grants(grants)
        .filter(pl.col("year") == year)
        .join(_checked_communes(communes).lazy(), on="commune_code", how="inner")
        .filter(pl.col(territory).is_not_null())
    )
    if code is not None:
        rows = rows.filter(pl.col(territory) == code)
    return (
        rows.group_by(pl.col(territory).alias("code"), by)
        .agg(pl.col(column).sum() for column in AMOUNTS)
        .select(
            pl.lit(level).alias("level"),
            "code",
            pl.lit(year, dtype=pl.Int64).alias("year"),
            by,
            *(pl.col(column).cast(MONEY) for column in AMOUNTS),
        )
        .sort("code", by)
        .collect()
    )


def unknown_communes(grants: pl.DataFrame, communes: pl.DataFrame) -> pl.DataFrame:
    """Commune codes of grants that are not in ``communes``, with their grant count."""
    return (
        grants.lazy()
        .join(communes.lazy().select("commune_code"), on="commune_code", how="anti")
        .group_by("commune_code")
        .agg(pl.len().alias("grants"))
        .sort("commune_code")
        .collect()
    )


def _exact_grants(grants: pl.DataFrame) -> pl.LazyFrame:
    """Check the grants and give their amounts as ``Decimal(38, 2)``."""
    missing = [column for column in GRANT_COLUMNS if column not in grants.columns]
    if missing:
        raise ValueError(f"grants lacks columns {', '.join(missing)}")
    for column in ("programme", "commune_code", "funder"):
        if grants.schema[column] != pl.String:
            raise ValueError(f"grants.{column} must be text, got {grants.schema[column]}")
    if not grants.schema["year"].is_integer():
        raise ValueError(f"grants.year must be an integer column, got {grants.schema['year']}")
    for column in AMOUNTS:
        dtype = grants.schema[column]
        exact = dtype.is_integer() or (isinstance(dtype, pl.Decimal) and dtype.scale <= 2)
        if not exact:
            raise ValueError(
                f"grants.{column} must hold exact money (Decimal with at most 2 decimals, or "
                f"integer euros), got {dtype}"
            )
    nulls = [c for c in GRANT_COLUMNS if grants.get_column(c).null_count()]
    if nulls:
        raise ValueError(f"grants has empty values in {', '.join(nulls)}")
    return grants.lazy().select(
        "programme",
        "commune_code",
        pl.col("year").cast(pl.Int64),
        "funder",
        *(pl.col(column).cast(MONEY) for column in AMOUNTS),
    )


def _checked_communes(communes: pl.DataFrame) -> pl.DataFrame:
    missing = [column for column in COMMUNE_COLUMNS if column not in communes.columns]
    if missing:
        raise ValueError(f"communes lacks columns {', '.join(missing)}")
    for column in COMMUNE_COLUMNS:
        if communes.schema[column] not in (pl.String, pl.Null):
            raise ValueError(f"communes.{column} must be text, got {communes.schema[column]}")
    codes = communes.get_column("commune_code")
    if codes.null_count() or codes.is_duplicated().any():
        raise ValueError("communes.commune_code must be present and unique")
    if communes.get_column("departement_code").null_count():
        raise ValueError("every commune must have a departement_code")
    return communes.select(COMMUNE_COLUMNS)
