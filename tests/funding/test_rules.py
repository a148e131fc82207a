"""The aid rules against the published figures, their boundaries and their dates."""

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sdsf.funding.rules import (
    RuleError,
    bonus_inclusion_handicap,
    bonus_mixite_sociale,
    exceptional_aid_categories,
    exceptional_closure_aid,
    structures_in_difficulty_aid,
)

IN_2021 = date(2021, 6, 1)


# --- bonus mixité sociale -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("average", "per_place"),
    [
        ("0.00", "2100.00"),
        ("0.74", "2100.00"),
        ("0.75", "2100.00"),  # « inférieures ou égales à 0,75 € » (published)
        ("0.751", "800.00"),
        ("1.00", "800.00"),
        ("1.01", "300.00"),
        ("1.25", "300.00"),
        ("1.2501", "0.00"),
        ("3.00", "0.00"),
    ],
)
def test_mixite_tiers_follow_the_published_bounds(average, per_place):
    result = bonus_mixite_sociale(IN_2021, 10, Decimal(average))
    assert result.amount == Decimal(per_place) * 10


def test_mixite_applies_to_every_place_and_explains_itself():
    result = bonus_mixite_sociale(date(2019, 3, 1), 24, Decimal("0.75"))
    assert result.amount == Decimal("50400.00")
    assert "Tranche 1" in result.lines[2].label
    assert "2018-002" in result.lines[-1].rule
    assert result.lines[-1].amount == result.amount


def test_mixite_excludes_paje_micro_creches():
    result = bonus_mixite_sociale(IN_2021, 10, Decimal("0.5"), psu_funded=False)
    assert result.amount == 0
    assert "PSU" in result.lines[-1].label


def test_mixite_does_not_exist_before_2019():
    with pytest.raises(RuleError, match="31/12/2018"):
        bonus_mixite_sociale(date(2018, 12, 31), 10, Decimal("0.5"))


@pytest.mark.parametrize("bad", [Decimal("-0.01"), Decimal("NaN"), 0.5])
def test_mixite_rejects_a_bad_average(bad):
    with pytest.raises(RuleError):
        bonus_mixite_sociale(IN_2021, 10, bad)


@pytest.mark.parametrize("places", [0, -1, True, 2.0])
def test_places_must_be_a_positive_integer(places):
    with pytest.raises(RuleError, match="places"):
        bonus_mixite_sociale(IN_2021, places, Decimal("0.5"))


# --- bonus inclusion handicap ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("disabled", "enrolled", "rate_pct"),
    [
        (1, 100, 15),
        (49, 1000, 15),
        (1, 20, 30),  # exactly 5 %: « de 5 à 7,5 % » (published)
        (3, 40, 30),  # exactly 7.5 %
        (76, 1000, 45),
        (1, 2, 45),
    ],
)
def test_inclusion_tier_by_share_of_children(disabled, enrolled, rate_pct):
    # 20 places, 40,000 EUR a year: 2,000 EUR a place; 45 % of it stays below the cap.
    result = bonus_inclusion_handicap(IN_2021, 20, enrolled, disabled, Decimal("40000"))
    assert result.amount == Decimal(2000) * rate_pct / 100 * 20


def test_inclusion_is_capped_at_1300_per_place():
    result = bonus_inclusion_handicap(IN_2021, 20, 40, 4, Decimal("400000"))
    # 20,000 EUR a place × 45 % = 9,000 EUR, capped at 1,300 EUR.
    assert result.amount == Decimal("26000.00")
    assert any("Plafonné à 1\u00a0300,00 €" in line.label for line in result.lines)


def test_inclusion_cost_per_place_is_the_base_and_rounds_per_place():
    result = bonus_inclusion_handicap(IN_2021, 3, 100, 1, Decimal("10000"))
    # 10,000 / 3 = 3,333.33...; × 15 % = 500.00 (499.99...95 rounds to 500.00); × 3 places.
    assert result.amount == Decimal("1500.00")
    assert "Prix de revient par place" in result.lines[2].label


