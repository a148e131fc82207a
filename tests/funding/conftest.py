import pytest

from sdsf.accounts.models import Institution, Role
from sdsf.core import clock
from sdsf.territories.models import Level
from tests.factories import make_institution, make_operator, make_programme, make_user


@pytest.fixture
def ledger(db):
    """A programme of the 93 funded by its CAF (70 %) and Département (30 %), an open call
    with a two-line grid, an operator of Bobigny and the people who act on them."""
    from datetime import timedelta

    from sdsf.funding.models import Call, Criterion

    caf = make_institution(Institution.Kind.CAF, Level.DEPARTEMENT, "93")
    departement = make_institution(Institution.Kind.DEPARTEMENT, Level.DEPARTEMENT, "93")
    manager = make_institution(Institution.Kind.MANAGER, Level.COMMUNE, "93008")
    programme = make_programme(
        "93",
        code="parentalite",
        name="Parentalité",
        shares={"CAF 93": (70, caf), "Département 93": (30, departement)},
    )
    today = clock.today()
    call = Call.objects.create(
        programme=programme,
        slug="parentalite-2026",
        title="Parentalité 2026",
        summary="Soutenir les actions",
        criteria="Associations du département",
        opens_on=today - timedelta(days=3),
        closes_on=today + timedelta(days=3),
        published=True,
        advance_pct=60,
    )
    Criterion.objects.create(call=call, position=1, label="Besoin", max_points=10)
    Criterion.objects.create(call=call, position=2, label="Qualité", max_points=20)
    operator = make_operator(
        "93008", name="Asso Bobigny", institution=manager, contact_name="Alex Martin"
    )
    return {
        "programme": programme,
        "call": call,
        "operator": operator,
        "funders": {s.funder.name: s.funder for s in programme.shares.all()},
        "caf": make_user(Role.CAF_ADVISOR),
        "admin": make_user(Role.ADMINISTRATOR),
        "manager": make_user(Role.STRUCTURE_MANAGER, Level.COMMUNE, "93008"),
        "pmi_26": make_user(Role.PMI_AGENT, Level.DEPARTEMENT, "26"),
    }
