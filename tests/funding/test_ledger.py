"""Recording grants: amounts checked, status from amounts, rule aids explained."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from sdsf.funding import rules
from sdsf.funding.ledger import operator_for_structure, record_grant, record_rule_aid
from sdsf.funding.models import Grant
from tests.factories import make_operator, make_programme, make_structure

pytestmark = pytest.mark.django_db


def _grant(**amounts):
    programme = make_programme()
    return record_grant(
        programme=programme,
        operator=make_operator(),
        funder=programme.shares.get().funder,
        year=2025,
        **amounts,
    )


def test_status_follows_the_amounts():
    assert _grant(committed_eur=Decimal(100)).status == Grant.Status.COMMITTED
    assert _grant(committed_eur=Decimal(100), paid_eur=Decimal(40)).status == "partly_paid"
    assert _grant(committed_eur=Decimal(100), paid_eur=Decimal(100)).status == "paid"


@pytest.mark.parametrize(
    "amounts, message",
    [
        ({"committed_eur": Decimal(-1)}, "entre 0 et 1 milliard"),
        ({"committed_eur": Decimal("1.001")}, "deux décimales"),
        ({"committed_eur": Decimal(10), "paid_eur": Decimal(11)}, "dépasse"),
    ],
)
def test_bad_amounts_are_refused_in_french(amounts, message):
    with pytest.raises(ValidationError, match=message):
        _grant(**amounts)
    assert not Grant.objects.exists()


def test_a_rule_aid_keeps_its_explanation():
    structure = make_structure(funding="psu")
    operator = operator_for_structure(structure)
    assert operator_for_structure(structure) == operator
    programme = make_programme(kind="rule_aid")
    result = rules.structures_in_difficulty_aid(
        date(2025, 3, 1),
        Decimal(10000),
        psu_funded=True,
        micro_creche=False,
        plan_cosigned=True,
        destabilising_factors=["taux d'occupation en baisse"],
    )
    grant = record_rule_aid(
        programme=programme,
        operator=operator,
        funder=programme.shares.get().funder,
        year=2025,
        result=result,
    )
    assert grant.committed_eur == Decimal("8000.00")
    assert grant.origin == Grant.Origin.RULE
    assert grant.explanation[-1]["amount"] == "8000.00"
