"""Import of the children enrolled in EAJE, as their management software exports them.

One row per child: the structure's ``Identifiant``, the structure's internal ``Référence`` of
the child (no name), its ``Section`` (empty for a structure that does not split by age), its
``Jours`` (``lu|ma|me-matin``; empty: the whole week), ``Date d'entrée`` and ``Date de départ
prévue`` (empty when not known). The file is each structure's list as it stands: the
enrolments of every structure it names are replaced by its rows (a structure absent from the
file keeps its own).
"""

from __future__ import annotations

from dataclasses import dataclass

from sdsf.core.imports import (
    ImportFailed,
    ImportResult,
    RowError,
    RowReader,
    Table,
    parse_date,
)
from sdsf.offer import days
from sdsf.offer.importers.common import Context, by_line, choice, chunked, existing_by, outside
from sdsf.offer.models import Enrolment, Section, Structure

parse_section = choice(
    {
        "bébés": Section.BABIES,
        "bebes": Section.BABIES,
        "moyens": Section.MIDDLE,
        "grands": Section.OLDER,
    }
)


@dataclass
class Plan:
    structures: list[int]
    enrolments: list[Enrolment]


class EnrolmentImporter:
    required_columns = ("Identifiant", "Référence", "Date d'entrée")

    def validate(self, table: Table, ctx: Context) -> Plan:
        errors: list[RowError] = []
        identifiers = {row.get("Identifiant") for row in table.rows} - {""}
        known = existing_by(Structure, "identifier", identifiers)
        seen: dict[tuple[str, str], int] = {}
        enrolments = []
        for row in ctx.rows(table.rows):
            cells = RowReader(row, errors)
            identifier = cells.cell("Identifiant")
            structure = known.get(identifier)
            if identifier and structure is None:
                cells.error("Identifiant", f"structure « {identifier} » inconnue du registre")
            elif structure is not None and structure.kind != Structure.Kind.EAJE:
                cells.error("Identifiant", f"« {identifier} » n'est pas un EAJE")
            elif structure is not None and not ctx.allows(structure.commune_id):
                cells.error("Identifiant", outside(structure.commune_id))
            reference = cells.cell("Référence")
            if reference and len(reference) > Enrolment._meta.get_field("reference").max_length:
                cells.error("Référence", "référence trop longue (40 caractères au plus)")
            key = (identifier, reference)
            if identifier and reference and key in seen:
                cells.error("Référence", f"enfant déjà inscrit à la ligne {seen[key]}")
            seen.setdefault(key, row.line)
            start = cells.cell("Date d'entrée", parse_date)
            end = cells.cell("Date de départ prévue", parse_date, required=False)
            if start and end and end < start:
                cells.error("Date de départ prévue", "date de départ antérieure à l'entrée")
            enrolments.append(
                Enrolment(
                    structure=structure,
                    reference=reference or "",
                    section=cells.cell("Section", parse_section, required=False, default=""),
                    days=cells.cell("Jours", days.parse, required=False, default=days.ALL_DAYS),
                    start=start,
                    planned_end=end,
                )
            )
        if errors:
            raise ImportFailed(by_line(errors), table.source)
        return Plan(sorted({e.structure.pk for e in enrolments}), enrolments)

    def write(self, plan: Plan) -> ImportResult:
        result = ImportResult()
        replaced = 0
        for chunk in chunked(plan.structures):
            replaced += Enrolment.objects.filter(structure__in=chunk).delete()[0]
        Enrolment.objects.bulk_create(plan.enrolments, batch_size=1000)
        result.created = len(plan.enrolments)
        result.notes.append(
            f"{replaced} inscription(s) précédente(s) de {len(plan.structures)} structure(s) "
            "remplacée(s) par celles du fichier."
        )
        return result
