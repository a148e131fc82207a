"""The gate's catalogue (who may do what) and the one territory filter (where).

Every view, API endpoint and export starts with :func:`permission_required` (or :func:`require`).
Rows are then read and written through each domain's managers, which answer for their own rows
with this module's territory filter: ``visible_to(user, permission)`` for lists and objects,
``writable_by(user, permission)`` for every row a person creates or changes and every row it
points to (``Structure.objects`` in offer, ``PreApplication.objects`` in families,
``AllocationRound.objects`` in allocation, ``Scheme.objects`` and its children in steering).
No view filters by hand. Reads of personal data go through
:func:`sdsf.audit.log.read_personal`, which writes the audit event. The permission matrix test
(``tests/test_permission_matrix.py``) walks every profile against every URL with real objects of
two départements, so a new URL or permission that forgets the gate fails the suite.

This app sits below the domains: it imports none of them.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum
from functools import reduce, wraps
from operator import or_

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet

from sdsf.accounts.models import STRUCTURE_SCOPE, Assignment, Role, User
from sdsf.territories.models import Commune, Departement, Level
from sdsf.territories.queries import LEVEL_FILTER

STAFF_ROLES = frozenset(Role)
# Agents of the guichet unique: commune, CAF, and a relais petite enfance (a structure manager
# whose role is scoped to an RPE, for the communes the relais covers).
FAMILY_DESK_ROLES = frozenset(
    {Role.ADMINISTRATOR, Role.COMMUNE_AGENT, Role.CAF_ADVISOR, Role.STRUCTURE_MANAGER}
)

# The partners of a structure in difficulty: the Département (administration and PMI), the CAF,
# the commune and the structure's manager work on the same file.
DIFFICULTY_PARTNERS = frozenset(
    {
        Role.ADMINISTRATOR,
        Role.PMI_AGENT,
        Role.CAF_ADVISOR,
        Role.COMMUNE_AGENT,
        Role.STRUCTURE_MANAGER,
    }
)


class Permission(StrEnum):
    VIEW_TERRITORY = "territory.view"
    VIEW_PEOPLE = "people.view"
    PEOPLE_MANAGE = "people.manage"
    INSTITUTIONS_MANAGE = "institutions.manage"
    VIEW_AUDIT = "audit.view"
    OFFER_VIEW = "offer.view"
    OFFER_VIEW_AM = "offer.view_am"
    OFFER_IMPORT = "offer.import"
    OFFER_EXPORT = "offer.export"
    OFFER_UPDATE_AVAILABILITY = "offer.update_availability"
    OFFER_EDIT = "offer.edit"
    AGREMENT_EDIT = "agrement.edit"
    AGREMENT_ALERTS = "agrement.alerts"
    STEERING_VIEW = "steering.view"
    STEERING_EDIT_ACTION = "steering.edit_action"
    STEERING_COORDINATE = "steering.coordinate"
    STEERING_SURVEYS = "steering.surveys"
    OBSERVATORY_VIEW = "observatory.view"
    OBSERVATORY_IMPORT = "observatory.import"
    ALLOCATION_VIEW = "allocation.view"
    ALLOCATION_MANAGE = "allocation.manage"
    ALLOCATION_DECLARE_PLACES = "allocation.declare_places"
    FAMILY_FILES_VIEW = "families.view"
    FAMILY_FILES_FILE = "families.file"
    FAMILY_FILES_MERGE = "families.merge"
    EMERGENCY_VIEW = "emergency.view"
    EMERGENCY_MANAGE = "emergency.manage"
    EMERGENCY_REQUESTS = "emergency.requests"
    EMERGENCY_PLACES = "emergency.places"
    FUNDING_VIEW = "funding.view"
    FUNDING_INSTRUCT = "funding.instruct"
    FUNDING_APPLY = "funding.apply"
    DIFFICULTY_VIEW = "difficulty.view"
    DIFFICULTY_ACTIVITY = "difficulty.activity"
    DIFFICULTY_FOLLOW = "difficulty.follow"
    DIFFICULTY_DECIDE = "difficulty.decide"
    PUBLIC_SERVICE_VIEW = "publicservice.view"
    LOCAL_SCHEMA_EDIT = "publicservice.edit_schema"
    COMMITTEE_VIEW = "committee.view"
    COMMITTEE_MANAGE = "committee.manage"


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
    Permission.PEOPLE_MANAGE: Rule(
        frozenset({Role.ADMINISTRATOR}),
        "Inviter des personnes, leur donner ou retirer des rôles sur les territoires de ses "
        "départements, désactiver leur compte (jamais le sien)",
    ),
    Permission.INSTITUTIONS_MANAGE: Rule(
        frozenset({Role.ADMINISTRATOR}),
        "Créer et modifier les institutions (Département, CAF, MSA, préfecture, communes, EPCI, "
        "gestionnaires) des territoires de ses départements",
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
    Permission.OFFER_EDIT: Rule(
        frozenset({Role.ADMINISTRATOR, Role.PMI_AGENT, Role.CAF_ADVISOR}),
        "Modifier dans le registre les structures de son périmètre : identité, adresse et "
        "position, horaires, label AVIP, financement, capacité datée, communes couvertes d'un RPE",
    ),
    Permission.AGREMENT_EDIT: Rule(
        frozenset({Role.PMI_AGENT}),
        "Enregistrer les décisions d'agrément des assistants maternels de son territoire "
        "(renouvellement, extension, suspension, retrait motivé)",
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
    Permission.OBSERVATORY_IMPORT: Rule(
        frozenset({Role.ADMINISTRATOR, Role.ANALYST}),
        "Importer les fichiers de l'observatoire (INSEE, CNAF, indicateurs) pour ses "
        "départements et consulter l'historique de ces imports",
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
    Permission.ALLOCATION_DECLARE_PLACES: Rule(
        frozenset({Role.ADMINISTRATOR, Role.COMMUNE_AGENT, Role.STRUCTURE_MANAGER}),
        "Déclarer, pour une commission d'attribution, les places libres des structures qu'on "
        "gère (par section, jours et départs connus)",
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
    # Emergency childcare in a crisis: the préfecture or the Département opens the period; only
    # the préfecture, the Département and the CAF see the priority families' requests.
    Permission.EMERGENCY_VIEW: Rule(
        frozenset(
            {
                Role.ADMINISTRATOR,
                Role.PMI_AGENT,
                Role.CAF_ADVISOR,
                Role.STATE,
                Role.STRUCTURE_MANAGER,
            }
        ),
        "Consulter les périodes d'accueil d'urgence de ses départements, leurs chiffres du jour "
        "et la carte des places ouvertes (sans données personnelles)",
    ),
    Permission.EMERGENCY_MANAGE: Rule(
        frozenset({Role.ADMINISTRATOR, Role.PMI_AGENT, Role.STATE}),
        "Ouvrir et clore une période d'accueil d'urgence et ses catégories prioritaires, lancer "
        "l'appariement du jour",
    ),
    Permission.EMERGENCY_REQUESTS: Rule(
        frozenset({Role.ADMINISTRATOR, Role.PMI_AGENT, Role.CAF_ADVISOR, Role.STATE}),
        "Consulter et enregistrer les demandes d'accueil d'urgence des familles prioritaires de "
        "son territoire (données personnelles, chaque lecture est journalisée)",
    ),
    Permission.EMERGENCY_PLACES: Rule(
        frozenset({Role.ADMINISTRATOR, Role.PMI_AGENT, Role.STRUCTURE_MANAGER}),
        "Déclarer les places d'accueil d'urgence, jour par jour, des structures et assistants "
        "maternels de son périmètre",
    ),
    Permission.FUNDING_VIEW: Rule(
        STAFF_ROLES,
        "Consulter les financements : tous ceux de ses départements pour la coordination du "
        "schéma, l'observatoire et l'État, ceux des programmes que finance son institution, les "
        "dossiers de son institution (porteur de projet)",
    ),
    Permission.FUNDING_INSTRUCT: Rule(
        frozenset({Role.ADMINISTRATOR, Role.CAF_ADVISOR, Role.PMI_AGENT, Role.COMMUNE_AGENT}),
        "Instruire les candidatures des programmes que finance son institution : recevabilité, "
        "grille de notation, décision du comité, convention et paiements",
    ),
    Permission.FUNDING_APPLY: Rule(
        frozenset({Role.STRUCTURE_MANAGER, Role.COMMUNE_AGENT}),
        "Porteur de projet : déposer les candidatures et les bilans de son institution",
    ),
    Permission.DIFFICULTY_VIEW: Rule(
        DIFFICULTY_PARTNERS,
        "Consulter l'activité, les signaux et les dossiers de suivi des structures en difficulté "
        "de son périmètre (chaque lecture d'un dossier est journalisée)",
    ),
    Permission.DIFFICULTY_ACTIVITY: Rule(
        frozenset({Role.ADMINISTRATOR, Role.CAF_ADVISOR, Role.STRUCTURE_MANAGER}),
        "Saisir ou importer l'activité et les comptes d'une structure (dont le fichier FILOUÉ)",
    ),
    Permission.DIFFICULTY_FOLLOW: Rule(
        DIFFICULTY_PARTNERS,
        "Ouvrir et compléter le dossier de suivi d'une structure : causes, plan d'action, "
        "réunions et visites, demande d'aide, co-signature pour son institution",
    ),
    Permission.DIFFICULTY_DECIDE: Rule(
        frozenset({Role.ADMINISTRATOR, Role.CAF_ADVISOR}),
        "Faire avancer le statut d'un dossier de suivi, décider des aides et fixer les seuils "
        "des signaux de son département",
    ),
    Permission.PUBLIC_SERVICE_VIEW: Rule(
        STAFF_ROLES,
        "Consulter les obligations des communes et EPCI (autorités organisatrices) de ses "
        "départements et leurs schémas pluriannuels",
    ),
    Permission.LOCAL_SCHEMA_EDIT: Rule(
        frozenset({Role.COMMUNE_AGENT}),
        "Rédiger, adopter et mettre à jour le schéma pluriannuel de sa commune ou de son EPCI",
    ),
    Permission.COMMITTEE_VIEW: Rule(
        frozenset({Role.ADMINISTRATOR, Role.ANALYST, Role.CAF_ADVISOR, Role.STATE}),
        "Consulter le comité départemental des services aux familles : membres et leurs "
        "coordonnées (données personnelles, chaque lecture est journalisée), réunions, bilan",
    ),
    Permission.COMMITTEE_MANAGE: Rule(
        frozenset({Role.ADMINISTRATOR, Role.CAF_ADVISOR}),
        "Secrétariat du comité départemental : membres, réunions, décisions, bilan annuel",
    ),
}


def assignments(user) -> list[Assignment]:
    """The person's roles, loaded once per request (cached on the user object)."""
    if not getattr(user, "is_authenticated", False):
        return []
    if not hasattr(user, "_sdsf_assignments"):
        user._sdsf_assignments = list(
            user.assignments.select_related("institution", "structure_commune")
        )
    return user._sdsf_assignments


