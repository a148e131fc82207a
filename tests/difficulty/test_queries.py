"""Query counts of the difficulty lists (structures, map, territory, a structure's years, a
follow-up file): the same at two sizes (no query per row), pinned."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from sdsf.accounts.models import Role
from sdsf.difficulty.models import (
    ActivityMonth,
    ActivityYear,
    Aid,
    FollowUp,
    Meeting,
    PlanAction,
)
from sdsf.offer.models import Capacity
from tests.factories import make_structure, make_user
from tests.queries import queries

pytestmark = pytest.mark.django_db
COMMUNES = ("93008", "93048", "93066")


def _structures(start: int, end: int) -> None:
    for i in range(start, end):
        s = make_structure(COMMUNES[i % 3], identifier=f"EAJE-Q{i}", name=f"Crèche Q{i}")
        Capacity.objects.create(structure=s, section="all", places=10 + i, start="2020-01-01")
        for year in (2024, 2025):
            ActivityYear.objects.create(
                structure=s,
                year=year,
                places=10 + i,
                opening_days=210 + i,
                opening_hours_per_day=Decimal(11),
                hours_realised=Decimal(20_000 + 100 * i),
                hours_invoiced=Decimal(22_000),
                source="t",
            )
        file = FollowUp.objects.create(
            structure=s, opened_on=date(2026, 1, 2), supported_on=date(2026, 3, 1), places=10
        )
        Aid.objects.create(
            file=file,
            funder="commune",
            requested_eur=100,
            computed_eur=100,
            granted_eur=100,
            status="paid",
            requested_on=date(2026, 2, 1),
            paid_on=date(2026, 4, 1),
        )


@pytest.fixture
def client_caf(client):
    client.force_login(make_user(Role.CAF_ADVISOR))
    return client


@pytest.mark.parametrize(
    ("name", "args", "pinned"),
    [
        ("difficulty:index", [], 9),
        ("difficulty:structures_geojson", [], 8),
        ("difficulty:territory", ["93"], 16),
    ],
)
def test_lists_of_structures(client_caf, name, args, pinned):
    url = reverse(name, args=args)
    _structures(0, 3)
    small = queries(client_caf, url)
    _structures(3, 12)
    shows = "" if "geojson" in name else ("Crèche Q11" if "index" in name else "Bobigny")
    assert (small, queries(client_caf, url, warm=False, shows=shows)) == (pinned, pinned)


def test_a_structure_and_its_file(client_caf):
    s = make_structure("93008", identifier="EAJE-ONE", name="Crèche Une")
    file = FollowUp.objects.create(structure=s, opened_on=date(2026, 1, 2), places=10)
    sheet, page = (
        reverse("difficulty:structure", args=["EAJE-ONE"]),
        reverse("difficulty:file", args=[file.pk]),
    )

    def grow(start, end):
        for i in range(start, end):
            ActivityYear.objects.create(structure=s, year=2010 + i, places=10, source="t")
            ActivityMonth.objects.create(
                structure=s,
                month=date(2010 + i, 1, 1),
                children=i,
                children_allocataires=0,
                hours_invoiced=1,
                hours_realised=1,
                amount_invoiced_eur=1,
                source="t",
            )
            PlanAction.objects.create(file=file, title=f"Action {i}", who="CAF")
            Meeting.objects.create(file=file, kind="visit", held_on=date(2026, 1, 1 + i))
            Aid.objects.create(
                file=file,
                funder="caf",
                requested_eur=1,
                computed_eur=1,
                requested_on=date(2026, 1, 1),
            )

    grow(0, 2)
    counts = queries(client_caf, sheet), queries(client_caf, page)
    grow(2, 8)
    assert counts == (
        queries(client_caf, sheet, warm=False, shows="2017"),
        queries(client_caf, page, warm=False, shows="Action 7"),
    )
    assert counts == (13, 16)
