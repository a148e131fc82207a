"""Indicators of a round, computed on the commission's decisions (proposal or override).

Counts of 1 to 4 families are hidden (``None``) as in published statistics, together with
the shares computed from them, so that no family can be singled out.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from sdsf.allocation.models import Application

SMALL_COUNT = 5
INSERTION_TARGET = 0.20  # AVIP crèches keep at least 20 % of their places for insertion
RANK_GROUPS = ((1, "1er vœu"), (2, "2e vœu"), (3, "3e vœu"))


def shown(count: int) -> int | None:
    """The count, or None when it is small enough to identify a family (1 to 4)."""
    return None if 0 < count < SMALL_COUNT else count


def _share(part: int, whole: int) -> float | None:
    if whole == 0 or shown(part) is None or shown(whole) is None:
        return None
    return part / whole


@dataclass(frozen=True)
class Indicators:
    applications: int | None
    allocated: int | None
    allocated_share: float | None
    insertion_allocated: int | None
    insertion_share: float | None
    insertion_target: float
    by_rank: list[tuple[str, int | None]]
    mean_wait_months: float | None


def final_rank(application: Application, identifiers: dict[int, str]) -> int | None:
    """Rank of the decided structure among the family's wishes (None without a place)."""
    structure = application.final_structure_id
    if structure is None:
        return None
    if not application.overridden:
        return application.wish_rank
    identifier = identifiers.get(structure)
    return application.wishes.index(identifier) + 1 if identifier in application.wishes else None


def round_indicators(
    applications: Iterable[Application], identifiers: dict[int, str], starts_on
) -> Indicators:
    """``identifiers`` maps structure primary keys to identifiers (for overridden decisions)."""
    applications = list(applications)
    placed = [a for a in applications if a.final_structure_id is not None]
    ranks = [final_rank(a, identifiers) for a in placed]
    insertion = sum(a.insertion for a in placed)
    groups = [(label, shown(sum(r == rank for r in ranks))) for rank, label in RANK_GROUPS]
    groups.append(("4e vœu ou au-delà", shown(sum((r or 0) >= 4 for r in ranks))))
    waits = [(starts_on - a.submitted_on).days / 30.44 for a in placed]
    return Indicators(
        applications=shown(len(applications)),
        allocated=shown(len(placed)),
        allocated_share=_share(len(placed), len(applications)),
        insertion_allocated=shown(insertion),
        insertion_share=_share(insertion, len(placed)),
        insertion_target=INSERTION_TARGET,
        by_rank=groups,
        mean_wait_months=sum(waits) / len(waits) if shown(len(waits)) else None,
    )