def roles(user) -> set[Role]:
    return {Role(a.role) for a in assignments(user)}


def holding(user, permission: Permission | None) -> list[Assignment]:
    """The person's roles that grant ``permission`` (every role when None). Domains apply
    their rule role by role: a right held in one territory never opens another."""
    if permission is None:
        return assignments(user)
    allowed = CATALOGUE[permission].roles
    return [a for a in assignments(user) if Role(a.role) in allowed]


def can(user, permission: Permission) -> bool:
    return bool(holding(user, permission))


def require(user, permission: Permission) -> None:
    if not can(user, permission):
        raise PermissionDenied


def permission_required(permission: Permission) -> Callable:
    """View decorator: anonymous → login page; logged in without the right → 403."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            require(request.user, permission)
            return view(request, *args, **kwargs)

        wrapped.sdsf_permission = permission
        return wrapped

    return decorator


def territory(items: Iterable[Assignment], prefix: str = "") -> Q:
    """The one territory filter: communes (or rows whose ``prefix`` leads to a commune, e.g.
    ``"commune__"``, ``"home_commune__"``) inside the territory these roles cover.

    A territorial role covers the communes of its territory (any COG level); a role scoped to
    one structure covers the structure's commune, stored on the role (see
    :class:`~sdsf.accounts.models.Assignment`). No role: a filter that matches nothing.
    """
    clauses = []
    for a in items:
        if a.scope_level == STRUCTURE_SCOPE:
            if a.structure_commune_id is not None:
                clauses.append(Q(**{f"{prefix}code": a.structure_commune_id}))
        else:
            clauses.append(Q(**{f"{prefix}{LEVEL_FILTER[Level(a.scope_level)]}": a.scope_code}))
    return reduce(or_, clauses) if clauses else Q(pk__in=[])


def communes(user, permission: Permission | None = None) -> QuerySet[Commune]:
    """The communes the person's roles granting ``permission`` cover (every role when None)."""
    return Commune.objects.filter(territory(holding(user, permission)))


