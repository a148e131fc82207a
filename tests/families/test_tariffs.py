"""The tariff calculators against published figures, OpenFisca's cases and their own rules."""

import csv
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sdsf.families.tariffs import (
    CmgRule,
    PsuScale,
    PsuScaleRow,
    ResourcesBound,
    TariffError,
    estimate_cmg_assistant_maternel,
    estimate_psu_price,
    load_psu_scale,
)

DATA_DIR = Path(__file__).resolve().parents[2] / "data"


def _csv_records(relative_path: str) -> list[dict[str, str]]:
    with (DATA_DIR / relative_path).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _to_euro(amount: Decimal) -> Decimal:
    return amount.quantize(Decimal(1), rounding=ROUND_HALF_UP)


# --- published figures ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "example", _csv_records("psu/published_examples.csv"), ids=lambda row: row["example_id"]
)
def test_psu_hourly_price_matches_published_example_to_the_cent(example):
    estimate = estimate_psu_price(
        date.fromisoformat(example["date"]),
        int(example["nb_enfants_a_charge"]),
        Decimal(example["ressources_mensuelles_eur"]),
    )
    assert estimate.hourly_price == Decimal(example["tarif_horaire_publie_eur"])


@pytest.mark.parametrize(
    "example", _csv_records("psu/cmg_examples.csv"), ids=lambda row: row["example_id"]
)
def test_cmg_matches_published_example(example):
    """The CNAF publishes its example in whole euros, so it is compared to the euro.

    To the cent the exact CMG is 606.25 − 125 h × 3,000 EUR × 0.0619 % = 374.125 EUR: no cent
    rounding gives the published 374.00, the CNAF rounded to the euro for its press release.
    """
    estimate = estimate_cmg_assistant_maternel(
        date.fromisoformat(example["date"]),
        int(example["nb_enfants_a_charge"]),
        Decimal(example["ressources_mensuelles_eur"]),
        Decimal(example["heures_mois"]),
        Decimal(example["salaire_horaire_net_eur"]),
    )
    assert estimate.rule is CmgRule.EFFORT_RATE
    assert _to_euro(estimate.cmg) == Decimal(example["cmg_eur"])
    assert _to_euro(estimate.remaining_cost) == Decimal(example["reste_a_charge_eur"])


def test_cnaf_example_to_the_cent():
    estimate = estimate_cmg_assistant_maternel(
        date(2025, 9, 1), 1, Decimal(3000), Decimal(125), Decimal("4.85")
    )
    assert estimate.monthly_cost == Decimal("606.25")
    assert estimate.cmg == Decimal("374.13")  # 374.125 rounded half up
    assert estimate.remaining_cost == Decimal("232.12")


# --- OpenFisca's CMG cases (data/openfisca_paje_cmg/tests) ----------------------------------
# OpenFisca computes its two tests with its ``ass_mat`` flag, which selects the amounts of
# art. D531-23 (AM employed through an association, a company, or a micro-crèche: 1.7257,
# 1.4381, 1.1505 BMAF). SDSF models direct employment (art. D531-18: 1.1404, 0.7191, 0.4314
# BMAF), so the cases are translated: same date, BMAF, children, income bracket and age, with
# the direct-employment coefficient. A cost of 2,000 EUR keeps the 85 % cap out of the way.

OPENFISCA_CASES = [
    # paje_cmg.yaml, 2017-04: couple, 2 children, no income in N-2 -> bracket 1, BMAF 407.84.
    ("2017-04 enfant de moins de 3 ans", date(2017, 4, 1), 2, Decimal(0), False, "465.10"),
    ("2017-04 enfant de 3 à 6 ans", date(2017, 4, 1), 2, Decimal(0), True, "232.55"),
    # paje_cmg.yaml, 2018-04: same family a year later, BMAF 411.92.
    ("2018-04 enfant de moins de 3 ans", date(2018, 4, 1), 2, Decimal(0), False, "469.75"),
    ("2018-04 enfant de 3 à 6 ans", date(2018, 4, 1), 2, Decimal(0), True, "234.88"),
    # leximpact 2024: 1 child born 2020 (aged 4), resources 58,806.50 EUR/year -> bracket 3.
    ("leximpact 2024-01", date(2024, 1, 1), 1, Decimal("4900.55"), True, "96.19"),
    ("leximpact 2024-04", date(2024, 4, 1), 1, Decimal("4900.55"), True, "100.61"),
]


