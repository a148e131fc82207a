"""What a pré-demande earns so far in each wished commune, when that commune meets next, and
the places proposed to it: the commission the family pages ask (:mod:`sdsf.families.commission`;
this module is the implementation the allocation app registers at start-up).

Each commune allocates its own places with its own published points grid, so a family sees one
total per wished commune, line by line (:func:`sdsf.allocation.grids.points_lines`). The
situation form asks only the criteria of these grids.
"""

from datetime import date

from django.db.models import Min, OuterRef, Subquery
from django.urls import reverse

from sdsf.allocation.grids import family_questions, points_lines, total
from sdsf.allocation.models import AllocationRound, Answer, PointsGrid
from sdsf.core import clock
from sdsf.families.commission import CommunePoints, Proposal, Question
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


def questions(pre: PreApplication) -> list[Question]:
    """The criteria of the latest grids of the wished communes, each key asked once."""
    asked: dict[str, Question] = {}
    communes = wished_communes(pre)
    grids = latest_grids(communes)
    for commune in communes:
        grid = grids.get(commune.code)
        if grid is None:
            continue
        for criterion in family_questions(grid.criteria.all()):
            question = asked.setdefault(
                criterion.key,
                Question(criterion.key, criterion.display_label, criterion.display_reason),
            )
            question.communes.append(commune.name)
    return list(asked.values())


def next_commissions(communes: list[Commune], today: date | None = None) -> dict[str, date]:
    """The date of each commune's next commission that is still being prepared, by commune
    code (a commune without one is left out): one query for all the communes."""
    today = today or clock.today()
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


def points_so_far(pre: PreApplication, today: date | None = None) -> list[CommunePoints]:
    """Per wished commune: its grid, the lines the declared situation meets, their total."""
    result = []
    communes = wished_communes(pre)
    grids, meetings = latest_grids(communes), next_commissions(communes, today)
    for commune in communes:
        grid = grids.get(commune.code)
        lines = points_lines(family_questions(grid.criteria.all()), pre.situation) if grid else []
        result.append(CommunePoints(commune, grid, lines, total(lines), meetings.get(commune.code)))
    return result


def proposals(pre: PreApplication) -> list[Proposal]:
    """The applications of the pré-demande that a validated round proposed a place to."""
    return [
        Proposal(
            url=reverse("proposals:detail", args=[application.pk]),
            commune=application.round.commune.name,
            answer=application.get_answer_display(),
            pending=application.answer == Answer.PENDING,
            deadline=application.answer_deadline,
        )
        for application in pre.round_applications.exclude(answer="").select_related(
            "round__commune"
        )
    ]
