"""Query counts of the accounts' lists: the same at two sizes (no query per row), pinned."""

import pytest
from django.urls import reverse

from sdsf.accounts import scope
from sdsf.accounts.models import STRUCTURE_SCOPE, Assignment, Institution, Role, label_scopes
from sdsf.audit import territory
from sdsf.territories.models import Commune, Level
from sdsf.territories.queries import TerritoryRef, labels
from tests.factories import make_family, make_pre_application, make_structure, make_user
from tests.queries import queries

pytestmark = pytest.mark.django_db


def _people(count: int, start: int = 0) -> None:
    """People of the 93 with roles at every level (their labels name each territory)."""
    epci = Commune.objects.get(code="93008").epci_id
    scopes = [
        (Role.COMMUNE_AGENT, Level.COMMUNE, "93008"),
        (Role.ANALYST, Level.EPCI, epci),
        (Role.PMI_AGENT, Level.DEPARTEMENT, "93"),
        (Role.COMMUNE_AGENT, Level.COMMUNE, "93048"),
    ]
    for i in range(start, start + count):
        if i % 5 == 2:
            structure = make_structure("93048", "rpe")
            make_user(
                Role.STRUCTURE_MANAGER, STRUCTURE_SCOPE, structure.identifier, last_name=f"P{i}"
            )
        else:
            make_user(*scopes[i % len(scopes)], last_name=f"P{i}")


def test_people(client):
    client.force_login(make_user(Role.ADMINISTRATOR))
    url = reverse("people:list")
    _people(3)
    small = queries(client, url)
    _people(12, start=3)
    assert (small, queries(client, url, warm=False, shows="P14")) == (21, 21)


# What the lists use to stay at a few queries: territories labelled in bulk, people placed in
# their départements in bulk (the audit of the people list).

MGP, EST_ENSEMBLE = "200054781", "200057875"


def test_territories_are_labelled_with_one_query_per_level(django_assert_num_queries):
    expected = {
        TerritoryRef("commune", "93008"): "Commune Bobigny (93008)",
        TerritoryRef("commune", "93048"): "Commune Montreuil (93048)",
        TerritoryRef("epci", MGP): "EPCI Métropole du Grand Paris",
        TerritoryRef("ept", EST_ENSEMBLE): "EPT Est Ensemble",
        TerritoryRef("departement", "93"): "Département Seine-Saint-Denis (93)",
        TerritoryRef("region", "84"): "Région Auvergne-Rhône-Alpes",
        TerritoryRef("commune", "99999"): "99999",  # unknown: its code
    }
    with django_assert_num_queries(5):
        assert labels(expected) == expected
    with django_assert_num_queries(1):
        assert TerritoryRef("epci", MGP).label == expected[TerritoryRef("epci", MGP)]


def test_roles_are_labelled_in_bulk(django_assert_num_queries):
    make_structure("93048", "rpe", identifier="RPE-Q")
    people = [
        make_user(Role.COMMUNE_AGENT, Level.COMMUNE, "93008"),
        make_user(Role.ANALYST, Level.EPCI, MGP),
        make_user(Role.STRUCTURE_MANAGER, STRUCTURE_SCOPE, "RPE-Q"),
    ]
    roles = list(Assignment.objects.filter(user__in=people).select_related("structure_commune"))
    with django_assert_num_queries(2):  # communes, EPCI; the relais' commune is loaded
        label_scopes(roles)
    assert sorted(a.scope_label for a in roles) == [
        "Commune Bobigny (93008)",
        "EPCI Métropole du Grand Paris",
        "Structure RPE-Q (Montreuil)",
    ]


def test_people_are_placed_in_their_departements_in_bulk(django_assert_num_queries):
    """As :func:`scope.departements` places each person, with a few queries for them all."""
    make_structure("93048", "rpe", identifier="RPE-Q")
    people = [
        make_user(Role.COMMUNE_AGENT, Level.COMMUNE, "93008"),
        make_user(Role.ANALYST, Level.EPCI, MGP),  # six départements
        make_user(Role.ANALYST, Level.EPT, EST_ENSEMBLE),
        make_user(Role.PMI_AGENT, Level.DEPARTEMENT, "26"),
        make_user(Role.ANALYST, Level.REGION, "84"),
        make_user(Role.STRUCTURE_MANAGER, STRUCTURE_SCOPE, "RPE-Q"),
        make_user(Role.COMMUNE_AGENT, Level.COMMUNE, "99999"),  # unknown code: none
        make_user(),  # no role: none
    ]
    expected = {(p.pk, d.code) for p in people for d in scope.departements(p)}
    with django_assert_num_queries(6):  # roles, then one per level
        assert scope.departements_of_people([p.pk for p in people]) == expected
    assert {(people[1].pk, code) for code in ("75", "91", "92", "93", "94", "95")} <= expected


def test_the_audit_places_people_as_one_by_one():
    family = make_family()
    make_pre_application(family=family)
    make_pre_application(family=family, departement="26", home_commune="26362")
    people = [
        family.user,
        make_user(Role.ANALYST, Level.EPCI, MGP),
        make_user(Role.COMMUNE_AGENT, Level.COMMUNE, "26362"),
        make_user(),
    ]
    found = territory.of_people(people)
    assert found == {person.pk: territory.of_person(person) for person in people}
    assert found[family.user.pk] == {"93", "26"}


def test_institutions(client):
    """The institutions list (its territories labelled in bulk)."""
    client.force_login(make_user(Role.ADMINISTRATOR))
    url = reverse("people:institutions")

    def institutions(start: int, count: int) -> None:
        levels = [(Level.COMMUNE, "93008"), (Level.EPT, EST_ENSEMBLE), (Level.DEPARTEMENT, "93")]
        for i in range(start, start + count):
            level, code = levels[i % len(levels)]
            Institution.objects.create(
                name=f"Institution I{i}", kind="commune", territory_level=level, territory_code=code
            )

    institutions(0, 3)
    small = queries(client, url)
    institutions(3, 12)
    assert (small, queries(client, url, warm=False, shows="Institution I14")) == (8, 8)
