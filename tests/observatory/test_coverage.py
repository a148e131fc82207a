"""Coverage core: pooled rates, missing-data semantics, residual rows, priority rule.

Expected figures are computed by hand or, in the properties, by plain Python over the same
commune rows, so that the polars expressions are checked against an independent computation.
"""

import math

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sdsf.observatory.coverage import (
    CHILDREN,
    COMPONENT_RATES,
    COMPONENTS,
    COVERAGE_RATE,
    LEVELS,
    MEMBERSHIP_COLUMNS,
    TOTAL_PLACES,
    PriorityCondition,
    PriorityRule,
    aggregate,
    aggregate_all_levels,
    aggregate_ratio,
    default_priority_rule,
    other_communes_residual,
    priority_territories,
    unknown_communes,
)

YEAR = 2023
COUNT_COLUMNS = (CHILDREN, *COMPONENTS)
COUNT_SCHEMA = {"commune_code": pl.String, "year": pl.Int64} | dict.fromkeys(
    COUNT_COLUMNS, pl.Float64
)
REGION_OF = {"D1": "R1", "D2": "R1", "D3": "R2"}


def membership(*communes: tuple[str, str | None, str | None, str]) -> pl.DataFrame:
    """Membership from (commune, epci, ept, département) codes; names follow from codes."""
    columns: dict[str, list[str | None]] = {column: [] for column in MEMBERSHIP_COLUMNS}
    for commune, epci, ept, departement in communes:
        codes = {
            "commune": commune,
            "epci": epci,
            "ept": ept,
            "departement": departement,
            "region": REGION_OF[departement],
        }
        for level, code in codes.items():
            columns[f"{level}_code"].append(code)
            columns[f"{level}_name"].append(None if code is None else f"{level} {code}")
    return pl.DataFrame(columns, schema=dict.fromkeys(MEMBERSHIP_COLUMNS, pl.String))


def counts(*rows: dict) -> pl.DataFrame:
    """Count rows; a key left out is an unknown (null) value."""
    return pl.DataFrame(
        [{column: row.get(column) for column in COUNT_SCHEMA} for row in rows],
        schema=COUNT_SCHEMA,
        orient="row",
    )


def commune(code: str, children: float | None, psu: float | None, year: int = YEAR, **rest):
    """A count row with the PSU places given and the other components 0 unless stated."""
    others = {c: rest.get(c, 0.0) for c in COMPONENTS[1:]}
    return {"commune_code": code, "year": year, CHILDREN: children, COMPONENTS[0]: psu} | others


def row_of(frame: pl.DataFrame, code: str, year: int = YEAR) -> dict:
    [row] = frame.filter((pl.col("code") == code) & (pl.col("year") == year)).to_dicts()
    return row


TWO_COMMUNES = membership(("A", "E1", None, "D1"), ("B", "E1", None, "D1"))


# Hand-computed examples


def test_epci_rate_pools_counts_instead_of_averaging_rates():
    # A: 50 places for 100 children (50 %); B: 100 places for 1,000 children (10 %).
    # The mean of the rates would be 30 %; the EPCI's rate is 150 / 1,100 = 13.6 %.
    data = counts(commune("A", 100, 50), commune("B", 1000, 100))
    communes = aggregate(data, TWO_COMMUNES, "commune")
    epci = row_of(aggregate(data, TWO_COMMUNES, "epci"), "E1")
    assert row_of(communes, "A")[COVERAGE_RATE] == 50.0
    assert row_of(communes, "B")[COVERAGE_RATE] == 10.0
    assert epci[COVERAGE_RATE] == 13.6
    assert (epci[CHILDREN], epci[TOTAL_PLACES]) == (1100.0, 150.0)
    assert (epci["communes"], epci["communes_in_rate"], epci["communes_complete"]) == (2, 2, 2)


def test_total_places_adds_every_component_and_component_rates_add_up():
    # Published national 2023 shape: 19.9 + 3.6 + 31.9 + 2.2 + 3.3 = 60.9 places per 100.
    row = {
        "commune_code": "A",
        "year": YEAR,
        CHILDREN: 1000.0,
        "eaje_psu_places": 199.0,
        "eaje_other_places": 36.0,
        "am_places": 319.0,
        "home_care_places": 22.0,
        "preschool_places": 33.0,
    }
    result = row_of(aggregate(counts(row), TWO_COMMUNES, "commune"), "A")
    assert result[TOTAL_PLACES] == 609.0
    assert result[COVERAGE_RATE] == 60.9
    assert [result[rate] for rate in COMPONENT_RATES.values()] == [19.9, 3.6, 31.9, 2.2, 3.3]


