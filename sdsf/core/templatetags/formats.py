"""Template filters for numbers and amounts (``{% load formats %}``), on Django's number_format.

French pages get exactly what :mod:`sdsf.core.formats` writes (tested); a translated family page
gets its language's separators, as Django localises (English ``37.5``, Arabic ``37,5``). Amounts
in euros stay French in every language (``docs/i18n.md``). A missing value shows ``—``.
"""

from django import template
from django.utils.formats import number_format

from sdsf.core import formats

register = template.Library()
MISSING = "—"


def localised(value, places: int | None = 0, *, trim: bool = False) -> str:
    """:func:`sdsf.core.formats.number` in the active language; ``""`` for a missing value."""
    if value is None or value == "":
        return ""
    amount = formats.rounded(value, places, trim=trim)
    return number_format(amount, use_l10n=True, force_grouping=True)


def _or_missing(text: str) -> str:
    return text or MISSING


@register.filter
def count(value) -> str:
    """A whole number, grouped by thousands: ``12 346``."""
    return _or_missing(localised(value))


@register.filter
def decimal(value, places=1) -> str:
    """Exactly ``places`` decimals (default one), rounded half up: rates ``31,3``."""
    return _or_missing(localised(value, int(places)))


@register.filter
def number(value, places=2) -> str:
    """At most ``places`` decimals (default two), without trailing zeros: points ``37,5``, plan
    figures ``26 000 000``."""
    return _or_missing(localised(value, int(places), trim=True))


@register.filter
def signed(value, places=1) -> str:
    """A gap with its sign: ``+2,4``, ``−1,0``."""
    if value is None or value == "":
        return MISSING
    amount = formats.rounded(value, int(places))
    sign = "+" if amount > 0 else (formats.MINUS if amount < 0 else "")
    return sign + localised(abs(amount), int(places))


@register.filter
def euros(value) -> str:
    """``1 234,56 €``, French in every language."""
    return MISSING if value is None or value == "" else formats.euros(value)


@register.filter(name="isolate")
def isolate_filter(value) -> str:
    """:func:`sdsf.core.formats.isolate` (a French value inside a right to left text)."""
    return formats.isolate(value) if value not in (None, "") else ""
