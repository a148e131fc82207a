"""Every profile against every URL of the platform, with real objects of two départements.

The URL list is read from the resolver and the permissions from the catalogue: a URL or a
permission missing from the tables below fails the suite, so whoever adds either must say who
may use it. Each URL naming an object is built with the real ids of the object of Bobigny (93)
and of Valence (26) (:mod:`tests.permission_world`), and tried with GET and POST (a realistic
body where the view writes). A refused request (login page, 401, 403, 404, 405, or a form sent
back with its error) must not write anything: every SQL statement it sends is read, and an
INSERT, UPDATE or DELETE fails the cell.

How to read the tables: ``URLS`` says, for each URL, what guards it (a permission of the
catalogue, or ``PUBLIC``, ``LOGGED_IN``, ``FAMILY``, ``GUEST``), which object builds it, and how
it answers a person who passes the guard and reaches the object. ``HOLDERS`` says which
profiles hold each permission, ``REACH`` which profiles reach each object, ``WRITERS`` which of
those may change it. The expected answer of each cell follows from these in the order the
views check them (:func:`expected`).
"""

from collections.abc import Callable
from dataclasses import dataclass
from html import unescape

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse

from sdsf.accounts.scope import CATALOGUE, Permission
from tests.factories import PDF
from tests.permission_world import PROFILES, World

P = Permission
PUBLIC, LOGGED_IN, FAMILY, GUEST, API = "public", "logged in", "family", "guest", "api"
LOGIN, FAMILY_LOGIN = "login", "family login"  # a redirect to the staff's / families' log-in
METHOD_FIRST = "405 before the guard"  # the method is refused to everyone, anonymous included


def who(names: str) -> frozenset[str]:
    return frozenset(names.split())


STAFF_93 = who("admin analyst pmi caf commune commune_other structure rpe commission state")
STAFF = STAFF_93 | who("admin_26")
FAMILIES = who("family other_family")
NOBODY = frozenset()

# Who holds each permission of the catalogue (checked against the catalogue itself).
HOLDERS = {
    P.VIEW_TERRITORY: STAFF,
    P.VIEW_PEOPLE: who("admin admin_26"),
    P.VIEW_AUDIT: who("admin admin_26"),
    P.OFFER_VIEW: STAFF,
    P.OFFER_VIEW_AM: who("pmi caf commune commune_other structure rpe"),
    P.OFFER_IMPORT: who("admin admin_26 pmi caf"),
    P.OFFER_EXPORT: who("admin admin_26 analyst pmi caf commune commune_other state"),
    P.OFFER_UPDATE_AVAILABILITY: who("structure rpe"),
    P.AGREMENT_ALERTS: who("pmi"),
    P.STEERING_VIEW: STAFF,
    P.STEERING_EDIT_ACTION: STAFF - who("state"),
    P.STEERING_COORDINATE: who("admin admin_26"),
    P.STEERING_SURVEYS: who("admin admin_26 analyst"),
    P.OBSERVATORY_VIEW: STAFF,
    P.ALLOCATION_VIEW: who("admin admin_26 commune commune_other commission"),
    P.ALLOCATION_MANAGE: who("admin admin_26 commune commune_other"),
    P.FAMILY_FILES_VIEW: who("admin admin_26 caf commune commune_other structure rpe"),
    P.FAMILY_FILES_FILE: who("admin admin_26 caf commune commune_other structure rpe"),
    P.FAMILY_FILES_MERGE: who("admin admin_26 commune commune_other"),
}