@pytest.mark.parametrize(
    ("places", "children", "rate"),
    [(1, 16, 6.3), (1, 3, 33.3), (2, 3, 66.7), (1, 8, 12.5), (3, 4000, 0.1), (1, 4000, 0.0)],
)
def test_rates_are_rounded_to_one_decimal_half_away_from_zero(places, children, rate):
    result = aggregate(counts(commune("A", children, places)), TWO_COMMUNES, "commune")
    assert row_of(result, "A")[COVERAGE_RATE] == rate


def test_no_children_gives_no_rate():
    result = aggregate(counts(commune("A", 0, 5)), TWO_COMMUNES, "commune")
    assert row_of(result, "A")[COVERAGE_RATE] is None
    assert row_of(result, "A")[TOTAL_PLACES] == 5.0


def test_places_of_a_commune_without_children_count_in_its_group_rate():
    # A crèche may stand where few children live; pooling gives its places to the EPCI.
    data = counts(commune("A", 0, 10), commune("B", 100, 10))
    assert row_of(aggregate(data, TWO_COMMUNES, "epci"), "E1")[COVERAGE_RATE] == 20.0


# Missing-data semantics


def test_component_unknown_for_the_whole_group_stays_null_not_zero():
    data = counts(
        commune("A", 100, 10, preschool_places=None), commune("B", 100, 30, preschool_places=None)
    )
    epci = row_of(aggregate(data, TWO_COMMUNES, "epci"), "E1")
    assert epci["preschool_places"] is None
    assert epci["preschool_rate"] is None
    assert epci[TOTAL_PLACES] == 40.0
    assert epci[COVERAGE_RATE] == 20.0
    assert epci["communes_complete"] == 0


def test_component_known_in_some_communes_sums_the_known_values():
    data = counts(commune("A", 100, 10, am_places=20), commune("B", 300, 30, am_places=None))
    epci = row_of(aggregate(data, TWO_COMMUNES, "epci"), "E1")
    assert epci["am_places"] == 20.0
    assert epci["am_rate"] == 20.0  # 20 places over A's 100 children only
    assert epci[TOTAL_PLACES] == 60.0
    assert epci[COVERAGE_RATE] == 15.0
    assert (epci["communes_in_rate"], epci["communes_complete"]) == (2, 1)


def test_commune_with_unknown_children_is_left_out_of_the_rate_but_not_the_counts():
    data = counts(commune("A", 100, 50), commune("B", None, 10))
    epci = row_of(aggregate(data, TWO_COMMUNES, "epci"), "E1")
    assert (epci[CHILDREN], epci[TOTAL_PLACES]) == (100.0, 60.0)
    assert epci[COVERAGE_RATE] == 50.0  # not 60 / 100: B's places have no children beside them
    assert (epci["communes"], epci["communes_with_denominator"], epci["communes_in_rate"]) == (
        2,
        1,
        1,
    )


def test_commune_with_no_known_place_is_left_out_of_the_rate():
    no_places = {"commune_code": "B", "year": YEAR, CHILDREN: 900.0}
    epci = row_of(aggregate(counts(commune("A", 100, 50), no_places), TWO_COMMUNES, "epci"), "E1")
    assert epci[COVERAGE_RATE] == 50.0
    assert epci[CHILDREN] == 1000.0
    assert (epci["communes_with_denominator"], epci["communes_in_rate"]) == (2, 1)


def test_every_group_appears_every_year_even_without_data():
    geography = membership(("A", "E1", None, "D1"), ("B", "E2", None, "D1"))
    data = counts(commune("A", 100, 50, year=2022), commune("A", 100, 60, year=2023))
    epci = aggregate(data, geography, "epci")
    assert epci.select("code", "year").rows() == [
        ("E1", 2022),
        ("E1", 2023),
        ("E2", 2022),
        ("E2", 2023),
    ]
    empty = row_of(epci, "E2", 2023)
    assert empty[CHILDREN] is None and empty[COVERAGE_RATE] is None
    assert (empty["communes"], empty["communes_with_denominator"]) == (1, 0)


