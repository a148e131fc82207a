"""Coverage of childcare needs for children under 3, computed from counts at any territorial level.

Published rates cannot be re-aggregated: the rate of a group of communes is the sum of the
numerators over the sum of the denominators, never a mean of the communes' rates. This module
therefore takes **counts** per commune and year (places by component, children under 3, or any
numerator/denominator pair) and derives rates at every level. It is pure polars: no Django, no
I/O, no Python loop over communes, so the Django layer loads, calls and stores.

Missing-data semantics (the contract callers rely on):

1. Null means "unknown", 0 means "known to be none". The core never turns one into the other; a
   caller that wants "no data = none" fills zeros itself, visibly.
2. The membership is the geography: one commune list (one COG vintage) applied to every year.
   Output rows are every group of the membership for every year present in the counts (after the
   ``years`` filter), even a group without any count row. Count rows of communes missing from the
   membership are ignored; ``unknown_communes`` lists them so an importer can report them. A
   commune without an EPCI (or outside Grand Paris, for EPT) belongs to no group at that level but
   still counts for its département, region and France.
3. A group's count (children, each component, total places) is the sum over its communes where
   that count is known, and stays null (not 0) when no commune of the group knows it.
4. A commune's ``total_places`` is the sum of its known components, null when none is known.
5. A rate pairs numerator and denominator commune by commune: a commune enters the rate only when
   both are known. Otherwise a commune with places but an unknown number of children would add
   places without children and inflate the rate. With complete data the rate equals the ratio of
   the displayed sums; with gaps it may not, and the counting columns say so.
6. A rate is null when the paired denominator sums to 0. Rates are rounded to one decimal, half
   away from zero, as published figures are.
7. Counting columns: ``communes`` (members of the group), ``communes_with_denominator``
   (denominator known), ``communes_in_rate`` (numerator and denominator known) and, for coverage,
   ``communes_complete`` (children and all five components known). When ``communes_complete`` is
   below ``communes`` the figures rest on partial data.
"""

from __future__ import annotations

import string
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

import polars as pl

CHILDREN = "children_under_3"
COMPONENTS: tuple[str, ...] = (
    "eaje_psu_places",
    "eaje_other_places",
    "am_places",
    "home_care_places",
    "preschool_places",
)
TOTAL_PLACES = "total_places"
COVERAGE_RATE = "coverage_rate"
COMPONENT_RATES: dict[str, str] = {
    component: component.removesuffix("_places") + "_rate" for component in COMPONENTS
}

LEVELS: tuple[str, ...] = ("commune", "epci", "ept", "departement", "region", "france")
FRANCE_CODE = "FR"
FRANCE_NAME = "France"
MEMBERSHIP_COLUMNS: tuple[str, ...] = tuple(
    f"{level}_{part}" for level in LEVELS[:-1] for part in ("code", "name")
)

RATE_DECIMALS = 1
ROUNDING = "half_away_from_zero"
KEYS = ("commune_code", "year")
COUNTING_COLUMNS = ("communes", "communes_with_denominator", "communes_in_rate")


@dataclass(frozen=True)
class _Ratio:
    """A rate to pool: ``scale`` × Σ numerator / Σ denominator over communes knowing both."""

    numerator: str
    denominator: str
    rate: str
    scale: float = 100.0

    def paired_values(self) -> list[pl.Expr]:
        """Row-wise: a commune's numerator and denominator, kept only when both are known.

        Pairing before grouping keeps the aggregation to plain sums, polars' fast path.
        """
        paired = pl.col(self.numerator).is_not_null() & pl.col(self.denominator).is_not_null()
        return [
            pl.when(paired).then(pl.col(column)).alias(f"__{self.rate}_{role}")
            for role, column in (("numerator", self.numerator), ("denominator", self.denominator))
        ]

    def pooled_sums(self) -> list[pl.Expr]:
        return [pl.col(f"__{self.rate}_{role}").sum() for role in ("numerator", "denominator")]

    def communes_in_rate(self) -> pl.Expr:
        return pl.col(f"__{self.rate}_denominator").count()

    def rate_from_sums(self) -> pl.Expr:
        numerator = pl.col(f"__{self.rate}_numerator")
        denominator = pl.col(f"__{self.rate}_denominator")
        return (
            pl.when(denominator > 0)
            .then((self.scale * numerator / denominator).round(RATE_DECIMALS, mode=ROUNDING))
            .alias(self.rate)
        )


