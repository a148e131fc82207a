"""CSV and XLSX downloads of a filtered list; demo rows say so in their own column."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

from django.http import HttpResponse
from openpyxl import Workbook

DEMO_COLUMN = "Données de démonstration"
FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def export_response(
    name: str, fmt: str, header: Sequence[str], rows: Iterable[Sequence], demo_flags: Iterable[bool]
) -> HttpResponse:
    """A download of ``rows`` with ``header``; every row carries its demonstration flag."""
    header = [*header, DEMO_COLUMN]
    table = [[*row, "oui" if demo else "non"] for row, demo in zip(rows, demo_flags, strict=True)]
    if fmt == "xlsx":
        book = Workbook(write_only=True)
        sheet = book.create_sheet(name[:31])
        sheet.append(header)
        for row in table:
            sheet.append(row)
        buffer = io.BytesIO()
        book.save(buffer)
        content: bytes | str = buffer.getvalue()
    else:
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
        writer.writerow(header)
        writer.writerows(table)
        content = "\ufeff" + buffer.getvalue()  # BOM: spreadsheets then read UTF-8
    response = HttpResponse(content, content_type=FORMATS[fmt])
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response
