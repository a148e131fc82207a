"""One French convention for numbers, amounts and dates, in Python code and in templates."""

import subprocess
import sys
from datetime import date
from decimal import Decimal
from fractions import Fraction

import pytest
from django.template import Context, Template
from django.utils import translation
from django.utils.formats import get_format
from hypothesis import given
from hypothesis import strategies as st

from sdsf.core import formats
from sdsf.core.templatetags import formats as filters

NBSP = "\u00a0"


@pytest.mark.parametrize(
    ("value", "places", "trim", "text"),
    [
        (1234567, 0, False, f"1{NBSP}234{NBSP}567"),
        (12345.6, 0, False, f"12{NBSP}346"),
        (31.25, 1, False, "31,3"),  # half up on the decimal value, never 31,2
        (0.05, 1, False, "0,1"),
        (2710.5, 0, False, f"2{NBSP}711"),
        (Decimal("2.50"), 2, True, "2,5"),
        (Decimal("37.00"), 2, True, "37"),
        (Decimal("26000000.00"), 2, True, f"26{NBSP}000{NBSP}000"),
        (Decimal("0.0516"), None, False, "0,0516"),
        (Decimal("1E+3"), None, False, f"1{NBSP}000"),
        (Fraction(1, 3), 4, False, "0,3333"),
        (-1234.5, 1, False, f"-1{NBSP}234,5"),
        (-0.04, 1, False, "0,0"),  # never "-0,0"
        ("3.5", None, False, "3,5"),
    ],
)
def test_number(value, places, trim, text):
    assert formats.number(value, places, trim=trim) == text


def test_amounts_percentages_gaps_dates_and_file_figures():
    assert formats.euros(Decimal("1234.5")) == f"1{NBSP}234,50 €"
    assert formats.euros(Decimal("0.005")) == "0,01 €"
    assert formats.percent(Decimal("0.0516")) == "0,0516 %"
    assert formats.percent(31.26, 1) == "31,3 %"
    assert (formats.signed(2.44), formats.signed(-1), formats.signed(0.04)) == (
        "+2,4",
        "−1,0",
        "0,0",
    )
    assert formats.date(date(2026, 1, 5)) == "05/01/2026"
    assert (formats.plain(2710.5, 1, trim=True), formats.plain(420.0, 1, trim=True)) == (
        "2710.5",
        "420",
    )
    assert formats.plain(59.94, 1) == "59.9"


def test_the_convention_is_djangos_french_locale():
    """The pure module writes what Django's French formats say (THOUSAND_SEPARATOR is a
    no-break space in Django 5.2): a Django upgrade that changes them fails here."""
    assert get_format("DECIMAL_SEPARATOR", "fr") == formats.DECIMAL_SEPARATOR
    assert get_format("THOUSAND_SEPARATOR", "fr") == formats.THOUSAND_SEPARATOR
    assert get_format("NUMBER_GROUPING", "fr") == 3


@given(
    value=st.one_of(
        st.integers(-(10**12), 10**12),
        st.decimals(-(10**9), 10**9, places=4),
        st.floats(-1e9, 1e9, allow_nan=False, allow_infinity=False),
    ),
    places=st.integers(0, 4),
    trim=st.booleans(),
)
def test_french_pages_show_what_the_python_module_writes(value, places, trim):
    """Templates go through Django's number_format: on a French page it is the same text."""
    with translation.override("fr"):
        assert filters.localised(value, places, trim=trim) == formats.number(
            value, places, trim=trim
        )


def render(text: str, **context) -> str:
    return Template("{% load formats %}" + text).render(Context(context))


def test_filters_follow_the_pages_language_except_amounts():
    page = "{{ p|number }} · {{ n|count }} · {{ r|decimal }} · {{ g|signed }} · {{ a|euros }}"
    values = {"p": Decimal("37.50"), "n": 12345, "r": 31.25, "g": -8.6, "a": Decimal("1234.5")}
    with translation.override("fr"):
        assert render(page, **values) == f"37,5 · 12{NBSP}345 · 31,3 · −8,6 · 1{NBSP}234,50 €"
    with translation.override("en"):
        assert render(page, **values) == f"37.5 · 12,345 · 31.3 · −8.6 · 1{NBSP}234,50 €"
    with translation.override("ar"):  # Django sets no grouping for Arabic
        assert render(page, **values) == f"37,5 · 12345 · 31,3 · −8,6 · 1{NBSP}234,50 €"


def test_a_missing_value_shows_a_dash():
    assert render(
        "{{ v|number }}{{ v|count }}{{ v|decimal }}{{ v|signed }}{{ v|euros }}", v=None
    ) == ("—" * 5)


def test_the_module_imports_no_django():
    """Pure cores (tariffs, funding rules, structure health) may use it."""
    code = (
        "import sys, sdsf.core.formats; assert not any(m.startswith('django') for m in sys.modules)"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