def test_commune_without_epci_counts_for_its_departement_only():
    geography = membership(("A", "E1", None, "D1"), ("B", None, None, "D1"))
    data = counts(commune("A", 100, 50), commune("B", 100, 10))
    assert aggregate(data, geography, "epci")["code"].to_list() == ["E1"]
    assert row_of(aggregate(data, geography, "departement"), "D1")[TOTAL_PLACES] == 60.0


def test_ept_level_holds_only_grand_paris_communes():
    geography = membership(
        ("93001", "E1", "T6", "D3"), ("93027", "E1", "T6", "D3"), ("X", "E2", None, "D3")
    )
    data = counts(commune("93001", 100, 20), commune("93027", 300, 60), commune("X", 100, 90))
    result = aggregate(data, geography, "ept")
    assert result.select("code", "name", COVERAGE_RATE, "communes").rows() == [
        ("T6", "ept T6", 20.0, 2)
    ]


def test_rows_of_communes_outside_the_membership_are_ignored_and_listed():
    data = counts(commune("A", 100, 50), commune("ZZ", 100, 100))
    assert row_of(aggregate(data, TWO_COMMUNES, "france"), "FR")[TOTAL_PLACES] == 50.0
    assert unknown_communes(data, TWO_COMMUNES)["commune_code"].to_list() == ["ZZ"]


# Filters, levels and output contract


def test_years_and_codes_filters():
    geography = membership(("A", "E1", None, "D1"), ("B", "E2", None, "D2"))
    data = counts(
        commune("A", 100, 10, year=2022),
        commune("A", 100, 20, year=2023),
        commune("B", 100, 30, year=2023),
    )
    result = aggregate(data, geography, "departement", years=[2023], codes=["D2"])
    assert result.select("level", "code", "year", TOTAL_PLACES).rows() == [
        ("departement", "D2", 2023, 30.0)
    ]


def test_all_levels_stack_the_single_level_results_in_level_order():
    geography = membership(
        ("A", "E1", "T1", "D1"), ("B", "E2", None, "D2"), ("C", "E2", None, "D3")
    )
    data = counts(commune("A", 100, 10), commune("B", 200, 30), commune("C", None, 5))
    stacked = aggregate_all_levels(data, geography)
    assert stacked["level"].unique(maintain_order=True).to_list() == list(LEVELS)
    for level in LEVELS:
        single = aggregate(data, geography, level)
        assert stacked.filter(pl.col("level") == level).equals(single)
    france = row_of(stacked, "FR")
    assert (france["name"], france[COVERAGE_RATE], france["communes"]) == ("France", 13.3, 3)


def test_output_columns_and_types():
    result = aggregate(counts(commune("A", 100, 50)), TWO_COMMUNES, "epci")
    assert result.columns == [
        "level",
        "code",
        "name",
        "year",
        CHILDREN,
        *COMPONENTS,
        TOTAL_PLACES,
        COVERAGE_RATE,
        *COMPONENT_RATES.values(),
        "communes",
        "communes_with_denominator",
        "communes_in_rate",
        "communes_complete",
    ]
    assert result.schema["year"] == pl.Int64
    assert result.schema[COVERAGE_RATE] == pl.Float64
    assert result.schema["communes"] == pl.Int64


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (counts(commune("A", 100, 5), commune("A", 100, 6)), "several rows"),
        (counts(commune("A", -1, 5)), "negative"),
        (counts(commune("A", 100, 5)).drop("am_places"), "lacks columns am_places"),
        (counts(commune("A", 100, 5)).with_columns(pl.lit(1001).alias("commune_code")), "text"),
        (counts(commune("A", 100, 5)).with_columns(pl.lit("2023").alias("year")), "integer"),
    ],
)
def test_bad_counts_are_rejected(data, message):
    with pytest.raises(ValueError, match=message):
        aggregate(data, TWO_COMMUNES, "epci")


def test_bad_membership_and_level_are_rejected():
    data = counts(commune("A", 100, 5))
    with pytest.raises(ValueError, match="unique"):
        aggregate(data, pl.concat([TWO_COMMUNES, TWO_COMMUNES]), "epci")
    renamed = TWO_COMMUNES.with_columns(
        pl.when(pl.col("commune_code") == "B")
        .then(pl.lit("other"))
        .otherwise("epci_name")
        .alias("epci_name")
    )
    with pytest.raises(ValueError, match="several names for epci_code E1"):
        aggregate(data, renamed, "epci")
    with pytest.raises(ValueError, match="unknown level"):
        aggregate(data, TWO_COMMUNES, "canton")


