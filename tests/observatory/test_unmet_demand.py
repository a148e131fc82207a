"""Unmet demand: children with an active pré-demande and no accepted place, by commune and EPCI,
age section at the wished start and quarter; small counts hidden; page and CSV."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from sdsf.accounts.models import Role
from sdsf.allocation.models import AllocationRound, Answer, Application, PointsGrid
from sdsf.families.models import PreApplication
from sdsf.observatory.service import territory
from sdsf.observatory.unmet_demand import quarter, unmet_demand
from sdsf.territories.models import Commune, Level
from tests.factories import make_pre_application, make_structure, make_user

pytestmark = pytest.mark.django_db
BOBIGNY = "93008"
START = date(2026, 9, 1)


def _children(count, birth, start=START, commune=BOBIGNY, **fields):
    return [
        make_pre_application(
            home_commune=commune, child_birth_date=birth, wished_start=start, **fields
        )
        for _ in range(count)
    ]


def _row(found, level, code, period):
    return next(
        r for r in found.rows if (r["level"], r["code"], r["quarter"]) == (level, code, period)
    )


@pytest.mark.parametrize(
    ("day", "expected"),
    [(date(2026, 1, 1), "2026-T1"), (date(2026, 9, 30), "2026-T3"), (None, "non précisée")],
)
def test_quarter(day, expected):
    assert quarter(day) == expected


def test_counts_sections_quarters_and_hiding():
    _children(6, date(2026, 1, 1))  # 8 months at the wished start: bébés
    _children(2, date(2024, 12, 1))  # 21 months: moyens (hidden: 2)
    _children(5, date(2024, 1, 1))  # 32 months: grands
    _children(5, date(2025, 12, 1), start=date(2027, 1, 5))  # bébés, next quarter
    _children(3, date(2026, 1, 1), status=PreApplication.Status.CLOSED)  # not counted
    _children(2, date(2026, 1, 1), status=PreApplication.Status.DRAFT)  # not counted
    placed = _children(1, date(2026, 1, 1))[0]
    grid = PointsGrid.objects.create(commune_id=BOBIGNY, name="Grille", source="Test")
    round_ = AllocationRound.objects.create(
        commune_id=BOBIGNY,
        name="Commission",
        starts_on=START,
        ends_on=date(2026, 12, 31),
        grid=grid,
        status=AllocationRound.Status.VALIDATED,
    )
    Application.objects.create(
        round=round_,
        reference=placed.reference,
        section="babies",
        submitted_on=START,
        points=Decimal(0),
        pre_application=placed,
        answer=Answer.ACCEPTED,
    )

    found = unmet_demand(territory("departement", "93"))
    row = _row(found, "commune", BOBIGNY, "2026-T3")
    assert (row["bebes"], row["moyens"], row["grands"]) == (6, None, 5)
    assert row["total"] is None  # one hidden section: the total would reveal it
    assert _row(found, "commune", BOBIGNY, "2027-T1")["total"] == 5
    epci = Commune.objects.get(code=BOBIGNY).epci_id
    assert _row(found, "epci", epci, "2026-T3")["bebes"] == 6
    assert found.total == 18 and found.last_round == START


def test_one_hidden_section_hides_the_total():
    _children(6, date(2026, 1, 1))
    _children(1, date(2024, 1, 1))
    row = _row(unmet_demand(territory("commune", BOBIGNY)), "commune", BOBIGNY, "2026-T3")
    assert (row["bebes"], row["grands"], row["total"]) == (6, None, None)


def test_page_and_csv(client):
    client.force_login(make_user(Role.COMMUNE_AGENT, Level.COMMUNE, BOBIGNY))
    _children(5, date(2026, 1, 1))
    _children(1, date(2024, 1, 1), commune="93066")
    page = client.get(reverse("observatory:territory", args=["departement", "93"]))
    text = page.content.decode()
    assert "Demande non satisfaite" in text and "&lt; 5" in text
    csv = client.get(reverse("observatory:unmet_demand_export", args=["departement", "93"]))
    lines = csv.content.decode("utf-8-sig").splitlines()
    assert lines[0] == "Échelon;Code;Nom;Entrée souhaitée;Bébés;Moyens;Grands;Total"
    assert f"Commune;{BOBIGNY};Bobigny;2026-T3;5;0;0;5" in lines
    assert any(line.startswith("Commune;93066;") and line.endswith(";< 5;< 5") for line in lines)


def _round(name, starts_on, status=AllocationRound.Status.VALIDATED):
    grid, _ = PointsGrid.objects.get_or_create(commune_id=BOBIGNY, name="Grille", source="Test")
    return AllocationRound.objects.create(
        commune_id=BOBIGNY,
        name=name,
        starts_on=starts_on,
        ends_on=starts_on.replace(month=12, day=31),
        grid=grid,
        status=status,
    )


def _listed(round_, count, section="babies", **fields):
    for number in range(count):
        Application.objects.create(
            round=round_,
            reference=f"{section}-{number}-{fields.get('answer', '')}-{len(fields)}",
            section=section,
            submitted_on=date(2026, 1, 2),
            points=Decimal(0),
            **fields,
        )


def test_families_of_an_imported_waiting_list_count_after_the_latest_commission():
    _children(5, date(2026, 1, 1))  # online pré-demandes, 2026-T3
    old = _round("Commission 2025", date(2025, 9, 1))
    _listed(old, 7)  # an older commission's list: not counted again
    latest = _round("Commission 2026", START)
    _listed(latest, 6)  # waiting bébés
    _listed(latest, 5, "older", answer=Answer.REFUSED)  # refused their place: still waiting
    _listed(latest, 9, answer=Answer.ACCEPTED)  # placed
    _listed(latest, 2, "all")  # « toutes sections »: in the total only
    _listed(_round("Commission à venir", date(2027, 1, 4), AllocationRound.Status.DRAFT), 8)

    found = unmet_demand(territory("departement", "93"))
    row = _row(found, "commune", BOBIGNY, "2026-T3")
    assert (row["bebes"], row["moyens"], row["grands"], row["total"]) == (11, 0, 5, 18)
    assert found.total == 18


def test_a_computed_proposal_leaves_the_listed_families_without_a_place_waiting():
    validated = _round("Commission 2025", date(2025, 9, 1))
    _listed(validated, 7)
    computed = _round("Commission 2026", START, AllocationRound.Status.RUN)
    _listed(computed, 6)  # no place proposed
    structure = make_structure()
    _listed(computed, 4, proposed_structure=structure)
    found = unmet_demand(territory("commune", BOBIGNY))
    assert _row(found, "commune", BOBIGNY, "2026-T3")["bebes"] == 6
    assert found.total == 6
