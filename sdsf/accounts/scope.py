"""The one gate: what each person may see (scoped querysets) and do (actions).

Every view, API endpoint and export starts with :func:`permission_required` (or :func:`require`) and
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
from django.urls import reverse

from sdsf.accounts.models import STRUCTURE_SCOPE, Assignment, Role, User
from sdsf.audit.log import record
from sdsf.audit.models import AuditEvent
from sdsf.territories.models import Commune, Departement, Level
from sdsf.territories.queries import LEVEL_FILTER

STAFF_ROLES = frozenset(Role)
# Agents of the guichet unique: commune, CAF, and a relais petite enfance (a structure manager
# whose role is scoped to an RPE, for the communes the relais covers).
FAMILY_DESK_ROLES = frozenset(
    {Role.ADMINISTRATOR, Role.COMMUNE_AGENT, Role.CAF_ADVISOR, Role.STRUCTURE_MANAGER}
)


class Permission(StrEnum):
    VIEW_TERRITORY = "territory.view"
    VIEW_PEOPLE = "people.view"
    VIEW_AUDIT = "audit.view"
    OFFER_VIEW = "offer.view"
    OFFER_VIEW_AM = "offer.view_am"
    OFFER_IMPORT = "offer.import"
    OFFER_EXPORT = "offer.export"
    OFFER_UPDATE_AVAILABILITY = "offer.update_availability"
    AGREMENT_ALERTS = "agrement.alerts"
    STEERING_VIEW = "steering.view"
    STEERING_EDIT_ACTION = "steering.edit_action"
    STEERING_COORDINATE = "steering.coordinate"
    STEERING_SURVEYS = "steering.surveys"
    OBSERVATORY_VIEW = "observatory.view"
    ALLOCATION_VIEW = "allocation.view"
    ALLOCATION_MANAGE = "allocation.manage"
    FAMILY_FILES_VIEW = "families.view"
    FAMILY_FILES_FILE = "families.file"
    FAMILY_FILES_MERGE = "families.merge"


@dataclass(frozen=True)
class Rule:
    roles: frozenset[Role]
    description: str


CATALOGUE: dict[Permission, Rule] = {
    Permission.VIEW_TERRITORY: Rule(
        STAFF_ROLES, "Consulter les territoires (données publiques) de ses départements"
    ),
    Permission.VIEW_PEOPLE: Rule(
        frozenset({Role.ADMINISTRATOR}),
        "Consulter les comptes des personnes des institutions de son territoire",
    ),
    Permission.VIEW_AUDIT: Rule(frozenset({Role.ADMINISTRATOR}), "Consulter le journal d'audit"),
    Permission.OFFER_VIEW: Rule(
        STAFF_ROLES, "Consulter le registre des structures (EAJE, MAM, RPE, LAEP) de son périmètre"
    ),
    Permission.OFFER_VIEW_AM: Rule(
        frozenset({Role.PMI_AGENT, Role.CAF_ADVISOR, Role.COMMUNE_AGENT, Role.STRUCTURE_MANAGER}),
        "Consulter les assistants maternels (données personnelles) exerçant dans son périmètre",
    ),
    Permission.OFFER_IMPORT: Rule(
        frozenset({Role.ADMINISTRATOR, Role.PMI_AGENT, Role.CAF_ADVISOR}),
        "Importer les fichiers du registre de l'offre pour les communes de son périmètre",
    ),
    Permission.OFFER_EXPORT: Rule(
        frozenset(
            {
                Role.ADMINISTRATOR,
                Role.ANALYST,
                Role.PMI_AGENT,
                Role.CAF_ADVISOR,
                Role.COMMUNE_AGENT,
                Role.STATE,
            }
        ),
        "Exporter (CSV, XLSX) les listes du registre de l'offre qu'on peut consulter",
    ),
    Permission.OFFER_UPDATE_AVAILABILITY: Rule(
        frozenset({Role.STRUCTURE_MANAGER}),
        "Déclarer les places disponibles de sa structure",
    ),
    Permission.AGREMENT_ALERTS: Rule(
        frozenset({Role.PMI_AGENT}),
        "Voir les agréments d'assistants maternels arrivant à échéance dans son territoire",
    ),
    Permission.STEERING_VIEW: Rule(
        STAFF_ROLES, "Consulter le plan d'actions, les bilans et la gouvernance du schéma"
    ),
    Permission.STEERING_EDIT_ACTION: Rule(
        STAFF_ROLES - {Role.STATE},  # the State reads the scheme it signed, changes nothing
        "Mettre à jour le statut et les indicateurs des actions que pilote son institution",
    ),
    Permission.STEERING_COORDINATE: Rule(
        frozenset({Role.ADMINISTRATOR}),
        "Coordonner le schéma : modifier le plan, valider les mises à jour, figer les bilans",
    ),
    Permission.STEERING_SURVEYS: Rule(
        frozenset({Role.ADMINISTRATOR, Role.ANALYST}),
        "Créer les enquêtes du schéma, leurs listes de destinataires, et en exporter les réponses",
    ),
    Permission.OBSERVATORY_VIEW: Rule(
        STAFF_ROLES,
        "Consulter l'observatoire (chiffres agrégés, cartes, fiches) des territoires de ses "
        "départements et les chiffres de comparaison régionaux et nationaux",
    ),
    Permission.ALLOCATION_VIEW: Rule(
        frozenset({Role.ADMINISTRATOR, Role.COMMUNE_AGENT, Role.COMMISSION_MEMBER}),
        "Consulter les commissions d'attribution de son territoire et leurs demandes "
        "(données personnelles)",
    ),
    Permission.ALLOCATION_MANAGE: Rule(
        frozenset({Role.ADMINISTRATOR, Role.COMMUNE_AGENT}),
        "Préparer une commission d'attribution : grille, import des demandes, calcul, "
        "modifications motivées et validation",
    ),
    Permission.FAMILY_FILES_VIEW: Rule(
        FAMILY_DESK_ROLES,
        "Consulter les pré-demandes des familles de son territoire et leur historique "
        "(données personnelles, chaque lecture est journalisée)",
    ),
    Permission.FAMILY_FILES_FILE: Rule(
        FAMILY_DESK_ROLES,
        "Guichet unique : déposer ou compléter une pré-demande pour une famille, au guichet ou "
        "au téléphone",
    ),
    Permission.FAMILY_FILES_MERGE: Rule(
        frozenset({Role.ADMINISTRATOR, Role.COMMUNE_AGENT}),
        "Fusionner les pré-demandes d'un même enfant déposées deux fois",
    ),
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


def can(user, action: Permission) -> bool:
    return bool(roles(user) & CATALOGUE[action].roles)


def require(user, action: Permission) -> None:
    if not can(user, action):
        raise PermissionDenied


def permission_required(action: Permission) -> Callable:
    """View decorator: anonymous → login page; logged in without the right → 403."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            require(request.user, action)
            return view(request, *args, **kwargs)

        wrapped.sdsf_permission = action
        return wrapped

    return decorator


