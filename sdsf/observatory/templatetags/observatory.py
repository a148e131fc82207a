"""French number formats for observatory figures: "n.d." where a figure is unknown."""

from django import template

register = template.Library()
UNKNOWN = "n.d."


@register.filter
def rate(value) -> str:
    """31.25 → "31,3" (one decimal, a comma)."""
    if value is None or value == "":
        return UNKNOWN
    return f"{float(value):.1f}".replace(".", ",")


@register.filter
def count(value) -> str:
    """12345.6 → "12 346" (whole, grouped by thousands with a non-breaking space)."""
    if value is None or value == "":
        return UNKNOWN
    return f"{round(float(value)):,}".replace(",", "\u00a0")


@register.filter
def signed(value) -> str:
    """Gap in points: +2,4 or −1,0."""
    if value is None:
        return UNKNOWN
    sign = "+" if value > 0 else ("−" if value < 0 else "")
    return f"{sign}{abs(float(value)):.1f}".replace(".", ",")
