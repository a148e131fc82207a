"""Every role against every URL of the platform.

The URL list is read from the resolver, so a URL added without an entry here fails
``test_every_url_is_in_the_matrix``: whoever adds a page must say who may open it.
"""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from sdsf.accounts.models import Role
from sdsf.territories.models import Level
from tests.factories import make_family, make_user

DEPT, COMMUNE = "93", "93008"  # Seine-Saint-Denis and its chef-lieu, Bobigny

# profile name → (role, scope level, scope code); None = anonymous, "" = logged in, no role
PROFILES = {
    "anonymous": None,
    "no_role": "",
    "family": "family",  # a family account with a verified e-mail address, no staff role
    "admin": (Role.ADMINISTRATOR, Level.DEPARTEMENT, DEPT),
    "analyst": (Role.ANALYST, Level.DEPARTEMENT, DEPT),
    "pmi": (Role.PMI_AGENT, Level.DEPARTEMENT, DEPT),
    "caf": (Role.CAF_ADVISOR, Level.DEPARTEMENT, DEPT),
    "commune": (Role.COMMUNE_AGENT, Level.COMMUNE, COMMUNE),
    "structure": (Role.STRUCTURE_MANAGER, Level.COMMUNE, COMMUNE),
    "commission": (Role.COMMISSION_MEMBER, Level.COMMUNE, COMMUNE),
    "state": (Role.STATE, Level.DEPARTEMENT, DEPT),  # préfecture: reads, changes nothing
    "pmi_other_departement": (Role.PMI_AGENT, Level.DEPARTEMENT, "26"),
}
STAFF_93 = ["admin", "analyst", "pmi", "caf", "commune", "structure", "commission", "state"]

SAMPLE_KWARGS = {"code": DEPT, "identifier": "STRUCTURE-INCONNUE", "job": 1}
# steering: no scheme exists here, so pages of a scheme answer 404 once past the gate
# (tests/steering/test_pages_and_permissions.py checks them with real objects); unknown token → 404.
SAMPLE_KWARGS.update(
    dict.fromkeys(("scheme", "action", "indicator", "version", "review", "survey"), 999999)
)
SAMPLE_KWARGS["token"] = "jeton-inconnu"
SAMPLE_KWARGS.update({"level": "departement", "fmt": "csv"})  # observatory
# allocation: no round exists here, so its pages answer 404 once past the gate
# (tests/allocation/test_rounds.py checks them with real objects).
SAMPLE_KWARGS.update(dict.fromkeys(("round", "application", "proposal"), 999999))
# families: no pré-demande exists here (tests/families/test_apply.py and test_desk_filing.py
# check them with real objects); Django's password reset link with an unknown user and token.
SAMPLE_KWARGS.update({"reference": "PD-INCONNUE", "step": "parent", "document": 999999})
SAMPLE_KWARGS["uidb64"] = "MQ"


def expect(default: int, **by_profile: int) -> dict[str, int]:
    """Statuses by profile; a family, a person without staff role, answers as ``no_role``
    unless told otherwise."""
    by_profile.setdefault("family", by_profile.get("no_role", default))
    return {name: by_profile.get(name, default) for name in PROFILES}


def staff_only(ok: int = 200, *, anonymous: int = 302, out_of_scope: int = 404) -> dict:
    """Any staff role of the territory; a person of another département gets 404."""
    return expect(ok, anonymous=anonymous, no_role=403, pmi_other_departement=out_of_scope)


def admin_only() -> dict:
    return expect(403, anonymous=302, admin=200)


