"""Query counts of the observatory's lists (communes, EPCI, territories' figures): the same for
Paris (one commune) and the Drôme (360), so no query per commune; pinned."""

import pytest
from django.urls import reverse

from sdsf.accounts.models import Assignment, Role
from sdsf.observatory.demo import create_figures
from sdsf.territories.models import Departement, Level
from tests.factories import make_institution, make_pre_application, make_user
from tests.queries import FakeHTML, queries, rolled_back

pytestmark = pytest.mark.django_db

PARIS, VALENCE, ROMANS = "75056", "26362", "26281"


def _add_departement(user, code: str) -> None:
    Assignment.objects.create(
        user=user,
        institution=make_institution(code=code),
        role=Role.ANALYST,
        scope_level=Level.DEPARTEMENT,
        scope_code=code,
    )


@pytest.fixture(scope="module")
def figures(django_db_setup, django_db_blocker):
    """(Synthetic) figures of Paris and of the Drôme, and families waiting in both, built once
    for the module."""
    with rolled_back(django_db_blocker):
        for code in ("75", "26"):
            create_figures(Departement.objects.get(code=code))
        for home in (PARIS, PARIS, VALENCE, ROMANS):
            make_pre_application(departement=home[:2], home_commune=home)
        yield


@pytest.fixture
def analyst(client, figures):
    """An analyst of Paris and of the Drôme."""
    user = make_user(Role.ANALYST, code="75")
    _add_departement(user, "26")
    client.force_login(user)
    return user


def _urls(name: str, *args, query: str = "") -> list[str]:
    """The page of Paris, then of the Drôme (``*args`` follow the département's code)."""

    def url(code):
        by_level = ("departement", code) if name in TERRITORY_PAGES else (code,)
        return reverse(f"observatory:{name}", args=[*by_level, *args]) + query

    return [url("75"), url("26")]


TERRITORY_PAGES = {
    "territory",
    "territory_geojson",
    "territory_export",
    "unmet_demand_export",
    "territory_pdf",
}


@pytest.mark.parametrize(
    ("urls", "shows", "expected"),
    [
        (_urls("territory"), "Valence", 23),
        (_urls("territory_geojson"), "Valence", 17),
        (_urls("territory_export", "csv"), "Valence", 20),
        (_urls("territory_export", "xlsx"), "", 20),
        (_urls("unmet_demand_export"), "Valence", 8),
        (_urls("territory_pdf"), "Valence", 21),
        (_urls("priority"), "Valence", 18),
        (_urls("priority", query="?niveau=epci"), "Valence Romans", 20),
        (_urls("priority_geojson"), "Valence", 19),
        (_urls("priority_export", "csv"), "Valence", 18),
        (_urls("key_figures_pdf"), "Valence", 33),
    ],
    ids=lambda value: value[0] if isinstance(value, list) else None,
)
def test_territory_lists(client, analyst, monkeypatch, urls, shows, expected):
    monkeypatch.setattr("weasyprint.HTML", FakeHTML)  # the PDF's page is rendered, not drawn
    paris, drome = urls
    small = queries(client, paris)
    assert (small, queries(client, drome, warm=False, shows=shows)) == (expected, expected)


@pytest.mark.parametrize(("level", "expected"), [("commune", 17), ("epci", 17), ("departement", 8)])
def test_api_indicators(client, analyst, level, expected):
    """Rows of the caller's départements: Paris alone, then Paris and the Drôme."""
    url = f"/api/indicators?level={level}"
    analyst.assignments.filter(scope_code="26").delete()
    small = queries(client, url)
    _add_departement(analyst, "26")
    assert (small, queries(client, url, warm=False, shows="26")) == (expected, expected)


def test_index(client, analyst):
    url = reverse("observatory:index")
    two = queries(client, url)
    for code in ("93", "94", "92"):
        _add_departement(analyst, code)
    assert (two, queries(client, url, warm=False, shows="Seine-Saint-Denis")) == (4, 4)