def test_inclusion_needs_a_first_child():
    result = bonus_inclusion_handicap(IN_2021, 20, 40, 0, Decimal("300000"))
    assert result.amount == 0
    assert "premier enfant" in result.lines[-1].rule


def test_inclusion_counted_children_depend_on_the_date():
    in_2019 = bonus_inclusion_handicap(date(2019, 6, 1), 20, 40, 1, Decimal("200000"))
    in_2020 = bonus_inclusion_handicap(date(2020, 6, 1), 20, 40, 1, Decimal("200000"))
    assert "2018-002" in in_2019.lines[0].rule and "AEEH" in in_2019.lines[1].rule
    assert "2020-011" in in_2020.lines[0].rule and "CAMSP" in in_2020.lines[1].rule


@pytest.mark.parametrize(("enrolled", "disabled"), [(0, 0), (10, 11), (10, -1)])
def test_inclusion_rejects_impossible_counts(enrolled, disabled):
    with pytest.raises(RuleError):
        bonus_inclusion_handicap(IN_2021, 20, enrolled, disabled, Decimal("1000"))


@given(
    places=st.integers(1, 200),
    enrolled=st.integers(1, 400),
    data=st.data(),
    costs=st.decimals(0, 5_000_000, places=2),
)
def test_inclusion_never_exceeds_the_cap_nor_goes_negative(places, enrolled, data, costs):
    disabled = data.draw(st.integers(0, enrolled))
    result = bonus_inclusion_handicap(IN_2021, places, enrolled, disabled, costs)
    assert 0 <= result.amount <= Decimal(1300) * places


# --- exceptional aid for closed places ------------------------------------------------------


@pytest.mark.parametrize(("category", "per_day"), [("public", 27), ("private", 17), ("mam", 3)])
def test_exceptional_aid_2020_rates(category, per_day):
    result = exceptional_closure_aid(date(2020, 4, 15), category, 12, 20)
    assert result.amount == Decimal(per_day * 12 * 20)
    assert "× 12 places × 20 jours" in result.lines[-1].label


def test_exceptional_aid_has_a_period():
    assert set(exceptional_aid_categories(date(2020, 3, 20))) == {"public", "private"}
    with pytest.raises(RuleError, match="Catégorie « mam » inconnue"):
        exceptional_closure_aid(date(2020, 3, 20), "mam", 5, 1)
    with pytest.raises(RuleError, match="01/08/2022"):
        exceptional_closure_aid(date(2022, 8, 1), "public", 5, 1)


@pytest.mark.parametrize("days", [0, -3, True])
def test_exceptional_aid_counts_whole_days(days):
    with pytest.raises(RuleError, match="jours"):
        exceptional_closure_aid(date(2020, 5, 1), "public", 5, days)


# --- aid to structures in difficulty (CAF du Finistère) -------------------------------------


def _difficulty(**changes):
    arguments = {
        "psu_funded": True,
        "micro_creche": False,
        "plan_cosigned": True,
        "destabilising_factors": ["taux d'occupation inférieur à 60 %"],
    } | changes
    return structures_in_difficulty_aid(IN_2021, Decimal("25000"), **arguments)


def test_difficulty_aid_is_at_most_80_percent_of_the_plan():
    assert _difficulty().amount == Decimal("20000.00")
    assert _difficulty(requested=Decimal("12000")).amount == Decimal("12000")
    assert _difficulty(requested=Decimal("30000")).amount == Decimal("20000.00")


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"micro_creche": True}, "micro-crèches sont exclues"),
        ({"psu_funded": False}, "prestation de service unique"),
        ({"plan_cosigned": False}, "co-signé"),
        ({"destabilising_factors": []}, "aucun facteur"),
    ],
)
def test_difficulty_aid_conditions(changes, reason):
    result = _difficulty(**changes)
    assert result.amount == 0
    assert any(reason in line.label for line in result.lines)


def test_difficulty_aid_rejects_a_negative_budget():
    with pytest.raises(RuleError, match="négatif"):
        _difficulty(requested=Decimal("-1"))
