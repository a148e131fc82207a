"""Query counts of the commission's lists: the same at two sizes (no query per row), pinned."""

from datetime import date, timedelta

import pytest
from django.urls import reverse

from sdsf.accounts.models import Role
from sdsf.allocation.models import AllocationRound, Answer, Application, Criterion, PointsGrid
from sdsf.core import clock
from sdsf.territories.models import Level
from tests.factories import make_pre_application, make_structure, make_user
from tests.queries import FakeHTML, queries, sql

pytestmark = pytest.mark.django_db

COMMUNE = "93008"
START = date(2026, 9, 1)


@pytest.fixture
def agent(client):
    """A commune agent of Bobigny: sees and manages its commissions."""
    user = make_user(Role.COMMUNE_AGENT, Level.COMMUNE, COMMUNE)
    client.force_login(user)
    return user


@pytest.fixture
def grid():
    grid = PointsGrid.objects.create(commune_id=COMMUNE, name="Grille", source="Test")
    for position, key in enumerate(("residence", "single_parent", "disability")):
        Criterion.objects.create(
            grid=grid, position=position, key=key, label=key, weight=10, reason="Loi."
        )
    return grid


def _round(grid, status=AllocationRound.Status.VALIDATED, name="Commission") -> AllocationRound:
    return AllocationRound.objects.create(
        commune_id=COMMUNE,
        name=name,
        starts_on=START,
        ends_on=START + timedelta(days=30),
        grid=grid,
        status=status,
    )


def _applications(item: AllocationRound, structures, start: int, count: int) -> None:
    """Applications of every kind a round lists: proposed, overridden, without place, from an
    online pré-demande or from the waiting list."""
    for i in range(start, start + count):
        wished = [structures[i % 2], structures[(i + 1) % 2]]
        placed = i % 4 != 3
        Application.objects.create(
            round=item,
            reference=f"D-{i}",
            section="bebes",
            submitted_on=date(2026, 1, 1) + timedelta(days=i),
            criteria=["residence", "disability"][: i % 3],
            wishes=[s.identifier for s in wished],
            points=10 * (i % 3),
            proposed_structure=wished[0] if placed else None,
            wish_rank=1 if placed else None,
            decided_structure=wished[1] if i % 5 == 4 else None,
            override_reason="Fratrie." if i % 5 == 4 else "",
            explanation={"message": "Proposée."},
            pre_application=make_pre_application(wishes=[wished[0]]) if i % 2 else None,
            answer=Answer.PENDING if placed else "",
            answer_deadline=START if placed else None,
        )


def _two_sizes(client, url: str, item, structures, shows: str) -> tuple[int, int]:
    _applications(item, structures, 0, 3)
    small = queries(client, url)
    _applications(item, structures, 3, 12)
    return small, queries(client, url, warm=False, shows=shows)


@pytest.fixture
def structures():
    return [make_structure(COMMUNE, name=f"Crèche {i}") for i in range(2)]


@pytest.mark.parametrize("status", ["run", "validated"])
def test_round_page(client, agent, grid, structures, status):
    item = _round(grid, status)
    url = reverse("allocation:round", args=[item.pk])
    assert _two_sizes(client, url, item, structures, shows="D-14") == (17, 17)


def test_public_grid(client, grid, structures):
    item = _round(grid)
    url = reverse("allocation:public_grid", args=[item.pk])
    assert _two_sizes(client, url, item, structures, shows="Places attribuées") == (4, 4)


def test_round_structure(client, agent, grid, structures):
    item = _round(grid)
    url = reverse("allocation:round_structure", args=[item.pk, structures[0].identifier])
    assert _two_sizes(client, url, item, structures, shows="D-12") == (19, 19)


def test_rounds(client, agent, grid):
    url = reverse("allocation:index")
    for i in range(3):
        _round(grid, name=f"Commission {i}")
    small = queries(client, url)
    for i in range(3, 15):
        _round(grid, name=f"Commission {i}")
    assert (small, queries(client, url, warm=False, shows="Commission 14")) == (4, 4)


