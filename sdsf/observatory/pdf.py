"""PDF documents of the observatory, rendered by WeasyPrint from templates (no JavaScript)."""

from sdsf.observatory.report import TerritoryReport, color_for
from sdsf.observatory.svgmap import choropleth
from sdsf.territories.models import Commune


def commune_map(report: TerritoryReport) -> str:
    """The SVG choropleth of the report's communes, coloured by coverage rate."""
    rates = {row["code"]: row.get("coverage_rate") for row in report.communes}
    communes = Commune.objects.filter(code__in=list(rates)).exclude(geometry__isnull=True)
    return choropleth(
        (c.name, c.geometry, color_for(rates[c.code]))
        for c in communes.only("code", "name", "geometry")
    )