# Who reaches each object: (its Bobigny / Montreuil side, its Valence side). The commune agent
# of Montreuil, the relais of Montreuil (covering Bobigny) and the territorial manager of the
# Bobigny structures test the commune level; the administrator of the 26, the département.
# An import job is its uploader's only (the waiting list of the 93's round: its commune's agent).
# An invitation is the invited family's (the other family gets a page saying why, naming nothing).
REACH = {
    "departement": (STAFF_93, who("admin_26")),
    "structure": (
        who("admin analyst pmi caf commune structure commission state"),
        who("admin_26"),
    ),
    "managed structure": (who("structure"), NOBODY),
    "assistant": (who("pmi caf commune structure"), NOBODY),
    "job": (who("admin"), who("admin_26")),
    "waiting-list job": (who("commune"), who("admin_26")),
    "round": (who("admin commune commission"), who("admin_26")),
    "family's file": (who("family"), who("other_family")),
    "invitation": (who("family"), who("other_family")),
    "desk file": (who("admin caf commune rpe"), who("admin_26")),
    "scheme": (STAFF_93, who("admin_26")),
}
# Who may change what they reach, when the view lets only some readers write.
WRITERS = {
    "coordinators": (who("admin"), who("admin_26")),
    "pilots": (who("admin caf"), who("admin_26")),  # the CAF pilots the action of the 93
    "desk commune": (who("admin caf commune rpe"), who("admin_26")),
    "round commune": (who("admin commune"), who("admin_26")),
}


@dataclass(frozen=True)
class Url:
    """How one URL answers a person who passes its guard and reaches its object.

    ``guard``: a permission (the view's own decorator must say the same), or ``PUBLIC``,
    ``LOGGED_IN``, ``FAMILY``, ``GUEST`` (anonymous only: others are sent on), ``API`` (with
    ``also``, the permission the endpoint requires). ``also``: a second permission the view
    requires. ``obj``: the kind of object (``REACH``) whose ids build the URL; ``side``: the
    URL is tried for both sides even without an object (its POST body points to the side).
    ``get``/``post``: the answer (405 after the guard: the object is not looked at).
    ``writers``: who, among those reaching the object, may make the POST; the others get
    ``refused`` (403, or 200 for a form sent back with its error). ``unreached``: the answer to
    a person who passes the guard but does not reach the object (404: it does not exist for
    them; 200 where the page says why and names nothing of the object).
    """

    guard: object
    get: object = 200
    post: object = 200
    obj: str | None = None
    side: bool = False
    also: Permission | None = None
    writers: str | None = None
    refused: int = 403
    unreached: int = 404


def staff(permission, get=200, post=200, **options) -> Url:
    return Url(permission, get, post, **options)


def post_only(permission, **options) -> Url:
    return Url(permission, 405, 302, **options)


