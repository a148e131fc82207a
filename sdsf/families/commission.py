"""What the family pages need from the commission that allocates the places, without importing it.

The commission (:mod:`sdsf.allocation`) sits above the families app: it takes the pré-demandes
into its rounds (``docs/decisions/0003-allocation-above-families.md``). The family pages still
show what the commission publishes: the criteria of the wished communes' grids (the situation
step asks only these), the points so far and the next commission date (review, the file's page,
the receipt, the desk), and the places proposed. :class:`Commission` says what they need; the
allocation app registers its implementation (:mod:`sdsf.allocation.points`) at start-up, in its
``AppConfig.ready``. Callers use this module's functions, which ask the registered commission.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, Protocol

from django.core.exceptions import ImproperlyConfigured

from sdsf.families.models import PreApplication
from sdsf.territories.models import Commune


@dataclass
class Question:
    """One criterion asked to the family, with why it is asked and which communes use it."""

    key: str
    label: str
    reason: str
    communes: list[str] = field(default_factory=list)


class PointsLine(Protocol):
    """One line of a grid the declared situation meets."""

    label: str
    weight: Decimal


@dataclass
class CommunePoints:
    """Points so far in one wished commune: the lines of its latest grid the situation meets."""

    commune: Commune
    grid: Any  # the grid the lines come from; None when the commune has published none
    lines: Sequence[PointsLine]
    total: Decimal
    next_commission: date | None


@dataclass(frozen=True)
class Proposal:
    """A place a round proposed for the pré-demande, and where the family answers it."""

    url: str
    commune: str
    answer: str  # the state of the answer, as the family reads it
    pending: bool  # still waiting for the family's answer
    deadline: date | None


class Commission(Protocol):
    def questions(self, pre: PreApplication) -> list[Question]:
        """The criteria of the latest grids of the wished communes, each key asked once."""

    def points_so_far(self, pre: PreApplication, today: date | None = None) -> list[CommunePoints]:
        """Per wished commune: its grid, the lines the declared situation meets, their total
        and the date of its next commission."""

    def proposals(self, pre: PreApplication) -> list[Proposal]:
        """The places proposed for the pré-demande, answered or not."""


_registered: list[Commission] = []


def register(commission: Commission) -> None:
    """Installs the commission the family pages ask (the allocation app, at start-up)."""
    _registered[:] = [commission]


def current() -> Commission:
    if not _registered:
        raise ImproperlyConfigured(
            "No commission registered: sdsf.allocation registers it in its AppConfig.ready"
        )
    return _registered[0]


def questions(pre: PreApplication) -> list[Question]:
    return current().questions(pre)


def points_so_far(pre: PreApplication, today: date | None = None) -> list[CommunePoints]:
    return current().points_so_far(pre, today)


def proposals(pre: PreApplication) -> list[Proposal]:
    return current().proposals(pre)


def earliest_commission(points: Sequence[CommunePoints]) -> date | None:
    dates = [p.next_commission for p in points if p.next_commission]
    return min(dates) if dates else None