EXPECTED = {
    "core:home": expect(200, anonymous=302),
    "core:healthz": expect(200),
    "accounts:login": expect(302, anonymous=200),
    "accounts:logout": expect(405),
    "accounts:people": admin_only(),
    "audit:search": admin_only(),
    "territories:index": staff_only(302, out_of_scope=302),
    "territories:departement": staff_only(),
    "territories:departement_geojson": staff_only(),
    "api:api-root": expect(404),  # django-ninja answers nothing at its root
    "api:openapi-json": expect(200, anonymous=302),
    "api:openapi-view": expect(200, anonymous=302),
    "api:departement_communes": staff_only(anonymous=401),
    # offer registry: structures are public information for every staff role (each sees its
    # own scope); childminders are personal data; imports by PMI, CAF and administrators.
    "offer:index": expect(200, anonymous=302, no_role=403),
    "offer:structures_geojson": expect(200, anonymous=302, no_role=403),
    "offer:structures_export": expect(
        200, anonymous=302, no_role=403, structure=403, commission=403
    ),
    "offer:structure": expect(404, anonymous=302, no_role=403),
    "offer:structure_availability": expect(403, anonymous=302, structure=404),
    "offer:assistants": expect(
        200, anonymous=302, no_role=403, admin=403, analyst=403, commission=403, state=403
    ),
    "offer:assistants_export": expect(
        403, anonymous=302, pmi=200, caf=200, commune=200, pmi_other_departement=200
    ),
    "offer:assistant": expect(
        403,
        anonymous=302,
        pmi=404,
        caf=404,
        commune=404,
        structure=404,
        pmi_other_departement=404,
    ),
    "offer:alerts": expect(403, anonymous=302, pmi=200, pmi_other_departement=200),
    "offer:parenting": expect(200, anonymous=302, no_role=403),
    "offer:import": expect(
        403, anonymous=302, admin=200, pmi=200, caf=200, pmi_other_departement=200
    ),
    "offer:import_job": expect(
        403, anonymous=302, admin=404, pmi=404, caf=404, pmi_other_departement=404
    ),
    "offer:import_progress": expect(
        403, anonymous=302, admin=404, pmi=404, caf=404, pmi_other_departement=404
    ),
    "api:offer_structures": expect(200, anonymous=401, no_role=403),
    # steering: every staff role reads the plan; pilots update their actions (POST only), never
    # the State (read-only); administrators coordinate; administrators and analysts run surveys;
    # the survey answer link is public and answers 404 unless its token is valid.
    **{
        f"steering:{name}": staff_only(404)
        for name in (
            "scheme",
            "versions",
            "reviews",
            "governance",
            "report_pdf",
            "report_xlsx",
            "action",
            "version",
            "review",
        )
    },
    "steering:index": expect(200, anonymous=302, no_role=403),
    **{
        f"steering:{name}": {**staff_only(405, out_of_scope=405), "state": 403}
        for name in ("action_update", "indicator_value", "review_comment")
    },
    **{
        f"steering:{name}": expect(403, anonymous=302, admin=404)
        for name in ("action_create", "action_change")
    },
    **{
        f"steering:{name}": expect(403, anonymous=302, admin=405)
        for name in ("action_validate", "action_end", "review_summary", "review_freeze")
    },
    **{
        f"steering:{name}": expect(403, anonymous=302, admin=404, analyst=404)
        for name in ("surveys", "survey", "survey_export")
    },
    **{
        f"steering:{name}": expect(403, anonymous=302, admin=405, analyst=405)
        for name in ("question_add", "recipients_add")
    },
    "steering:survey_answer": expect(404),
    # observatory: aggregates of the person's départements for every staff role; a person of
    # another département gets 404 on them (the API filters instead and answers 200).
    "observatory:index": staff_only(302, out_of_scope=302),
    **{
        f"observatory:{name}": staff_only()
        for name in (
            "territory",
            "territory_geojson",
            "territory_export",
            "territory_pdf",
            "key_figures_pdf",
            "priority",
            "priority_geojson",
            "priority_export",
            "unmet_demand_export",
        )
    },
    "api:indicators": expect(200, anonymous=401, no_role=403),
    # allocation: commission members, commune agents and administrators see the rounds of
    # their territory; commune agents and administrators manage them; the published grid of a
    # round is public (no login).
    "allocation:index": expect(403, anonymous=302, admin=200, commune=200, commission=200),
    "allocation:round_create": expect(403, anonymous=302, admin=200, commune=200),
    **{
        f"allocation:{name}": expect(403, anonymous=302, admin=404, commune=404, commission=404)
        for name in ("round", "round_structure", "round_progress")
    },
    **{
        f"allocation:{name}": expect(403, anonymous=302, admin=404, commune=404)
        for name in (
            "round_import",
            "round_import_job",
            "round_import_progress",
            "application_override",
            "application_letter",
            "application_answer",
            "application_vacate",
        )
    },
    **{
        f"allocation:{name}": expect(403, anonymous=302, admin=405, commune=405)
        for name in ("round_publish", "round_intake", "round_run", "round_validate")
    },
    "allocation:public_grid": expect(404),
    # families' language selector (Django's set_language; a GET only redirects) and the public
    # cost estimate pages
    "set_language": expect(302),
    "families:cost": expect(200),
    # find the offer (public, no account): search, its map layer, detail pages (unknown → 404);
    # the availability reminder's signed link (public: the token is the credential).
    "families:search": expect(200),
    "families:search_geojson": expect(200),
    **{f"families:{name}": expect(404) for name in ("structure", "assistant", "parenting_action")},
    "offer:availability_link": expect(404),
    # family account (public sign-up, log-in, password reset; the space for family accounts)
    "families:signup": expect(302, anonymous=200),
    "families:login": expect(302, anonymous=200),
    "families:verify": expect(200),
    "families:verify_resend": expect(403, anonymous=302, family=405),
    **{
        f"families:{name}": expect(200)
        for name in (
            "password_reset",
            "password_reset_done",
            "password_reset_confirm",
            "password_reset_complete",
        )
    },
    "families:space": expect(403, anonymous=302, family=200),
    "families:apply": expect(403, anonymous=302, family=200),
    **{
        f"families:{name}": expect(403, anonymous=302, family=404)
        for name in ("application", "apply_step", "receipt", "withdraw", "document")
    },
    # guichet unique filing: commune, CAF, relais (structure managers) and administrators
    "families:desk_new": expect(403, anonymous=302, admin=200, caf=200, commune=200, structure=200),
    **{
        f"families:{name}": expect(
            403, anonymous=302, admin=404, caf=404, commune=404, structure=404
        )
        for name in ("desk_edit", "desk_step", "desk_withdraw", "desk_receipt")
    },
    # guichet unique desk (h3): the files of the territory for the same agents; merging for
    # commune agents and administrators; interest confirmed by an agent is a POST.
    "families:desk": expect(403, anonymous=302, admin=200, caf=200, commune=200, structure=200),
    **{
        f"families:{name}": expect(
            403, anonymous=302, admin=404, caf=404, commune=404, structure=404
        )
        for name in ("desk_detail", "desk_document")
    },
    "families:desk_merge": expect(403, anonymous=302, admin=404, commune=404),
    "families:desk_confirm_interest": expect(
        403, anonymous=302, admin=405, caf=405, commune=405, structure=405
    ),
    # the desk invites a family to attach a file to its account (POST); the family answers
    # from its space, through the signed link (unknown token → 404)
    "families:desk_invite": expect(
        403, anonymous=302, admin=405, caf=405, commune=405, structure=405
    ),
    "families:invitation": expect(403, anonymous=302, family=404),
    # a family's own data; the confirmation link (public, unknown token → 404)
    "families:my_data": expect(403, anonymous=302, family=200),
    "families:confirm_interest": expect(404),
    # the family's answer to a proposal (its own proposals only; accept and refuse are POST)
    "families:proposal": expect(403, anonymous=302, family=404),
    **{
        f"families:{name}": expect(403, anonymous=302, family=405)
        for name in ("proposal_accept", "proposal_refuse")
    },
}


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
    return {
        name: reverse(name, kwargs={k: SAMPLE_KWARGS[k] for k in kwargs})
        for name, kwargs in _named_urls(get_resolver())
    }


def test_every_url_is_in_the_matrix():
    assert set(all_urls()) == set(EXPECTED)


@pytest.fixture
def client_for(client, db):
    def login(profile: str):
        spec = PROFILES[profile]
        if spec == "family":
            client.force_login(make_family().user)
        elif spec is not None:
            user = make_user(*spec) if spec else make_user()
            client.force_login(user)
        return client

    return login


@pytest.mark.parametrize("profile", list(PROFILES))
def test_permission_matrix(client_for, profile):
    client = client_for(profile)
    answers = {name: client.get(url).status_code for name, url in all_urls().items()}
    expected = {name: statuses[profile] for name, statuses in EXPECTED.items()}
    assert answers == expected