@pytest.mark.parametrize(
    ("on", "children", "resources", "aged_3_to_6", "expected"),
    [case[1:] for case in OPENFISCA_CASES],
    ids=[case[0] for case in OPENFISCA_CASES],
)
def test_cmg_fixed_amounts_on_openfisca_cases(on, children, resources, aged_3_to_6, expected):
    estimate = estimate_cmg_assistant_maternel(
        on, children, resources, Decimal(200), Decimal(10), child_aged_3_to_6=aged_3_to_6
    )
    assert estimate.rule is CmgRule.FIXED_AMOUNTS
    assert estimate.cmg == Decimal(expected)


# --- CMG before the reform ------------------------------------------------------------------


def _fixed_cmg(on, children, monthly_resources, hours=Decimal(200), wage=Decimal(10)):
    return estimate_cmg_assistant_maternel(on, children, Decimal(monthly_resources), hours, wage)


def test_cmg_brackets_follow_the_ceilings_for_the_number_of_children():
    # 2024 ceilings for 3 children: 26,046 + 3,237 = 29,283 and 57,881 + 7,195 = 65,076.
    on = date(2024, 3, 15)  # BMAF 445.93
    assert _fixed_cmg(on, 3, "2440.24").cmg == Decimal("508.54")  # 29,282.88 < 29,283
    assert _fixed_cmg(on, 3, "2440.25").cmg == Decimal("320.67")  # reaches the first ceiling
    assert _fixed_cmg(on, 3, "5422.99").cmg == Decimal("320.67")  # 65,075.88 < 65,076
    assert _fixed_cmg(on, 3, "5423").cmg == Decimal("192.37")  # reaches the second ceiling


def test_cmg_fixed_amount_follows_the_bmaf_of_the_date():
    assert _fixed_cmg(date(2024, 3, 31), 1, 1000).cmg == Decimal("508.54")  # BMAF 445.93
    assert _fixed_cmg(date(2024, 4, 1), 1, 1000).cmg == Decimal("531.93")  # BMAF 466.44


def test_cmg_before_the_reform_leaves_at_least_15_percent_to_the_family():
    estimate = _fixed_cmg(date(2024, 3, 15), 1, 1000, hours=Decimal(40), wage=Decimal(4))
    assert estimate.monthly_cost == Decimal("160.00")
    assert estimate.cmg == Decimal("136.00")
    assert estimate.remaining_cost == Decimal("24.00")


def test_the_reform_applies_from_1_september_2025():
    assert _fixed_cmg(date(2025, 8, 31), 1, 3000).rule is CmgRule.FIXED_AMOUNTS
    assert _fixed_cmg(date(2025, 9, 1), 1, 3000).rule is CmgRule.EFFORT_RATE


# --- CMG from the reform --------------------------------------------------------------------


def test_reformed_cmg_caps_the_counted_hourly_cost_at_8_euros():
    estimate = estimate_cmg_assistant_maternel(
        date(2026, 3, 15), 3, Decimal(3000), Decimal(160), Decimal("9.50")
    )
    # counted cost 160 h × 8 = 1,280; family part 1,280 × 3,000 × 0.0413 % / 4.85 = 326.99
    assert estimate.monthly_cost == Decimal("1520.00")
    assert estimate.cmg == Decimal("953.01")
    assert estimate.remaining_cost == Decimal("566.99")


def test_reformed_cmg_has_no_minimum_remaining_cost_and_no_negative_amount():
    cost = Decimal(125) * Decimal("4.85")
    nothing_left = estimate_cmg_assistant_maternel(
        date(2026, 1, 5), 1, Decimal(0), Decimal(125), Decimal("4.85")
    )
    assert nothing_left.cmg == cost and nothing_left.remaining_cost == 0
    no_cmg = estimate_cmg_assistant_maternel(
        date(2026, 1, 5), 1, Decimal(9000), Decimal(125), Decimal("4.85")
    )
    assert no_cmg.cmg == 0 and no_cmg.remaining_cost == cost


def test_reformed_cmg_counts_a_disabled_child_as_one_more_child():
    with_disabled = estimate_cmg_assistant_maternel(
        date(2026, 1, 5), 2, Decimal(3000), Decimal(120), Decimal(5), disabled_child=True
    )
    three_children = estimate_cmg_assistant_maternel(
        date(2026, 1, 5), 3, Decimal(3000), Decimal(120), Decimal(5)
    )
    assert with_disabled.cmg == three_children.cmg


def test_reformed_cmg_does_not_depend_on_the_age_band():
    arguments = (date(2026, 1, 5), 1, Decimal(3000), Decimal(120), Decimal(5))
    assert (
        estimate_cmg_assistant_maternel(*arguments, child_aged_3_to_6=True).cmg
        == estimate_cmg_assistant_maternel(*arguments).cmg
    )


