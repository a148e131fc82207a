"""Funding summaries: exact sums per territory, consistent from commune to département."""

from decimal import Decimal

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sdsf.funding.summary import MONEY, funding_summary, unknown_communes

COMMUNES = pl.DataFrame(
    {
        "commune_code": ["93008", "93066", "93070", "07010", "2A004"],
        "epci_code": ["200054781", "200054781", "200054781", "200039204", None],
        "departement_code": ["93", "93", "93", "07", "2A"],
    }
)


def _grants(rows):
    columns = ("programme", "commune_code", "year", "funder", "committed_eur", "paid_eur")
    return pl.DataFrame(
        [dict(zip(columns, row, strict=True)) for row in rows],
        schema={
            "programme": pl.String,
            "commune_code": pl.String,
            "year": pl.Int64,
            "funder": pl.String,
            "committed_eur": MONEY,
            "paid_eur": MONEY,
        },
    )


GRANTS = _grants(
    [
        ("CED", "93008", 2020, "CAF", Decimal("1000.10"), Decimal("500.05")),
        ("CED", "93008", 2020, "CAF", Decimal("0.20"), Decimal("0.00")),
        ("REAAP", "93066", 2020, "CAF", Decimal("300.00"), Decimal("300.00")),
        ("CED", "93066", 2020, "Département", Decimal("250.00"), Decimal("0.00")),
        ("CED", "07010", 2020, "MSA", Decimal("99.99"), Decimal("99.99")),
        ("CED", "2A004", 2020, "CAF", Decimal("10.00"), Decimal("10.00")),
        ("CED", "93008", 2019, "CAF", Decimal("7.00"), Decimal("7.00")),
        ("CED", "99999", 2020, "CAF", Decimal("5.00"), Decimal("5.00")),
    ]
)


def test_commune_level_sums_grants_per_funder():
    result = funding_summary(GRANTS, COMMUNES, "commune", 2020)
    assert result.columns == ["level", "code", "year", "funder", "committed_eur", "paid_eur"]
    assert result.filter(code="93008").row(0) == (
        "commune",
        "93008",
        2020,
        "CAF",
        Decimal("1000.30"),
        Decimal("500.05"),
    )
    assert result.schema["committed_eur"] == MONEY


def test_epci_level_counts_grants_where_the_operator_is():
    result = funding_summary(GRANTS, COMMUNES, "epci", 2020, code="200054781")
    assert result.select("funder", "committed_eur", "paid_eur").rows() == [
        ("CAF", Decimal("1300.30"), Decimal("800.05")),
        ("Département", Decimal("250.00"), Decimal("0.00")),
    ]


def test_a_commune_without_epci_still_counts_for_its_departement():
    assert "2A004" not in funding_summary(GRANTS, COMMUNES, "epci", 2020)["code"].to_list()
    corsica = funding_summary(GRANTS, COMMUNES, "departement", 2020, code="2A")
    assert corsica["committed_eur"].to_list() == [Decimal("10.00")]


def test_by_programme():
    result = funding_summary(GRANTS, COMMUNES, "departement", 2020, by="programme", code="93")
    assert result.columns[3] == "programme"
    assert result.select("programme", "committed_eur").rows() == [
        ("CED", Decimal("1250.30")),
        ("REAAP", Decimal("300.00")),
    ]


def test_unknown_communes_are_left_out_and_listed():
    total = funding_summary(GRANTS, COMMUNES, "departement", 2020)["committed_eur"].sum()
    assert total == Decimal("1660.29")
    assert unknown_communes(GRANTS, COMMUNES).rows() == [("99999", 1)]


def test_integer_euros_are_accepted_and_floats_refused():
    whole = GRANTS.with_columns(pl.col("committed_eur", "paid_eur").cast(pl.Int64))
    assert funding_summary(whole, COMMUNES, "commune", 2019)["paid_eur"].to_list() == [
        Decimal("7.00")
    ]
    floats = GRANTS.with_columns(pl.col("committed_eur").cast(pl.Float64))
    with pytest.raises(ValueError, match="exact money"):
        funding_summary(floats, COMMUNES, "commune", 2020)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"level": "region"}, "unknown level"),
        ({"by": "operator"}, "unknown grouping"),
    ],
)
def test_bad_arguments(changes, message):
    arguments = {"level": "commune", "year": 2020} | changes
    with pytest.raises(ValueError, match=message):
        funding_summary(GRANTS, COMMUNES, **arguments)


def test_empty_values_are_refused():
    holed = GRANTS.with_columns(pl.lit(None, dtype=MONEY).alias("paid_eur"))
    with pytest.raises(ValueError, match="empty values in paid_eur"):
        funding_summary(holed, COMMUNES, "commune", 2020)


# --- property: every level adds up to the same money ----------------------------------------

AMOUNT = st.decimals(min_value=-10_000, max_value=10_000_000, places=2)
GRANT = st.tuples(
    st.sampled_from(["CED", "REAAP", "LAEP"]),
    st.sampled_from(COMMUNES["commune_code"].to_list()[:4]),
    st.just(2021),
    st.sampled_from(["CAF", "Département", "MSA"]),
    AMOUNT,
    AMOUNT,
)


@settings(max_examples=60, deadline=None)
@given(st.lists(GRANT, max_size=40), st.sampled_from(["funder", "programme"]))
def test_commune_sums_add_up_to_epci_and_departement_totals(rows, by):
    grants = _grants(rows)
    levels = {
        level: funding_summary(grants, COMMUNES, level, 2021, by=by)
        for level in ("commune", "epci", "departement")
    }
    by_commune = levels["commune"].join(COMMUNES, left_on="code", right_on="commune_code")
    for level, column in (("epci", "epci_code"), ("departement", "departement_code")):
        rolled_up = (
            by_commune.group_by(pl.col(column).alias("code"), by)
            .agg(pl.col("committed_eur", "paid_eur").sum())
            .sort("code", by)
        )
        expected = levels[level].select("code", by, "committed_eur", "paid_eur")
        assert rolled_up.rows() == expected.rows()
    exact_total = sum((row[4] for row in rows), Decimal(0))
    assert levels["departement"]["committed_eur"].sum() == exact_total
