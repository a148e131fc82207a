"""Steering workbooks escape text typed by others (an anonymous survey answer, an action title)."""

import pytest
from django.urls import reverse

from sdsf.accounts.models import Role
from sdsf.steering.models import Question, RecipientList, Survey
from tests.core.test_downloads import HYPERLINK, xlsx_values
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def test_survey_answer_export_escapes_an_anonymous_formula(client, ssd):
    survey = Survey.objects.create(scheme=ssd, title="Enquête")
    question = Question.objects.create(survey=survey, position=1, text="Remarques", kind="text")
    recipients = RecipientList.objects.create(
        survey=survey,
        name="@liste",
        territory_level="departement",
        territory_code="93",
        recipients=5,
    )
    url = reverse("steering:survey_answer", kwargs={"token": recipients.token})
    assert client.post(url, {f"q{question.pk}": HYPERLINK}).status_code == 200
    client.force_login(make_user(Role.ANALYST))
    export = client.get(reverse("steering:survey_export", kwargs={"survey": survey.pk}))
    answers = xlsx_values(export.content)
    assert answers[1][0] == "'@liste" and answers[1][3] == "'" + HYPERLINK
    rates = xlsx_values(export.content, sheet=1)
    assert rates[1][2:] == (5, 1, 20)  # counts stay numbers


def test_steering_report_escapes_action_titles(client, ssd):
    ssd.actions.filter(code="7").update(title="=1+1")
    client.force_login(make_user(Role.ANALYST))
    answer = client.get(reverse("steering:report_xlsx", kwargs={"scheme": ssd.pk}))
    actions = xlsx_values(answer.content)
    assert "'=1+1" in [row[3] for row in actions]
