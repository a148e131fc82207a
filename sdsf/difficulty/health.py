"""The health of an EAJE, per structure and year: six indicators and the signals they raise.

The scheme's partners (CAF, Département, commune) spot structures in difficulty early by a few
ratios of activity and accounts, and a CAF funds them when some ratio crosses its threshold. The
indicators and the default thresholds are the CAF du Finistère's (« Subvention spécifique à
destination des structures fragilisées », caf.fr; see :data:`CAF_FINISTERE`); each département
may set its own (a :class:`Thresholds` passed in). Pure polars: no Django, no I/O.

Indicators (``activity`` columns in brackets):

- occupancy rate = hours realised / (places × opening days × opening hours per day);
- invoicing rate = hours invoiced / hours realised;
- cost per hour realised = total costs / hours realised (euros);
- children per place = children enrolled / places;
- staff costs share = staff costs / total costs;
- deficit share = (total costs − total income) / total costs, 0 when not in deficit.

Exactness. Places, opening days and children are integers; every other input is first taken as
an integer of hundredths (hours to 0.01 h, euros to the cent; a Decimal with more than two
decimals is refused, a float is rounded to the hundredth), so each indicator is an exact
fraction of two integers. Signals compare these fractions with the
thresholds by cross-multiplication, on the unrounded values: 59.96 % is below 60 % even though
it is shown as « 60.0 ». Shown values are rounded half up from the exact fraction (never through
a float, where 0.05 could become 0.0499…): rates in percent to 0.1, children per place to 0.01,
cost per hour to the cent; they are ``Decimal`` columns.

Missing data: an indicator is null (an empty cell, never 0) when one of its inputs is null or
its denominator is 0; a signal that needs it is not raised. ``signals`` is the codes raised,
in :data:`SIGNALS` order, separated by ``|`` (an empty string when none).

Trend signals, for year N of a structure:

- ``occupancy_falling``: occupancy(N − 2) − occupancy(N) ≥ the threshold in points (10 by
  default), both years known. "Over two years" is year N against year N − 2 exactly; year N − 1
  plays no part and a missing N − 2 raises nothing.
- ``deficit_growing``: deficit share(N − 2) < deficit share(N − 1) < deficit share(N), the three
  years known ("three years of growing deficit share", strictly; 0 → 2 % → 5 % grows).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import polars as pl

from sdsf.core import formats

SIGNALS: tuple[str, ...] = (
    "occupancy_low",
    "occupancy_falling",
    "invoicing_low",
    "invoicing_high",
    "staff_costs_high",
    "deficit_high",
    "deficit_growing",
    "children_per_place_low",
    "children_per_place_high",
    "opening_days_low",
)
COUNT_COLUMNS: tuple[str, ...] = ("places", "opening_days", "children_enrolled")
MEASURE_COLUMNS: tuple[str, ...] = (
    "opening_hours_per_day",
    "hours_realised",
    "hours_invoiced",
    "staff_costs_eur",
    "total_costs_eur",
    "total_income_eur",
)
INPUT_COLUMNS: tuple[str, ...] = COUNT_COLUMNS + MEASURE_COLUMNS
OUTPUT_COLUMNS: tuple[str, ...] = (
    "structure_id",
    "year",
    "occupancy_rate",
    "invoicing_rate",
    "cost_per_hour_eur",
    "children_per_place",
    "staff_costs_share",
    "deficit_share",
    "opening_days",
    "signals",
)
CENT = Decimal("0.01")
PERCENT = pl.Decimal(38, 1)
TWO_DECIMALS = pl.Decimal(38, 2)
_INT = pl.Int128


@dataclass(frozen=True)
class Thresholds:
    """Where each signal starts; comparisons are strict (exactly 60 % is not « below 60 % »).

    Percentages are in percent (``Decimal(60)`` for 60 %); children per place in children.
    """

    occupancy_low_pct: Decimal = Decimal(60)
    invoicing_low_pct: Decimal = Decimal(107)
    invoicing_high_pct: Decimal = Decimal(117)
    staff_costs_high_pct: Decimal = Decimal(90)
    deficit_high_pct: Decimal = Decimal(10)
    children_per_place_low: Decimal = Decimal(1)
    children_per_place_high: Decimal = Decimal(5)
    opening_days_low: int = 220
    occupancy_fall_points: Decimal = Decimal(10)

    def __post_init__(self) -> None:
        for field in fields(self):
            value = getattr(self, field.name)
            if isinstance(value, bool | float) or not isinstance(value, int | Decimal):
                raise ValueError(f"{field.name} must be an int or a Decimal, got {value!r}")
            if not Decimal(value).is_finite() or value < 0:
                raise ValueError(f"{field.name} must be a finite number ≥ 0, got {value}")
        if self.invoicing_low_pct > self.invoicing_high_pct:
            raise ValueError("invoicing_low_pct must not exceed invoicing_high_pct")
        if self.children_per_place_low > self.children_per_place_high:
            raise ValueError("children_per_place_low must not exceed children_per_place_high")


CAF_FINISTERE = Thresholds()
"""The CAF du Finistère's « facteurs de déstabilisation » (caf.fr, « Subvention spécifique à
destination des structures fragilisées »): staff costs above 90 % of the budget, children per
place below 1 or above 5, occupancy below 60 %, invoicing rate below 107 % or above 117 %,
deficit above 10 % of the budget, fewer than 220 opening days. The two trend signals (10 points
of occupancy lost over two years, three years of growing deficit) are the platform's own."""


