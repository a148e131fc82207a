"""What a territory page, its PDF fiche and the département's key figures show, as plain values.

Built once from an :class:`~sdsf.observatory.service.Observatory`, then rendered by the HTML
page, the PDF and the exports alike, so they never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl
from django.urls import reverse

from sdsf.core import cache
from sdsf.observatory import conf
from sdsf.observatory.coverage import COMPONENT_RATES, COMPONENTS, COVERAGE_RATE
from sdsf.observatory.models import DataVersion, PublishedPlaces
from sdsf.observatory.service import (
    COMPONENT_LABELS,
    FRANCE,
    Observatory,
    Territory,
    parent_of,
)

# A computed rate this far (in points) from the published one is flagged for checking.
GAP_THRESHOLD = 2.0
# Choropleth classes of the coverage rate (places per 100 children under 3).
COVERAGE_BREAKS = (20, 40, 60, 80)
COVERAGE_COLORS = ("#fbe769", "#fcc63a", "#8dc572", "#34a853", "#1f6f3f")
UNKNOWN_COLOR = "#e5e5e5"


def legend() -> list[dict]:
    """Classes of the coverage map: label and colour, "non disponible" last."""
    bounds = (None, *COVERAGE_BREAKS, None)
    entries = []
    for low, high, color in zip(bounds, bounds[1:], COVERAGE_COLORS, strict=False):
        if low is None:
            label = f"moins de {high} %"
        elif high is None:
            label = f"{low} % ou plus"
        else:
            label = f"de {low} % à moins de {high} %"
        entries.append({"label": label, "color": color})
    return [*entries, {"label": "non disponible", "color": UNKNOWN_COLOR}]


def color_for(rate: float | None) -> str:
    if rate is None:
        return UNKNOWN_COLOR
    for limit, color in zip(COVERAGE_BREAKS, COVERAGE_COLORS, strict=False):
        if rate < limit:
            return color
    return COVERAGE_COLORS[-1]


@dataclass
class Comparison:
    """A row of the comparison table: the territory's own figures, or a note saying why not."""

    label: str
    row: dict | None
    note: str = ""


def _compared(label: str, row: dict | None, place: Territory, place_row: dict | None):
    """The figures of a wider territory (parent, France) only when its own communes bring
    some: computed over the place's communes alone, they would be the place's figures under
    another name. A published rate (CNAF) is its own in any case."""

    def counted(r):
        return (r or {}).get("communes_with_denominator") or 0

    if row is not None and counted(row) > counted(place_row):
        note = f"calculé sur les {counted(row)} communes dont les effectifs sont importés"
        return Comparison(label, row, note)
    published = (row or {}).get("published_coverage_rate")
    kept = {"published_coverage_rate": published} if published is not None else None
    return Comparison(
        label, kept, f"aucun effectif importé pour ce territoire en dehors de {place.label}"
    )


@dataclass
class TerritoryReport:
    place: Territory
    year: int | None
    years: list[int]
    row: dict | None = None
    trend: list[dict] = field(default_factory=list)
    comparisons: list[Comparison] = field(default_factory=list)
    components: list[dict] = field(default_factory=list)
    children_sources: list[str] = field(default_factory=list)
    communes: list[dict] = field(default_factory=list)
    indicators: list[dict] = field(default_factory=list)
    caf_places: list[dict] = field(default_factory=list)
    is_demo: bool = False

    @property
    def gap(self) -> float | None:
        if not self.row or self.row.get("published_coverage_rate") is None:
            return None
        if self.row.get(COVERAGE_RATE) is None:
            return None
        return round(self.row[COVERAGE_RATE] - self.row["published_coverage_rate"], 1)

    @property
    def gap_flagged(self) -> bool:
        return self.gap is not None and abs(self.gap) >= GAP_THRESHOLD

    @property
    def gap_threshold(self) -> float:
        return GAP_THRESHOLD

    def export_rows(self) -> list[dict]:
        """The territory over the years, then its communes for the year shown."""
        return [*self.trend, *(self.communes if self.place.level != "commune" else [])]


