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
from datetime import timedelta
from html import unescape

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse

from sdsf.accounts.scope import CATALOGUE, Permission
from sdsf.core import clock
from sdsf.difficulty.filoue import COLUMNS as COLUMNS_FILOUE
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
    P.PEOPLE_MANAGE: who("admin admin_26"),
    P.INSTITUTIONS_MANAGE: who("admin admin_26"),
    P.VIEW_AUDIT: who("admin admin_26"),
    P.OFFER_VIEW: STAFF,
    P.OFFER_VIEW_AM: who("pmi caf commune commune_other structure rpe"),
    P.OFFER_IMPORT: who("admin admin_26 pmi caf"),
    P.OFFER_EXPORT: who("admin admin_26 analyst pmi caf commune commune_other state"),
    P.OFFER_UPDATE_AVAILABILITY: who("structure rpe"),
    P.OFFER_EDIT: who("admin admin_26 pmi caf"),
    P.AGREMENT_EDIT: who("pmi"),
    P.AGREMENT_ALERTS: who("pmi"),
    P.STEERING_VIEW: STAFF,
    P.STEERING_EDIT_ACTION: STAFF - who("state"),
    P.STEERING_COORDINATE: who("admin admin_26"),
    P.STEERING_SURVEYS: who("admin admin_26 analyst"),
    P.OBSERVATORY_VIEW: STAFF,
    P.OBSERVATORY_IMPORT: who("admin admin_26 analyst"),
    P.ALLOCATION_VIEW: who("admin admin_26 commune commune_other commission"),
    P.ALLOCATION_MANAGE: who("admin admin_26 commune commune_other"),
    P.ALLOCATION_DECLARE_PLACES: who("admin admin_26 commune commune_other structure rpe"),
    P.FAMILY_FILES_VIEW: who("admin admin_26 caf commune commune_other structure rpe"),
    P.FAMILY_FILES_FILE: who("admin admin_26 caf commune commune_other structure rpe"),
    P.FAMILY_FILES_MERGE: who("admin admin_26 commune commune_other"),
    P.EMERGENCY_VIEW: who("admin admin_26 pmi caf state structure rpe"),
    P.EMERGENCY_MANAGE: who("admin admin_26 pmi state"),
    P.EMERGENCY_REQUESTS: who("admin admin_26 pmi caf state"),
    P.EMERGENCY_PLACES: who("admin admin_26 pmi structure rpe"),
    P.FUNDING_VIEW: STAFF,
    P.FUNDING_INSTRUCT: who("admin admin_26 pmi caf commune commune_other"),
    P.FUNDING_APPLY: who("commune commune_other structure rpe"),
    P.DIFFICULTY_VIEW: who("admin admin_26 pmi caf commune commune_other structure rpe"),
    P.DIFFICULTY_ACTIVITY: who("admin admin_26 caf structure rpe"),
    P.DIFFICULTY_FOLLOW: who("admin admin_26 pmi caf commune commune_other structure rpe"),
    P.DIFFICULTY_DECIDE: who("admin admin_26 caf"),
    P.PUBLIC_SERVICE_VIEW: STAFF,
    P.LOCAL_SCHEMA_EDIT: who("commune commune_other"),
    P.COMMITTEE_VIEW: who("admin admin_26 analyst caf state"),
    P.COMMITTEE_MANAGE: who("admin admin_26 caf"),
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
    # an observatory file's check: seen by its département's importers (the history)
    "observatory job": (who("admin analyst"), who("admin_26")),
    "round": (who("admin commune commission"), who("admin_26")),
    # a structure in the round's commune that one declares places for: its manager, the
    # commune's agent, the administrators (the relais is no EAJE of Bobigny)
    "declared structure": (who("admin commune structure"), who("admin_26")),
    "family's file": (who("family"), who("other_family")),
    "invitation": (who("family"), who("other_family")),
    "desk file": (who("admin caf commune rpe"), who("admin_26")),
    "scheme": (STAFF_93, who("admin_26")),
    "emergency period": (who("admin pmi caf state structure rpe"), who("admin_26")),
    "difficulty file": (who("admin pmi caf commune structure"), who("admin_26")),
    "local schema": (STAFF_93, who("admin_26")),
    "own local schema": (who("commune"), NOBODY),  # Bobigny's agent writes Bobigny's schéma
    "meeting": (STAFF_93, who("admin_26")),
    # the ledger: coordination, observatory and State see all; the funders' agents (the CAF
    # and the Département of the 93 fund its programme) their programmes; the manager of
    # Bobigny its own files (it is the operator)
    "programme": (who("admin analyst pmi caf state"), who("admin_26")),
    "funding operator": (who("admin analyst pmi caf commune state structure"), who("admin_26")),
    "funding file": (who("admin analyst pmi caf state structure"), who("admin_26")),
    "person": (who("admin"), who("admin_26")),
    "institution": (who("admin"), who("admin_26")),
}
# Who may change what they reach, when the view lets only some readers write.
WRITERS = {
    "administrators": (who("admin"), who("admin_26")),
    "offer editors": (who("admin pmi caf"), who("admin_26")),
    "coordinators": (who("admin"), who("admin_26")),
    "pilots": (who("admin caf"), who("admin_26")),  # the CAF pilots the action of the 93
    "desk commune": (who("admin caf commune rpe"), who("admin_26")),
    "operator of the 93": (who("structure"), NOBODY),
    "round commune": (who("admin commune"), who("admin_26")),
    "emergency managers": (who("admin pmi state"), who("admin_26")),
    # a manager declares for its own EAJE and MAM (the relais manages neither)
    "emergency places": (who("admin pmi structure"), who("admin_26")),
    "signers": (who("caf structure"), NOBODY),  # the manager and the CAF co-sign a plan
    "schema commune": (who("commune"), NOBODY),
    "observatory importers": (who("admin analyst"), who("admin_26")),
    "observatory uploader": (who("admin"), who("admin_26")),  # confirms their own check
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
    "accounts:welcome": Url(PUBLIC, obj="public", post=302),
    "people:list": staff(P.VIEW_PEOPLE),
    "people:invite": staff(
        P.PEOPLE_MANAGE, 200, 302, side=True, writers="administrators", refused=200
    ),
    "people:person": staff(P.PEOPLE_MANAGE, obj="person"),
    **{
        f"people:{name}": post_only(P.PEOPLE_MANAGE, obj="person")
        for name in ("role_add", "role_withdraw", "person_active", "resend")
    },
    "people:institutions": staff(P.INSTITUTIONS_MANAGE),
    "people:institution_create": staff(
        P.INSTITUTIONS_MANAGE, 200, 302, side=True, writers="administrators", refused=200
    ),
    "people:institution_edit": staff(P.INSTITUTIONS_MANAGE, 200, 302, obj="institution"),
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
    "offer:structure_create": staff(
        P.OFFER_EDIT, 200, 302, side=True, writers="offer editors", refused=200
    ),
    "offer:structure_edit": staff(P.OFFER_EDIT, 200, 302, obj="structure"),
    "offer:structure_capacity": staff(P.OFFER_EDIT, 200, 302, obj="structure"),
    "offer:assistant_agrement": staff(P.AGREMENT_EDIT, 200, 302, obj="assistant"),
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
    "observatory:import": staff(
        P.OBSERVATORY_IMPORT, 200, 302, side=True, writers="observatory importers", refused=200
    ),
    "observatory:import_job": staff(P.OBSERVATORY_IMPORT, obj="observatory job"),
    "observatory:import_progress": staff(
        P.OBSERVATORY_IMPORT, 200, METHOD_FIRST, obj="observatory job"
    ),
    "observatory:import_confirm": post_only(
        P.OBSERVATORY_IMPORT, obj="observatory job", writers="observatory uploader", refused=404
    ),
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
    "allocation:round_places": staff(P.ALLOCATION_VIEW, obj="round"),
    "allocation:declarations": staff(P.ALLOCATION_DECLARE_PLACES),
    "allocation:declare_places": staff(
        P.ALLOCATION_DECLARE_PLACES, 200, 302, obj="declared structure"
    ),
    **{
        f"allocation:{name}": post_only(P.ALLOCATION_MANAGE, obj="round")
        for name in ("round_publish", "round_intake", "round_run")
    },
    **{
        f"allocation:{name}": staff(P.ALLOCATION_MANAGE, 200, 302, obj="round")
        for name in (
            "round_validate",
            "application_override",
            "application_answer",
            "application_vacate",
        )
    },
    "allocation:application_letter": staff(P.ALLOCATION_MANAGE, obj="round"),
    "allocation:commission_points": staff(P.ALLOCATION_MANAGE, 200, 302, obj="round"),
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
        for name in ("action_create", "action_change", "action_budget", "governance_edit")
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
    # emergency childcare: the préfecture and the Département open it; only they and the CAF
    # see the requests; managers and the PMI declare places; families ask on a public page
    "emergency:index": staff(P.EMERGENCY_VIEW, 200, METHOD_FIRST),
    "emergency:open": staff(
        P.EMERGENCY_MANAGE, 200, 302, side=True, writers="emergency managers", refused=200
    ),
    **{
        f"emergency:{name}": staff(P.EMERGENCY_VIEW, 200, METHOD_FIRST, obj="emergency period")
        for name in ("period", "period_geojson")
    },
    "emergency:places": staff(
        P.EMERGENCY_PLACES,
        200,
        302,
        obj="emergency period",
        writers="emergency places",
        refused=404,
    ),
    "emergency:requests": staff(P.EMERGENCY_REQUESTS, 200, METHOD_FIRST, obj="emergency period"),
    "emergency:request_new": staff(P.EMERGENCY_REQUESTS, 200, 302, obj="emergency period"),
    **{
        f"emergency:{name}": post_only(P.EMERGENCY_MANAGE, obj="emergency period")
        for name in ("run", "close")
    },
    "emergency_family:periods": Url(PUBLIC, 200, 405),
    "emergency_family:request": Url(PUBLIC, obj="public"),
    # structures in difficulty: the partners of the structure (Département, PMI, CAF, commune,
    # manager) share its file; the CAF and the administration decide
    "difficulty:index": staff(P.DIFFICULTY_VIEW),
    "difficulty:structures_geojson": staff(P.DIFFICULTY_VIEW),
    "difficulty:territory": staff(P.DIFFICULTY_VIEW, obj="departement"),
    "difficulty:thresholds": staff(P.DIFFICULTY_DECIDE, 200, 302, obj="departement"),
    "difficulty:structure": staff(P.DIFFICULTY_VIEW, obj="structure"),
    **{
        f"difficulty:{name}": staff(P.DIFFICULTY_ACTIVITY, 200, 302, obj="structure")
        for name in ("activity", "filoue")
    },
    "difficulty:file_open": post_only(P.DIFFICULTY_FOLLOW, obj="structure"),
    "difficulty:file": staff(P.DIFFICULTY_VIEW, obj="difficulty file"),
    "difficulty:file_edit": post_only(P.DIFFICULTY_FOLLOW, obj="difficulty file"),
    "difficulty:file_sign": post_only(
        P.DIFFICULTY_FOLLOW, obj="difficulty file", writers="signers"
    ),
    **{
        f"difficulty:{name}": post_only(P.DIFFICULTY_DECIDE, obj="difficulty file")
        for name in ("file_status", "aid_decide")
    },
    # communes' obligations and schémas: every staff role reads its départements'; a commune's
    # agent writes its own schéma; the Département records transfers and renews the scheme;
    # the committee: read by the Département, the CAF (secretariat) and the State
    "publicservice:index": staff(P.PUBLIC_SERVICE_VIEW, 302, 302),
    **{
        f"publicservice:{name}": staff(P.PUBLIC_SERVICE_VIEW, obj="departement")
        for name in ("obligations", "obligations_export")
    },
    "publicservice:transfer_add": post_only(P.STEERING_COORDINATE, obj="departement"),
    "publicservice:schema_open": post_only(
        P.LOCAL_SCHEMA_EDIT, side=True, writers="schema commune"
    ),
    **{
        f"publicservice:{name}": staff(P.PUBLIC_SERVICE_VIEW, obj="local schema")
        for name in ("schema", "schema_pdf")
    },
    **{
        f"publicservice:{name}": staff(P.LOCAL_SCHEMA_EDIT, 200, 302, obj="own local schema")
        for name in ("schema_edit", "orientation_edit")
    },
    **{
        f"publicservice:{name}": post_only(P.LOCAL_SCHEMA_EDIT, obj="own local schema")
        for name in ("schema_adopt", "schema_update", "schema_review", "schema_refill")
    },
    **{
        f"publicservice:{name}": staff(P.COMMITTEE_VIEW, obj="departement")
        for name in ("committee", "summary", "summary_pdf")
    },
    **{
        f"publicservice:{name}": staff(P.COMMITTEE_MANAGE, 200, 302, obj="departement")
        for name in ("member_add", "meeting_add")
    },
    "publicservice:meeting": staff(P.COMMITTEE_VIEW, obj="meeting"),
    "publicservice:meeting_edit": staff(P.COMMITTEE_MANAGE, 200, 302, obj="meeting"),
    "publicservice:decision_add": post_only(P.COMMITTEE_MANAGE, obj="meeting"),
    "publicservice:renewal": staff(P.STEERING_COORDINATE, 200, 302, obj="scheme"),
    # funding: the ledger's pages; calls and signed grants (open data) are public
    "funding:index": staff(P.FUNDING_VIEW),
    "funding:territory": staff(P.FUNDING_VIEW),
    "funding:aids": staff(P.FUNDING_VIEW),
    **{
        f"funding:{name}": staff(P.FUNDING_VIEW, obj="programme")
        for name in ("programme", "statement_pdf", "statement_xlsx")
    },
    "funding:operator": staff(P.FUNDING_VIEW, obj="funding operator"),
    **{
        f"funding:{name}": staff(P.FUNDING_VIEW, obj="funding file")
        for name in ("application", "convention", "document")
    },
    **{
        f"funding:{name}": post_only(P.FUNDING_INSTRUCT, obj="funding file")
        for name in ("instruct", "decide", "sign", "pay")
    },
    "funding:report": post_only(P.FUNDING_APPLY, obj="funding file"),
    "funding:apply": staff(
        P.FUNDING_APPLY, 200, 302, side=True, writers="operator of the 93", refused=200
    ),
    "funding:calls": Url(PUBLIC),
    "funding:call": Url(PUBLIC, obj="public"),
    "funding:open_data": Url(PUBLIC),
}