def _scope_filter(items: Iterable[Assignment], prefix: str = "") -> Q:
    """A filter on communes (or on rows whose ``prefix`` leads to a commune) for these roles.

    A role scoped to one structure covers the commune where that structure is.
    """
    from sdsf.offer.models import Structure

    clauses = [
        Q(
            **{
                f"{prefix}code__in": Structure.objects.filter(identifier=a.scope_code).values(
                    "commune_id"
                )
            }
        )
        if a.scope_level == STRUCTURE_SCOPE
        else Q(**{f"{prefix}{LEVEL_FILTER[Level(a.scope_level)]}": a.scope_code})
        for a in items
    ]
    return reduce(or_, clauses) if clauses else Q(pk__in=[])


def communes(user) -> QuerySet[Commune]:
    """The communes within the person's scope (union of their roles)."""
    return Commune.objects.filter(_scope_filter(assignments(user)))


def departements(user) -> QuerySet[Departement]:
    """Départements the person works in: they may consult their public territory pages."""
    return Departement.objects.filter(code__in=communes(user).values("departement_id")).distinct()


def observed_communes(user) -> QuerySet[Commune]:
    """Communes whose observatory figures the person sees: every commune of their départements.

    The observatory shows only aggregates of public or institutional counts, so a role scoped
    to one commune sees its whole département, like the territory pages.
    """
    return Commune.objects.filter(departement__in=departements(user))


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
    ) | Q(scope_level=STRUCTURE_SCOPE, scope_code__in=_structures_in(in_scope))
    return User.objects.filter(
        pk__in=Assignment.objects.filter(overlapping).values("user_id")
    ).prefetch_related("assignments__institution")


