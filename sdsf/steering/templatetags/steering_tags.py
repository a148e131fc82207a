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
    """The label of an action status as a plan version holds it (the plan file's key)."""
    from sdsf.steering.models import Action
    from sdsf.steering.plan_format import STATUS_KEYS

    stored = STATUS_KEYS.stored(code)
    return str(Action.Status(stored).label) if stored else code