# --- PSU rules ------------------------------------------------------------------------------


def test_psu_floor_applies_below_it():
    estimate = estimate_psu_price(date(2026, 1, 15), 1, Decimal(500))
    assert estimate.bound_applied is ResourcesBound.FLOOR
    assert estimate.resources_used == Decimal("814.62")
    assert estimate.hourly_price == Decimal("0.50")  # 814.62 × 0.0619 % = 0.504
    assert any("plancher de 814,62 € est retenu" in line for line in estimate.lines)


def test_psu_resources_equal_to_a_bound_are_used_as_declared():
    assert estimate_psu_price(date(2026, 1, 15), 1, Decimal("814.62")).bound_applied is (
        ResourcesBound.NONE
    )
    assert estimate_psu_price(date(2026, 1, 15), 1, Decimal(8500)).bound_applied is (
        ResourcesBound.NONE
    )


def test_psu_ceiling_applies_above_it_and_follows_the_period():
    august = estimate_psu_price(date(2025, 8, 31), 1, Decimal(12000))
    september = estimate_psu_price(date(2025, 9, 1), 1, Decimal(12000))
    assert august.bound_applied is september.bound_applied is ResourcesBound.CEILING
    assert (august.resources_used, august.hourly_price) == (Decimal(7000), Decimal("4.33"))
    assert (september.resources_used, september.hourly_price) == (Decimal(8500), Decimal("5.26"))
    assert september.scale_row.period_start == date(2025, 9, 1)


def test_psu_disabled_child_gives_the_rate_of_one_more_child():
    two_and_disabled = estimate_psu_price(date(2026, 1, 15), 2, Decimal(3000), disabled_child=True)
    assert two_and_disabled.counted_children == 3
    assert two_and_disabled.hourly_rate_pct == Decimal("0.0413")
    three_and_disabled = estimate_psu_price(
        date(2026, 1, 15), 3, Decimal(3000), disabled_child=True
    )
    assert three_and_disabled.hourly_rate_pct == Decimal("0.031")  # the 4-7 children bracket


def test_psu_monthly_price_is_the_displayed_hourly_price_times_hours():
    estimate = estimate_psu_price(
        date(2026, 1, 15), 1, Decimal("2345.67"), hours_per_month=Decimal("151.67")
    )
    assert estimate.hourly_price == Decimal("1.45")  # 1.4519697...
    assert estimate.monthly_price == Decimal("219.92")  # 1.45 × 151.67 = 219.9215
    assert estimate_psu_price(date(2026, 1, 15), 1, Decimal(3000)).monthly_price is None


def test_psu_lines_explain_the_price():
    lines = estimate_psu_price(
        date(2026, 1, 15), 2, Decimal(12000), hours_per_month=Decimal(120)
    ).lines
    assert lines[0].endswith("en vigueur du 01/01/2026 sans date de fin.")
    assert "Elles dépassent le plafond : le plafond de 8\u00a0500,00 € est retenu." in lines
    assert "Taux d'effort horaire : 0,0516 % des ressources mensuelles." in lines
    assert "Participation mensuelle : 4,39 € × 120 h = 526,80 €." in lines
    assert lines[-1].startswith("Estimation indicative")


def test_psu_scale_covers_1_to_10_children_over_contiguous_periods():
    rows = load_psu_scale().rows
    periods = sorted({(row.period_start, row.period_end) for row in rows})
    for (_, end), (next_start, _) in zip(periods, periods[1:], strict=False):
        assert end + timedelta(days=1) == next_start
    assert periods[-1][1] is None
    for start, _ in periods:
        brackets = sorted((r.min_children, r.max_children) for r in rows if r.period_start == start)
        assert brackets == [(1, 1), (2, 2), (3, 3), (4, 7), (8, 10)]


# --- errors ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ((date(2017, 12, 31), 1, Decimal(3000)), "Le barème PSU commence le 01/01/2018"),
        ((date(2026, 1, 15), 1, Decimal(-1)), "ne peuvent pas être négatives"),
        ((date(2026, 1, 15), 1, Decimal("NaN")), "n'est pas un nombre"),
        ((date(2026, 1, 15), 0, Decimal(3000)), "au moins 1"),
        ((date(2026, 1, 15), -2, Decimal(3000)), "au moins 1"),
        ((date(2026, 1, 15), 11, Decimal(3000)), "couvre au plus 10 enfants"),
    ],
)
def test_psu_refuses_what_it_cannot_price(arguments, message):
    with pytest.raises(TariffError, match=message):
        estimate_psu_price(*arguments)