# Any ratio indicator


def test_aggregate_ratio_pools_poverty_and_natality():
    poverty = pl.DataFrame(
        {
            "commune_code": ["A", "B"],
            "year": [YEAR, YEAR],
            "poor_people": [450, 100],
            "population": [1000, 9000],
            "births": [174, 0],
        }
    )
    rate = aggregate_ratio(
        poverty, TWO_COMMUNES, "epci", "poor_people", "population", rate="poverty_rate"
    )
    assert rate.columns == [
        "level",
        "code",
        "name",
        "year",
        "poor_people",
        "population",
        "poverty_rate",
        "communes",
        "communes_with_denominator",
        "communes_in_rate",
    ]
    assert row_of(rate, "E1")["poverty_rate"] == 5.5  # 550 / 10,000, not (45 + 1.1) / 2
    natality = aggregate_ratio(
        poverty, TWO_COMMUNES, "commune", "births", "population", rate="natality", scale=1000
    )
    assert row_of(natality, "A")["natality"] == 174.0
    assert row_of(natality, "B")["natality"] == 0.0


def test_aggregate_ratio_needs_three_distinct_columns():
    with pytest.raises(ValueError, match="different"):
        aggregate_ratio(counts(), TWO_COMMUNES, "epci", CHILDREN, CHILDREN)
    with pytest.raises(ValueError, match="different"):
        aggregate_ratio(counts(), TWO_COMMUNES, "epci", "am_places", CHILDREN, rate=CHILDREN)


# Residual "other communes" row


def test_other_communes_row_is_the_epci_count_minus_its_listed_communes():
    epci = pl.DataFrame(
        {
            "epci_code": ["E1", "E2", "E3", "E4"],
            "year": [YEAR] * 4,
            "pl_eaje": [100, 40, 25, 10],
            "pl_am": [300, 80, 50, None],
        }
    )
    listed = pl.DataFrame(
        {
            "commune_code": ["A", "B", "C", "D"],
            "epci_code": ["E1", "E1", "E2", "E4"],
            "year": [YEAR] * 4,
            "pl_eaje": [30, 20, 50, 4],
            "pl_am": [100, None, 10, 1],
        }
    )
    residual = other_communes_residual(epci, listed, ["pl_eaje", "pl_am"])
    assert residual.rows() == [
        ("E1", YEAR, 50, None, 2, True),  # B's childminders unknown: no residual guessed
        ("E2", YEAR, -10, 70, 1, False),  # the files disagree
        ("E3", YEAR, 25, 50, 0, True),  # no listed commune: the whole EPCI is "other"
        ("E4", YEAR, 6, None, 1, True),
    ]


def test_other_communes_row_works_for_a_departement_file():
    departement = pl.DataFrame({"departement_code": ["93"], "year": [YEAR], "places": [1000.0]})
    listed = pl.DataFrame(
        {"commune_code": ["93001"], "departement_code": ["93"], "year": [YEAR], "places": [400.0]}
    )
    residual = other_communes_residual(
        departement, listed, ["places"], group_column="departement_code"
    )
    assert residual.select("departement_code", "places").rows() == [("93", 600.0)]


def test_other_communes_rejects_duplicated_rows():
    epci = pl.DataFrame({"epci_code": ["E1", "E1"], "year": [YEAR, YEAR], "places": [1, 2]})
    listed = epci.with_columns(pl.lit("A").alias("commune_code"))
    with pytest.raises(ValueError, match="several rows"):
        other_communes_residual(epci, listed.head(1), ["places"])


# Priority territories


def territories_indicators() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "code": ["93", "26", "79", "07"],
            COVERAGE_RATE: [31.2, 63.4, 50.0, None],
            "poverty_rate": [28.4, 15.1, 12.0, 20.0],
        }
    )


