"""CSV and XLSX downloads of a filtered list; demo rows say so in their own column."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.http import HttpResponse

from sdsf.core.downloads import file_response, table_file

DEMO_COLUMN = "Données de démonstration"


def export_response(
    name: str, fmt: str, header: Sequence[str], rows: Iterable[Sequence], demo_flags: Iterable[bool]
) -> HttpResponse:
    """A download of ``rows`` with ``header``; every row carries its demonstration flag."""
    table = ([*row, "oui" if demo else "non"] for row, demo in zip(rows, demo_flags, strict=True))
    return file_response(table_file([*header, DEMO_COLUMN], table, fmt, sheet=name), name, fmt)