URLS = {
    # the platform, log-in, people and audit
    "site:root": Url(GUEST, 200, METHOD_FIRST),  # the front door; logged in: sent on
    "site:home": Url(LOGGED_IN),
    **{
        f"site:{name}": Url(PUBLIC, 200, 405)  # the footer's pages
        for name in ("legal_notice", "accessibility", "personal_data", "sitemap", "cookies")
    },
    "core:healthz": Url(PUBLIC),
    "core:security_txt": Url(PUBLIC, 404, 404),  # until the installation sets its contact
    "accounts:login": Url(GUEST),
    "accounts:logout": Url(PUBLIC, 405, LOGIN),  # POST only; then back to the log-in page
    "people:list": staff(P.VIEW_PEOPLE),
    "audit:search": staff(P.VIEW_AUDIT),
    "set_language": Url(PUBLIC, 302, 302),
    # territories (public data of the person's départements) and the API
    "territories:index": staff(P.VIEW_TERRITORY, 302, 302),
    "territories:departement": staff(P.VIEW_TERRITORY, obj="departement"),
    "territories:departement_geojson": staff(P.VIEW_TERRITORY, obj="departement"),
    # the outlines under the maps: public COG data (a box is required around a point)
    "maps:departement": Url(PUBLIC, 200, 405, side=True),
    "maps:departement_communes": Url(PUBLIC, 200, 405, side=True),
    "maps:communes": Url(PUBLIC, 200, 405),
    "api:api-root": Url(PUBLIC, 404, 404),
    "api:openapi-json": Url(LOGGED_IN),
    "api:openapi-view": Url(LOGGED_IN),
    "api:departement_communes": Url(
        API, 200, METHOD_FIRST, also=P.VIEW_TERRITORY, obj="departement"
    ),
    "api:offer_structures": Url(API, 200, METHOD_FIRST, also=P.OFFER_VIEW),
    "api:indicators": Url(API, 200, METHOD_FIRST, also=P.OBSERVATORY_VIEW),
    # the offer registry
    "offer:index": staff(P.OFFER_VIEW),
    "offer:structures_geojson": staff(P.OFFER_VIEW),
    "offer:structures_export": staff(P.OFFER_EXPORT),
    "offer:structure": staff(P.OFFER_VIEW, obj="structure"),
    "offer:structure_availability": staff(
        P.OFFER_UPDATE_AVAILABILITY, 200, 302, obj="managed structure"
    ),
    "offer:assistants": staff(P.OFFER_VIEW_AM),
    "offer:assistants_export": staff(P.OFFER_EXPORT, also=P.OFFER_VIEW_AM),
    "offer:assistant": staff(P.OFFER_VIEW_AM, obj="assistant"),
    "offer:alerts": staff(P.AGREMENT_ALERTS),
    "offer:parenting": staff(P.OFFER_VIEW),
    "offer:import": staff(P.OFFER_IMPORT, 200, 302, side=True),
    "offer:import_job": staff(P.OFFER_IMPORT, obj="job"),
    "offer:import_progress": staff(P.OFFER_IMPORT, 200, METHOD_FIRST, obj="job"),
    "offer:availability_link": Url(PUBLIC, obj="public"),
    # observatory: aggregates of the person's départements
    "observatory:index": staff(P.OBSERVATORY_VIEW, 302, 302),
    **{
        f"observatory:{name}": staff(P.OBSERVATORY_VIEW, obj="departement")
        for name in (
            "territory",
            "territory_geojson",
            "territory_export",
            "territory_pdf",
            "unmet_demand_export",
            "key_figures_pdf",
            "priority",
            "priority_geojson",
            "priority_export",
        )
    },
    # allocation: the commissions of the person's communes; the published grid is public
    "allocation:index": staff(P.ALLOCATION_VIEW),
    "allocation:round_create": staff(
        P.ALLOCATION_MANAGE, 200, 302, side=True, writers="round commune", refused=200
    ),
    "allocation:round": staff(P.ALLOCATION_VIEW, obj="round"),
    "allocation:public_grid": Url(PUBLIC, obj="public"),
    "allocation:round_import": staff(P.ALLOCATION_MANAGE, 200, 302, obj="round"),
    "allocation:round_progress": staff(P.ALLOCATION_VIEW, 200, METHOD_FIRST, obj="round"),
    "allocation:round_import_job": staff(P.ALLOCATION_MANAGE, obj="waiting-list job"),
    "allocation:round_import_progress": staff(
        P.ALLOCATION_MANAGE, 200, METHOD_FIRST, obj="waiting-list job"
    ),
    "allocation:round_structure": staff(P.ALLOCATION_VIEW, obj="round"),
    **{
        f"allocation:{name}": post_only(P.ALLOCATION_MANAGE, obj="round")
        for name in ("round_publish", "round_intake", "round_run", "round_validate")
    },
    **{
        f"allocation:{name}": staff(P.ALLOCATION_MANAGE, 200, 302, obj="round")
        for name in ("application_override", "application_answer", "application_vacate")
    },
    "allocation:application_letter": staff(P.ALLOCATION_MANAGE, obj="round"),
    # find the offer, costs, signed links: public (the token is the credential)
    "families:cost": Url(PUBLIC),
    "families:search": Url(PUBLIC, 200, 405),
    "families:search_geojson": Url(PUBLIC, 200, 405),
    **{
        f"families:{name}": Url(PUBLIC, 200, 405, obj="public")
        for name in ("structure", "assistant", "parenting_action")
    },
    **{f"families:{name}": Url(PUBLIC, obj="public") for name in ("verify", "confirm_interest")},
    "families:password_reset": Url(PUBLIC),
    "families:password_reset_done": Url(PUBLIC, 200, 405),
    "families:password_reset_confirm": Url(PUBLIC, 302, 302, obj="public"),
    "families:password_reset_complete": Url(PUBLIC, 200, 405),
    # the family's own space: its own files and proposals only
    "families:signup": Url(GUEST),
    "families:login": Url(GUEST),
    "families:verify_resend": Url(FAMILY, 405, 302),
    "families:space": Url(FAMILY),
    "families:my_data": Url(FAMILY),
    "families:apply": Url(FAMILY, 200, 302, side=True),
    "families:application": Url(FAMILY, obj="family's file"),
    "families:apply_step": Url(FAMILY, 200, 302, obj="family's file"),
    "families:receipt": Url(FAMILY, obj="family's file"),
    "families:withdraw": Url(FAMILY, 200, 302, obj="family's file"),
    "families:document": Url(FAMILY, obj="family's file"),
    "proposals:detail": Url(FAMILY, obj="family's file"),
    "proposals:accept": Url(FAMILY, 405, 302, obj="family's file"),
    "proposals:refuse": Url(FAMILY, 405, 302, obj="family's file"),
    # the desk's invitation: only the account of the address invited may answer it
    "families:invitation": Url(FAMILY, 200, 302, obj="invitation", unreached=200),
    # the guichet unique: the files of the communes the agent serves
    "families:desk": staff(P.FAMILY_FILES_VIEW),
    "families:desk_detail": staff(P.FAMILY_FILES_VIEW, obj="desk file"),
    "families:desk_document": staff(P.FAMILY_FILES_VIEW, obj="desk file"),
    "families:desk_new": staff(
        P.FAMILY_FILES_FILE, 200, 302, side=True, writers="desk commune", refused=200
    ),
    "families:desk_edit": staff(P.FAMILY_FILES_FILE, obj="desk file"),
    "families:desk_step": staff(P.FAMILY_FILES_FILE, 200, 302, obj="desk file"),
    "families:desk_withdraw": staff(P.FAMILY_FILES_FILE, 200, 302, obj="desk file"),
    "families:desk_receipt": staff(P.FAMILY_FILES_FILE, obj="desk file"),
    "families:desk_confirm_interest": post_only(P.FAMILY_FILES_FILE, obj="desk file"),
    "families:desk_invite": post_only(P.FAMILY_FILES_FILE, obj="desk file"),
    "families:desk_merge": staff(P.FAMILY_FILES_MERGE, 200, 302, obj="desk file"),
    # steering: every staff role reads its département's scheme; pilots update their actions;
    # administrators coordinate; administrators and analysts run surveys (public answer link)
    "steering:index": staff(P.STEERING_VIEW, 302, 302),
    **{
        f"steering:{name}": staff(P.STEERING_VIEW, obj="scheme")
        for name in (
            "scheme",
            "governance",
            "report_pdf",
            "report_xlsx",
            "action",
            "version",
            "review",
        )
    },
    **{
        f"steering:{name}": staff(P.STEERING_VIEW, 200, 302, obj="scheme", writers="coordinators")
        for name in ("versions", "reviews")
    },
    **{
        f"steering:{name}": post_only(P.STEERING_EDIT_ACTION, obj="scheme", writers="pilots")
        for name in ("action_update", "indicator_value", "review_comment")
    },
    **{
        f"steering:{name}": post_only(P.STEERING_COORDINATE, obj="scheme")
        for name in ("action_validate", "action_end", "review_summary", "review_freeze")
    },
    **{
        f"steering:{name}": staff(P.STEERING_COORDINATE, 200, 302, obj="scheme")
        for name in ("action_create", "action_change")
    },
    **{
        f"steering:{name}": staff(P.STEERING_SURVEYS, obj="scheme")
        for name in ("survey", "survey_export")
    },
    "steering:surveys": staff(P.STEERING_SURVEYS, 200, 302, obj="scheme"),
    **{
        f"steering:{name}": post_only(P.STEERING_SURVEYS, obj="scheme")
        for name in ("question_add", "recipients_add")
    },
    "steering:survey_answer": Url(PUBLIC, obj="public"),
}


