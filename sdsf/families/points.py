"""What a pré-demande earns so far in each wished commune, and when that commune meets next.

Each commune allocates its own places with its own published points grid, so a family sees one
total per wished commune, line by line (:func:`sdsf.allocation.grids.points_lines`). The
situation form asks only the criteria of these grids.
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Min, OuterRef, Subquery
from django.utils import timezone

from sdsf.allocation.grids import PointsLine, points_lines, total
from sdsf.allocation.models import AllocationRound, PointsGrid
from sdsf.families.models import PreApplication
from sdsf.territories.models import Commune


def latest_grids(communes: list[Commune]) -> dict[str, PointsGrid]:
    """The grid each commune published last (a commune replaces its grid by publishing a new
    one), by commune code, with its criteria: two queries for all the communes."""
    latest = PointsGrid.objects.filter(commune=OuterRef("commune")).order_by("-pk").values("pk")
    grids = PointsGrid.objects.filter(commune__in=communes, pk=Subquery(latest[:1]))
    return {grid.commune_id: grid for grid in grids.prefetch_related("criteria")}


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
    communes = wished_communes(pre)
    grids = latest_grids(communes)
    for commune in communes:
        grid = grids.get(commune.code)
        if grid is None:
            continue
        for criterion in grid.criteria.all():
            question = asked.setdefault(
                criterion.key, Question(criterion.key, criterion.label, criterion.reason)
            )
            question.communes.append(commune.name)
    return list(asked.values())


def next_commissions(communes: list[Commune], today: date | None = None) -> dict[str, date]:
    """The date of each commune's next commission that is still being prepared, by commune
    code (a commune without one is left out): one query for all the communes."""
    today = today or timezone.localdate()
    rows = (
        AllocationRound.objects.filter(
            commune__in=communes,
            meets_on__gte=today,
            status__in=(AllocationRound.Status.DRAFT, AllocationRound.Status.PUBLISHED),
        )
        .order_by()
        .values("commune_id")
        .annotate(next=Min("meets_on"))
    )
    return {row["commune_id"]: row["next"] for row in rows}


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
    communes = wished_communes(pre)
    grids, meetings = latest_grids(communes), next_commissions(communes, today)
    for commune in communes:
        grid = grids.get(commune.code)
        lines = points_lines(list(grid.criteria.all()), pre.situation) if grid else []
        result.append(CommunePoints(commune, grid, lines, total(lines), meetings.get(commune.code)))
    return result


def earliest_commission(points: list[CommunePoints]) -> date | None:
    dates = [p.next_commission for p in points if p.next_commission]
    return min(dates) if dates else None
