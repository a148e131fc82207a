"""Synthetic observatory figures for the demo département, all labelled "Données de démonstration".

No shipped file gives children under 3, places by component or poverty per commune, so the demo
draws them (seeded by the département's code: the same every time) from each commune's real
population. Real figures already imported are never overwritten, and a later real import of
the same kind replaces these (see :mod:`sdsf.observatory.importers`).
"""

import random

from sdsf.observatory.models import (
    DEMO_LABEL,
    BirthCount,
    CapacityCount,
    DataVersion,
    Indicator,
    IndicatorValue,
    PopulationCount,
)
from sdsf.territories.models import Departement

YEARS = range(2019, 2024)
POVERTY_SLUG = "taux-de-pauvrete"
# Places per child under 3 by component, near the national 2023 shape (60.9 per 100).
COMPONENT_RATES = {
    "eaje_psu_places": 0.199,
    "eaje_other_places": 0.036,
    "am_places": 0.319,
    "home_care_places": 0.022,
    "preschool_places": 0.033,
}


def _real(model, communes) -> set[tuple[str, int]]:
    return set(
        model.objects.filter(commune__in=communes, is_demo=False).values_list("commune_id", "year")
    )


def create_figures(departement: Departement) -> list[str]:
    """Children, births, places by component and a poverty rate for 2019-2023, per commune."""
    rng = random.Random(f"sdsf-observatory-demo-{departement.code}")  # noqa: S311 — not secret
    communes = list(departement.communes.order_by("code"))
    for model in (PopulationCount, BirthCount, CapacityCount):
        model.objects.filter(commune__in=communes, is_demo=True).delete()
    real = {model: _real(model, communes) for model in (PopulationCount, BirthCount, CapacityCount)}
    poverty, _ = Indicator.objects.get_or_create(
        slug=POVERTY_SLUG,
        defaults={"name": "Taux de pauvreté", "unit": "%", "source": DEMO_LABEL, "is_demo": True},
    )
    populations, births, capacities, poverty_values = [], [], [], []
    for commune in communes:
        population = float(commune.population or 0)
        share_under_3 = rng.uniform(0.025, 0.045)
        offer_level = rng.uniform(0.3, 1.4)  # some communes well served, others not
        poverty_rate = rng.uniform(0.06, 0.42)
        for index, year in enumerate(YEARS):
            trend = 1 + 0.015 * index
            children = round(population * share_under_3 * rng.uniform(0.97, 1.03))
            key = (commune.code, year)
            demo = {"commune": commune, "year": year, "source": DEMO_LABEL, "is_demo": True}
            if key not in real[PopulationCount]:
                populations.append(
                    PopulationCount(children_under_3=children, population=population, **demo)
                )
            if key not in real[BirthCount]:
                births.append(
                    BirthCount(births=round(children / 3 * rng.uniform(0.9, 1.1)), **demo)
                )
            if key not in real[CapacityCount]:
                places = {
                    component: round(children * rate * offer_level * trend * rng.uniform(0.6, 1.4))
                    for component, rate in COMPONENT_RATES.items()
                }
                capacities.append(CapacityCount(**places, **demo))
            if poverty.is_demo:
                poor = round(population * poverty_rate * rng.uniform(0.95, 1.05))
                poverty_values.append(
                    IndicatorValue(
                        indicator=poverty,
                        commune=commune,
                        year=year,
                        numerator=poor,
                        denominator=population,
                    )
                )
    PopulationCount.objects.bulk_create(populations)
    BirthCount.objects.bulk_create(births)
    CapacityCount.objects.bulk_create(capacities)
    if poverty.is_demo:
        IndicatorValue.objects.filter(indicator=poverty, commune__in=communes).delete()
        IndicatorValue.objects.bulk_create(poverty_values)
    DataVersion.bump()
    return [
        f"Observatoire : effectifs, places et taux de pauvreté {YEARS[0]}-{YEARS[-1]} pour "
        f"{len(communes)} communes ({DEMO_LABEL}). Ils sont remplacés par les fichiers INSEE et "
        "CNAF importés (sdsf import_population, import_capacity, import_indicator…)."
    ]