# ---- the real ids of each URL, and the bodies of its POST --------------------------------------


def _kwargs(name: str, w: World, s) -> dict:
    """The URL's arguments, from the objects of side ``s``."""
    from sdsf.families import accounts, interest, invitations
    from sdsf.offer.availability import make_token

    family = w.users["family" if s.departement == "93" else "other_family"].family
    return {
        "code": s.departement,
        "level": "departement",
        "fmt": "csv",
        "identifier": s.eaje.identifier,
        "job": s.list_job.pk if name.startswith("allocation:") else s.job.pk,
        "round": s.validated.pk if "application_" in name else s.round.pk,
        "application": s.waiting.pk if "application_" in name else s.application.pk,
        "reference": s.pre.reference,
        "step": "parent",
        "document": s.document.pk,
        "proposal": s.proposal.pk,
        "scheme": s.scheme.pk,
        "action": s.action.pk,
        "indicator": s.indicator.pk,
        "version": s.version.pk,
        "review": s.review.pk,
        "survey": s.survey.pk,
        "uidb64": w.reset[0],
        "token": {
            "offer:availability_link": make_token(s.eaje),
            "families:verify": accounts.verification_token(family),
            "families:confirm_interest": interest.token(s.pre),
            "families:invitation": invitations.token(s.invitation),
            "families:password_reset_confirm": w.reset[1],
            "steering:survey_answer": s.recipients.token,
        }.get(name),
    } | SPECIAL_KWARGS.get(name, lambda w, s: {})(w, s)


