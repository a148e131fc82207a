from django import template

register = template.Library()


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