# ---- the real ids of each URL, and the bodies of its POST --------------------------------------


def _kwargs(name: str, w: World, s) -> dict:
    """The URL's arguments, from the objects of side ``s``."""
    from sdsf.accounts import invitations as staff_invitations
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
        "period": s.emergency.pk,
        "file": s.follow_up.pk,
        "part": "a" if name.startswith("publicservice:") else "action",
        "schema": s.local_schema.pk,
        "meeting": s.meeting.pk,
        "year": 2026,
        "person": s.person.pk,
        "assignment": s.person.assignments.get().pk,
        "institution": s.institution.pk,
        "uidb64": w.reset[0],
        "token": {
            "offer:availability_link": make_token(s.eaje),
            "families:verify": accounts.verification_token(family),
            "families:confirm_interest": interest.token(s.pre),
            "families:invitation": invitations.token(s.invitation),
            "families:password_reset_confirm": w.reset[1],
            "steering:survey_answer": s.recipients.token,
            "accounts:welcome": staff_invitations.token(s.person),
        }.get(name),
    } | SPECIAL_KWARGS.get(name, lambda w, s: {})(w, s)


SPECIAL_KWARGS: dict[str, Callable] = {
    **{
        f"observatory:{name}": lambda w, s: {"job": s.observatory_job.pk}
        for name in ("import_job", "import_progress", "import_confirm")
    },
    "offer:assistant": lambda w, s: {"identifier": s.assistant.identifier},
    "offer:assistant_agrement": lambda w, s: {"identifier": s.assistant.identifier},
    "families:assistant": lambda w, s: {"identifier": s.assistant.identifier},
    "families:parenting_action": lambda w, s: {"identifier": s.parenting.identifier},
    # a file filed at the desk, not yet attached to an account: the invitation is sent
    "families:desk_invite": lambda w, s: {"reference": s.duplicate.reference},
    **{
        f"funding:{name}": lambda w, s: {
            "programme": s.programme.pk,
            "year": s.programme.start_year,
            "operator": s.funding_operator.pk,
            "slug": s.call.slug,
            "application": s.funding_application.pk,
            "document": s.funding_document.pk,
            "payment": s.payment.pk,
        }
        for name in (
            "programme",
            "statement_pdf",
            "statement_xlsx",
            "operator",
            "call",
            "apply",
            "application",
            "instruct",
            "decide",
            "sign",
            "report",
            "convention",
            "document",
            "pay",
        )
    },
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


def _role(s) -> dict:
    return {
        "role": "analyst",
        "institution": str(s.institution.pk),
        "territory": f"departement:{s.departement}",
    }


def _agrement(w, s) -> dict:
    from sdsf.core import clock

    today = clock.today()
    return {
        "decision": "suspension",
        "effective_from": today.isoformat(),
        "places": "3",
        "ages": "0-3 ans",
        "start": (today - timedelta(days=365)).isoformat(),
        "expiry": (today + timedelta(days=365)).isoformat(),
        "reason": "Enquête de la PMI en cours.",
    }


BODIES: dict[str, Callable] = {
    "accounts:welcome": lambda w, s: {
        "new_password1": "Une phrase de passe 2026",
        "new_password2": "Une phrase de passe 2026",
    },
    "people:invite": lambda w, s: {
        "email": "nouvelle.personne@example.org",
        "first_name": "Nina",
        "last_name": "Durand",
        **_role(s),
    },
    "people:role_add": lambda w, s: _role(s),
    "people:person_active": lambda w, s: {"active": "0"},
    "people:institution_create": lambda w, s: {
        "name": "Ville de démonstration",
        "kind": "commune",
        "territory": f"commune:{s.commune}",
    },
    "people:institution_edit": lambda w, s: {
        "name": "CAF du département",
        "kind": "caf",
        "territory": f"departement:{s.departement}",
    },
    "offer:structure_create": lambda w, s: {
        "identifier": "EAJE-NOUVELLE",
        "kind": "eaje",
        "name": "Crèche des Lilas",
        "commune": s.commune,
        "status": "planned",
    },
    "offer:structure_edit": lambda w, s: {"name": "Crèche des Lilas", "status": "open"},
    "offer:structure_capacity": lambda w, s: {"start": "2026-12-01", "babies": "12"},
    "offer:assistant_agrement": _agrement,
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
    "observatory:import": lambda w, s: {
        "departement": s.departement,
        "kind": "population",
        "year": "2021",
        "file": _csv("pop.csv", f"CODGEO;P21_POP0002\n{s.commune};120\n"),
    },
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
    "allocation:declare_places": lambda w, s: {"places_all": "3", "days_all": ["lu", "ma"]},
    "allocation:round_validate": lambda w, s: {"confirm": "on"},
    "allocation:commission_points": lambda w, s: {},
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
    "emergency:open": lambda w, s: {
        "departement": s.departement,
        "title": "Crise",
        "reason": "Fermeture des crèches",
        "starts_on": clock.today().isoformat(),
        "ends_on": clock.today().isoformat(),
        "max_distance_km": "15",
        "categories": "Personnels de santé",
    },
    "emergency:places": lambda w, s: {
        "holder": f"s-{s.eaje.pk}",
        clock.today().isoformat(): "3",
    },
    "emergency:request_new": lambda w, s: _emergency_request(s),
    "emergency_family:request": lambda w, s: _emergency_request(s),
    "difficulty:thresholds": lambda w, s: {
        "occupancy_low_pct": "55",
        "occupancy_fall_points": "10",
        "invoicing_low_pct": "107",
        "invoicing_high_pct": "117",
        "staff_costs_high_pct": "90",
        "deficit_high_pct": "10",
        "children_per_place_low": "1",
        "children_per_place_high": "5",
        "opening_days_low": "220",
    },
    "difficulty:activity": lambda w, s: {"year": "2024", "places": "10"},
    "difficulty:filoue": lambda w, s: {
        "file": _csv(
            "filoue.csv",
            ";".join(COLUMNS_FILOUE) + "\n931;1;1;1000001;RG;2024-03-14;93000;BOBIGNY;"
            "10;9;15;1,5;0,06;2025-01-02;2025-01-31\n",
        )
    },
    "difficulty:file_edit": lambda w, s: {"title": "Former l'équipe", "who": "CAF"},
    "difficulty:file_status": lambda w, s: {"status": "diagnosed"},
    "difficulty:aid_decide": lambda w, s: {"aid": str(s.aid.pk), "decision": "refused"},
    "steering:action_budget": lambda w, s: {
        "budget-TOTAL_FORMS": "1",
        "budget-INITIAL_FORMS": "0",
        "budget-0-financer": "CAF",
        "budget-0-year": "2025",
        "budget-0-amount": "1000",
        "milestones-TOTAL_FORMS": "0",
        "milestones-INITIAL_FORMS": "0",
    },
    "steering:governance_edit": lambda w, s: {
        "bodies-TOTAL_FORMS": "1",
        "bodies-INITIAL_FORMS": "0",
        "bodies-0-kind": "commission",
        "bodies-0-name": "Comité départemental",
        "bodies-0-members_text": "Préfet — présidence",
    },
    "publicservice:transfer_add": lambda w, s: {
        "commune": s.commune,
        "effective_from": "2026-01-01",
    },
    "publicservice:schema_open": lambda w, s: {"level": "commune", "authority": s.commune},
    "publicservice:schema_edit": lambda w, s: {
        "start_year": "2027",
        "end_year": "2032",
        "coverage_threshold": "50",
        "inventory": "Offre.",
        "needs": "Besoins.",
        "zones": "Zones.",
    },
    "publicservice:orientation_edit": lambda w, s: {
        "text": "Ouvrir une crèche.",
        "actions": str(s.action.pk),
        "bindings": "coverage_rate",
    },
    "publicservice:schema_adopt": lambda w, s: {"adopted_on": "2026-11-30"},
    "publicservice:schema_review": lambda w, s: {"year": "2027", "summary": "Année utile."},
    "publicservice:member_add": lambda w, s: {
        "college": "state",
        "name": "Dominique Préfet",
        "organisation": "Préfecture",
        "mandate_start": "2026-04-01",
    },
    "publicservice:meeting_add": lambda w, s: {
        "held_on": "2026-10-01",
        "title": "Séance d'automne",
        "agenda": "Bilan annuel.",
    },
    "publicservice:meeting_edit": lambda w, s: {
        "held_on": "2026-03-01",
        "title": "Séance plénière",
        "agenda": "Bilan du schéma.",
        "minutes": "Adopté.",
    },
    "publicservice:decision_add": lambda w, s: {
        "text": "Nouvelle décision.",
        "actions": str(s.action.pk),
    },
    "publicservice:renewal": lambda w, s: {"start_year": "2030"},
    "funding:apply": lambda w, s: {
        "operator": str(w.sides["93"].funding_operator.pk),
        "title": "Ateliers",
        "description": "Ateliers parents-enfants",
        "requested_eur": "500",
        "planned_beneficiaries": "12",
    },
    "funding:instruct": lambda w, s: {"eligible": "1", "note": ""},
    "funding:decide": lambda w, s: {"decided_on": "2026-12-01", "minutes": "PV"},
    "funding:sign": lambda w, s: {"on": "2026-12-01"},
    "funding:pay": lambda w, s: {"on": "2026-12-01"},
    "funding:report": lambda w, s: {
        "beneficiaries": "10",
        "families_reached": "8",
        "actions_held": "3",
        "summary": "Bilan",
    },
}


def _emergency_request(s) -> dict:
    return {
        "parent_name": "Camille Martin",
        "email": "camille@example.org",
        "employer": "Hôpital",
        "category": s.emergency.categories.get().pk,
        "home_commune": s.commune,
        "child_0_name": "Lina",
        "child_0_birth": "2025-03-01",
        "days": clock.today().isoformat(),
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
        for app in ("families", "funding"):
            (tmp_path / app / "gate").mkdir(parents=True, exist_ok=True)
            (tmp_path / app / "gate" / f"{code}.pdf").write_bytes(PDF)
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