SPECIAL_KWARGS: dict[str, Callable] = {
    "offer:assistant": lambda w, s: {"identifier": s.assistant.identifier},
    "families:assistant": lambda w, s: {"identifier": s.assistant.identifier},
    "families:parenting_action": lambda w, s: {"identifier": s.parenting.identifier},
    # a file filed at the desk, not yet attached to an account: the invitation is sent
    "families:desk_invite": lambda w, s: {"reference": s.duplicate.reference},
}
QUERIES = {
    "families:desk_merge": lambda w, s: f"?avec={s.duplicate.reference}",
    "maps:communes": lambda w, s: "?bbox=2.40,48.89,2.47,48.93",
}


def _csv(name: str, text: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode(), content_type="text/csv")


def _parent(s) -> dict:
    return {
        "parent_first_name": "Camille",
        "parent_last_name": "Martin",
        "email": "camille@example.org",
        "home_commune": s.commune,
    }


BODIES: dict[str, Callable] = {
    "offer:structure_availability": lambda w, s: {"available_places": "2", "available_from": ""},
    "offer:import": lambda w, s: {
        "kind": "eaje",
        "file": _csv(
            "eaje.csv",
            "Identifiant;Nom;Type d'accueil;Code commune;Financement;Places agréées\n"
            f"EAJE-NEW;Nouvelle crèche;multi-accueil;{s.commune};PSU;20\n",
        ),
    },
    "offer:availability_link": lambda w, s: {"unchanged": "1"},
    "allocation:round_create": lambda w, s: {
        "commune": s.commune,
        "name": "Commission d'hiver",
        "grid": s.grid.pk,
        "starts_on": "2027-01-04",
        "ends_on": "2027-01-29",
        "seed": "1",
        "answer_days": "8",
    },
    "allocation:round_import": lambda w, s: {
        "file": _csv(
            "liste.csv",
            "reference,section,date_demande,insertion,voeux,criteres\n"
            f"W-1,bebes,2026-01-02,non,{s.eaje.identifier},residence\n",
        )
    },
    "allocation:application_override": lambda w, s: {
        "structure": s.eaje.identifier,
        "reason": "Fratrie déjà accueillie.",
    },
    "allocation:application_answer": lambda w, s: {"answer": "accepted"},
    "allocation:application_vacate": lambda w, s: {"on": "2026-12-01", "reason": "Départ."},
    "families:apply": lambda w, s: _parent(s),
    "families:apply_step": lambda w, s: _parent(s),
    "proposals:refuse": lambda w, s: {"reason": "Trop loin du travail."},
    "families:desk_new": lambda w, s: _parent(s),
    "families:desk_step": lambda w, s: _parent(s),
    "families:desk_merge": lambda w, s: {"other": s.duplicate.reference, "confirm": "yes"},
    "families:desk_invite": lambda w, s: {"language": "fr"},
    "families:invitation": lambda w, s: {"answer": "accept"},
    "steering:versions": lambda w, s: {"year": "2025", "label": "Ajustement 2025"},
    "steering:reviews": lambda w, s: {"year": "2025"},
    "steering:action_update": lambda w, s: {"status": "in_progress", "progress": "40"},
    "steering:indicator_value": lambda w, s: {"year": "2025", "value": "12"},
    "steering:review_comment": lambda w, s: {"action": str(s.action.pk), "text": "Avancée."},
    "steering:review_summary": lambda w, s: {"summary": "Année de mise en route."},
    "steering:action_create": lambda w, s: {
        "axis": str(s.action.axis_id),
        "code": "1.2",
        "title": "Former les assistants maternels",
    },
    "steering:action_change": lambda w, s: {
        "axis": str(s.action.axis_id),
        "code": "1.1",
        "title": "Ouvrir des places d'accueil",
    },
    "steering:surveys": lambda w, s: {"title": "Enquête des familles"},
    "steering:question_add": lambda w, s: {"text": "Votre commune ?", "kind": "text"},
    "steering:recipients_add": lambda w, s: {
        "name": "Parents",
        "territory_level": "commune",
        "territory_code": s.commune,
        "recipients": "30",
    },
    "steering:survey_answer": lambda w, s: {
        f"q{s.survey.questions.get().pk}": "3",
    },
}


