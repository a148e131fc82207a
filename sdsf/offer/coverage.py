"""Coverage of a département by services: RPE and LAEP per EPCI (scheme indicator).

An EPCI "has" an RPE when an open RPE covers at least one of its communes, and a LAEP when an
open LAEP is located in one of them. The population share counts the communes covered by an
open RPE (its declared communes, by default its own). Only the EPCI's communes within the
département are counted: the registry of a neighbouring département may not be imported.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Q

from sdsf.core import clock
from sdsf.offer.models import Status, Structure


@dataclass(frozen=True)
class EpciCoverage:
    epci_code: str
    epci_name: str
    population: int
    has_rpe: bool
    has_laep: bool
    rpe_population: int

    @property
    def rpe_population_share(self) -> float | None:
        """Share (0-1) of the population living in a commune covered by an RPE."""
        return self.rpe_population / self.population if self.population else None


def _open(on: datetime.date) -> Q:
    return (
        Q(status=Status.OPEN)
        & (Q(opened_on__isnull=True) | Q(opened_on__lte=on))
        & (Q(closed_on__isnull=True) | Q(closed_on__gt=on))
    )


def rpe_covered_communes(on: datetime.date | None = None) -> set[str]:
    """Codes of the communes an open relais petite enfance covers on ``on`` (today)."""
    on = on or clock.today()
    return set(
        Structure.covered_communes.through.objects.filter(
            structure__in=Structure.objects.filter(_open(on), kind=Structure.Kind.RPE)
        ).values_list("commune_id", flat=True)
    )


def rpe_laep_coverage(departement_code: str, on: datetime.date | None = None) -> list[EpciCoverage]:
    """Per EPCI of the département (by name): has_rpe, has_laep, population covered by an RPE."""
    from sdsf.territories.models import Commune

    on = on or clock.today()
    communes = list(
        Commune.objects.filter(departement_id=departement_code, epci__isnull=False)
        .select_related("epci")
        .only("code", "population", "epci__code", "epci__name")
    )
    open_structures = Structure.objects.filter(_open(on), commune__departement_id=departement_code)
    rpe_communes = rpe_covered_communes(on)
    laep_communes = set(
        open_structures.filter(kind=Structure.Kind.LAEP).values_list("commune_id", flat=True)
    )
    by_epci: dict[str, list] = {}
    for commune in communes:
        by_epci.setdefault(commune.epci_id, []).append(commune)
    rows = []
    for members in by_epci.values():
        epci = members[0].epci
        rows.append(
            EpciCoverage(
                epci_code=epci.code,
                epci_name=epci.name,
                population=sum(c.population or 0 for c in members),
                has_rpe=any(c.code in rpe_communes for c in members),
                has_laep=any(c.code in laep_communes for c in members),
                rpe_population=sum(c.population or 0 for c in members if c.code in rpe_communes),
            )
        )
    return sorted(rows, key=lambda r: r.epci_name)
