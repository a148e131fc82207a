"""The one way to hand a person a file: CSV and XLSX tables, PDF documents.

Offer lists, observatory figures, steering reports, survey answers and decision letters all go
through here, so every download has the same encoding (CSV with ``;`` and a UTF-8 BOM, as French
spreadsheets expect), the same content types, the same ``Content-Disposition`` and the same
protection against formula injection (:func:`safe_cell`): a cell typed by someone else (an
anonymous survey answer, a structure name) must never become a live formula in the workbook of
the person who downloads it.

A CSV download is written in the French dialect of spreadsheets (:func:`french_cell`): decimal
comma, dates ``JJ/MM/AAAA``, times in the platform's time zone, ``oui``/``non``; an XLSX keeps
numbers and dates typed, times in the platform's time zone too. The commands' CSV on standard
output (:func:`write_csv`) is a documented contract for programs and stays as it is.
"""

import csv
import datetime
import io
import re
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import IO, Any

from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone

from sdsf.core import formats

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


# Spreadsheets read a cell starting with one of these as a formula (OWASP "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# A plain number written as text ("-3", "-2,5") is no formula: it stays as it is.
_PLAIN_NUMBER = re.compile(r"-?\d+(?:[.,]\d+)?")


def safe_cell(value: Any) -> Any:
    """``value`` with a leading ``'`` when it is text a spreadsheet would run as a formula.

    Only text is escaped: numbers, dates and booleans stay typed (a negative number stays a
    number a spreadsheet can add up).
    """
    if (
        isinstance(value, str)
        and value.startswith(FORMULA_STARTS)
        and not _PLAIN_NUMBER.fullmatch(value)
    ):
        return "'" + value
    return value


def safe_row(row: Iterable) -> list:
    return [safe_cell(value) for value in row]


def local(value: Any) -> Any:
    """An aware date and time in the platform's time zone, without zone (spreadsheets keep no
    zone: a UTC time would read an hour or two early); any other value as it is."""
    if isinstance(value, datetime.datetime) and timezone.is_aware(value):
        return timezone.localtime(value).replace(tzinfo=None)
    return value


def french_cell(value: Any) -> Any:
    """A value as a French spreadsheet reads it from a ``;`` CSV: ``2710,5``, ``31/01/2026``,
    ``31/01/2026 14:05`` (local time), ``oui``/``non``, empty for None; text as it is."""
    value = local(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, float | Decimal):
        return formats.plain(value, trim=True).replace(".", formats.DECIMAL_SEPARATOR)
    if isinstance(value, datetime.datetime):
        return f"{value:%d/%m/%Y %H:%M}"
    if isinstance(value, datetime.date):
        return formats.date(value)
    return value


def table_file(header: Sequence[str], rows: Iterable[Sequence], fmt: str, *, sheet: str) -> bytes:
    """A table as CSV (``;``, UTF-8 with BOM, French cells) or XLSX (one sheet ``sheet``)."""
    if fmt == "xlsx":
        return workbook_file([(sheet, header, rows)])
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(safe_row(header))
    writer.writerows(safe_row(french_cell(value) for value in row) for row in rows)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def workbook_file(sheets: Iterable[tuple[str, Sequence[str], Iterable[Sequence]]]) -> bytes:
    """An XLSX workbook, one sheet per ``(title, header, rows)``, headers in bold.

    Written in openpyxl's write-only mode: rows stream to the file instead of being held as
    cell objects, so a long export stays small in memory.
    """
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    book = Workbook(write_only=True)
    bold = Font(bold=True)
    for title, header, rows in sheets:
        worksheet = book.create_sheet(title[:31])
        head = []
        for name in safe_row(header):
            cell = WriteOnlyCell(worksheet, value=name)
            cell.font = bold
            head.append(cell)
        worksheet.append(head)
        for row in rows:
            worksheet.append(safe_row(local(value) for value in row))
    stream = io.BytesIO()
    book.save(stream)
    return stream.getvalue()


def write_csv(stream: IO[str], columns: Sequence[str], rows: Iterable[dict]) -> None:
    """Rows (dicts) as ``,``-separated CSV on a text stream, for the commands' standard output
    (escaped like every download: the output is often opened in a spreadsheet)."""
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows(safe_row(row.get(c, "") for c in columns) for row in rows)


def render_pdf(template: str, context: dict) -> bytes:
    """A template rendered to PDF by WeasyPrint (loaded only when a PDF is asked for)."""
    from weasyprint import HTML

    return HTML(string=render_to_string(template, context)).write_pdf()


def pdf_response(template: str, context: dict, filename: str) -> HttpResponse:
    return file_response(render_pdf(template, context), filename, "pdf", inline=True)