def aggregate(
    counts: pl.DataFrame,
    membership: pl.DataFrame,
    level: str,
    years: Iterable[int] | None = None,
    codes: Iterable[str] | None = None,
) -> pl.DataFrame:
    """Coverage counts and rates for every territory of ``level`` and every year.

    ``counts``: ``commune_code, year, children_under_3`` and the five components (nullable).
    ``codes`` restricts the output to these territory codes of ``level``. Returns one row per
    territory and year, sorted by code and year: ``level, code, name, year, children_under_3,
    <components>, total_places, coverage_rate, <component>_rate..., communes,
    communes_with_denominator, communes_in_rate, communes_complete``.
    """
    rows = _coverage_rows(counts, membership, years, level, codes)
    return _group_coverage(rows, level).collect()


def aggregate_all_levels(
    counts: pl.DataFrame,
    membership: pl.DataFrame,
    years: Iterable[int] | None = None,
    levels: Sequence[str] = LEVELS,
) -> pl.DataFrame:
    """``aggregate`` for several levels at once, stacked in ``levels`` order.

    The commune-year table is built once and grouped per level in parallel.
    """
    rows = _coverage_rows(counts, membership, years).collect().lazy()
    return pl.concat([_group_coverage(rows, level) for level in levels]).collect()


def aggregate_ratio(
    values: pl.DataFrame,
    membership: pl.DataFrame,
    level: str,
    numerator: str,
    denominator: str,
    *,
    rate: str = "rate",
    scale: float = 100.0,
    years: Iterable[int] | None = None,
    codes: Iterable[str] | None = None,
) -> pl.DataFrame:
    """Pool any ratio indicator (poverty rate, single-parent families, natality...) by level.

    Source files give such indicators "as numerator and denominator columns so it can be
    aggregated correctly"; this applies the same pairing and missing-data rules as coverage.
    ``scale`` is 100 for a percentage, 1,000 for a rate per thousand (natality). Returns
    ``level, code, name, year, <numerator>, <denominator>, <rate>, communes,
    communes_with_denominator, communes_in_rate``, sorted by code and year.
    """
    if len({numerator, denominator, rate}) < 3:
        raise ValueError("numerator, denominator and rate must be three different columns")
    ratio = _Ratio(numerator, denominator, rate, scale)
    _check_values(values, (numerator, denominator))
    _check_membership(membership)
    rows = _commune_grid(values, (numerator, denominator), membership, years, level, codes)
    grouped = _group(rows, level, sums=(numerator, denominator), ratios=(ratio,), extra=())
    return grouped.select(
        "level", "code", "name", "year", numerator, denominator, rate, *COUNTING_COLUMNS
    ).collect()


def unknown_communes(values: pl.DataFrame, membership: pl.DataFrame) -> pl.DataFrame:
    """Codes in ``values`` absent from the membership: ignored by aggregation, worth reporting."""
    return (
        values.select("commune_code")
        .unique()
        .join(membership.select("commune_code"), on="commune_code", how="anti")
        .sort("commune_code")
    )


def _coverage_rows(
    counts: pl.DataFrame,
    membership: pl.DataFrame,
    years: Iterable[int] | None,
    level: str | None = None,
    codes: Iterable[str] | None = None,
) -> pl.LazyFrame:
    count_columns = (CHILDREN, *COMPONENTS)
    _check_values(counts, count_columns)
    _check_membership(membership)
    rows = _commune_grid(counts, count_columns, membership, years, level, codes)
    any_component = pl.any_horizontal(pl.col(c).is_not_null() for c in COMPONENTS)
    every_count = pl.all_horizontal(pl.col(c).is_not_null() for c in count_columns)
    return rows.with_columns(
        pl.when(any_component).then(pl.sum_horizontal(COMPONENTS)).alias(TOTAL_PLACES),
        every_count.alias("__complete"),
    )


def _group_coverage(rows: pl.LazyFrame, level: str) -> pl.LazyFrame:
    ratios = (
        _Ratio(TOTAL_PLACES, CHILDREN, COVERAGE_RATE),
        *(_Ratio(component, CHILDREN, rate) for component, rate in COMPONENT_RATES.items()),
    )
    grouped = _group(
        rows,
        level,
        sums=(CHILDREN, *COMPONENTS, TOTAL_PLACES),
        ratios=ratios,
        extra=(pl.col("__complete").sum().cast(pl.Int64).alias("communes_complete"),),
    )
    return grouped.select(
        "level",
        "code",
        "name",
        "year",
        CHILDREN,
        *COMPONENTS,
        TOTAL_PLACES,
        COVERAGE_RATE,
        *COMPONENT_RATES.values(),
        *COUNTING_COLUMNS,
        "communes_complete",
    )


