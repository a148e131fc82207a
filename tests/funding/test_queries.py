"""Query counts of the ledger's lists, at two sizes (no query per row), pinned."""

from decimal import Decimal

import pytest
from django.urls import reverse

from sdsf.funding import calls
from sdsf.funding.ledger import record_grant
from sdsf.funding.models import FundedPost, PostYear
from tests.factories import make_operator, make_programme
from tests.queries import FakeHTML, queries

pytestmark = pytest.mark.django_db


def _grow(ledger, start, stop):
    """Applications of the ledger's operator (scored, granted, signed); operators with a grant
    and a funded post each; programmes."""
    funders = list(ledger["funders"].values())
    for n in range(start, stop):
        operator = make_operator(
            "93008", name=f"Porteur Q{n}", institution=ledger["operator"].institution
        )
        application = calls.submit(
            ledger["call"],
            ledger["operator"],
            None,
            {
                "title": f"Projet Q{n}",
                "description": "D",
                "requested_eur": Decimal(100),
                "planned_beneficiaries": 3,
            },
        )
        calls.instruct(application, eligible=True, note="", points={})
        calls.decide(
            application,
            decided_on=ledger["call"].opens_on,
            minutes="PV",
            amounts={funders[0]: Decimal(60), funders[1]: Decimal(40)},
        )
        calls.sign(application, ledger["call"].opens_on)
        record_grant(
            programme=ledger["programme"],
            operator=operator,
            funder=funders[0],
            year=2026,
            committed_eur=Decimal(10),
            signed=True,
        )
        programme = make_programme(
            "93", name=f"Programme Q{n}", shares={f"Financeur Q{n}": (100, None)}
        )
        post = FundedPost.objects.create(
            programme=ledger["programme"], holder=operator, title=f"Poste Q{n}", kind="coordination"
        )
        PostYear.objects.create(post=post, year=2026, fte=Decimal(1), annual_eur=Decimal(100))
        assert programme


@pytest.mark.parametrize(
    "name, user, shows",
    [
        ("index", "admin", "Programme Q{}"),
        ("programme", "admin", "Poste Q{}"),
        ("operator", "admin", "Projet Q{}"),
        ("calls", None, "Parentalité"),
        ("open_data", None, "Porteur Q{}"),
        ("territory", "admin", "Porteur Q{}"),
        ("statement_pdf", "admin", "Porteur Q{}"),
        ("statement_xlsx", "admin", ""),
    ],
)
def test_lists_do_not_grow_with_their_rows(client, ledger, name, user, shows, monkeypatch):
    import weasyprint

    monkeypatch.setattr(weasyprint, "HTML", FakeHTML)
    if user:
        client.force_login(ledger[user])
    kwargs = {
        "programme": {"programme": ledger["programme"].pk},
        "operator": {"operator": ledger["operator"].pk},
        "statement_pdf": {"programme": ledger["programme"].pk, "year": 2026},
        "statement_xlsx": {"programme": ledger["programme"].pk, "year": 2026},
    }.get(name, {})
    url = reverse(f"funding:{name}", kwargs=kwargs)
    if name == "territory":
        url += "?level=commune&code=93008&year=2026"
    _grow(ledger, 0, 2)
    small = queries(client, url, shows=shows.format(1))
    _grow(ledger, 2, 6)
    large = queries(client, url, warm=False, shows=shows.format(5))
    assert (name, small) == (name, large)
    assert (name, small) == (name, PINNED[name])


PINNED = {
    "index": 6,
    "programme": 13,
    "operator": 13,
    "calls": 1,
    "open_data": 1,
    "territory": 11,
    "statement_pdf": 9,
    "statement_xlsx": 8,
}
