"""Structure health: exact indicators, half-up display, signals on unrounded values, trends."""

from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sdsf.difficulty.health import (
    INPUT_COLUMNS,
    OUTPUT_COLUMNS,
    Thresholds,
    psu_ceiling,
    structure_health,
)

SCHEMA = {
    "structure_id": pl.Int64,
    "year": pl.Int64,
    "places": pl.Int64,
    "opening_days": pl.Int64,
    "opening_hours_per_day": pl.Decimal(10, 2),
    "hours_realised": pl.Decimal(14, 2),
    "hours_invoiced": pl.Decimal(14, 2),
    "children_enrolled": pl.Int64,
    "staff_costs_eur": pl.Decimal(14, 2),
    "total_costs_eur": pl.Decimal(14, 2),
    "total_income_eur": pl.Decimal(14, 2),
}
# 20 places × 220 days × 10 h = 44,000 hours offered; a structure in good health.
HEALTHY = {
    "structure_id": 1,
    "year": 2024,
    "places": 20,
    "opening_days": 220,
    "opening_hours_per_day": Decimal(10),
    "hours_realised": Decimal(30800),
    "hours_invoiced": Decimal(33880),
    "children_enrolled": 40,
    "staff_costs_eur": Decimal(300000),
    "total_costs_eur": Decimal(400000),
    "total_income_eur": Decimal(400000),
}


def _activity(*rows):
    return pl.DataFrame([HEALTHY | row for row in rows], schema=SCHEMA)


def _one(**changes):
    return structure_health(_activity(changes)).row(0, named=True)


def test_indicators_of_a_healthy_structure():
    row = _one()
    assert list(row) == list(OUTPUT_COLUMNS)
    assert row["occupancy_rate"] == Decimal("70.0")
    assert row["invoicing_rate"] == Decimal("110.0")
    assert row["cost_per_hour_eur"] == Decimal("12.99")  # 400,000 / 30,800 = 12.987...
    assert row["children_per_place"] == Decimal("2.00")
    assert row["staff_costs_share"] == Decimal("75.0")
    assert row["deficit_share"] == Decimal("0.0")
    assert row["opening_days"] == 220
    assert row["signals"] == ""


def test_deficit_share_is_zero_without_deficit_and_positive_with_one():
    assert _one(total_income_eur=Decimal(500000))["deficit_share"] == Decimal("0.0")
    assert _one(total_income_eur=Decimal(340000))["deficit_share"] == Decimal("15.0")


@pytest.mark.parametrize(
    ("hours", "shown"),
    [
        ("22.00", "0.1"),  # 0.05 % exactly: half up
        ("5390.00", "12.3"),  # 12.25 %, 0.1225 is 0.12249999... as a float
        ("5389.99", "12.2"),
        ("26378.00", "60.0"),  # 59.95 %: shown 60.0
    ],
)
def test_rates_round_half_up_exactly(hours, shown):
    assert _one(hours_realised=Decimal(hours), hours_invoiced=None)["occupancy_rate"] == Decimal(
        shown
    )


def test_signals_use_unrounded_values():
    row = _one(hours_realised=Decimal("26378"), hours_invoiced=Decimal("28224.46"))
    assert row["occupancy_rate"] == Decimal("60.0")
    assert "occupancy_low" in row["signals"].split("|")


@pytest.mark.parametrize(
    ("changes", "raised"),
    [
        ({"hours_realised": Decimal(26400), "hours_invoiced": Decimal(28248)}, ""),  # 60 %, 107 %
        ({"hours_invoiced": Decimal("32955.99")}, "invoicing_low"),  # 106.999...
        ({"hours_invoiced": Decimal(36036)}, ""),  # 117 % exactly
        ({"hours_invoiced": Decimal("36036.01")}, "invoicing_high"),
        ({"staff_costs_eur": Decimal(360000)}, ""),  # 90 % exactly
        ({"staff_costs_eur": Decimal("360000.01")}, "staff_costs_high"),
        ({"total_income_eur": Decimal(360000)}, ""),  # 10 % exactly
        ({"total_income_eur": Decimal("359999.99")}, "deficit_high"),
        ({"children_enrolled": 20}, ""),  # 1 per place
        ({"children_enrolled": 19}, "children_per_place_low"),
        ({"children_enrolled": 100}, ""),
        ({"children_enrolled": 101}, "children_per_place_high"),
        ({"opening_days": 220, "hours_realised": Decimal(30800)}, ""),
        ({"opening_days": 219, "hours_realised": Decimal(30660)}, "opening_days_low"),
    ],
)
def test_each_threshold_is_strict(changes, raised):
    assert _one(**changes)["signals"] == raised


