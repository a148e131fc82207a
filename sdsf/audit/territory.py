"""The territory an audit event concerns: the département(s) of its objects, or of its person.

The audit app sits below the apps whose rows it records (offer, families, allocation, steering),
so it cannot know where their rows belong. Each audited model says it, in its own app, with a
class attribute: the lookup from the model to its département(s), e.g.::

    class AssistantMaternel(models.Model):
        audit_departement = "commune__departement"  # sdsf.audit.territory

:func:`of_objects` reads it in one query per model; :func:`sdsf.audit.log.record` refuses an
object whose model does not declare it (:class:`UndeclaredTerritory`), so an audited model
cannot be added without its territory: the first test that reaches its call site fails.

Institutions are placed by their territory. People (:class:`~sdsf.accounts.models.User`, the
object of the people list, and the subject of logins and logouts) are placed by *person
territories* that apps register at start-up (:func:`register_person_territory`): the audit app
registers the départements of the person's roles; the families app those of the family's
pré-demandes. Each answers for many people at
once (a page of the people list is recorded with a few queries, not a few per person).
"""

from collections import defaultdict
from collections.abc import Callable, Iterable

from django.db import models

from sdsf.accounts.models import Institution, User
from sdsf.territories.models import Commune, Level
from sdsf.territories.queries import LEVEL_FILTER

# (person's primary key, département code) pairs of the people whose primary keys are given.
PersonTerritory = Callable[[list[int]], Iterable[tuple[int, str]]]
_person_territories: list[PersonTerritory] = []


class UndeclaredTerritory(TypeError):
    """An audited model that does not say where its rows belong (``audit_departement``)."""


def register_person_territory(territory: PersonTerritory) -> PersonTerritory:
    """Adds a source of the départements a person concerns (called from an app's ``ready``)."""
    if territory not in _person_territories:
        _person_territories.append(territory)
    return territory


def of_people(users: Iterable[User]) -> dict[int, set[str]]:
    """The départements each person concerns, by primary key: the union of every registered
    source, each asked once for all the people."""
    found: dict[int, set[str]] = {
        user.pk: set() for user in users if getattr(user, "is_authenticated", False)
    }
    if found:
        for territory in _person_territories:
            for pk, code in territory(list(found)):
                if code:
                    found[pk].add(code)
    return found


def of_person(user) -> set[str]:
    """The départements a person concerns: the union of every registered source."""
    if user is None or not getattr(user, "is_authenticated", False):
        return set()
    return of_people([user])[user.pk]


def declared_path(model: type[models.Model]) -> str:
    path = getattr(model, "audit_departement", None)
    if not isinstance(path, str) or not path:
        raise UndeclaredTerritory(
            f"{model._meta.label} is audited but declares no audit_departement "
            "(see sdsf.audit.territory)"
        )
    return path


def of_objects(objects: Iterable[models.Model]) -> dict[tuple[str, str], set[str]]:
    """The départements of each object, keyed by (model label, primary key as text)."""
    found: dict[tuple[str, str], set[str]] = defaultdict(set)
    by_model: dict[type[models.Model], list[models.Model]] = defaultdict(list)
    for obj in objects:
        by_model[type(obj)].append(obj)
    for model, rows in by_model.items():
        label = model._meta.label_lower
        if issubclass(model, User):
            for pk, codes in of_people(rows).items():
                found[label, str(pk)] = codes
            continue
        if issubclass(model, Institution):
            for row in rows:
                found[label, str(row.pk)] = _institution_departements(row)
            continue
        path = declared_path(model)
        values = model._base_manager.filter(pk__in=[r.pk for r in rows]).values_list("pk", path)
        for pk, code in values:
            if code:
                found[label, str(pk)].add(code)
    return found


def _institution_departements(institution: Institution) -> set[str]:
    """An institution belongs to the départements of its territory (changed one at a time)."""
    field = LEVEL_FILTER[Level(institution.territory_level)]
    rows = Commune.objects.filter(**{field: institution.territory_code}).order_by()
    return set(rows.values_list("departement_id", flat=True).distinct())
