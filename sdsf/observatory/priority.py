"""Priority territories of a département: the configured rule applied to its communes or EPCI.

The rule (``SDSF_OBSERVATORY_PRIORITY``, see :mod:`sdsf.observatory.conf`) defaults to the
core's :func:`~sdsf.observatory.coverage.default_priority_rule`: coverage below the national
figure and poverty rate above it. Each list row says which condition it meets and why.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import polars as pl

from sdsf.observatory import conf
from sdsf.observatory.coverage import (
    COVERAGE_RATE,
    PriorityRule,
    default_priority_rule,
    priority_territories,
)
from sdsf.observatory.models import IndicatorValue
from sdsf.observatory.service import FRANCE, Observatory, Territory

PRIORITY_LEVELS = ("commune", "epci")
COLUMNS = (
    "level",
    "code",
    "name",
    "year",
    COVERAGE_RATE,
    "poverty_rate",
    "is_priority",
    "reasons",
)


NATIONAL = "référence nationale"
DEPARTEMENTAL = "moyenne départementale"
IMPORTED = "moyenne des communes importées"
SETTING = "valeur fixée par l'administrateur de la plateforme"


@dataclass
class Reference:
    """What a territory is compared with: the value, its name as the rule says it
    (:data:`NATIONAL`, :data:`DEPARTEMENTAL`…, from what is actually loaded) and its origin."""

    value: float | None
    origin: str
    name: str = NATIONAL


@dataclass
class PriorityList:
    year: int | None
    level: str
    coverage_reference: Reference
    poverty_reference: Reference
    poverty_indicator: str
    minimum_met: int | None
    years: list[int] = field(default_factory=list)
    rows: list[dict] = field(default_factory=list)

    @property
    def priorities(self) -> list[dict]:
        return [row for row in self.rows if row["is_priority"]]

    @property
    def ready(self) -> bool:
        """Both references are known: without them no territory can be judged."""
        return None not in (self.coverage_reference.value, self.poverty_reference.value)


def _coverage_reference(
    observatory: Observatory, departement: Territory, year: int, setting
) -> Reference:
    if setting is not None:
        return Reference(float(setting), SETTING)
    rows = observatory.territory_rows(FRANCE, [year]).to_dicts()
    row = rows[0] if rows else {}
    if row.get("published_coverage_rate") is not None:
        return Reference(row["published_coverage_rate"], "taux national publié par la CNAF")
    own = observatory.territory_rows(departement, [year]).to_dicts()
    counted = "communes_with_denominator"
    if (row.get(counted) or 0) > ((own[0] if own else {}).get(counted) or 0):
        origin = f"taux calculé sur les {row[counted]} communes dont les effectifs sont importés"
        return Reference(row.get(COVERAGE_RATE), origin, IMPORTED)
    return Reference(
        row.get(COVERAGE_RATE),
        "taux du département : aucun effectif ni taux national importé",
        DEPARTEMENTAL,
    )


def _poverty_reference(
    observatory: Observatory, departement: Territory, year: int, slug: str, setting
) -> Reference:
    if setting is not None:
        return Reference(float(setting), SETTING)
    values = dict(observatory.indicator_values(FRANCE, year).iter_rows())
    beyond = (
        IndicatorValue.objects.filter(indicator__slug=slug, year=year)
        .exclude(commune__departement_id=departement.code)
        .exists()
    )
    if beyond:
        return Reference(values.get(slug), "taux calculé sur les communes importées", IMPORTED)
    return Reference(
        values.get(slug), "taux du département : aucune valeur d'ailleurs importée", DEPARTEMENTAL
    )


def priority_list(
    observatory: Observatory, departement: Territory, level: str, year: int | None
) -> PriorityList:
    """Communes (or EPCI) of the département judged against the rule for ``year``."""
    settings = conf.priority()
    slug = settings["poverty_indicator"]
    years = observatory.years
    if year not in years:
        year = years[-1] if years else None
    result = PriorityList(
        year=year,
        level=level,
        coverage_reference=Reference(None, ""),
        poverty_reference=Reference(None, ""),
        poverty_indicator=slug,
        minimum_met=settings["minimum_met"],
        years=years,
    )
    if year is None:
        return result
    result.coverage_reference = _coverage_reference(
        observatory, departement, year, settings["national_coverage_rate"]
    )
    result.poverty_reference = _poverty_reference(
        observatory, departement, year, slug, settings["national_poverty_rate"]
    )
    rows = observatory.rows_within(level, departement, [year])
    poverty = observatory.indicator_rows(slug, level, departement, year).rename(
        {"value": "poverty_rate"}
    )
    table = rows.join(poverty, on="code", how="left").with_columns(
        pl.lit(result.coverage_reference.value, dtype=pl.Float64).alias("coverage_reference"),
        pl.lit(result.poverty_reference.value, dtype=pl.Float64).alias("poverty_reference"),
    )
    rule = default_priority_rule("coverage_reference", "poverty_reference")
    references = (result.coverage_reference, result.poverty_reference)
    conditions = tuple(
        replace(condition, reason=condition.reason.replace(NATIONAL, reference.name))
        for condition, reference in zip(rule.conditions, references, strict=True)
    )
    rule = PriorityRule(conditions, minimum_met=result.minimum_met)
    judged = priority_territories(table, rule)
    result.rows = judged.sort(
        pl.col("is_priority").fill_null(False),
        "conditions_met",
        "name",
        descending=[True, True, False],
    ).to_dicts()
    return result