def read_personal(request, objects: Iterable | object) -> None:
    """Records that the request's user read these rows of personal data."""
    record(request, AuditEvent.Action.READ, objects)


def _structures_in(in_scope: QuerySet[Commune]) -> QuerySet:
    from sdsf.offer.models import Structure

    return Structure.objects.filter(commune__in=in_scope).values("identifier")


def _offer_assignments(user, action: Permission) -> list[Assignment]:
    allowed = CATALOGUE[action].roles
    return [a for a in assignments(user) if Role(a.role) in allowed]


def _structure_clause(a: Assignment) -> Q:
    """Structures one role sees: its structure; a manager's structures in its territory; else
    every structure of its territory."""
    if a.scope_level == STRUCTURE_SCOPE:
        return Q(identifier=a.scope_code)
    territory = Q(**{f"commune__{LEVEL_FILTER[Level(a.scope_level)]}": a.scope_code})
    if Role(a.role) == Role.STRUCTURE_MANAGER:
        return territory & Q(manager_id=a.institution_id)
    return territory


def public_structures() -> QuerySet:
    """Structures anyone sees on the families' pages: open EAJE, MAM, RPE and LAEP."""
    from sdsf.offer.models import Status, Structure

    public_kinds = (
        Structure.Kind.EAJE,
        Structure.Kind.MAM,
        Structure.Kind.RPE,
        Structure.Kind.LAEP,
    )
    return Structure.objects.filter(status=Status.OPEN, kind__in=public_kinds)


def public_assistants(today=None) -> QuerySet:
    """Childminders (persons) anyone sees on the families' pages: only while their agrément is
    in force today and they declare free places."""
    from django.utils import timezone

    from sdsf.offer.models import ACTIVE_STATUSES, AssistantMaternel

    today = today or timezone.localdate()
    return AssistantMaternel.objects.filter(
        agrement_status__in=ACTIVE_STATUSES,
        agrement_start__lte=today,
        agrement_expiry__gte=today,
        available_places__gt=0,
    )


def public_parenting_actions() -> QuerySet:
    """Parenting actions are public information: all of them."""
    from sdsf.offer.models import ParentingAction

    return ParentingAction.objects.all()


def structures(user) -> QuerySet:
    """Structures of the offer registry (EAJE, MAM, RPE, LAEP, centres sociaux) the person sees."""
    from sdsf.offer.models import Structure

    clauses = [_structure_clause(a) for a in _offer_assignments(user, Permission.OFFER_VIEW)]
    if not clauses:
        return Structure.objects.none()
    return Structure.objects.filter(reduce(or_, clauses))


def managed_structures(user) -> QuerySet:
    """Structures whose availability the person declares (structure managers, their own)."""
    from sdsf.offer.models import Structure

    clauses = [
        _structure_clause(a) for a in _offer_assignments(user, Permission.OFFER_UPDATE_AVAILABILITY)
    ]
    if not clauses:
        return Structure.objects.none()
    return Structure.objects.filter(reduce(or_, clauses))


def assistants_maternels(user) -> QuerySet:
    """Childminders (personal data) the person may see: those working in the communes of a
    territorial role; for a structure manager, only the childminders of their MAM(s)."""
    from sdsf.offer.models import AssistantMaternel

    clauses = []
    for a in _offer_assignments(user, Permission.OFFER_VIEW_AM):
        if Role(a.role) == Role.STRUCTURE_MANAGER:
            clauses.append(Q(mam__in=managed_structures(user).filter(kind="mam")))
        elif a.scope_level != STRUCTURE_SCOPE:
            clauses.append(Q(**{f"commune__{LEVEL_FILTER[Level(a.scope_level)]}": a.scope_code}))
    if not clauses:
        return AssistantMaternel.objects.none()
    return AssistantMaternel.objects.filter(reduce(or_, clauses))


def parenting_actions(user) -> QuerySet:
    """Parenting actions held in the person's communes (public information)."""
    from sdsf.offer.models import ParentingAction

    if not can(user, Permission.OFFER_VIEW):
        return ParentingAction.objects.none()
    return ParentingAction.objects.filter(commune__in=communes(user))


def schemes(user) -> QuerySet:
    """Schemes of the départements the person works in."""
    from sdsf.steering.models import Scheme

    return Scheme.objects.filter(departement__in=departements(user))


