"""Observatory figures on its pages and PDFs: "n.d." where a figure is unknown.

The formats are the platform's (:mod:`sdsf.core.templatetags.formats`); only the mark of an
unknown figure is the observatory's own.
"""

from django import template

from sdsf.core.templatetags import formats

register = template.Library()
UNKNOWN = "n.d."


def _known(value) -> bool:
    return value is not None and value != ""


@register.filter
def rate(value) -> str:
    """31.25 → "31,3" (one decimal, a comma)."""
    return formats.decimal(value, 1) if _known(value) else UNKNOWN


@register.filter
def count(value) -> str:
    """12345.6 → "12 346" (whole, grouped by thousands with a no-break space)."""
    return formats.count(value) if _known(value) else UNKNOWN


@register.filter
def signed(value) -> str:
    """Gap in points: +2,4 or −1,0."""
    return formats.signed(value, 1) if _known(value) else UNKNOWN