def _group(
    rows: pl.LazyFrame,
    level: str,
    sums: Sequence[str],
    ratios: Sequence[_Ratio],
    extra: Sequence[pl.Expr],
) -> pl.LazyFrame:
    """Group commune-year rows by territory of ``level``; the first ratio sets the counters."""
    code, name = _level_key(level)
    main = ratios[0]
    return (
        rows.filter(code.is_not_null())
        .with_columns(expr for ratio in ratios for expr in ratio.paired_values())
        .group_by(code.alias("code"), "year")
        .agg(
            name.first().alias("name"),
            *(pl.col(column).sum() for column in sums),
            *(pl.col(column).count().alias(f"__{column}_known") for column in sums),
            *(expr for ratio in ratios for expr in ratio.pooled_sums()),
            pl.len().cast(pl.Int64).alias("communes"),
            pl.col(main.denominator).count().cast(pl.Int64).alias("communes_with_denominator"),
            main.communes_in_rate().cast(pl.Int64).alias("communes_in_rate"),
            *extra,
        )
        .with_columns(
            pl.lit(level).alias("level"),
            *(_known_only(column) for column in sums),
            *(ratio.rate_from_sums() for ratio in ratios),
        )
        .sort("code", "year")
    )


def _known_only(column: str) -> pl.Expr:
    """A group's sum stays null rather than 0 when none of its communes knows the value."""
    return pl.when(pl.col(f"__{column}_known") > 0).then(pl.col(column)).alias(column)


def _level_key(level: str) -> tuple[pl.Expr, pl.Expr]:
    if level not in LEVELS:
        raise ValueError(f"unknown level {level!r}; expected one of {', '.join(LEVELS)}")
    if level == "france":
        return pl.lit(FRANCE_CODE), pl.lit(FRANCE_NAME)
    return pl.col(f"{level}_code"), pl.col(f"{level}_name")


def _commune_grid(
    values: pl.DataFrame,
    value_columns: Sequence[str],
    membership: pl.DataFrame,
    years: Iterable[int] | None,
    level: str | None,
    codes: Iterable[str] | None,
) -> pl.LazyFrame:
    """One row per member commune and year, with its values (null when it has no row).

    Building the full grid is what lets a group report how many of its communes lack data.
    """
    known = values.lazy().select(
        pl.col("commune_code"),
        pl.col("year").cast(pl.Int64),
        *(pl.col(column).cast(pl.Float64) for column in value_columns),
    )
    if years is not None:
        known = known.filter(pl.col("year").is_in(list(years)))
    members = membership.lazy().select(
        *(pl.col(column).cast(pl.String) for column in MEMBERSHIP_COLUMNS)
    )
    if codes is not None:
        code, _ = _level_key(level)
        members = members.filter(code.is_in(list(codes)))
    return members.join(known.select("year").unique(), how="cross").join(
        known, on=list(KEYS), how="left"
    )


def _check_values(values: pl.DataFrame, value_columns: Sequence[str]) -> None:
    """Reject inputs that would silently produce wrong figures rather than fail."""
    _require_columns(values, (*KEYS, *value_columns), "values")
    _require_text_codes(values, ("commune_code",), "values")
    if not values.schema["year"].is_integer():
        raise ValueError(f"values.year must be an integer column, got {values.schema['year']}")
    for column in value_columns:
        dtype = values.schema[column]
        if not (dtype.is_numeric() or dtype == pl.Null):
            raise ValueError(f"values.{column} must be numeric, got {dtype}")
    if values.select(pl.any_horizontal(pl.col(k).is_null() for k in KEYS).any()).item():
        raise ValueError("values has rows without commune_code or year")
    duplicates = values.filter(pl.struct(KEYS).is_duplicated()).select(KEYS).unique().sort(KEYS)
    if duplicates.height:
        raise ValueError(f"values has several rows for {duplicates.head(5).rows()}")
    negative = [c for c in value_columns if values.select((pl.col(c) < 0).any()).item()]
    if negative:
        raise ValueError(f"values has negative counts in {', '.join(negative)}")


