"""Import of a commune's waiting list into a round: all rows or none, French errors.

Columns: ``reference``, ``section``, ``date_demande``, ``insertion`` (oui/non), ``voeux``
(structure identifiers separated by ``|``, best first) and ``criteres`` (keys of the round's
grid separated by ``|``; a range of the grid, whose points a professional chose, as
``key=points``, e.g. ``medico_social_follow_up=40``); optional: ``jours`` (``lu|ma|me-matin``),
``fratrie`` (siblings placed together), ``structure_actuelle`` (a transfer) and
``minima_sociaux`` (oui/non). Points are computed from the grid, never read from the file; the
commissions an application already went through are counted from the commune's validated rounds
(same reference) (docs/imports.md).
"""

from collections.abc import Callable
from typing import IO, Protocol

from django.db.models import QuerySet

from sdsf.allocation.grids import commissions_passed, points_lines, total
from sdsf.allocation.models import AllocationRound, Application, Criterion
from sdsf.core import formats
from sdsf.core.imports import (
    ImportFailed,
    ImportResult,
    RowError,
    RowReader,
    apply,
    check_unique,
    parse_bool,
    parse_date,
    parse_decimal,
    read_table,
)
from sdsf.offer import days
from sdsf.offer.models import SECTION_FILE_KEYS, Section, Structure

PROGRESS_EVERY = 2000


class Progress(Protocol):
    """Receives the progress of an import run by the worker (its page shows it)."""

    def rows(self, done: int, total: int) -> None: ...

    def writing(self) -> None: ...


COLUMNS = ("reference", "section", "date_demande", "insertion", "voeux", "criteres")
OPTIONAL_COLUMNS = ("jours", "fratrie", "structure_actuelle", "minima_sociaux")
SEPARATOR = "|"
# What siblings placed together must share (the engine places them as one).
SIBLING_FIELDS = ("submitted_on", "insertion", "benefit", "wishes", "criteria")


def _items(text: str) -> list[str]:
    return [item.strip() for item in text.split(SEPARATOR) if item.strip()]


def _group(text: str) -> str:
    if len(text) > Application._meta.get_field("group").max_length:
        raise ValueError("identifiant de fratrie trop long (40 caractères au plus)")
    return text


def _check_siblings(table, applications: list[Application], errors: list[RowError]) -> None:
    """Siblings placed together share their date, categories, wishes and criteria: the line
    of each one that differs from the first of its group is reported."""
    first: dict[str, Application] = {}
    for row, application in zip(table.rows, applications, strict=True):
        if not application.group:
            continue
        leader = first.setdefault(application.group, application)
        if any(getattr(application, f) != getattr(leader, f) for f in SIBLING_FIELDS):
            errors.append(
                RowError(
                    f"la fratrie « {application.group} » doit avoir les mêmes date, insertion, "
                    f"minima sociaux, vœux et critères que la demande {leader.reference}",
                    line=row.line,
                    column="fratrie",
                )
            )


