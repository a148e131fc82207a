"""The yearly co-financing statement of a programme, for the partners' committee: each funder's
agreed share beside what it committed and paid that year, and the grants behind the sums."""

from dataclasses import dataclass
from decimal import Decimal

from sdsf.funding.models import Grant, Programme, ProgrammeBudget
from sdsf.funding.queries import ZERO, totals

FUNDER_COLUMNS = ["Financeur", "Part convenue (%)", "Engagé (€)", "Part réelle (%)", "Versé (€)"]
GRANT_COLUMNS = ["Porteur", "SIREN", "Commune", "Financeur", "Objet", "Engagé (€)", "Versé (€)"]


@dataclass
class Statement:
    programme: Programme
    year: int
    budget: Decimal | None
    funders: list[dict]
    grants: list[Grant]
    committed: Decimal
    paid: Decimal

    def funder_rows(self) -> list[list]:
        return [
            [f["label"], f["agreed"], f["committed"], f["share"], f["paid"]] for f in self.funders
        ]

    def grant_rows(self) -> list[list]:
        return [
            [
                g.operator.name,
                g.operator.siren,
                g.operator.commune.name,
                g.funder.name,
                g.note,
                g.committed_eur,
                g.paid_eur,
            ]
            for g in self.grants
        ]


def statement(programme: Programme, year: int) -> Statement:
    grants = programme.grants.filter(year=year).exclude(status=Grant.Status.CANCELLED)
    sums = {row["funder__name"]: row for row in totals(grants, "funder__name")}
    funders = []
    for share in programme.shares.select_related("funder"):
        row = sums.pop(share.funder.name, {"committed": ZERO, "paid": ZERO, "share": None})
        funders.append({"label": share.funder.name, "agreed": share.share_pct, **_amounts(row)})
    for name, row in sums.items():  # a funder outside the agreed shares still shows
        funders.append({"label": name, "agreed": None, **_amounts(row)})
    budget = ProgrammeBudget.objects.filter(programme=programme, year=year).first()
    rows = list(
        grants.select_related("operator__commune", "funder").order_by("operator__name", "funder")
    )
    return Statement(
        programme,
        year,
        budget.amount_eur if budget else None,
        funders,
        rows,
        sum((f["committed"] for f in funders), ZERO),
        sum((f["paid"] for f in funders), ZERO),
    )


def _amounts(row: dict) -> dict:
    share = row["share"]
    return {
        "committed": row["committed"],
        "paid": row["paid"],
        "share": None if share is None else share.quantize(Decimal("0.1")),
    }