def departements(user, permission: Permission | None = None) -> QuerySet[Departement]:
    """Départements the person works in (with ``permission``): they may consult their public
    territory pages, observatory and scheme."""
    return Departement.objects.filter(
        code__in=communes(user, permission).values("departement_id")
    ).distinct()


def departements_of_people(user_ids: Iterable[int]) -> set[tuple[int, str]]:
    """(person, département) pairs: the départements each person works in, as
    :func:`departements` (every role) answers for one, for many people at once (the audit of
    the people list): one query for their roles, one per territory level they name."""
    roles = Assignment.objects.filter(user_id__in=list(user_ids)).values_list(
        "user_id", "scope_level", "scope_code", "structure_commune__departement_id"
    )
    pairs, territorial = set(), []
    codes: dict[Level, set[str]] = {}
    for user_id, level, code, structure_departement in roles:
        if level == STRUCTURE_SCOPE:
            if structure_departement is not None:
                pairs.add((user_id, structure_departement))
        else:
            territorial.append((user_id, level, code))
            codes.setdefault(Level(level), set()).add(code)
    within: dict[tuple[str, str], set[str]] = {}
    for level, wanted in codes.items():
        field = LEVEL_FILTER[level]
        rows = Commune.objects.filter(**{f"{field}__in": wanted}).order_by()
        for code, departement in rows.values_list(field, "departement_id").distinct():
            within.setdefault((level, code), set()).add(departement)
    for user_id, level, code in territorial:
        pairs |= {(user_id, departement) for departement in within.get((level, code), ())}
    return pairs


def people(user) -> QuerySet[User]:
    """Accounts an administrator manages: people with a role over part of the territory of
    the administrator's roles (a role scoped to a structure: by the structure's commune)."""
    in_scope = communes(user, Permission.VIEW_PEOPLE)
    overlapping = reduce(
        or_,
        (
            Q(scope_level=level, scope_code__in=in_scope.values(field))
            for level, field in LEVEL_FILTER.items()
        ),
    ) | Q(scope_level=STRUCTURE_SCOPE, structure_commune__in=in_scope)
    return User.objects.filter(
        pk__in=Assignment.objects.filter(overlapping).values("user_id")
    ).prefetch_related("assignments__institution", "assignments__structure_commune")