def structure_health(
    activity: pl.DataFrame,
    thresholds: Thresholds = CAF_FINISTERE,
    years: Iterable[int] | None = None,
) -> pl.DataFrame:
    """One row per structure and year with the indicators and signals (:data:`OUTPUT_COLUMNS`).

    ``activity``: ``structure_id, year`` and :data:`INPUT_COLUMNS` (nullable), one row per
    structure and year. Give every year available even when only one is wanted (``years``):
    trend signals read the two years before. Sorted by structure and year.
    """
    _check_activity(activity)
    exact = activity.lazy().select(
        "structure_id",
        pl.col("year").cast(pl.Int64),
        *(pl.col(c).cast(_INT) for c in COUNT_COLUMNS),
        *(_hundredths(activity.schema[c], c) for c in MEASURE_COLUMNS),
    )
    ratios = exact.select(
        "structure_id",
        "year",
        pl.col("opening_days").cast(pl.Int64),
        *_ratio(
            "occupancy",
            pl.col("hours_realised"),
            pl.col("places") * pl.col("opening_days") * pl.col("opening_hours_per_day"),
        ),
        *_ratio("invoicing", pl.col("hours_invoiced"), pl.col("hours_realised")),
        *_ratio("cost_per_hour", pl.col("total_costs_eur"), pl.col("hours_realised")),
        *_ratio("children_per_place", pl.col("children_enrolled"), pl.col("places")),
        *_ratio("staff_costs", pl.col("staff_costs_eur"), pl.col("total_costs_eur")),
        *_ratio(
            "deficit",
            (pl.col("total_costs_eur") - pl.col("total_income_eur")).clip(lower_bound=0),
            pl.col("total_costs_eur"),
        ),
    )
    with_history = _join_previous_years(ratios)
    if years is not None:
        with_history = with_history.filter(pl.col("year").is_in(list(years)))
    signals = _signal_expressions(thresholds)
    return (
        with_history.select(
            "structure_id",
            "year",
            _rounded("occupancy", percent=True).alias("occupancy_rate"),
            _rounded("invoicing", percent=True).alias("invoicing_rate"),
            _rounded("cost_per_hour", percent=False).alias("cost_per_hour_eur"),
            _rounded("children_per_place", percent=False).alias("children_per_place"),
            _rounded("staff_costs", percent=True).alias("staff_costs_share"),
            _rounded("deficit", percent=True).alias("deficit_share"),
            "opening_days",
            pl.concat_str(
                [pl.when(raised).then(pl.lit(code)) for code, raised in signals.items()],
                separator="|",
                ignore_nulls=True,
            ).alias("signals"),
        )
        .sort("structure_id", "year")
        .collect()
    )


# --- exact ratios ---------------------------------------------------------------------------


def _hundredths(dtype: pl.DataType, column: str) -> pl.Expr:
    """The column as an integer of hundredths (exact for integers and 2-decimal Decimals)."""
    if dtype.is_integer() or isinstance(dtype, pl.Decimal):
        value = pl.col(column).cast(pl.Decimal(38, 2)) * 100
    else:
        value = (pl.col(column) * 100).round(0)
    return value.cast(_INT).alias(column)


def _ratio(name: str, numerator: pl.Expr, denominator: pl.Expr) -> list[pl.Expr]:
    """Numerator and denominator kept as integers; both null when the ratio is undefined.

    Both sides are in the same unit (hundredths), so the fraction is the indicator itself.
    """
    defined = numerator.is_not_null() & denominator.is_not_null() & (denominator > 0)
    return [
        pl.when(defined).then(numerator.cast(_INT)).alias(f"{name}_num"),
        pl.when(defined).then(denominator.cast(_INT)).alias(f"{name}_den"),
    ]


def _rounded(name: str, *, percent: bool) -> pl.Expr:
    """``num / den`` rounded half up, in percent to 0.1 or as a number to 0.01.

    Through integers only: the count of units (0.1 % or 0.01) is ⌊(2·k·n + d) / 2d⌋ with
    k units per 1, which is round-half-up of k·n/d for n ≥ 0 and d > 0.
    """
    num, den = pl.col(f"{name}_num"), pl.col(f"{name}_den")
    dtype, per_unit = (PERCENT, 1000) if percent else (TWO_DECIMALS, 100)
    units = (2 * per_unit * num + den) // (2 * den)
    return units.cast(dtype) / (10**dtype.scale)