def _check_membership(membership: pl.DataFrame) -> None:
    _require_columns(membership, MEMBERSHIP_COLUMNS, "membership")
    _require_text_codes(membership, MEMBERSHIP_COLUMNS[::2], "membership")
    communes = membership.get_column("commune_code")
    if communes.null_count() or communes.is_duplicated().any():
        raise ValueError("membership.commune_code must be present and unique")
    for level in LEVELS[1:-1]:
        code, name = f"{level}_code", f"{level}_name"
        ambiguous = (
            membership.filter(pl.col(code).is_not_null())
            .group_by(code)
            .agg(pl.col(name).n_unique())
            .filter(pl.col(name) > 1)
        )
        if ambiguous.height:
            raise ValueError(f"membership has several names for {code} {ambiguous[code][0]}")


def _require_columns(frame: pl.DataFrame, columns: Sequence[str], label: str) -> None:
    missing = [column for column in columns if column not in frame.columns]
    if missing:
        raise ValueError(f"{label} lacks columns {', '.join(missing)}")


def _require_text_codes(frame: pl.DataFrame, columns: Sequence[str], label: str) -> None:
    """Codes must be text: read as integers, "01001" becomes 1001 and "2A004" fails."""
    for column in columns:
        if frame.schema[column] not in (pl.String, pl.Null):
            raise ValueError(f"{label}.{column} must be text, got {frame.schema[column]}")


def other_communes_residual(
    group_counts: pl.DataFrame,
    listed_counts: pl.DataFrame,
    columns: Sequence[str],
    group_column: str = "epci_code",
) -> pl.DataFrame:
    """One "other communes" row per group and year: group count minus its listed communes.

    CNAF place files list communes only above 10,000 inhabitants; the rest of an EPCI's places
    are known only as a block. That block is a row of its own, never spread over the communes
    by guess. ``group_counts``: ``<group_column>, year, <columns>``; ``listed_counts``:
    ``commune_code, <group_column>, year, <columns>``. Returns ``<group_column>, year,
    <columns>, listed_communes, is_consistent``. A residual is null when the group count or
    any listed commune's count is unknown; it equals the group count when no commune is
    listed. A negative residual means the files disagree: it is kept as is and
    ``is_consistent`` is false, for the importer to report.
    """
    keys = [group_column, "year"]
    _require_columns(group_counts, (*keys, *columns), "group_counts")
    _require_columns(listed_counts, ("commune_code", *keys, *columns), "listed_counts")
    if group_counts.select(pl.struct(keys).is_duplicated().any()).item():
        raise ValueError(f"group_counts has several rows for one {group_column} and year")
    if listed_counts.select(pl.struct("commune_code", "year").is_duplicated().any()).item():
        raise ValueError("listed_counts has several rows for one commune and year")
    listed = listed_counts.group_by(keys).agg(
        pl.len().cast(pl.Int64).alias("listed_communes"),
        *(
            pl.when(pl.col(c).null_count() == 0).then(pl.col(c).sum()).alias(f"__{c}_listed")
            for c in columns
        ),
    )
    residuals = group_counts.select(*keys, *columns).join(listed, on=keys, how="left")
    no_listed = pl.col("listed_communes").is_null()
    residuals = residuals.with_columns(
        *(
            pl.when(no_listed).then(pl.col(c)).otherwise(pl.col(c) - pl.col(f"__{c}_listed"))
            for c in columns
        ),
        pl.col("listed_communes").fill_null(0),
    )
    consistent = ~pl.any_horizontal((pl.col(c) < 0).fill_null(False) for c in columns)
    return residuals.select(
        *keys, *columns, "listed_communes", consistent.alias("is_consistent")
    ).sort(keys)


