"""Entry point of every offer import (command line, web task, benchmark, demo tests)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import IO

from django.apps import apps
from django.db import connection

from sdsf.core import cache, clock
from sdsf.core.imports import ImportResult, apply, read_table
from sdsf.offer.importers.assistants import AssistantImporter
from sdsf.offer.importers.common import Context, Progress
from sdsf.offer.importers.enrolments import EnrolmentImporter
from sdsf.offer.importers.parenting import ParentingImporter
from sdsf.offer.importers.structures import (
    EajeImporter,
    LaepImporter,
    RpeImporter,
    SocialImporter,
    StructureImporter,
)

IMPORTERS = {
    "eaje": EajeImporter(),
    "am": AssistantImporter(),
    "mam": StructureImporter(),
    "rpe": RpeImporter(),
    "laep": LaepImporter(),
    "parenting": ParentingImporter(),
    "social": SocialImporter(),
    "enrolments": EnrolmentImporter(),
}
STATISTICS_MODELS = ("Structure", "Capacity", "AssistantMaternel", "Agrement")
KIND_LABELS = {
    "eaje": "EAJE (crèches, micro-crèches…)",
    "am": "Assistants maternels et agréments",
    "mam": "MAM (maisons d'assistants maternels)",
    "rpe": "RPE (relais petite enfance)",
    "laep": "LAEP (lieux d'accueil enfants-parents)",
    "parenting": "Actions de soutien à la parentalité (REAAP…)",
    "social": "Centres sociaux et espaces de vie sociale",
    "enrolments": "Enfants inscrits en EAJE (export du logiciel de la structure)",
}


def import_offer(
    kind: str,
    file: str | Path | IO[bytes],
    *,
    dry_run: bool = False,
    allowed_communes: set[str] | None = None,
    progress: Progress | None = None,
    today: date | None = None,
    source: str | None = None,
    on_written: Callable[[ImportResult], None] | None = None,
) -> ImportResult:
    """Validates the whole file, then writes it in one transaction (nothing on any error).

    ``allowed_communes`` is the territory of the person importing from the web (None: the
    server's operator, for the whole installation): every row, and every row it points to
    (the communes a relais covers, the MAM of a childminder, the structure or action it
    updates), must lie in it, or the file is refused with the line. ``today`` dates the
    changes the file does not date itself. ``on_written`` as in
    :func:`sdsf.core.imports.apply`.
    """
    importer = IMPORTERS[kind]
    table = read_table(file, source)
    table.require(*importer.required_columns)
    ctx = Context.load(
        today=today or clock.today(), allowed_communes=allowed_communes, progress=progress
    )
    plan = importer.validate(table, ctx)
    if progress is not None:
        progress.writing()

    result = apply(lambda: importer.write(plan), dry_run=dry_run, on_written=on_written)
    if not dry_run:
        cache.bump("offer")  # bulk writes send no signal (offer.apps)
        refresh_statistics()
    return result


def refresh_statistics() -> None:
    """PostgreSQL plans the counts' window queries from table statistics: after a bulk import
    they are stale until autovacuum passes, and a stale plan can be a thousand times slower."""
    if connection.vendor != "postgresql":
        return
    tables = [apps.get_model("offer", name)._meta.db_table for name in STATISTICS_MODELS]
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE " + ", ".join(connection.ops.quote_name(t) for t in tables))
