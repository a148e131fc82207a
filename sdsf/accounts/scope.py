"""The one gate: what each person may see (scoped querysets) and do (actions).

Every view, API endpoint and export starts with :func:`action_required` (or :func:`require`) and
reads rows through the querysets below; no view filters by hand. Reads of personal data go
through :func:`read_personal`, which writes the audit event. The permission matrix test
(``tests/test_permission_matrix.py``) walks every role against every URL, so a new URL that
forgets the gate fails the suite.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum
from functools import reduce, wraps
from operator import or_

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet

from sdsf.accounts.models import Assignment, Role, User
from sdsf.audit.log import record
from sdsf.audit.models import AuditEvent
from sdsf.territories.models import Commune, Departement, Level
from sdsf.territories.queries import LEVEL_FILTER

STAFF_ROLES = frozenset(Role)


class Action(StrEnum):
    VIEW_TERRITORY = "territory.view"
    VIEW_PEOPLE = "people.view"
    VIEW_AUDIT = "audit.view"


@dataclass(frozen=True)
class Rule:
    roles: frozenset[Role]
    description: str


CATALOGUE: dict[Action, Rule] = {
    Action.VIEW_TERRITORY: Rule(
        STAFF_ROLES, "Consulter les territoires (données publiques) de ses départements"
    ),
    Action.VIEW_PEOPLE: Rule(
        frozenset({Role.ADMINISTRATOR}),
        "Consulter les comptes des personnes des institutions de son territoire",
    ),
    Action.VIEW_AUDIT: Rule(frozenset({Role.ADMINISTRATOR}), "Consulter le journal d'audit"),
}


def assignments(user) -> list[Assignment]:
    """The person's roles, loaded once per request (cached on the user object)."""
    if not getattr(user, "is_authenticated", False):
        return []
    if not hasattr(user, "_sdsf_assignments"):
        user._sdsf_assignments = list(user.assignments.select_related("institution"))
    return user._sdsf_assignments


def roles(user) -> set[Role]:
    return {Role(a.role) for a in assignments(user)}


def can(user, action: Action) -> bool:
    return bool(roles(user) & CATALOGUE[action].roles)


def require(user, action: Action) -> None:
    if not can(user, action):
        raise PermissionDenied


def action_required(action: Action) -> Callable:
    """View decorator: anonymous → login page; logged in without the right → 403."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            require(request.user, action)
            return view(request, *args, **kwargs)

        wrapped.sdsf_action = action
        return wrapped

    return decorator


def _scope_filter(items: Iterable[Assignment], prefix: str = "") -> Q:
    """A filter on communes (or on rows whose ``prefix`` leads to a commune) for these roles."""
    clauses = [Q(**{f"{prefix}{LEVEL_FILTER[Level(a.scope_level)]}": a.scope_code}) for a in items]
    return reduce(or_, clauses) if clauses else Q(pk__in=[])


def communes(user) -> QuerySet[Commune]:
    """The communes within the person's scope (union of their roles)."""
    return Commune.objects.filter(_scope_filter(assignments(user)))


def departements(user) -> QuerySet[Departement]:
    """Départements the person works in: they may consult their public territory pages."""
    return Departement.objects.filter(code__in=communes(user).values("departement_id")).distinct()


def people(user) -> QuerySet[User]:
    """Accounts an administrator manages: people with a role over part of the admin's scope."""
    if Role.ADMINISTRATOR not in roles(user):
        return User.objects.none()
    in_scope = communes(user)
    overlapping = reduce(
        or_,
        (
            Q(scope_level=level, scope_code__in=in_scope.values(field))
            for level, field in LEVEL_FILTER.items()
        ),
    )
    return User.objects.filter(
        pk__in=Assignment.objects.filter(overlapping).values("user_id")
    ).prefetch_related("assignments__institution")


def read_personal(request, objects: Iterable | object) -> None:
    """Records that the request's user read these rows of personal data."""
    record(request, AuditEvent.Action.READ, objects)