def _compare(name: str, threshold: Decimal, above: bool) -> pl.Expr:
    """``num / den`` strictly above (or below) ``threshold``, exactly; null when unknown."""
    bound = Fraction(threshold)
    left = pl.col(f"{name}_num") * bound.denominator
    right = pl.col(f"{name}_den") * bound.numerator
    return left > right if above else left < right


def _pct(value: Decimal) -> Decimal:
    return Decimal(value) / 100


# --- history and signals --------------------------------------------------------------------

_HISTORY = ("occupancy", "deficit")


def _join_previous_years(ratios: pl.LazyFrame) -> pl.LazyFrame:
    """Add the occupancy and deficit fractions of years N − 1 and N − 2 (``_p1``, ``_p2``)."""
    joined = ratios
    for back in (1, 2):
        previous = ratios.select(
            "structure_id",
            (pl.col("year") + back).alias("year"),
            *(
                pl.col(f"{name}_{part}").alias(f"{name}_{part}_p{back}")
                for name in _HISTORY
                for part in ("num", "den")
            ),
        )
        joined = joined.join(previous, on=["structure_id", "year"], how="left")
    return joined


def _fraction(name: str, suffix: str = "") -> tuple[pl.Expr, pl.Expr]:
    return pl.col(f"{name}_num{suffix}"), pl.col(f"{name}_den{suffix}")


def _less(left: tuple[pl.Expr, pl.Expr], right: tuple[pl.Expr, pl.Expr]) -> pl.Expr:
    """a/b < c/d with b, d > 0, exactly."""
    (a, b), (c, d) = left, right
    return a * d < c * b


def _signal_expressions(t: Thresholds) -> dict[str, pl.Expr]:
    points = Fraction(Decimal(t.occupancy_fall_points)) / 100
    (a, b), (c, d) = _fraction("occupancy"), _fraction("occupancy", "_p2")
    # c/d − a/b ≥ p/q  ⇔  q·(c·b − a·d) ≥ p·b·d
    falling = points.denominator * (c * b - a * d) >= points.numerator * b * d
    deficit = {back: _fraction("deficit", f"_p{back}" if back else "") for back in (0, 1, 2)}
    expressions = {
        "occupancy_low": _compare("occupancy", _pct(t.occupancy_low_pct), above=False),
        "occupancy_falling": falling,
        "invoicing_low": _compare("invoicing", _pct(t.invoicing_low_pct), above=False),
        "invoicing_high": _compare("invoicing", _pct(t.invoicing_high_pct), above=True),
        "staff_costs_high": _compare("staff_costs", _pct(t.staff_costs_high_pct), above=True),
        "deficit_high": _compare("deficit", _pct(t.deficit_high_pct), above=True),
        "deficit_growing": _less(deficit[2], deficit[1]) & _less(deficit[1], deficit[0]),
        "children_per_place_low": _compare(
            "children_per_place", Decimal(t.children_per_place_low), above=False
        ),
        "children_per_place_high": _compare(
            "children_per_place", Decimal(t.children_per_place_high), above=True
        ),
        "opening_days_low": pl.col("opening_days") < t.opening_days_low,
    }
    return {code: expressions[code].fill_null(False) for code in SIGNALS}


# --- input checks ---------------------------------------------------------------------------


def _check_activity(activity: pl.DataFrame) -> None:
    """Refuse inputs that would give wrong figures silently; the importer words user errors."""
    missing = [c for c in ("structure_id", "year", *INPUT_COLUMNS) if c not in activity.columns]
    if missing:
        raise ValueError(f"activity lacks columns {', '.join(missing)}")
    if not activity.schema["year"].is_integer():
        raise ValueError(f"activity.year must be an integer column, got {activity.schema['year']}")
    for column in COUNT_COLUMNS:
        dtype = activity.schema[column]
        if not (dtype.is_integer() or dtype == pl.Null):
            raise ValueError(f"activity.{column} must be an integer column, got {dtype}")
    for column in MEASURE_COLUMNS:
        dtype = activity.schema[column]
        if isinstance(dtype, pl.Decimal) and dtype.scale > 2:
            raise ValueError(f"activity.{column} has more than 2 decimals ({dtype})")
        if not (dtype.is_numeric() or dtype == pl.Null):
            raise ValueError(f"activity.{column} must be numeric, got {dtype}")
    if activity.select(pl.col("structure_id", "year").is_null().any()).row(0) != (False, False):
        raise ValueError("activity has rows without structure_id or year")
    keys = ["structure_id", "year"]
    if activity.select(pl.struct(keys).is_duplicated().any()).item():
        raise ValueError("activity has several rows for one structure and year")
    negative = [c for c in INPUT_COLUMNS if activity.select((pl.col(c) < 0).any()).item()]
    if negative:
        raise ValueError(f"activity has negative values in {', '.join(negative)}")


