"""CSV and XLSX downloads of observatory rows, in the command's columns.

Every download has the columns of ``sdsf indicators`` then ``data_note``, which reads
"Données de démonstration" on rows resting on synthetic figures.
"""

import csv
import io

from django.http import Http404, HttpResponse
from openpyxl import Workbook

from sdsf.observatory.models import DEMO_LABEL
from sdsf.observatory.service import ROW_COLUMNS, text_row

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
NOTE_COLUMN = "data_note"


def _note(row: dict) -> str:
    return DEMO_LABEL if row.get("is_demo") else ""


def table_response(
    rows: list[dict], filename: str, fmt: str, columns: tuple[str, ...] = ROW_COLUMNS
) -> HttpResponse:
    """``rows`` (service rows) as a CSV (``;``, UTF-8 with BOM for spreadsheets) or XLSX file."""
    if fmt not in FORMATS:
        raise Http404
    header = [*columns, NOTE_COLUMN]
    if fmt == "csv":
        buffer = io.StringIO()
        buffer.write("\ufeff")
        writer = csv.writer(buffer, delimiter=";", lineterminator="\n")
        writer.writerow(header)
        for row in rows:
            text = text_row(row) if columns == ROW_COLUMNS else {c: _text(row[c]) for c in columns}
            writer.writerow([*(text[c] for c in columns), _note(row)])
        content: bytes = buffer.getvalue().encode("utf-8")
    else:
        workbook = Workbook()
        sheet = workbook.active
        sheet.title = "indicateurs"
        sheet.append(header)
        for row in rows:
            sheet.append([*(_cell(row[c]) for c in columns), _note(row)])
        stream = io.BytesIO()
        workbook.save(stream)
        content = stream.getvalue()
    response = HttpResponse(content, content_type=FORMATS[fmt])
    response["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    return response


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
