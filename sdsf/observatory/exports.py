"""CSV and XLSX downloads of observatory rows, with French column labels.

The downloads have the columns of ``sdsf indicators`` (whose English names stay the contract of
the command and of ``/api/indicators``) under their French labels, then « Remarque », which reads
"Données de démonstration" on rows resting on synthetic figures. Figures are rounded as the
command prints them; the CSV is in the French spreadsheet dialect of :mod:`sdsf.core.downloads`.
"""

from django.http import Http404, HttpResponse

from sdsf.core.downloads import TABLE_FORMATS as FORMATS
from sdsf.core.downloads import file_response, table_file
from sdsf.observatory.coverage import CHILDREN, COMPONENTS, COVERAGE_RATE, TOTAL_PLACES
from sdsf.observatory.models import DEMO_LABEL
from sdsf.observatory.service import LEVEL_LABELS, ROW_COLUMNS

NOTE_LABEL = "Remarque"
LABELS = {
    "level": "Échelon",
    "code": "Code",
    "name": "Nom",
    "year": "Année",
    CHILDREN: "Enfants de moins de 3 ans",
    "eaje_psu_places": "Places en EAJE financés par la PSU",
    "eaje_other_places": "Places en autres EAJE",
    "am_places": "Places chez les assistants maternels",
    "home_care_places": "Places de garde à domicile",
    "preschool_places": "Places en préscolarisation à 2 ans",
    TOTAL_PLACES: "Places au total",
    COVERAGE_RATE: "Taux de couverture calculé (%)",
    "published_coverage_rate": "Taux de couverture publié par la CNAF (%)",
    "poverty_rate": "Taux de pauvreté (%)",
    "is_priority": "Territoire prioritaire",
    "reasons": "Motifs",
}
_RATES = (COVERAGE_RATE, "published_coverage_rate", "poverty_rate")
_COUNTS = (CHILDREN, *COMPONENTS, TOTAL_PLACES)


def table_response(
    rows: list[dict], filename: str, fmt: str, columns: tuple[str, ...] = ROW_COLUMNS
) -> HttpResponse:
    """``rows`` (service rows) as a CSV or XLSX file."""
    if fmt not in FORMATS:
        raise Http404
    table = ([*(_cell(c, row[c]) for c in columns), _note(row)] for row in rows)
    header = [*(LABELS[c] for c in columns), NOTE_LABEL]
    return file_response(table_file(header, table, fmt, sheet="indicateurs"), filename, fmt)


def _note(row: dict) -> str:
    return DEMO_LABEL if row.get("is_demo") else ""


def _cell(column: str, value):
    """Rates with one decimal, counts whole when whole (else one decimal), as printed."""
    if value is None:
        return None
    if column == "level":
        return LEVEL_LABELS.get(value, value)
    if column in _RATES:
        return round(float(value), 1)
    if column in _COUNTS:
        rounded = round(float(value), 1)
        return int(rounded) if rounded.is_integer() else rounded
    if isinstance(value, list):
        return " ; ".join(map(str, value))
    return value