@dataclass(frozen=True)
class PriorityCondition:
    """One condition of the priority rule, e.g. coverage below the national figure.

    ``reference`` is a number, or the name of a column holding it (a per-year national
    figure). ``reason`` is the French explanation shown when the condition is met, with
    ``{value}`` and ``{reference}`` replaced by the figures with one decimal and a comma.
    Comparisons are strict: a territory exactly at the reference is not below nor above it.
    """

    name: str
    column: str
    comparison: Literal["below", "above"]
    reference: float | str
    reason: str

    def __post_init__(self) -> None:
        if self.comparison not in ("below", "above"):
            raise ValueError(f"comparison must be 'below' or 'above', got {self.comparison!r}")
        fields = {field for _, field, _, _ in string.Formatter().parse(self.reason) if field}
        if not fields <= {"value", "reference"}:
            raise ValueError(f"reason may only use {{value}} and {{reference}}, got {fields}")

    def reference_expr(self) -> pl.Expr:
        if isinstance(self.reference, str):
            return pl.col(self.reference).cast(pl.Float64)
        return pl.lit(float(self.reference))

    def met(self) -> pl.Expr:
        value = pl.col(self.column).cast(pl.Float64)
        if self.comparison == "below":
            return (value < self.reference_expr()).alias(self.name)
        return (value > self.reference_expr()).alias(self.name)

    def explained(self) -> pl.Expr:
        figures = {"value": pl.col(self.column), "reference": self.reference_expr()}
        pieces: list[pl.Expr] = []
        for literal, field, _, _ in string.Formatter().parse(self.reason):
            if literal:
                pieces.append(pl.lit(literal))
            if field:
                pieces.append(_french_decimal(figures[field]))
        return pl.when(pl.col(self.name)).then(pl.concat_str(pieces))


@dataclass(frozen=True)
class PriorityRule:
    """Conditions a territory must meet to be a priority: all of them unless ``minimum_met``."""

    conditions: tuple[PriorityCondition, ...]
    minimum_met: int | None = None

    def __post_init__(self) -> None:
        names = [condition.name for condition in self.conditions]
        if not names or len(set(names)) != len(names):
            raise ValueError("a priority rule needs conditions with distinct names")
        if self.minimum_met is not None and not 1 <= self.minimum_met <= len(names):
            raise ValueError(f"minimum_met must lie between 1 and {len(names)}")

    @property
    def required(self) -> int:
        return len(self.conditions) if self.minimum_met is None else self.minimum_met


def default_priority_rule(
    national_coverage_rate: float | str, national_poverty_rate: float | str
) -> PriorityRule:
    """Coverage below the national figure and poverty above it (numbers or column names).

    Pass the published national figures (CNAF ``txcouv_nat``, INSEE poverty rate) or columns
    holding one figure per year, so each year is judged against its own reference. The rule
    reads ``coverage_rate`` (from ``aggregate``) and ``poverty_rate`` (from ``aggregate_ratio``
    with ``rate="poverty_rate"``), joined by the caller on ``code`` and ``year``.
    """
    return PriorityRule(
        conditions=(
            PriorityCondition(
                name="low_coverage",
                column=COVERAGE_RATE,
                comparison="below",
                reference=national_coverage_rate,
                reason="Couverture {value} % inférieure à la référence nationale {reference} %",
            ),
            PriorityCondition(
                name="high_poverty",
                column="poverty_rate",
                comparison="above",
                reference=national_poverty_rate,
                reason=(
                    "Taux de pauvreté {value} % supérieur à la référence nationale {reference} %"
                ),
            ),
        )
    )


def priority_territories(indicators: pl.DataFrame, rule: PriorityRule) -> pl.DataFrame:
    """Judge each territory against ``rule`` and explain the verdict in French.

    Adds one boolean column per condition (null when the value or its reference is unknown),
    ``conditions_met``, ``is_priority`` (null when unknown values could still change the
    verdict) and ``reasons``, the list of met conditions' explanations.
    """
    needed = {c.column for c in rule.conditions}
    needed |= {c.reference for c in rule.conditions if isinstance(c.reference, str)}
    _require_columns(indicators, sorted(needed), "indicators")
    clashes = [c.name for c in rule.conditions if c.name in indicators.columns]
    if clashes:
        raise ValueError(f"indicators already has columns {', '.join(clashes)}")
    names = [condition.name for condition in rule.conditions]
    met = pl.sum_horizontal(pl.col(n).fill_null(False).cast(pl.Int64) for n in names)
    unknown = pl.sum_horizontal(pl.col(n).is_null().cast(pl.Int64) for n in names)
    return indicators.with_columns(condition.met() for condition in rule.conditions).with_columns(
        met.alias("conditions_met"),
        pl.when(met >= rule.required)
        .then(True)
        .when(met + unknown < rule.required)
        .then(False)
        .alias("is_priority"),
        pl.concat_list(c.explained() for c in rule.conditions).list.drop_nulls().alias("reasons"),
    )


def _french_decimal(figure: pl.Expr) -> pl.Expr:
    """One decimal with a comma, as French readers expect: 31.25 → "31,3"."""
    rounded = figure.cast(pl.Float64).round(RATE_DECIMALS, mode=ROUNDING)
    return rounded.cast(pl.String).str.replace(".", ",", literal=True)