def test_default_rule_requires_low_coverage_and_high_poverty_and_says_why():
    result = priority_territories(territories_indicators(), default_priority_rule(58.0, 14.5))
    assert result.select("code", "low_coverage", "high_poverty", "is_priority").rows() == [
        ("93", True, True, True),
        ("26", False, True, False),
        ("79", True, False, False),
        ("07", None, True, None),  # unknown coverage could still make it a priority
    ]
    assert result["reasons"].to_list() == [
        [
            "Couverture 31,2 % inférieure à la référence nationale 58,0 %",
            "Taux de pauvreté 28,4 % supérieur à la référence nationale 14,5 %",
        ],
        ["Taux de pauvreté 15,1 % supérieur à la référence nationale 14,5 %"],
        ["Couverture 50,0 % inférieure à la référence nationale 58,0 %"],
        ["Taux de pauvreté 20,0 % supérieur à la référence nationale 14,5 %"],
    ]
    assert result["conditions_met"].to_list() == [2, 1, 1, 1]


def test_rule_with_one_condition_out_of_two_and_a_reference_per_year():
    indicators = territories_indicators().with_columns(
        pl.Series("national_coverage", [58.0, 60.9, 45.0, 58.0]),
        pl.Series("national_poverty", [14.5, 14.5, 14.5, 14.5]),
    )
    rule = PriorityRule(
        default_priority_rule("national_coverage", "national_poverty").conditions, minimum_met=1
    )
    result = priority_territories(indicators, rule)
    assert result["is_priority"].to_list() == [True, True, False, True]
    assert result["reasons"][2].to_list() == []


def test_configured_condition_and_rule_validation():
    single_parents = PriorityCondition(
        name="many_single_parents",
        column="single_parent_share",
        comparison="above",
        reference=25,
        reason="Familles monoparentales {value} % (référence {reference} %)",
    )
    frame = pl.DataFrame({"single_parent_share": [31.25, 20.0]})
    result = priority_territories(frame, PriorityRule((single_parents,)))
    assert result["reasons"].to_list() == [
        ["Familles monoparentales 31,3 % (référence 25,0 %)"],
        [],
    ]
    with pytest.raises(ValueError, match="value"):
        PriorityCondition("x", "rate", "below", 1.0, "{rate} trop bas")
    with pytest.raises(ValueError, match="below"):
        PriorityCondition("x", "rate", "under", 1.0, "{value}")
    with pytest.raises(ValueError, match="distinct"):
        PriorityRule((single_parents, single_parents))
    with pytest.raises(ValueError, match="minimum_met"):
        PriorityRule((single_parents,), minimum_met=2)
    with pytest.raises(ValueError, match="lacks columns coverage_rate, poverty_rate"):
        priority_territories(frame, default_priority_rule(58.0, 14.5))


# Properties, checked against plain Python sums over the same commune rows

count_value = st.integers(min_value=0, max_value=5000).map(float)
DEPARTEMENTS = sorted(REGION_OF)


@st.composite
def territories(draw, complete: bool = False):
    """A random geography with counts; ``complete``: every count known, children above 0."""
    communes = []
    for index in range(draw(st.integers(min_value=1, max_value=20))):
        departement = draw(st.sampled_from(DEPARTEMENTS))
        epci = draw(st.sampled_from([None, f"{departement}-E1", f"{departement}-E2"]))
        ept = draw(st.sampled_from([None, "T1"]))
        communes.append((f"C{index:02}", epci, ept, departement))
    years = draw(st.lists(st.sampled_from([2021, 2022]), min_size=1, unique=True))
    rows = []
    for code, *_ in communes:
        for year in years:
            if complete:
                values = {CHILDREN: draw(st.integers(min_value=1, max_value=5000).map(float))}
                values |= {c: draw(count_value) for c in COMPONENTS}
            elif draw(st.booleans()):
                values = {c: draw(st.none() | count_value) for c in COUNT_COLUMNS}
            else:
                continue
            rows.append({"commune_code": code, "year": year} | values)
    return membership(*communes), counts(*rows)


def known_sum(values):
    known = [value for value in values if value is not None]
    return sum(known) if known else None


def commune_values(data: pl.DataFrame) -> dict:
    """(commune, year) → counts with the commune's total places, as a reader would add them."""
    values = {}
    for row in data.to_dicts():
        row[TOTAL_PLACES] = known_sum(row[c] for c in COMPONENTS)
        values[row["commune_code"], row["year"]] = row
    return values


