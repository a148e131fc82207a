"""An action's budget: planned lines beside what the programmes serving it received."""

from decimal import Decimal

import pytest

from sdsf.funding.ledger import record_grant
from sdsf.steering.budget import planned_and_received
from sdsf.steering.models import Action, ActionFunding, Axis, BudgetLine, Scheme
from tests.factories import make_operator, make_programme

pytestmark = pytest.mark.django_db


def test_planned_beside_received_per_year():
    scheme = Scheme.objects.create(
        reference="s", departement_id="93", name="S", start_year=2024, end_year=2026
    )
    axis = Axis.objects.create(scheme=scheme, position=1, code="1", title="A")
    action = Action.objects.create(scheme=scheme, axis=axis, code="1.1", title="Parentalité")
    BudgetLine.objects.create(action=action, financer="CAF", year=2025, amount=Decimal(1000))
    programme = make_programme("93")
    ActionFunding.objects.create(action=action, programme=programme)
    funder = programme.shares.get().funder
    for year, amount in ((2025, 600), (2027, 50)):
        record_grant(
            programme=programme,
            operator=make_operator(),
            funder=funder,
            year=year,
            committed_eur=Decimal(amount),
            paid_eur=Decimal(amount // 2),
        )
    rows = {r["year"]: r for r in planned_and_received(action)["years"]}
    assert (rows[2025]["planned"], rows[2025]["committed"], rows[2025]["paid"]) == (1000, 600, 300)
    assert rows[2025]["by"] == {funder.name: Decimal(600)}
    assert (rows[2027]["planned"], rows[2027]["committed"]) == (0, 50)
