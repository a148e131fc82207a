"""An action's budget: the plan's lines (planned, per financer) beside what the ledger's
programmes serving the action committed and paid (``sdsf.funding``), year by year.

A programme that serves several actions counts in full for each (the ledger does not split a
grant between actions): the page says so.
"""

from collections import defaultdict
from decimal import Decimal

from sdsf.funding.queries import received_by_programme
from sdsf.steering.models import Action

ZERO = Decimal("0.00")


def planned_and_received(action: Action) -> dict:
    programmes = [f.programme for f in action.fundings.select_related("programme")]
    lines = list(action.budget.all())
    received = received_by_programme([p.pk for p in programmes])
    years: dict[int, dict] = defaultdict(
        lambda: {"planned": ZERO, "planned_by": {}, "committed": ZERO, "paid": ZERO, "by": {}}
    )
    for line in lines:
        row = years[line.year]
        row["planned"] += line.amount
        row["planned_by"][line.financer] = row["planned_by"].get(line.financer, ZERO) + line.amount
    for (_, year), funders in received.items():
        row = years[year]
        for funder, amounts in funders.items():
            row["committed"] += amounts["committed"]
            row["paid"] += amounts["paid"]
            row["by"][funder] = row["by"].get(funder, ZERO) + amounts["committed"]
    return {
        "programmes": programmes,
        "years": [{"year": year, **years[year]} for year in sorted(years)],
    }