def may_edit_action(user, action) -> bool:
    """A coordinator edits every action of a scheme in scope; a pilot only their own actions.

    A pilot is a person whose role (with the right to edit actions) belongs to an institution
    named pilot of the action.
    """
    if not schemes(user).filter(pk=action.scheme_id).exists():
        return False
    if can(user, Permission.STEERING_COORDINATE):
        return True
    editing = CATALOGUE[Permission.STEERING_EDIT_ACTION].roles
    institutions = {a.institution_id for a in assignments(user) if Role(a.role) in editing}
    return bool(institutions & action.pilot_institution_ids())


def offer_import_communes(user) -> QuerySet[Commune]:
    """Communes whose offer the person may import (roles allowed to import, their scope)."""
    return Commune.objects.filter(_scope_filter(_offer_assignments(user, Permission.OFFER_IMPORT)))


def allocation_communes(user, action: Permission) -> QuerySet[Commune]:
    """Communes where the person may do this allocation action (its roles allowed, their scope)."""
    return Commune.objects.filter(_scope_filter(_offer_assignments(user, action)))


def allocation_rounds(user, action: Permission = Permission.ALLOCATION_VIEW) -> QuerySet:
    """Allocation rounds of the communes where the person may do ``action``."""
    from sdsf.allocation.models import AllocationRound

    return AllocationRound.objects.filter(commune__in=allocation_communes(user, action))


def _desk_communes(a: Assignment) -> QuerySet[Commune] | None:
    """Communes whose families one guichet-unique role serves (None: this role serves none).

    A structure manager serves families only when their role is scoped to a relais petite
    enfance: the communes it covers and its own.
    """
    from sdsf.offer.models import Structure

    if Role(a.role) == Role.STRUCTURE_MANAGER:
        if a.scope_level != STRUCTURE_SCOPE:
            return None
        relais = Structure.objects.filter(identifier=a.scope_code, kind=Structure.Kind.RPE)
        return Commune.objects.filter(
            Q(rpe_coverage__in=relais) | Q(structures__in=relais)
        ).distinct()
    return Commune.objects.filter(_scope_filter([a]))


def pre_applications(user, action: Permission = Permission.FAMILY_FILES_VIEW) -> QuerySet:
    """Pré-demandes an agent may see (or act on): those of a family living in, or wishing a
    place in, one of the communes the agent's roles serve, and the drafts the agent is filing.
    Reads must go through :func:`read_personal`."""
    from sdsf.families.models import PreApplication, Wish

    served = [c for a in _offer_assignments(user, action) if (c := _desk_communes(a)) is not None]
    if not served:
        return PreApplication.objects.none()
    in_scope = Commune.objects.filter(reduce(or_, (Q(pk__in=c.values("pk")) for c in served)))
    wishing = Wish.objects.filter(
        Q(structure__commune__in=in_scope) | Q(commune__in=in_scope)
    ).values("pre_application_id")
    # A draft is the family's until submitted; an agent sees only the drafts they file themselves.
    draft = Q(status=PreApplication.Status.DRAFT)
    territory = Q(home_commune__in=in_scope) | Q(pk__in=wishing)
    return PreApplication.objects.filter((territory & ~draft) | (draft & Q(filed_by=user)))


def family_of(user):
    """The family account of a logged-in person, or None (staff, anonymous)."""
    if not getattr(user, "is_authenticated", False):
        return None
    from sdsf.families.models import Family

    try:
        return user.family
    except Family.DoesNotExist:
        return None


def family_pre_applications(user) -> QuerySet:
    """A family's own pré-demandes (merged ones are shown through the one they were merged
    into)."""
    from sdsf.families.models import PreApplication

    family = family_of(user)
    if family is None:
        return PreApplication.objects.none()
    return PreApplication.objects.filter(family=family)


def family_required(view):
    """View decorator for the family space: anonymous → the families' login page; staff or a
    person without a family account → 403."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), reverse("families:login"))
        if family_of(request.user) is None:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    wrapped.sdsf_family = True
    return wrapped


def departements_for(user, action: Permission) -> QuerySet[Departement]:
    """Départements where the person holds a role allowed to do ``action`` (e.g. the audit log
    an administrator reads: only the events of these départements)."""
    communes_allowed = Commune.objects.filter(_scope_filter(_offer_assignments(user, action)))
    return Departement.objects.filter(code__in=communes_allowed.values("departement_id"))
