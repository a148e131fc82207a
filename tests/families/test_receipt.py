"""The receipt: a PDF and an e-mail with the points so far and the next commission date; no child
data in the e-mail's subject."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.test import RequestFactory
from django.urls import reverse

from sdsf.allocation.models import AllocationRound, Criterion, PointsGrid
from sdsf.core import clock
from sdsf.families import receipt
from tests.factories import make_family, make_pre_application

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _just_after_midnight_in_paris(time_machine):
    """23:30 UTC is already the next day in Paris: the receipt must use the site's date."""
    time_machine.move_to(datetime(2026, 3, 1, 23, 30, tzinfo=UTC))


@pytest.fixture
def pre():
    grid = PointsGrid.objects.create(commune_id="93008", name="Grille", source="Test")
    Criterion.objects.create(
        grid=grid,
        position=1,
        key="single_parent",
        label="Parent seul",
        weight=Decimal(30),
        reason="Raison",
    )
    AllocationRound.objects.create(
        commune_id="93008",
        name="Commission",
        grid=grid,
        meets_on=clock.today() + timedelta(days=10),
        starts_on=clock.today(),
        ends_on=clock.today(),
        status=AllocationRound.Status.PUBLISHED,
    )
    return make_pre_application(
        make_family(),
        child_first_name="Zoé",
        child_last_name="Synthétique",
        situation=["single_parent"],
        email="parent@example.org",
    )


def test_receipt_email(pre):
    request = RequestFactory().get("/")
    assert receipt.send_receipt(request, pre)
    (message,) = mail.outbox
    assert pre.reference in message.subject
    assert "Zoé" not in message.subject and "Synthétique" not in message.subject
    assert "Parent seul : 30" in message.body
    commission = (clock.today() + timedelta(days=10)).strftime("%d/%m/%Y")
    assert commission in message.body
    assert reverse("families:application", args=[pre.reference]) in message.body


def test_no_email_without_address(pre):
    pre.email = ""
    assert not receipt.send_receipt(RequestFactory().get("/"), pre)
    assert not mail.outbox


def test_receipt_pdf_for_the_family(client, pre):
    client.force_login(pre.family.user)
    response = client.get(reverse("families:receipt", args=[pre.reference]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