def test_several_signals_keep_their_order():
    row = _one(
        opening_days=200,
        hours_realised=Decimal(20000),
        hours_invoiced=Decimal(40000),
        children_enrolled=10,
    )
    assert row["signals"] == (
        "occupancy_low|invoicing_high|children_per_place_low|opening_days_low"
    )


@pytest.mark.parametrize(
    ("missing", "empty"),
    [
        ("hours_realised", {"occupancy_rate", "invoicing_rate", "cost_per_hour_eur"}),
        ("opening_hours_per_day", {"occupancy_rate"}),
        ("total_costs_eur", {"cost_per_hour_eur", "staff_costs_share", "deficit_share"}),
        ("total_income_eur", {"deficit_share"}),
        ("places", {"occupancy_rate", "children_per_place"}),
        ("opening_days", {"occupancy_rate", "opening_days"}),
    ],
)
def test_a_missing_input_leaves_its_indicators_empty_never_zero(missing, empty):
    row = _one(**{missing: None})
    assert {column for column, value in row.items() if value is None} == empty


def test_a_zero_denominator_is_empty_and_raises_nothing():
    row = _one(hours_realised=Decimal(0), hours_invoiced=Decimal(0))
    assert row["invoicing_rate"] is None and row["cost_per_hour_eur"] is None
    assert row["occupancy_rate"] == Decimal("0.0")
    assert row["signals"] == "occupancy_low"


def test_thresholds_are_configurable():
    strict = Thresholds(occupancy_low_pct=Decimal(75), opening_days_low=250)
    row = structure_health(_activity({}), strict).row(0, named=True)
    assert row["signals"] == "occupancy_low|opening_days_low"


@pytest.mark.parametrize(
    "bad",
    [
        {"occupancy_low_pct": Decimal(-1)},
        {"occupancy_low_pct": 60.0},
        {"invoicing_low_pct": Decimal(120)},
        {"children_per_place_low": Decimal(6)},
        {"deficit_high_pct": Decimal("NaN")},
    ],
)
def test_bad_thresholds_are_refused(bad):
    with pytest.raises(ValueError):
        Thresholds(**bad)


# --- trends ---------------------------------------------------------------------------------


def _years(occupancy_hours, incomes=None):
    """One structure over consecutive years from 2020 (44,000 hours offered a year)."""
    incomes = incomes or [Decimal(400000)] * len(occupancy_hours)
    rows = [
        {"year": 2020 + i, "hours_realised": hours, "hours_invoiced": None, "total_income_eur": inc}
        for i, (hours, inc) in enumerate(zip(occupancy_hours, incomes, strict=True))
    ]
    return structure_health(_activity(*rows))


def test_occupancy_falling_is_year_n_against_n_minus_2():
    # 80 % → (anything) → 70 %: exactly 10 points down over two years.
    result = _years([Decimal(35200), Decimal(20000), Decimal(30800)])
    assert "occupancy_falling" in result["signals"][2].split("|")
    assert "occupancy_falling" not in result["signals"][1]  # 80 → 45.5 is one year only


def test_occupancy_falling_needs_ten_full_points():
    result = _years([Decimal(35200), Decimal(35200), Decimal("30800.01")])
    assert "occupancy_falling" not in result["signals"][2]


def test_occupancy_falling_needs_year_n_minus_2():
    two_years_apart = _activity({"year": 2020, "hours_realised": Decimal(35200)}, {"year": 2022})
    assert "occupancy_falling" in structure_health(two_years_apart)["signals"][1]
    gap = _activity({"year": 2019, "hours_realised": Decimal(35200)}, {"year": 2022})
    assert "occupancy_falling" not in structure_health(gap)["signals"][1]


def test_deficit_growing_needs_three_strictly_growing_years():
    incomes = [Decimal(400000), Decimal(392000), Decimal(380000), Decimal(380000)]
    result = _years([Decimal(30800)] * 4, incomes)  # deficit 0 %, 2 %, 5 %, 5 %
    assert [("deficit_growing" in s) for s in result["signals"]] == [False, False, True, False]


def test_deficit_growing_ignores_an_unknown_year():
    incomes = [Decimal(400000), None, Decimal(380000)]
    assert "deficit_growing" not in _years([Decimal(30800)] * 3, incomes)["signals"][2]


def test_years_filter_keeps_the_history_for_trends():
    activity = _activity(
        {"year": 2020, "hours_realised": Decimal(35200)},
        {"year": 2021},
        {"year": 2022, "hours_realised": Decimal(30800)},
    )
    result = structure_health(activity, years=[2022])
    assert result["year"].to_list() == [2022]
    assert "occupancy_falling" in result["signals"][0]


