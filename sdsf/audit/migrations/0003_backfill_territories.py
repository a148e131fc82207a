"""Events written before territories were stored: fill what can be derived, scrub typed logins.

1. Failed logins used to keep the address typed in ``detail``. The text goes; when it names an
   account, the event names that account instead (user and snapshot), as new events do.
2. Territories: an event about an object gets the départements its model declares today
   (``audit_departement``, found by walking the installed models: this migration names no app
   above audit); an event without object, those of its person (roles, family's pré-demandes)
   as they are today. What cannot be derived (object deleted since, person removed, no person)
   stays without territory: only an operator reads it.

This reads the current models and code (the territories are a fact about today's rows, not a
schema of the past); on a new database the log is empty and nothing runs.
"""

from django.apps import apps as live_apps
from django.core.exceptions import ValidationError
from django.db import DatabaseError, migrations, transaction

PREFIX = "identifiant tenté : "
CHUNK = 1000


def _chunks(values):
    values = list(values)
    for start in range(0, len(values), CHUNK):
        yield values[start : start + CHUNK]


def scrub_failed_logins(apps, schema_editor):
    Event = apps.get_model("audit", "AuditEvent")
    User = live_apps.get_model("accounts", "User")
    failed = Event.objects.filter(action="login_failed", detail__startswith=PREFIX)
    for pk, detail in list(failed.values_list("pk", "detail")):
        typed = detail[len(PREFIX) :].strip().lower()
        account = User.objects.filter(email__iexact=typed).first() if typed else None
        fields = {"detail": ""}
        if account is not None:
            fields.update(user_id=account.pk, user_email=account.email)
        Event.objects.filter(pk=pk).update(**fields)


def _keys(model, object_ids) -> list:
    """The identifiers that fit the model's primary key (others cannot be derived)."""
    keys = []
    for value in object_ids:
        try:
            keys.append(model._meta.pk.to_python(value))
        except ValidationError:
            continue
    return keys


def _object_territories(model, object_ids) -> dict[str, set[str]]:
    from sdsf.audit import territory

    found: dict[str, set[str]] = {}
    if model is live_apps.get_model("accounts", "User"):
        for chunk in _chunks(_keys(model, object_ids)):
            for user in model.objects.filter(pk__in=chunk):
                found[str(user.pk)] = territory.of_person(user)
        return found
    path = getattr(model, "audit_departement", None)
    if not isinstance(path, str):
        return found
    for chunk in _chunks(_keys(model, object_ids)):
        with transaction.atomic():
            for pk, code in model._base_manager.filter(pk__in=chunk).values_list("pk", path):
                if code:
                    found.setdefault(str(pk), set()).add(code)
    return found


def backfill(apps, schema_editor):
    from sdsf.audit import territory

    Event = apps.get_model("audit", "AuditEvent")
    Place = apps.get_model("audit", "EventDepartement")
    models = {m._meta.label_lower: m for m in live_apps.get_models()}
    rows = []

    def add(event_id, codes):
        rows.extend(Place(event_id=event_id, departement=code) for code in sorted(codes))
        if len(rows) >= CHUNK:
            Place.objects.bulk_create(rows)
            rows.clear()

    types = (
        Event.objects.exclude(object_type="").order_by().values_list("object_type", flat=True)
    ).distinct()
    for object_type in list(types):
        model = models.get(object_type)
        if model is None:
            continue
        events = Event.objects.filter(object_type=object_type)
        ids = sorted(set(events.values_list("object_id", flat=True)))
        try:
            places = _object_territories(model, ids)
        except DatabaseError:  # a model whose table the database does not have yet
            continue
        for pk, object_id in events.values_list("pk", "object_id").iterator():
            add(pk, places.get(object_id, ()))
    User = live_apps.get_model("accounts", "User")
    people = Event.objects.filter(object_type="", user__isnull=False)
    user_ids = sorted(set(people.values_list("user_id", flat=True)))
    places = {
        u.pk: territory.of_person(u)
        for chunk in _chunks(user_ids)
        for u in User.objects.filter(pk__in=chunk)
    }
    for pk, user_id in people.values_list("pk", "user_id").iterator():
        add(pk, places.get(user_id, ()))
    Place.objects.bulk_create(rows)


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_event_departements")]

    operations = [
        migrations.RunPython(scrub_failed_logins, migrations.RunPython.noop),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
