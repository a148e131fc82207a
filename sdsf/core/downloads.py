"""The one way to hand a person a file: CSV and XLSX tables, PDF documents.

Offer lists, observatory figures, steering reports and decision letters all go through here, so
every download has the same encoding (CSV with ``;`` and a UTF-8 BOM, as French spreadsheets
expect), the same content types and the same ``Content-Disposition``.
"""

import csv
import io
from collections.abc import Iterable, Sequence

from django.http import HttpResponse
from django.template.loader import render_to_string

TABLE_FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
CONTENT_TYPES = {**TABLE_FORMATS, "pdf": "application/pdf"}


def file_response(
    content: bytes | str, filename: str, fmt: str, *, inline: bool = False
) -> HttpResponse:
    """``content`` as ``filename.fmt``, downloaded (or shown in the browser when ``inline``)."""
    response = HttpResponse(content, content_type=CONTENT_TYPES[fmt])
    disposition = "inline" if inline else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="{filename}.{fmt}"'
    return response


def table_file(header: Sequence[str], rows: Iterable[Sequence], fmt: str, *, sheet: str) -> bytes:
    """A table as CSV (``;``, UTF-8 with BOM) or XLSX (one sheet named ``sheet``)."""
    if fmt == "xlsx":
        from openpyxl import Workbook

        book = Workbook(write_only=True)
        worksheet = book.create_sheet(sheet[:31])
        worksheet.append(list(header))
        for row in rows:
            worksheet.append(list(row))
        stream = io.BytesIO()
        book.save(stream)
        return stream.getvalue()
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def render_pdf(template: str, context: dict) -> bytes:
    """A template rendered to PDF by WeasyPrint (loaded only when a PDF is asked for)."""
    from weasyprint import HTML

    return HTML(string=render_to_string(template, context)).write_pdf()


def pdf_response(template: str, context: dict, filename: str) -> HttpResponse:
    return file_response(render_pdf(template, context), filename, "pdf", inline=True)
