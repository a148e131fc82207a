"""What a URL brings from outside never makes a server error: every route of the resolver is
called with a NUL character in each of its parameters, and with an integer past any column."""

import re

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from sdsf.accounts.models import Role
from tests.factories import make_user

pytestmark = pytest.mark.django_db

PARAMETER = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")
SAMPLE = {
    "int": "1",
    "str": "x",
    "slug": "x",
    "path": "x",
    "uuid": "0" * 8 + "-0000-0000-0000-" + "0" * 12,
}


def routes(patterns=None, prefix="") -> list[str]:
    """Every route of the resolver, in ``path()`` syntax (regular expressions left out)."""
    found = []
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        route = str(entry.pattern)
        if isinstance(entry, URLResolver):
            found += routes(entry.url_patterns, prefix + route)
        elif isinstance(entry, URLPattern):
            found.append(prefix + route)
    return [r for r in found if not r.startswith("^")]


def urls_with(route: str, bad: dict[str, str]) -> list[str]:
    """One URL per parameter of ``route``: that parameter gets ``bad[converter]`` (when there
    is one for its converter), the others a sample."""
    parameters = list(PARAMETER.finditer(route))
    built = []
    for target in parameters:
        converter = target["converter"] or "str"
        if converter not in bad:
            continue

        def value(match, target=target):
            kind = match["converter"] or "str"
            return bad[kind] if match.start() == target.start() else SAMPLE.get(kind, "x")

        built.append("/" + PARAMETER.sub(value, route))
    return built


NUL = {"str": "a%00b", "slug": "a%00b", "path": "a%00b", "uuid": "%00", "int": "%00"}
HUGE = {"int": "9223372036854775808"}


def test_the_walk_covers_the_routes_with_parameters():
    with_parameters = [r for r in routes() if PARAMETER.search(r)]
    assert len(with_parameters) > 60
    assert any("<str:" in r for r in with_parameters) and any("<int:" in r for r in with_parameters)


@pytest.mark.parametrize("who", ["anonymous", "administrator", "family"])
@pytest.mark.parametrize("bad", [NUL, HUGE], ids=["nul", "huge-integer"])
def test_no_route_answers_500_to_a_nul_or_a_huge_integer(who, bad):
    client = Client(raise_request_exception=False)
    if who == "administrator":
        client.force_login(make_user(Role.ADMINISTRATOR))
    elif who == "family":
        from tests.factories import make_family

        client.force_login(make_family().user)
    answers = {}
    for route in routes():
        for url in urls_with(route, bad):
            for method in (client.get, client.post):
                answers[(method.__name__, url)] = method(url).status_code
    assert answers
    assert {key: code for key, code in answers.items() if code != 404} == {}


def test_nul_or_huge_numbers_in_the_query_string_are_a_bad_request(client):
    client.force_login(make_user(Role.ADMINISTRATOR))
    assert client.get("/offre/?q=a%00b").status_code == 400
    assert client.get("/api/indicators", {"year": "9223372036854775808"}).status_code == 400
    assert client.get("/api/indicators", {"year": "2020\x00"}).status_code == 400
