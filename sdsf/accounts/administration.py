"""What an administrator may change in people's accounts and in institutions: the rules.

An administrator manages the territories their administrator roles cover (the catalogue's
``people.manage`` and ``institutions.manage``). A role, an institution or an account is theirs
only when it lies wholly inside those territories: an administrator of the 93 gives no role in
the 26, edits no institution of the 26, and deactivates no one who also works in the 26 (that
would close the 26's door too). Nobody changes their own roles or their own account: no one
raises their own rights, and no one locks themselves out.

The functions raise :class:`Refused` with a French message for the person; the pages (in the
audit app, which records each change) show it. Writes run in a transaction.
"""

from functools import reduce
from operator import or_

from django.db import transaction
from django.db.models import Q, QuerySet

from sdsf.accounts import scope
from sdsf.accounts.models import STRUCTURE_SCOPE, Assignment, Institution, Role, User
from sdsf.accounts.scope import Permission
from sdsf.territories.models import Commune, Level
from sdsf.territories.queries import LEVEL_FILTER


class Refused(Exception):
    """A change the rules refuse; its message is French, for the person who asked."""


def _mine(actor, permission: Permission) -> QuerySet[Commune]:
    return scope.communes(actor, permission)


def covers(actor, permission: Permission, level: str, code: str) -> bool:
    """The territory exists and every one of its communes is inside the actor's territory."""
    if level not in LEVEL_FILTER:
        return False
    within = Commune.objects.filter(**{LEVEL_FILTER[Level(level)]: code})
    return within.exists() and not within.exclude(pk__in=_mine(actor, permission)).exists()


def inside(actor, permission: Permission, level_field: str, code_field: str) -> Q:
    """Rows naming a territory (by their ``level_field`` and ``code_field``) wholly inside the
    actor's territory: for each level, a code some of the actor's communes have and none of the
    other communes has."""
    mine = _mine(actor, permission)
    others = Commune.objects.exclude(pk__in=mine)
    return reduce(
        or_,
        (
            Q(**{level_field: level, f"{code_field}__in": mine.values(field)})
            & ~Q(**{level_field: level, f"{code_field}__in": codes_of(others, field)})
            for level, field in LEVEL_FILTER.items()
        ),
    )


def codes_of(communes: QuerySet[Commune], field: str) -> QuerySet:
    """The codes of ``field`` (a level's filter) of these communes, without NULL (a commune
    outside any EPT): NOT IN a list holding NULL would match nothing."""
    return communes.exclude(**{f"{field}__isnull": True}).values(field)


def institutions(actor) -> QuerySet[Institution]:
    """Institutions the actor may edit, and name in a role they give."""
    return Institution.objects.filter(
        inside(actor, Permission.INSTITUTIONS_MANAGE, "territory_level", "territory_code")
    )


def _role_inside(actor, assignment: Assignment) -> bool:
    if assignment.scope_level == STRUCTURE_SCOPE:
        return (
            assignment.structure_commune_id is not None
            and _mine(actor, Permission.PEOPLE_MANAGE)
            .filter(pk=assignment.structure_commune_id)
            .exists()
        )
    return covers(actor, Permission.PEOPLE_MANAGE, assignment.scope_level, assignment.scope_code)


def manages(actor, person: User) -> bool:
    """The actor may change this account: someone else, with at least one role, every one of
    them inside the actor's territory."""
    if person.pk == actor.pk or not scope.can(actor, Permission.PEOPLE_MANAGE):
        return False
    roles = list(person.assignments.all())
    return bool(roles) and all(_role_inside(actor, a) for a in roles)


def _not_self(actor, person: User) -> None:
    if person.pk == actor.pk:
        raise Refused("Vous ne pouvez pas modifier vos propres rôles ni votre propre compte.")


def check_role(actor, person: User | None, institution: Institution, role: str, level, code):
    """Refuses a role the actor may not give (``person`` None: a person being invited)."""
    if person is not None:
        _not_self(actor, person)
    if role not in Role.values:
        raise Refused("Rôle inconnu.")
    if not covers(actor, Permission.PEOPLE_MANAGE, level, code):
        raise Refused("Ce territoire n'est pas dans les départements que vous administrez.")
    if not institutions(actor).filter(pk=institution.pk).exists():
        raise Refused("Cette institution n'est pas dans les départements que vous administrez.")


def give_role(actor, person: User, institution: Institution, role: str, level, code):
    """Adds a role over a territory; refused when it is not the actor's to give or already
    held."""
    check_role(actor, person, institution, role, level, code)
    with transaction.atomic():
        assignment, created = Assignment.objects.get_or_create(
            user=person,
            institution=institution,
            role=role,
            scope_level=level,
            scope_code=code,
        )
    if not created:
        raise Refused("Cette personne a déjà ce rôle.")
    return assignment


def withdraw_role(actor, assignment: Assignment) -> None:
    _not_self(actor, assignment.user)
    if not _role_inside(actor, assignment):
        raise Refused("Ce rôle porte sur un territoire que vous n'administrez pas.")
    assignment.delete()


def set_active(actor, person: User, active: bool) -> None:
    """Deactivates (or reactivates) an account: the person can no longer log in; their
    roles and history stay."""
    _not_self(actor, person)
    if not manages(actor, person):
        raise Refused(
            "Cette personne a aussi des rôles hors des départements que vous administrez : "
            "retirez-lui vos rôles, ou demandez à l'administrateur de l'autre département."
        )
    person.is_active = active
    person.save(update_fields=["is_active"])


@transaction.atomic
def invite(actor, email: str, first_name: str, last_name: str, institution, role, level, code):
    """Creates the account of a person with a first role (no password: the person chooses
    it through the invitation link). Refused when the address already has an account."""
    check_role(actor, None, institution, role, level, code)
    email = email.strip().lower()
    if User.objects.filter(email=email).exists():
        raise Refused(
            "Un compte existe déjà avec cette adresse : ouvrez sa fiche pour lui donner un rôle."
        )
    person = User.objects.create_user(email, None, first_name=first_name, last_name=last_name)
    Assignment.objects.create(
        user=person, institution=institution, role=role, scope_level=level, scope_code=code
    )
    return person
