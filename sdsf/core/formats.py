"""How the platform writes numbers, amounts and dates in French: one way for each kind of value.

The convention is Django's own French locale (``django/conf/locale/fr/formats.py``): a decimal
comma and a no-break space (U+00A0) between groups of three digits, so a figure never breaks
across two lines. Before a unit (``€``, ``%``, ``h``) the space is an ordinary one, as the pages
write it after a template value. Dates are ``JJ/MM/AAAA``.

This module imports no Django: pure computational cores (tariffs, funding rules, structure
health) may use it. Templates use the ``formats`` filter library
(``sdsf/core/templatetags/formats.py``), built on Django's ``number_format``: the same output on
French pages, the page's language on the translated family pages (``docs/i18n.md``). Amounts in
euros keep this French format in every language, like the published scales they come from.

Rounding is half up on the decimal value (a float is read through its shortest repr, so 31.25
gives ``31,3``, never ``31,2``).
"""

from __future__ import annotations

import datetime
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

DECIMAL_SEPARATOR = ","
THOUSAND_SEPARATOR = "\u00a0"
MINUS = "−"  # U+2212, the typographic minus of a signed gap
Number = int | float | Decimal | Fraction


def to_decimal(value: Number | str) -> Decimal:
    """The exact decimal a figure stands for (a float through its repr, ``"3.5"`` as written)."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, Fraction):
        return Decimal(value.numerator) / Decimal(value.denominator)
    if isinstance(value, float):
        return Decimal(repr(value))
    return Decimal(value)


def rounded(value: Number | str, places: int | None = None, *, trim: bool = False) -> Decimal:
    """``value`` rounded half up to ``places`` decimals (``None``: as exact as it is); ``trim``
    drops the zeros that end the decimal part (``2.50`` → ``2.5``, ``3.00`` → ``3``)."""
    amount = to_decimal(value)
    if places is not None:
        amount = amount.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    if trim or places is None:
        amount = amount.normalize()
        if amount == amount.to_integral_value():  # 2.6E+7 back to 26000000
            amount = amount.quantize(Decimal(1))
    return abs(amount) if amount.is_zero() else amount  # never "-0,0"


def number(value: Number | str, places: int | None = None, *, trim: bool = False) -> str:
    """``1234.5`` → ``1 234,5``: every decimal the value has, none trailing (a rate as published,
    ``0,0516``), or ``places`` decimals rounded half up (``number(12345.6, 0)`` → ``12 346``);
    ``trim`` drops trailing zeros (points, plan figures: ``2,5``)."""
    amount = rounded(value, places, trim=trim)
    sign = "-" if amount < 0 else ""
    whole, _, decimals = f"{abs(amount):f}".partition(".")
    groups = []
    while len(whole) > 3:
        whole, group = whole[:-3], whole[-3:]
        groups.insert(0, group)
    text = THOUSAND_SEPARATOR.join([whole, *groups])
    return sign + text + (DECIMAL_SEPARATOR + decimals if decimals else "")


def signed(value: Number | str, places: int = 1) -> str:
    """A gap with its sign: ``+2,4``, ``−1,0``, ``0,0``."""
    amount = rounded(value, places)
    sign = "+" if amount > 0 else (MINUS if amount < 0 else "")
    return sign + number(abs(amount), places)


def euros(amount: Number | str) -> str:
    """``1 234,56 €``: to the cent, in every language."""
    return f"{number(amount, 2)} €"


def percent(value: Number | str, places: int | None = None) -> str:
    """``0,0516 %`` (every decimal given) or, with ``places``, rounded: ``31,3 %``."""
    return f"{number(value, places)} %"


def plain(value: Number | str, places: int | None = None, *, trim: bool = False) -> str:
    """A figure in a data file (CSV, XLSX text, command output): a decimal point and no
    grouping, so that any program reads it back (``2710.5``); rounded as :func:`number`."""
    return f"{rounded(value, places, trim=trim):f}"


def date(day: datetime.date) -> str:
    """``31/01/2026``."""
    return f"{day:%d/%m/%Y}"


def isolate(text) -> str:
    """``text`` between the Unicode first-strong isolate marks (U+2068 … U+2069): in a right to
    left page, a French name, address or date inside an Arabic sentence keeps its own order
    ("2 rue Hoche", not "rue Hoche 2") and moves no punctuation around it."""
    return f"\u2068{text}\u2069"
