"""Query counts of the territories' lists (a département's communes, EPCI and EPT): the same
for the 93 (forty communes) and the Drôme (360), pinned."""

import pytest
from django.urls import reverse

from sdsf.accounts.models import Assignment, Role
from sdsf.territories.models import Level
from tests.factories import make_institution, make_user
from tests.queries import queries

pytestmark = pytest.mark.django_db


def _add_departement(user, code: str) -> None:
    Assignment.objects.create(
        user=user,
        institution=make_institution(code=code),
        role=Role.ANALYST,
        scope_level=Level.DEPARTEMENT,
        scope_code=code,
    )


@pytest.fixture
def analyst(client):
    user = make_user(Role.ANALYST)
    _add_departement(user, "26")
    client.force_login(user)
    return user


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("/territoires/departements/{}/", 9),
        ("/territoires/departements/{}/communes.geojson", 5),
        ("/api/territories/departements/{}/communes", 5),
    ],
)
def test_communes_of_a_departement(client, analyst, url, expected):
    small = queries(client, url.format("93"))
    large = queries(client, url.format("26"), warm=False, shows="Valence")
    assert (small, large) == (expected, expected)


def test_index(client, analyst):
    url = reverse("territories:index")
    two = queries(client, url)
    for code in ("75", "92", "94"):
        _add_departement(analyst, code)
    assert (two, queries(client, url, warm=False, shows="Val-de-Marne")) == (4, 4)
