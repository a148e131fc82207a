"""Agréments coming to an end: what the PMI must renew in the next months."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import QuerySet

from sdsf.core import formats
from sdsf.offer.models import ACTIVE_STATUSES, AssistantMaternel

ALERT_MONTHS = 6


def horizon(today: datetime.date, months: int = ALERT_MONTHS) -> datetime.date:
    """The same day ``months`` later (the last day of the month when it does not exist)."""
    month = today.month - 1 + months
    year, month = today.year + month // 12, month % 12 + 1
    for day in (today.day, 30, 29, 28):
        try:
            return datetime.date(year, month, day)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def expiring(assistants: QuerySet[AssistantMaternel], today: datetime.date) -> QuerySet:
    """Active agréments whose expiry falls between today and the horizon, soonest first."""
    return (
        assistants.filter(
            agrement_status__in=ACTIVE_STATUSES,
            agrement_expiry__gte=today,
            agrement_expiry__lte=horizon(today),
        )
        .select_related("commune")
        .order_by("agrement_expiry", "last_name")
    )


@dataclass(frozen=True)
class Digest:
    """The expiring agréments of one territory (a département), for the weekly digest."""

    territory: str
    assistants: list[AssistantMaternel]

    def text(self, today: datetime.date) -> str:
        lines = [
            f"{self.territory} : {len(self.assistants)} agrément(s) arrivant à échéance "
            f"d'ici le {formats.date(horizon(today))}"
        ]
        lines += [
            f"- {formats.date(a.agrement_expiry)} · {a.identifier} · {a.last_name} "
            f"{a.first_name} · {a.commune.name} ({a.agrement_places} enfant(s))"
            for a in self.assistants
        ]
        return "\n".join(lines)


def digests(today: datetime.date, departement_code: str | None = None) -> list[Digest]:
    """Expiring agréments grouped by département (the PMI's territory)."""
    from sdsf.territories.models import Departement

    departements = Departement.objects.order_by("code")
    if departement_code:
        departements = departements.filter(code=departement_code)
    found = []
    for departement in departements:
        assistants = list(
            expiring(AssistantMaternel.objects.filter(commune__departement=departement), today)
        )
        if assistants:
            found.append(Digest(str(departement), assistants))
    return found
