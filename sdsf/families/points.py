"""What a pré-demande earns so far in each wished commune, and when that commune meets next.

Each commune allocates its own places with its own published points grid, so a family sees one
total per wished commune, line by line (:func:`sdsf.allocation.grids.points_lines`). The
situation form asks only the criteria of these grids.
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sdsf.allocation.grids import PointsLine, points_lines, total
from sdsf.allocation.models import AllocationRound, PointsGrid
from sdsf.core import clock
from sdsf.families.models import PreApplication
from sdsf.territories.models import Commune


def latest_grid(commune: Commune) -> PointsGrid | None:
    """The grid a commune published last (a commune replaces its grid by publishing a new one)."""
    return (
        PointsGrid.objects.filter(commune=commune)
        .prefetch_related("criteria")
        .order_by("-pk")
        .first()
    )


def wished_communes(pre: PreApplication) -> list[Commune]:
    """Communes of the wishes, in the order of the family's first wish for each."""
    seen: dict[str, Commune] = {}
    for wish in pre.wishes.select_related("structure__commune", "commune"):
        commune = wish.structure.commune if wish.structure_id else wish.commune
        seen.setdefault(commune.code, commune)
    return list(seen.values())


@dataclass
class Question:
    """One criterion asked to the family, with why it is asked and which communes use it."""

    key: str
    label: str
    reason: str
    communes: list[str] = field(default_factory=list)


def questions(pre: PreApplication) -> list[Question]:
    """The criteria of the latest grids of the wished communes, each key asked once."""
    asked: dict[str, Question] = {}
    for commune in wished_communes(pre):
        grid = latest_grid(commune)
        if grid is None:
            continue
        for criterion in grid.criteria.all():
            question = asked.setdefault(
                criterion.key, Question(criterion.key, criterion.label, criterion.reason)
            )
            question.communes.append(commune.name)
    return list(asked.values())


def next_commission(commune: Commune, today: date | None = None) -> date | None:
    """The date of the commune's next commission that is still being prepared."""
    today = today or clock.today()
    return (
        AllocationRound.objects.filter(
            commune=commune,
            meets_on__gte=today,
            status__in=(AllocationRound.Status.DRAFT, AllocationRound.Status.PUBLISHED),
        )
        .order_by("meets_on")
        .values_list("meets_on", flat=True)
        .first()
    )


@dataclass
class CommunePoints:
    commune: Commune
    grid: PointsGrid | None
    lines: list[PointsLine]
    total: Decimal
    next_commission: date | None


def points_so_far(pre: PreApplication, today: date | None = None) -> list[CommunePoints]:
    """Per wished commune: its grid, the lines the declared situation meets, their total."""
    result = []
    for commune in wished_communes(pre):
        grid = latest_grid(commune)
        lines = points_lines(list(grid.criteria.all()), pre.situation) if grid else []
        result.append(
            CommunePoints(commune, grid, lines, total(lines), next_commission(commune, today))
        )
    return result


def earliest_commission(points: list[CommunePoints]) -> date | None:
    dates = [p.next_commission for p in points if p.next_commission]
    return min(dates) if dates else None