# --- input checks ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("frame", "message"),
    [
        (_activity({}, {}), "several rows"),
        (_activity({"hours_realised": Decimal(-1)}), "negative"),
        (_activity({}).drop("places"), "lacks columns places"),
        (_activity({}).with_columns(pl.col("places").cast(pl.Float64)), "integer column"),
        (
            _activity({}).with_columns(pl.col("hours_realised").cast(pl.Decimal(14, 3))),
            "more than 2 decimals",
        ),
    ],
)
def test_bad_activity_is_refused(frame, message):
    with pytest.raises(ValueError, match=message):
        structure_health(frame)


def test_float_measures_are_taken_to_the_hundredth():
    activity = _activity({"hours_realised": Decimal(5390)}).with_columns(
        pl.col("hours_realised", "opening_hours_per_day").cast(pl.Float64)
    )
    assert structure_health(activity)["occupancy_rate"][0] == Decimal("12.3")


# --- properties -----------------------------------------------------------------------------

CENTS = st.integers(0, 10**9).map(lambda c: Decimal(c) / 100)


@settings(max_examples=150, deadline=None)
@given(
    places=st.integers(1, 150),
    days=st.integers(1, 366),
    hours_per_day=st.integers(100, 1400).map(lambda c: Decimal(c) / 100),
    realised=CENTS,
    invoiced=CENTS,
    staff=CENTS,
    costs=CENTS,
    income=CENTS,
    children=st.integers(0, 800),
)
def test_shown_values_and_signals_match_exact_arithmetic(
    places, days, hours_per_day, realised, invoiced, staff, costs, income, children
):
    values = (places, days, children, hours_per_day, realised, invoiced, staff, costs, income)
    row = _one(**dict(zip(INPUT_COLUMNS, values, strict=True)))
    occupancy = _exact(realised, places * days * hours_per_day)
    invoicing = _exact(invoiced, realised)
    staff_share = _exact(staff, costs)
    deficit = _exact(max(costs - income, Decimal(0)), costs)
    assert row["occupancy_rate"] == _shown(occupancy, 100, "0.1")
    assert row["invoicing_rate"] == _shown(invoicing, 100, "0.1")
    assert row["staff_costs_share"] == _shown(staff_share, 100, "0.1")
    assert row["deficit_share"] == _shown(deficit, 100, "0.1")
    assert row["cost_per_hour_eur"] == _shown(_exact(costs, realised), 1, "0.01")
    assert row["children_per_place"] == _shown(Fraction(children, places), 1, "0.01")
    signals = set(row["signals"].split("|"))
    expected = {
        "occupancy_low": occupancy is not None and occupancy < Fraction(60, 100),
        "invoicing_low": invoicing is not None and invoicing < Fraction(107, 100),
        "invoicing_high": invoicing is not None and invoicing > Fraction(117, 100),
        "staff_costs_high": staff_share is not None and staff_share > Fraction(90, 100),
        "deficit_high": deficit is not None and deficit > Fraction(10, 100),
        "children_per_place_low": Fraction(children, places) < 1,
        "children_per_place_high": Fraction(children, places) > 5,
        "opening_days_low": days < 220,
    }
    assert {code for code, raised in expected.items() if raised} == signals - {""}


def _exact(numerator: Decimal, denominator: Decimal) -> Fraction | None:
    return Fraction(numerator) / Fraction(denominator) if denominator else None


def _shown(value: Fraction | None, scale: int, quantum: str) -> Decimal | None:
    if value is None:
        return None
    exact = Decimal((value * scale).numerator) / Decimal((value * scale).denominator)
    return exact.quantize(Decimal(quantum), rounding=ROUND_HALF_UP)


# --- PSU consequence of the invoicing rate (from 2025) --------------------------------------

IN_2025 = date(2025, 3, 1)


@pytest.mark.parametrize(
    ("rate", "weight"),
    [
        ("95", Fraction(1)),
        ("107", Fraction(1)),
        ("113.5", Fraction(1, 2)),
        ("119.7", Fraction(3, 130)),
        ("120", Fraction(0)),
        ("135", Fraction(0)),
    ],
)
def test_psu_full_price_weight(rate, weight):
    assert psu_ceiling(IN_2025, Decimal(rate)).full_price_weight == weight


def test_psu_price_between_the_yearly_prices():
    result = psu_ceiling(IN_2025, Decimal("113.5"), Decimal("8.00"), Decimal("7.00"))
    assert result.price == Decimal("7.50")
    assert "linéairement" in result.lines[0] and "7,5 €" in result.lines[-1]
    assert "2025" in result.source


def test_psu_rule_starts_in_2025():
    with pytest.raises(ValueError, match="01/01/2025"):
        psu_ceiling(date(2024, 12, 31), Decimal(110))
    with pytest.raises(ValueError, match="plancher"):
        psu_ceiling(IN_2025, Decimal(110), Decimal("7.00"), Decimal("8.00"))