def members(geography: pl.DataFrame, level: str) -> dict[str, list[str]]:
    groups: dict[str, list[str]] = {}
    for row in geography.to_dicts():
        code = "FR" if level == "france" else row[f"{level}_code"]
        if code is not None:
            groups.setdefault(code, []).append(row["commune_code"])
    return groups


@settings(deadline=None, max_examples=60)
@given(territories())
def test_a_level_count_is_the_sum_of_its_communes_counts(case):
    geography, data = case
    values = commune_values(data)
    years = sorted(set(data["year"]))
    result = aggregate_all_levels(data, geography)
    for level in LEVELS:
        groups = members(geography, level)
        rows = result.filter(pl.col("level") == level)
        assert sorted(rows.select("code", "year").rows()) == sorted(
            (code, year) for code in groups for year in years
        )
        for row in rows.to_dicts():
            group = [values.get((c, row["year"]), {}) for c in groups[row["code"]]]
            assert row["communes"] == len(group)
            for column in (*COUNT_COLUMNS, TOTAL_PLACES):
                assert row[column] == known_sum(v.get(column) for v in group), column


@settings(deadline=None, max_examples=60)
@given(territories())
def test_every_rate_is_the_pooled_ratio_rounded_to_one_decimal(case):
    geography, data = case
    values = commune_values(data)
    result = aggregate_all_levels(data, geography)
    for row in result.to_dicts():
        groups = members(geography, row["level"])[row["code"]]
        group = [values.get((c, row["year"]), {}) for c in groups]
        paired = [
            v for v in group if v.get(TOTAL_PLACES) is not None and v.get(CHILDREN) is not None
        ]
        places = sum(v[TOTAL_PLACES] for v in paired)
        children = sum(v[CHILDREN] for v in paired)
        assert row["communes_in_rate"] == len(paired)
        if children == 0:
            assert row[COVERAGE_RATE] is None
            continue
        rate = row[COVERAGE_RATE]
        assert abs(rate - 100 * places / children) <= 0.05 + 1e-9
        assert math.isclose(rate * 10, round(rate * 10), abs_tol=1e-9)


@settings(deadline=None, max_examples=60)
@given(territories(complete=True))
def test_the_rate_of_a_union_lies_between_the_rates_of_its_parts(case):
    geography, data = case
    result = aggregate_all_levels(data, geography)
    commune_rates = {
        (row["code"], row["year"]): row[COVERAGE_RATE]
        for row in result.filter(pl.col("level") == "commune").to_dicts()
    }
    for row in result.filter(pl.col("level") != "commune").to_dicts():
        parts = [
            commune_rates[c, row["year"]] for c in members(geography, row["level"])[row["code"]]
        ]
        assert min(parts) <= row[COVERAGE_RATE] <= max(parts)
        assert row["communes_complete"] == len(parts)
        component_sum = sum(row[rate] for rate in COMPONENT_RATES.values())
        assert abs(component_sum - row[COVERAGE_RATE]) <= 0.05 * 6 + 1e-9


@settings(deadline=None, max_examples=60)
@given(territories())
def test_france_is_the_sum_over_all_communes_and_over_all_departements(case):
    geography, data = case
    result = aggregate_all_levels(data, geography, levels=("departement", "france"))
    departements = result.filter(pl.col("level") == "departement")
    for france in result.filter(pl.col("level") == "france").to_dicts():
        year_rows = data.filter(pl.col("year") == france["year"])
        same_year = departements.filter(pl.col("year") == france["year"])
        assert france["communes"] == geography.height
        assert france["communes_in_rate"] == same_year["communes_in_rate"].sum()
        for column in COUNT_COLUMNS:
            assert france[column] == known_sum(year_rows[column].to_list())
            assert france[column] == known_sum(same_year[column].to_list())


@settings(deadline=None, max_examples=40)
@given(territories(), st.sampled_from(LEVELS), st.sampled_from(COMPONENTS))
def test_aggregate_ratio_agrees_with_the_component_rates(case, level, component):
    geography, data = case
    rate = COMPONENT_RATES[component]
    generic = aggregate_ratio(data, geography, level, component, CHILDREN, rate=rate)
    coverage = aggregate(data, geography, level)
    assert generic.select("code", "year", component, CHILDREN, rate, "communes").equals(
        coverage.select("code", "year", component, CHILDREN, rate, "communes")
    )
