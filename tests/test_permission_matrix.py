"""Every role against every URL of the platform.

The URL list is read from the resolver, so a URL added without an entry here fails
``test_every_url_is_in_the_matrix``: whoever adds a page must say who may open it.
"""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from sdsf.accounts.models import Role
from sdsf.territories.models import Level
from tests.factories import make_user

DEPT, COMMUNE = "93", "93008"  # Seine-Saint-Denis and its chef-lieu, Bobigny

# profile name → (role, scope level, scope code); None = anonymous, "" = logged in, no role
PROFILES = {
    "anonymous": None,
    "no_role": "",
    "admin": (Role.ADMINISTRATOR, Level.DEPARTEMENT, DEPT),
    "analyst": (Role.ANALYST, Level.DEPARTEMENT, DEPT),
    "pmi": (Role.PMI_AGENT, Level.DEPARTEMENT, DEPT),
    "caf": (Role.CAF_ADVISOR, Level.DEPARTEMENT, DEPT),
    "commune": (Role.COMMUNE_AGENT, Level.COMMUNE, COMMUNE),
    "structure": (Role.STRUCTURE_MANAGER, Level.COMMUNE, COMMUNE),
    "commission": (Role.COMMISSION_MEMBER, Level.COMMUNE, COMMUNE),
    "pmi_other_departement": (Role.PMI_AGENT, Level.DEPARTEMENT, "26"),
}
STAFF_93 = ["admin", "analyst", "pmi", "caf", "commune", "structure", "commission"]

SAMPLE_KWARGS = {"code": DEPT}


def expect(default: int, **by_profile: int) -> dict[str, int]:
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
        if spec is not None:
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