# --- the PSU consequence of the invoicing rate (from 2025) ----------------------------------

PSU_DEGRESSIVE_FROM = date(2025, 1, 1)
PSU_FULL_PRICE_UP_TO_PCT = Decimal(107)
PSU_FLOOR_PRICE_FROM_PCT = Decimal(120)
PSU_INVOICING_SOURCE = (
    "Circulaire CNAF de juillet 2024 réformant le calcul de la prestation de service unique, "
    "en vigueur le 1er janvier 2025 (présentée par la CAF du Loiret, « Réforme de la prise en "
    "compte du taux de facturation »)"
)
"""The CNAF's circulaire sent to the CAF in mid-July 2024 (Weka, « Crèches : la Cnaf prépare la
réforme de la PSU »); its number was not found. The CAF du Loiret publishes the rule: up to
107 % the full prix plafond, between 107 % and 120 % a linear decrease, from 120 % a constant
lower price."""


@dataclass(frozen=True)
class PsuCeiling:
    """The prix plafond a PSU structure gets for its invoicing rate, and why."""

    invoicing_rate_pct: Decimal
    full_price_weight: Fraction
    price: Decimal | None
    lines: tuple[str, ...]
    source: str = PSU_INVOICING_SOURCE


def psu_ceiling(
    on: date,
    invoicing_rate_pct: Decimal,
    full_price: Decimal | None = None,
    floor_price: Decimal | None = None,
) -> PsuCeiling:
    """The weight of the full prix plafond for an invoicing rate, and the price if both are given.

    The weight is 1 up to 107 % (included), 0 from 120 % (included) and falls linearly between:
    (120 − rate) / 13. The price is floor + weight × (full − floor), rounded to the cent half
    up; the yearly full and floor prices are the CNAF's barème, given by the caller. The
    circulaire's own formula was not found; the linear interpolation between the two yearly
    prices is our reading of « décroît de façon linéaire et sans rupture ». Before 2025 the
    CNAF used steps (107 % and 117 %): a date before 1 January 2025 is an error.
    """
    if on < PSU_DEGRESSIVE_FROM:
        raise ValueError(
            "Le prix plafond dégressif s'applique à partir du "
            f"{formats.date(PSU_DEGRESSIVE_FROM)}, pas le {formats.date(on)}."
        )
    rate = Decimal(invoicing_rate_pct)
    if not rate.is_finite() or rate < 0:
        raise ValueError("Le taux de facturation doit être un nombre positif.")
    low, high = PSU_FULL_PRICE_UP_TO_PCT, PSU_FLOOR_PRICE_FROM_PCT
    shown_rate, shown_low, shown_high = (formats.number(v) for v in (rate, low, high))
    if rate <= low:
        weight = Fraction(1)
        lines = [f"Taux de facturation {shown_rate} % ≤ {shown_low} % : prix plafond plein."]
    elif rate >= high:
        weight = Fraction(0)
        lines = [f"Taux de facturation {shown_rate} % ≥ {shown_high} % : prix plafond plancher."]
    else:
        weight = (Fraction(high) - Fraction(rate)) / (Fraction(high) - Fraction(low))
        lines = [
            f"Taux de facturation {shown_rate} % entre {shown_low} % et {shown_high} % : le prix "
            f"plafond décroît linéairement, poids du prix plein ({shown_high} − {shown_rate}) ÷ "
            f"{formats.number(high - low)} = "
            f"{formats.number(_decimal(weight, Decimal('0.0001')))}."
        ]
    price = None
    if full_price is not None and floor_price is not None:
        full, floor = Decimal(full_price), Decimal(floor_price)
        if floor > full:
            raise ValueError("Le prix plancher ne peut pas dépasser le prix plafond plein.")
        price = _decimal(Fraction(floor) + weight * (Fraction(full) - Fraction(floor)), CENT)
        shown_floor = formats.number(floor)
        lines.append(
            f"Prix plafond retenu : {shown_floor} + poids × ({formats.number(full)} − "
            f"{shown_floor}) = {formats.number(price)} € de l'heure."
        )
    return PsuCeiling(rate, weight, price, tuple(lines))


def _decimal(value: Fraction, quantum: Decimal) -> Decimal:
    """A fraction rounded half up to ``quantum``, exactly."""
    exact = Decimal(value.numerator) / Decimal(value.denominator)
    return exact.quantize(quantum, rounding=ROUND_HALF_UP)