def test_psu_refuses_negative_hours_and_too_many_children_with_a_disabled_child():
    with pytest.raises(TariffError, match="Le nombre d'heures ne peut pas être négatif"):
        estimate_psu_price(date(2026, 1, 15), 1, Decimal(3000), hours_per_month=Decimal(-1))
    with pytest.raises(TariffError, match="11 enfants comptés"):
        estimate_psu_price(date(2026, 1, 15), 10, Decimal(3000), disabled_child=True)


def test_psu_scale_reports_a_date_with_no_barème_in_force():
    def row(start, end):
        return PsuScaleRow(start, end, 1, 10, Decimal("0.06"), Decimal(700), Decimal(5000))

    scale = PsuScale((row(date(2018, 1, 1), date(2018, 6, 30)), row(date(2019, 1, 1), None)))
    assert scale.row_for(date(2018, 6, 30), 2).period_start == date(2018, 1, 1)
    with pytest.raises(TariffError, match="Aucun barème PSU n'est en vigueur le 01/07/2018"):
        scale.row_for(date(2018, 7, 1), 2)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ((date(2014, 12, 31), 1, 3000, 100, 5), "qu'à partir du 01/01/2015"),
        ((date(2026, 1, 15), 1, -3000, 100, 5), "ressources mensuelles ne peuvent pas"),
        ((date(2026, 1, 15), 0, 3000, 100, 5), "au moins 1"),
        ((date(2026, 1, 15), 11, 3000, 100, 5), "couvre au plus 10 enfants"),
        ((date(2026, 1, 15), 1, 3000, -1, 5), "Le nombre d'heures ne peut pas être négatif"),
        ((date(2026, 1, 15), 1, 3000, 100, -5), "Le salaire horaire ne peut pas être négatif"),
    ],
)
def test_cmg_refuses_what_it_cannot_estimate(arguments, message):
    with pytest.raises(TariffError, match=message):
        estimate_cmg_assistant_maternel(*arguments)


# --- properties -----------------------------------------------------------------------------

psu_dates = st.dates(min_value=date(2018, 1, 1), max_value=date(2030, 12, 31))
cmg_dates = st.dates(min_value=date(2015, 1, 1), max_value=date(2030, 12, 31))
amounts = st.decimals(min_value=0, max_value=20000, places=2)
hours = st.decimals(min_value=0, max_value=250, places=2)
wages = st.decimals(min_value=0, max_value=15, places=2)


# The properties are about amounts, not speed: the first example loads the barème and the CMG
# parameters from data/ (cold caches), which can take longer than hypothesis' 200 ms deadline.
untimed = settings(deadline=None)


@untimed
@given(psu_dates, st.integers(1, 10), amounts, amounts)
def test_psu_price_never_falls_when_resources_rise(on, children, first, second):
    low, high = sorted((first, second))
    assert (
        estimate_psu_price(on, children, low).hourly_price
        <= estimate_psu_price(on, children, high).hourly_price
    )


@untimed
@given(psu_dates, st.integers(1, 9), amounts)
def test_psu_price_never_rises_with_one_more_child(on, children, resources):
    assert (
        estimate_psu_price(on, children + 1, resources).hourly_price
        <= estimate_psu_price(on, children, resources).hourly_price
    )


@untimed
@given(psu_dates, st.integers(1, 10), amounts)
def test_psu_price_lies_between_the_floor_and_ceiling_prices(on, children, resources):
    estimate = estimate_psu_price(on, children, resources)
    row = estimate.scale_row
    cent = Decimal("0.01")
    lowest = (row.resources_floor * row.hourly_rate_pct / 100).quantize(cent, ROUND_HALF_UP)
    highest = (row.resources_ceiling * row.hourly_rate_pct / 100).quantize(cent, ROUND_HALF_UP)
    assert lowest <= estimate.hourly_price <= highest


@untimed
@given(cmg_dates, st.integers(1, 10), amounts, hours, wages)
def test_cmg_splits_the_cost_between_the_caf_and_the_family(on, children, resources, h, wage):
    estimate = estimate_cmg_assistant_maternel(on, children, resources, h, wage)
    assert 0 <= estimate.cmg <= estimate.monthly_cost
    assert estimate.cmg + estimate.remaining_cost == estimate.monthly_cost


@untimed
@given(cmg_dates, st.integers(1, 10), amounts, amounts, hours, wages)
def test_cmg_never_rises_with_resources(on, children, first, second, h, wage):
    low, high = sorted((first, second))
    assert (
        estimate_cmg_assistant_maternel(on, children, high, h, wage).cmg
        <= estimate_cmg_assistant_maternel(on, children, low, h, wage).cmg
    )
