"""The ledger used as its people do: an operator applies, a funder's agent instructs, the
committee decides, the convention is signed, payments follow the final report."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from sdsf.audit.models import AuditEvent
from sdsf.core import formats
from sdsf.funding.models import Application, Grant, Payment
from tests.factories import PDF

pytestmark = pytest.mark.django_db


def _client(client, user):
    client.force_login(user)
    return client


def test_an_application_from_submission_to_balance(client, ledger):
    call, operator = ledger["call"], ledger["operator"]
    _client(client, ledger["manager"])
    response = client.post(
        reverse("funding:apply", kwargs={"slug": call.slug}),
        {
            "operator": operator.pk,
            "title": "Ateliers",
            "description": "Ateliers parents-enfants",
            "requested_eur": "5000",
            "planned_beneficiaries": "40",
            "documents": SimpleUploadedFile("budget.pdf", PDF, content_type="application/pdf"),
        },
    )
    application = Application.objects.get()
    assert response.status_code == 302 and application.documents.count() == 1
    page = reverse("funding:application", kwargs={"application": application.pk})
    _client(client, ledger["caf"])
    assert "Enregistrer l'instruction" in client.get(page).content.decode()
    grid = list(call.grid.all())
    client.post(
        reverse("funding:instruct", kwargs={"application": application.pk}),
        {"eligible": "1", f"criterion_{grid[0].pk}": "8", f"criterion_{grid[1].pk}": "15"},
    )
    assert "Total : 23 / 30" in client.get(page).content.decode()
    caf, dep = ledger["funders"]["CAF 93"], ledger["funders"]["Département 93"]
    client.post(
        reverse("funding:decide", kwargs={"application": application.pk}),
        {
            "decided_on": "2026-11-20",
            "minutes": "Retenu",
            f"funder_{caf.pk}": "3500",
            f"funder_{dep.pk}": "1500",
        },
    )
    assert Grant.objects.filter(signed=False).count() == 2
    convention = client.get(reverse("funding:convention", kwargs={"application": application.pk}))
    assert convention["Content-Type"] == "application/pdf"
    client.post(
        reverse("funding:sign", kwargs={"application": application.pk}), {"on": "2026-11-25"}
    )
    grant = Grant.objects.get(funder=caf)
    assert grant.signed and grant.year == 2026
    advance, balance = grant.payments.order_by("kind")
    assert (advance.kind, advance.amount_eur, balance.amount_eur) == ("advance", 2100, 1400)

    def pay(p):
        return client.post(reverse("funding:pay", kwargs={"payment": p.pk}), {"on": "2026-11-30"})

    pay(advance)
    pay(balance)  # refused: no final report yet
    grant.refresh_from_db()
    assert (grant.paid_eur, grant.status) == (Decimal("2100.00"), "partly_paid")
    _client(client, ledger["manager"])
    client.post(
        reverse("funding:report", kwargs={"application": application.pk}),
        {"beneficiaries": "45", "families_reached": "30", "actions_held": "12", "summary": "Bien"},
    )
    _client(client, ledger["caf"])
    pay(Payment.objects.get(pk=balance.pk))
    grant.refresh_from_db()
    assert (grant.paid_eur, grant.status) == (Decimal("3500.00"), "paid")
    application.refresh_from_db()
    assert application.status == "reported"


def test_a_refusal_needs_its_reason(client, ledger):
    from sdsf.funding import calls

    application = calls.submit(
        ledger["call"],
        ledger["operator"],
        None,
        {
            "title": "P",
            "description": "D",
            "requested_eur": Decimal(10),
            "planned_beneficiaries": 1,
        },
    )
    calls.instruct(application, eligible=True, note="", points={})
    _client(client, ledger["caf"])
    url = reverse("funding:decide", kwargs={"application": application.pk})
    client.post(url, {"decided_on": "2026-11-20", "minutes": "PV"})
    application.refresh_from_db()
    assert application.status == "eligible"
    client.post(url, {"decided_on": "2026-11-20", "minutes": "PV", "refusal_reason": "Hors champ"})
    application.refresh_from_db()
    assert (application.status, application.refusal_reason) == ("refused", "Hors champ")
    assert not Grant.objects.exists()


def test_another_departement_sees_nothing(client, ledger):
    _client(client, ledger["pmi_26"])
    programme = ledger["programme"]
    assert (
        client.get(reverse("funding:programme", kwargs={"programme": programme.pk})).status_code
        == 404
    )
    assert "Parentalité" not in client.get(reverse("funding:index")).content.decode()


def test_reading_an_operator_contact_is_audited(client, ledger):
    _client(client, ledger["admin"])
    url = reverse("funding:operator", kwargs={"operator": ledger["operator"].pk})
    assert "Alex Martin" in client.get(url).content.decode()
    assert AuditEvent.objects.filter(action=AuditEvent.Action.READ).exists()


def test_open_data_lists_signed_grants_only_without_contacts(client, ledger):
    from sdsf.funding.ledger import record_grant

    common = {"programme": ledger["programme"], "operator": ledger["operator"], "year": 2026}
    record_grant(
        funder=ledger["funders"]["CAF 93"], committed_eur=Decimal(100), signed=True, **common
    )
    record_grant(funder=ledger["funders"]["Département 93"], committed_eur=Decimal(7), **common)
    body = client.get(reverse("funding:open_data")).content.decode("utf-8-sig")
    assert "CAF 93" in body and "Département 93" not in body
    assert "Licence Ouverte" in body and "Alex Martin" not in body


def test_territory_view_and_statement(client, ledger):
    from sdsf.funding.ledger import record_grant

    common = {"programme": ledger["programme"], "operator": ledger["operator"], "year": 2026}
    record_grant(funder=ledger["funders"]["CAF 93"], committed_eur=Decimal(700), **common)
    record_grant(funder=ledger["funders"]["Département 93"], committed_eur=Decimal(300), **common)
    _client(client, ledger["admin"])
    page = client.get(
        reverse("funding:territory"), {"level": "epci", "code": "200054781", "year": "2026"}
    ).content.decode()
    assert formats.euros(Decimal(1000)) in page and "<svg" in page
    assert f"{formats.number(Decimal(70), 1)} %" in page
    kwargs = {"programme": ledger["programme"].pk, "year": 2026}
    xlsx = client.get(reverse("funding:statement_xlsx", kwargs=kwargs))
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    pdf = client.get(reverse("funding:statement_pdf", kwargs=kwargs))
    assert pdf.content.startswith(b"%PDF")


def test_aids_are_explained(client, ledger):
    _client(client, ledger["caf"])
    page = client.get(
        reverse("funding:aids"),
        {
            "on": "2024-06-01",
            "places": "20",
            "psu_funded": "on",
            "average_hourly_contribution": "0.70",
        },
    ).content.decode()
    assert "mixité sociale" in page and formats.euros(Decimal(42000)) in page