def _dicts(frame: pl.DataFrame) -> list[dict]:
    return frame.to_dicts()


def _one(frame: pl.DataFrame, year: int) -> dict | None:
    rows = frame.filter(pl.col("year") == year).to_dicts()
    return rows[0] if rows else None


def cached_build(place: Territory, year: int | None) -> TerritoryReport:
    """:func:`build`, kept in the cache until the next import of figures (``DataVersion``) or
    ``SDSF_OBSERVATORY_CACHE_SECONDS``, as the reference figures are: many people open the
    same territory pages."""
    versions = f"{DataVersion.current()}|{cache.version('offer')}"  # imports, the registry
    key = f"report|{place.level}|{place.code}|{year}|{versions}"
    return cache.cached(
        "observatory", key, lambda: build(Observatory(), place, year), conf.cache_seconds()
    )


def build(observatory: Observatory, place: Territory, year: int | None) -> TerritoryReport:
    """Everything shown about ``place`` for ``year`` (the latest imported year when None)."""
    years = observatory.years
    if year not in years:
        year = years[-1] if years else None
    report = TerritoryReport(place=place, year=year, years=years)
    if year is None:
        return report
    trend = observatory.territory_rows(place)
    report.trend = _dicts(trend)
    report.row = _one(trend, year)
    parent = parent_of(place)
    comparisons = [Comparison(place.label, report.row)]
    for other in [parent] if parent == FRANCE else [parent, FRANCE]:
        row = _one(observatory.territory_rows(other), year)
        comparisons.append(_compared(other.label, row, place, report.row))
    report.comparisons = comparisons
    sources = observatory.sources(place, year)
    report.children_sources = sources["children_under_3"]
    report.components = [
        {
            "label": COMPONENT_LABELS[component],
            "places": report.row.get(component) if report.row else None,
            "rate": report.row.get(COMPONENT_RATES[component]) if report.row else None,
            "sources": sources[component],
        }
        for component in COMPONENTS
    ]
    communes = observatory.commune_rows(place, [year]) if place.level != "commune" else trend
    report.communes = [
        row | {"url": reverse("observatory:territory", args=["commune", row["code"]])}
        for row in _dicts(communes.filter(pl.col("year") == year))
    ]
    report.indicators = _indicators(observatory, place, parent, year)
    if place.level == "epci":
        report.caf_places = _caf_places(place, year)
    report.is_demo = any(row.get("is_demo") for row in [*report.trend, *report.communes])
    return report


def _indicators(observatory: Observatory, place: Territory, parent: Territory, year: int):
    """Other indicators (poverty, natality...) for the territory, its parent and France."""
    values = {
        key: dict(observatory.indicator_values(territory, year).iter_rows())
        for key, territory in (("place", place), ("parent", parent), ("france", FRANCE))
    }
    return [
        {
            "name": indicator.name,
            "unit": indicator.unit,
            "source": indicator.source,
            "is_demo": indicator.is_demo,
            "value": values["place"].get(indicator.slug),
            "parent": values["parent"].get(indicator.slug),
            "france": values["france"].get(indicator.slug),
        }
        for indicator in observatory.indicators
        if any(indicator.slug in found for found in values.values())
    ]


def _caf_places(place: Territory, year: int) -> list[dict]:
    """CNAF published places of an EPCI: its listed communes, then one "other communes" line."""
    from sdsf.observatory.importers import caf_residuals

    listed = list(
        PublishedPlaces.objects.filter(level="commune", parent_code=place.code, year=year)
        .order_by("name")
        .values("code", "name", "eaje_places", "am_places", "total_places")
    )
    residual = caf_residuals(years=[year], epci_codes=[place.code]).to_dicts()
    if not listed and not residual:
        return []
    rows = [row | {"is_residual": False} for row in listed]
    for other in residual:
        rows.append(
            {
                "code": "",
                "name": "Autres communes (moins de 10 000 habitants)",
                "eaje_places": other["eaje_places"],
                "am_places": other["am_places"],
                "total_places": other["total_places"],
                "is_residual": True,
                "is_consistent": other["is_consistent"],
            }
        )
    return rows
