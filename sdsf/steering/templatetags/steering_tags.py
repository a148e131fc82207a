from decimal import Decimal

from django import template

register = template.Library()


@register.filter
def number(value) -> str:
    """French number: 26 000 000, 31,26 (no scientific notation, no trailing zeros)."""
    if value is None or value == "":
        return "—"
    value = Decimal(str(value))
    text = f"{value:,.2f}".rstrip("0").rstrip(".")
    return text.replace(",", "\u202f").replace(".", ",")


@register.filter
def get(mapping, key):
    return mapping.get(key) if mapping else None


@register.simple_tag(takes_context=True)
def may(context, action: str) -> bool:
    """Whether the page's user holds a right of the catalogue (to show or hide a link)."""
    from sdsf.accounts.scope import Permission, can

    return can(context["request"].user, Permission(action))


@register.filter
def status_label(code: str) -> str:
    from sdsf.steering.models import Action

    return str(Action.Status(code).label) if code in Action.Status.values else code