def import_waiting_list(
    allocation_round: AllocationRound,
    file: IO[bytes] | str,
    source: str,
    *,
    dry_run: bool = False,
    progress: Progress | None = None,
    structures: QuerySet[Structure] | None = None,
    on_written: Callable[[ImportResult], None] | None = None,
) -> ImportResult:
    """Replaces the round's imported applications by those of the file (applications taken
    from online pré-demandes stay; a reference may not be both).

    ``structures`` are those the importing person may allocate
    (``Structure.objects.writable_by(user, ALLOCATION_MANAGE)``): a wish outside them is refused
    with its line. None: the server's operator (command line), for the whole installation.
    ``on_written`` as in :func:`sdsf.core.imports.apply`.
    """
    table = read_table(file, source)
    table.require(*COLUMNS)
    criteria = list(allocation_round.grid.criteria.all())
    keys = {c.key for c in criteria}
    _, passed = commissions_passed(allocation_round)
    ranges = {c.key: c for c in criteria if c.kind == Criterion.Kind.RANGE}
    # Every structure of the registry (wishes), with the pk of the EAJE (a transfer's place).
    known_structures = {
        identifier: pk if kind == Structure.Kind.EAJE else None
        for identifier, pk, kind in Structure.objects.values_list("identifier", "pk", "kind")
    }
    allowed = (
        known_structures
        if structures is None
        else set(structures.values_list("identifier", flat=True))
    )
    errors = []
    check_unique(table, "reference", errors)
    applications = []
    for index, row in enumerate(table.rows):
        if progress is not None and index % PROGRESS_EVERY == 0:
            progress.rows(index, len(table.rows))
        reader = RowReader(row, errors)
        written = reader.cell("section")
        section = SECTION_FILE_KEYS.stored(written) if written else written
        if written and section in (None, Section.ALL):
            known = ", ".join(v for v in SECTION_FILE_KEYS.values if v != "toutes")
            reader.error("section", f"section de l'enfant « {written} » inconnue ({known})")
        wishes = _items(row.get("voeux"))
        if not wishes:
            reader.error("voeux", "au moins un vœu est obligatoire")
        for unknown in [w for w in wishes if w not in known_structures]:
            reader.error("voeux", f"structure « {unknown} » inconnue du registre de l'offre")
        for outside in [w for w in wishes if w in known_structures and w not in allowed]:
            reader.error("voeux", f"la structure « {outside} » est hors de votre périmètre")
        if len(set(wishes)) != len(wishes):
            reader.error("voeux", "une structure apparaît deux fois dans les vœux")
        situation, chosen = _situation(_items(row.get("criteres")), ranges, reader)
        for unknown in [k for k in situation if k not in keys]:
            reader.error("criteres", f"critère « {unknown} » absent de la grille de la commission")
        current = reader.cell("structure_actuelle", required=False, default="")
        if current and known_structures.get(current) is None:
            reader.error("structure_actuelle", f"« {current} » n'est pas un EAJE du registre")
        elif current and current not in allowed:
            reader.error(
                "structure_actuelle", f"la structure « {current} » est hors de votre périmètre"
            )
        reference = reader.cell("reference")
        applications.append(
            Application(
                days=reader.cell("jours", days.parse, required=False, default=days.ALL_DAYS),
                group=reader.cell("fratrie", _group, required=False, default=""),
                current_structure_id=known_structures.get(current) if current else None,
                benefit=reader.cell("minima_sociaux", parse_bool, required=False, default=False),
                round=allocation_round,
                reference=reference,
                section=section,
                submitted_on=reader.cell("date_demande", parse_date),
                insertion=reader.cell("insertion", parse_bool, required=False, default=False),
                wishes=wishes,
                criteria=situation,
                chosen_points=chosen,
                commissions_passed=passed[reference],
                points=total(points_lines(criteria, situation, chosen, passed[reference])),
            )
        )
    online = set(
        allocation_round.applications.filter(pre_application__isnull=False).values_list(
            "reference", flat=True
        )
    )
    _check_siblings(table, applications, errors)
    for row, application in zip(table.rows, applications, strict=True):
        if application.reference in online:
            errors.append(
                RowError(
                    f"référence « {application.reference} » déjà prise d'une pré-demande en ligne",
                    line=row.line,
                    column="reference",
                )
            )
    if errors:
        raise ImportFailed(errors, source)
    if progress is not None:
        progress.writing()

    def write() -> ImportResult:
        result = ImportResult()
        allocation_round.applications.filter(pre_application__isnull=True).delete()
        Application.objects.bulk_create(applications, batch_size=2000)
        result.created = len(applications)
        return result

    return apply(write, dry_run=dry_run, on_written=on_written)


def _situation(items: list[str], ranges: dict, reader: RowReader) -> tuple[list[str], dict]:
    """The criterion keys of a row, and the points chosen for its ranges (``key=points``,
    within the range the grid publishes)."""
    situation, chosen = [], {}
    for item in items:
        key, _, value = (part.strip() for part in item.partition("="))
        criterion = ranges.get(key)
        if criterion is None:
            if value:
                reader.error("criteres", f"« {key} » n'est pas une fourchette de points")
            situation.append(key)
            continue
        low, high = criterion.min_weight, criterion.max_weight
        try:
            points = parse_decimal(value) if value else None
        except ValueError:
            points = None
        if points is None or not low <= points <= high:
            reader.error(
                "criteres",
                f"« {key} » : points entre {formats.number(low)} et {formats.number(high)} "
                f"attendus ({key}=points)",
            )
            continue
        chosen[key] = str(points)
    return situation, chosen