# ---- the expected answers ---------------------------------------------------------------------


def expected(url: Url, profile: str, side: int, method: str) -> tuple[object, bool]:
    """(answer, refused) of one cell, in the order the views check: method refused to all,
    log-in, the guard, a method refused after the guard, the object, the write."""
    answer = url.get if method == "GET" else url.post
    if answer == METHOD_FIRST:
        return 405, True
    logged_in = profile != "anonymous"
    if url.guard == PUBLIC:
        return answer, False
    if url.guard == GUEST:
        return (answer, False) if not logged_in else (302, False)
    if not logged_in:
        return {API: 401, FAMILY: FAMILY_LOGIN}.get(url.guard, LOGIN), True
    if url.guard == FAMILY and profile not in FAMILIES:
        return 403, True
    for permission in (url.guard, url.also):
        if isinstance(permission, Permission) and profile not in HOLDERS[permission]:
            return 403, True
    if answer == 405:
        return 405, True
    if url.obj and url.obj != "public" and profile not in REACH[url.obj][side]:
        return url.unreached, True
    if method == "POST" and url.writers and profile not in WRITERS[url.writers][side]:
        return url.refused, True
    return answer, False


def test_every_url_is_in_the_matrix():
    assert set(all_urls()) == set(URLS)


def test_every_permission_is_in_the_matrix():
    """The table of holders is the catalogue, and every permission guards some URL."""
    roles = {name: spec[0] for name, spec in PROFILES.items() if isinstance(spec, tuple)}
    catalogue = {
        permission: {name for name, role in roles.items() if role in rule.roles}
        for permission, rule in CATALOGUE.items()
    }
    assert catalogue == HOLDERS
    guards = {u.guard for u in URLS.values()} | {u.also for u in URLS.values()}
    assert set(Permission) <= guards


def test_each_view_declares_the_guard_of_the_matrix():
    for name, url in URLS.items():
        view = resolve(all_urls()[name]).func
        if isinstance(url.guard, Permission):
            assert getattr(view, "sdsf_permission", None) == url.guard, name
        elif url.guard == FAMILY:
            assert getattr(view, "sdsf_family", False), name
        else:
            assert not hasattr(view, "sdsf_permission"), name


def _named_urls(resolver: URLResolver, namespace: str = "") -> list[tuple[str, list[str]]]:
    found = []
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            found += _named_urls(entry, inner)
        elif isinstance(entry, URLPattern) and entry.name:
            found.append((f"{namespace}{entry.name}", list(entry.pattern.regex.groupindex)))
    return found


def all_urls() -> dict[str, str]:
    """Every named URL (with placeholder arguments)."""
    found = {}
    for name, arguments in _named_urls(get_resolver()):
        values = dict.fromkeys(arguments, "1")
        values.update({"code": "93", "level": "departement", "fmt": "csv", "uidb64": "MQ"})
        found[name] = reverse(name, kwargs={k: values[k] for k in arguments})
    return found


def path_of(name: str, world: World, s) -> str:
    """The URL built with the real ids of the objects of side ``s``."""
    arguments = dict(_named_urls(get_resolver()))[name]
    values = _kwargs(name, world, s)
    query = QUERIES[name](world, s) if name in QUERIES else ""
    return reverse(name, kwargs={k: values[k] for k in arguments}) + query