def test_round_page_reads_the_rows_of_its_page_only(client, agent, grid, structures, monkeypatch):
    """The full rows (explanation, pré-demande) of one page only; the indicators and the
    wished structures read a few columns of the others."""
    monkeypatch.setattr("sdsf.allocation.views.PAGE_SIZE", 5)
    item = _round(grid)
    _applications(item, structures, 0, 15)
    read = sql(client, reverse("allocation:round", args=[item.pk]) + "?page=2")
    full = [q for q in read if '"allocation_application"."explanation"' in q]
    assert len(full) == 1 and "LIMIT 5 OFFSET 5" in full[0]


@pytest.mark.parametrize(
    ("status", "name", "expected"),
    [
        ("run", "allocation:application_override", 13),
        ("validated", "allocation:application_letter", 13),
    ],
)
def test_an_application_and_its_points(client, agent, grid, monkeypatch, status, name, expected):
    """An application's page (the structures it wishes) and its letter (its points, line by
    line): with 3 then 15 criteria and wishes."""
    monkeypatch.setattr("weasyprint.HTML", FakeHTML)  # the PDF's page is rendered, not drawn
    item = _round(grid, status)
    application = Application.objects.create(
        round=item, reference="D-1", section="bebes", submitted_on=date(2026, 1, 1), points=0
    )
    url = reverse(name, args=[item.pk, application.pk])

    def rows(start, count):
        for i in range(start, start + count):
            Criterion.objects.create(
                grid=grid, position=10 + i, key=f"k{i}", label=f"Critère {i}", weight=1, reason="r"
            )
            application.criteria.append(f"k{i}")
            application.wishes.append(make_structure(COMMUNE, name=f"Crèche {i}").identifier)
        application.save()

    rows(0, 3)
    small = queries(client, url)
    rows(3, 12)
    assert (small, queries(client, url, warm=False, shows="Critère 14")) == (expected, expected)


def _crèches(start: int, count: int, item=None) -> None:
    """Crèches of the commune with capacity (pooled or by section) and enrolled children; every
    other one declared its places for ``item``."""
    from sdsf.allocation.models import Vacancy
    from sdsf.offer.models import Capacity, Enrolment

    for i in range(start, start + count):
        structure = make_structure(COMMUNE, name=f"Crèche {i}")
        section = "all" if i % 2 else "older"
        Capacity.objects.create(structure=structure, section=section, places=10, start=START)
        for n in range(3):
            Enrolment.objects.create(
                structure=structure, reference=f"E{n}", section="older", start=date(2025, 9, 1)
            )
        if item is not None and i % 2:
            Vacancy.objects.create(round=item, structure=structure, section="all", places=2)


def test_round_places(client, agent, grid):
    item = _round(grid, AllocationRound.Status.PUBLISHED)
    url = reverse("allocation:round_places", args=[item.pk])
    _crèches(0, 3, item)
    small = queries(client, url)
    _crèches(3, 12, item)
    assert (small, queries(client, url, warm=False, shows="Crèche 14")) == (12, 12)


def _coming_rounds(grid, starts_on, numbers) -> None:
    for i in numbers:
        AllocationRound.objects.create(
            commune_id=COMMUNE,
            name=f"Commission {i}",
            starts_on=starts_on,
            ends_on=starts_on + timedelta(days=30),
            grid=grid,
            status=AllocationRound.Status.PUBLISHED,
        )


def test_declarations(client, agent, grid):
    url = reverse("allocation:declarations")
    coming = clock.today() + timedelta(days=60)
    _crèches(0, 2)
    _coming_rounds(grid, coming, range(3))
    small = queries(client, url)
    _crèches(2, 6)
    _coming_rounds(grid, coming, range(3, 15))
    assert (small, queries(client, url, warm=False, shows="Commission 14")) == (6, 6)
