"""Import of parenting-support actions (REAAP and others), upserted by ``Identifiant``.

Funding is read from columns named ``Financement AAAA`` (one per year, any number of them); a
year absent from the file is left as it was, so each year's file adds to the history.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from sdsf.core.imports import (
    ImportFailed,
    ImportResult,
    RowError,
    RowReader,
    Table,
    check_unique,
    parse_decimal,
)
from sdsf.offer.importers.common import Context, Upserts, by_line, chunked, count_rows, existing_by
from sdsf.offer.models import ParentingAction, ParentingFunding

FUNDING_COLUMN = re.compile(r"^Financement (\d{4})$")
UPSERT_FIELDS = ["title", "promoter", "theme", "public", "scheme", "commune_id", "is_demo"]


def parse_amount(text: str) -> Decimal:
    return parse_decimal(text.replace("€", ""), minimum=Decimal(0))


@dataclass
class Parsed:
    line: int
    action: ParentingAction
    fundings: dict[int, Decimal]
    current: ParentingAction | None = None


class ParentingImporter:
    required_columns = ("Identifiant", "Intitulé", "Porteur", "Code commune")

    def validate(self, table: Table, ctx: Context) -> list[Parsed]:
        errors: list[RowError] = []
        check_unique(table, "Identifiant", errors)
        years = {
            column: int(match[1])
            for column in table.columns
            if (match := FUNDING_COLUMN.match(column))
        }
        parsed = []
        for row in ctx.rows(table.rows):
            cells = RowReader(row, errors)
            before = len(errors)
            action = ParentingAction(
                identifier=cells.cell("Identifiant"),
                title=cells.cell("Intitulé"),
                promoter=cells.cell("Porteur"),
                theme=cells.cell("Thème", required=False, default=""),
                public=cells.cell("Public", required=False, default=""),
                scheme=cells.cell("Dispositif", required=False, default=""),
                commune_id=ctx.commune(cells),
            )
            fundings = {
                year: amount
                for column, year in years.items()
                if (amount := cells.cell(column, parse_amount, required=False)) is not None
            }
            if len(errors) == before:
                parsed.append(Parsed(row.line, action, fundings))
        existing = existing_by(ParentingAction, "identifier", [p.action.identifier for p in parsed])
        for item in parsed:
            item.current = existing.get(item.action.identifier)
            if item.current is not None and not ctx.allows(item.current.commune_id):
                errors.append(
                    RowError(
                        "cette action est enregistrée dans une commune hors de votre périmètre",
                        line=item.line,
                        column="Identifiant",
                    )
                )
        if errors:
            raise ImportFailed(by_line(errors), table.source)
        return parsed

    def write(self, parsed: list[Parsed]) -> ImportResult:
        result = ImportResult()
        upserts = Upserts(UPSERT_FIELDS)
        changed = [upserts.add(p.action, p.current) for p in parsed]
        upserts.write(ParentingAction)
        actions = [p.current or p.action for p in parsed]
        current: dict[tuple[int, int], ParentingFunding] = {}
        for chunk in chunked([a.pk for a in actions]):
            for funding in ParentingFunding.objects.filter(action_id__in=chunk):
                current[(funding.action_id, funding.year)] = funding
        create, update = [], []
        for index, (item, action) in enumerate(zip(parsed, actions, strict=True)):
            for year, amount in item.fundings.items():
                row = current.get((action.pk, year))
                if row is None:
                    create.append(ParentingFunding(action=action, year=year, amount=amount))
                elif row.amount != amount:
                    row.amount = amount
                    update.append(row)
                else:
                    continue
                changed[index] = True
        ParentingFunding.objects.bulk_create(create)
        ParentingFunding.objects.bulk_update(update, ["amount"])
        for index, item in enumerate(parsed):
            count_rows(result, item.current is None, changed[index])
        return result
