"""Writing audit events: the only entry point, so every record has the same shape.

``record(request, action, objects=None, *, user=None, detail="")``: one event per object (or one
event when there is none) for ``user``, by default the request's user. Each event stores the
départements it concerns (:mod:`sdsf.audit.territory`): those of its object, as the object's
model declares them (``audit_departement``), or, without object, those of the person. Callers
pass nothing more; a model that does not declare its territory is refused.
"""

from collections.abc import Iterable

from django.db import models, transaction

from sdsf.audit import territory
from sdsf.audit.models import AuditEvent, EventDepartement


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
    """Appends one event per object (or one event when there is none) for the request's user
    (or ``user``), each with the départements it concerns."""
    user = user if user is not None else getattr(request, "user", None)
    authenticated = user is not None and user.is_authenticated
    if isinstance(objects, models.Model):
        objects = [objects]
    objects = list(objects or [])
    common = {
        "user": user if authenticated else None,
        "user_email": user.email if authenticated else "",
        "institution": _institution(user),
        "action": action,
        "ip": client_ip(request),
        "detail": detail[:300],
    }
    if objects:
        places = territory.of_objects(objects)
        events = [
            AuditEvent(object_type=obj._meta.label_lower, object_id=str(obj.pk), **common)
            for obj in objects
        ]
        codes = [places.get((e.object_type, e.object_id), set()) for e in events]
    else:
        events, codes = [AuditEvent(**common)], [territory.of_person(user)]
    with transaction.atomic():
        AuditEvent.objects.bulk_create(events)
        EventDepartement.objects.bulk_create(
            EventDepartement(event=event, departement=code)
            for event, event_codes in zip(events, codes, strict=True)
            for code in sorted(event_codes)
        )


def read_personal(request, objects: Iterable[models.Model] | models.Model) -> None:
    """Records that the request's user read these rows of personal data: every page or export
    that shows personal data calls it (:mod:`sdsf.accounts.scope` says how rows are chosen)."""
    record(request, AuditEvent.Action.READ, objects)
