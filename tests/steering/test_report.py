import io
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from sdsf.accounts.models import Role
from sdsf.audit.models import AuditEvent
from sdsf.steering import reviews
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def pdf_text(content: bytes) -> str:
    """The PDF's text on one line; a word wrapped at its own hyphen is joined back."""
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    text = re.sub(r"(\w)-\n", r"\1-", text)
    return re.sub(r"\s+", " ", text).replace("’", "'")


def test_pdf_report_holds_every_action_title(client, ssd):
    action = ssd.actions.get(code="7")
    indicator = action.indicators.create(
        scheme=ssd,
        code="PART",
        label="Participants à la rencontre",
        target_value=100,
        target_year=2022,
    )
    indicator.values.create(year=2020, value=Decimal("80"))
    reviews.freeze(reviews.open_review(ssd, 2020), user=None)
    client.force_login(make_user(Role.CAF_ADVISOR))
    answer = client.get(reverse("steering:report_pdf", kwargs={"scheme": ssd.pk}))
    assert answer.status_code == 200 and answer["Content-Type"] == "application/pdf"
    text = pdf_text(answer.content)
    for title in ssd.actions.values_list("title", flat=True):
        assert re.sub(r"\s+", " ", title).replace("’", "'") in text
    assert "Rapport d'évaluation" in text
    assert "Participants à la rencontre" in text and "Bilan 2020" in text
    assert "Territoires des actions" in text
    assert AuditEvent.objects.filter(action="export").exists()


def test_xlsx_report_sheets(client, drome):
    client.force_login(make_user(Role.ANALYST, "departement", "26"))
    answer = client.get(reverse("steering:report_xlsx", kwargs={"scheme": drome.pk}))
    book = load_workbook(io.BytesIO(answer.content))
    assert book.sheetnames == ["Actions", "Indicateurs", "Chiffres clés", "Gouvernance"]
    actions = list(book["Actions"].iter_rows(values_only=True))
    assert len(actions) == 1 + drome.actions.count()
    invisibles = next(r for r in actions if r[3] and "invisibles" in r[3])
    assert invisibles[8] == "C, N, P"
    figures = [r[0] for r in book["Chiffres clés"].iter_rows(values_only=True)]
    assert "Places en crèches créées (bilan 2016-2019)" in figures