# ---- the matrix -------------------------------------------------------------------------------

WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE", "COPY")


def _answer(response) -> object:
    if response.status_code == 302:
        target = response["Location"].split("?")[0]
        if target == reverse("accounts:login"):
            return LOGIN
        if target == reverse("families:login"):
            return FAMILY_LOGIN
    return response.status_code


def _writes(queries) -> list[str]:
    """Statements that change a table (the session a request may save aside)."""
    return [
        q["sql"][:120]
        for q in queries
        if q["sql"].lstrip().upper().startswith(WRITES) and "django_session" not in q["sql"]
    ]


def _request(client: Client, method: str, path: str, body: dict | None):
    """One request in a savepoint rolled back after it: each cell sees the same world, and
    the statements it sent are returned."""
    with CaptureQueriesContext(connection) as queries, transaction.atomic():
        response = client.get(path) if method == "GET" else client.post(path, body or {})
        transaction.set_rollback(True)
    return _answer(response), _writes(queries.captured_queries)


def _client(world: World, profile: str) -> Client:
    client = Client()
    if PROFILES[profile] is not None:
        client.force_login(world.users[profile])
    return client


@pytest.mark.parametrize("name", sorted(URLS))
def test_permission_matrix(name, db, module_world, settings, tmp_path):
    for code in ("93", "26"):
        (tmp_path / "families" / "gate").mkdir(parents=True, exist_ok=True)
        (tmp_path / "families" / "gate" / f"{code}.pdf").write_bytes(PDF)
    url = URLS[name]
    sides = (0, 1) if url.obj or url.side else (0,)
    paths = [path_of(name, module_world, module_world.sides[code]) for code in ("93", "26")]
    wrong, wrote = [], []
    for profile in PROFILES:
        client = _client(module_world, profile)
        for side in sides:
            s = module_world.sides[("93", "26")[side]]
            path = paths[side]
            for method in ("GET", "POST"):
                body = BODIES[name](module_world, s) if name in BODIES else None
                answer, writes = _request(client, method, path, body)
                want, refused = expected(url, profile, side, method)
                cell = f"{profile:<13} {method:<4} {('93', '26')[side]}"
                if answer != want:
                    wrong.append(f"{cell}: {answer}, expected {want}")
                if refused and writes:
                    wrote.append(f"{cell}: refused ({answer}) but wrote {writes}")
    assert not wrong, f"{name}\n" + "\n".join(wrong)
    assert not wrote, f"{name}\n" + "\n".join(wrote)


def test_the_matrix_sees_the_writes_of_a_request(db, module_world):
    """The check of refused requests is not blind: an allowed POST is seen writing."""
    s = module_world.sides["93"]
    path = path_of("steering:versions", module_world, s)
    body = BODIES["steering:versions"](module_world, s)
    answer, writes = _request(_client(module_world, "admin"), "POST", path, body)
    assert answer == 302 and any(w.upper().startswith("INSERT") for w in writes)
    answer, writes = _request(_client(module_world, "pmi"), "POST", path, body)
    assert answer == 403 and not writes


def test_the_invitation_cells_are_not_blind(db, module_world):
    """The desk's invitation and the family's acceptance are seen writing; the page the other
    family gets (200) says why and shows nothing of the file."""
    s = module_world.sides["93"]
    invite = path_of("families:desk_invite", module_world, s)
    answer, writes = _request(_client(module_world, "admin"), "POST", invite, {"language": "fr"})
    assert answer == 302 and any(w.startswith('INSERT INTO "families_invitation"') for w in writes)
    link = path_of("families:invitation", module_world, s)
    answer, writes = _request(_client(module_world, "family"), "POST", link, {"answer": "accept"})
    assert answer == 302 and any(w.startswith('UPDATE "families_preapplication"') for w in writes)
    with transaction.atomic():
        page = unescape(_client(module_world, "other_family").get(link).content.decode())
        transaction.set_rollback(True)
    assert "autre adresse e-mail" in page
    assert "Prénom de l'enfant" not in page and "Bobigny" not in page
