"""CSV and XLSX downloads of observatory rows, in the command's columns.

Every download has the columns of ``sdsf indicators`` then ``data_note``, which reads
"Données de démonstration" on rows resting on synthetic figures.
"""

from django.http import Http404, HttpResponse

from sdsf.core.downloads import TABLE_FORMATS as FORMATS
from sdsf.core.downloads import file_response, table_file
from sdsf.observatory.models import DEMO_LABEL
from sdsf.observatory.service import ROW_COLUMNS, text_row

NOTE_COLUMN = "data_note"


def _note(row: dict) -> str:
    return DEMO_LABEL if row.get("is_demo") else ""


def table_response(
    rows: list[dict], filename: str, fmt: str, columns: tuple[str, ...] = ROW_COLUMNS
) -> HttpResponse:
    """``rows`` (service rows) as a CSV (``;``, UTF-8 with BOM for spreadsheets) or XLSX file."""
    if fmt not in FORMATS:
        raise Http404
    if fmt == "csv":

        def line(row: dict) -> list:
            text = text_row(row) if columns == ROW_COLUMNS else {c: _text(row[c]) for c in columns}
            return [*(text[c] for c in columns), _note(row)]

    else:

        def line(row: dict) -> list:
            return [*(_cell(row[c]) for c in columns), _note(row)]

    table = (line(row) for row in rows)
    content = table_file([*columns, NOTE_COLUMN], table, fmt, sheet="indicateurs")
    return file_response(content, filename, fmt)


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "oui" if value else "non"
    return str(_cell(value))


def _cell(value):
    if isinstance(value, list):
        return " ; ".join(map(str, value))
    return value
