"""Writing audit events: the only entry point, so every record has the same shape."""

from collections.abc import Iterable

from django.db import models

from sdsf.audit.models import AuditEvent


def client_ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR") if request is not None else None


def _institution(user) -> str:
    if user is None or not user.is_authenticated:
        return ""
    names = sorted({a.institution.name for a in user.assignments.select_related("institution")})
    return ", ".join(names)[:200]


def record(
    request,
    action: str,
    objects: Iterable[models.Model] | models.Model | None = None,
    *,
    user=None,
    detail: str = "",
) -> None:
    """Appends one event per object (or one event when there is none) for the request's user."""
    user = user if user is not None else getattr(request, "user", None)
    authenticated = user is not None and user.is_authenticated
    if isinstance(objects, models.Model):
        objects = [objects]
    common = {
        "user": user if authenticated else None,
        "user_email": user.email if authenticated else "",
        "institution": _institution(user),
        "action": action,
        "ip": client_ip(request),
        "detail": detail[:300],
    }
    events = [
        AuditEvent(object_type=obj._meta.label_lower, object_id=str(obj.pk), **common)
        for obj in (objects or [])
    ] or [AuditEvent(**common)]
    AuditEvent.objects.bulk_create(events)
