import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from sdsf.accounts.models import Role
from sdsf.core import clock
from sdsf.steering.models import Question, RecipientList, Response, Survey
from sdsf.steering.surveys import rates, results
from tests.factories import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def survey(ssd):
    survey = Survey.objects.create(scheme=ssd, title="Situation des assistant·es maternel·les")
    Question.objects.create(
        survey=survey,
        position=1,
        text="Étiez-vous en activité ?",
        kind="single",
        choices=["Oui", "Non"],
    )
    Question.objects.create(
        survey=survey,
        position=2,
        text="Lieux fréquentés",
        kind="multiple",
        choices=["RAM", "MAM", "PMI"],
        required=False,
    )
    Question.objects.create(survey=survey, position=3, text="Enfants accueillis", kind="number")
    Question.objects.create(
        survey=survey, position=4, text="Remarques", kind="text", required=False
    )
    return survey


def answer(client, token, **data):
    return client.post(reverse("steering:survey_answer", kwargs={"token": token}), data)


def test_public_link_answers_anonymously_and_counts_by_list(client, survey):
    bobigny = RecipientList.objects.create(
        survey=survey,
        name="AM de Bobigny",
        territory_level="commune",
        territory_code="93008",
        recipients=4,
    )
    est = RecipientList.objects.create(
        survey=survey,
        name="AM de Grand Paris Grand Est",
        territory_level="ept",
        territory_code="200058790",
        recipients=10,
    )
    url = reverse("steering:survey_answer", kwargs={"token": bobigny.token})
    assert client.get(url).status_code == 200  # anonymous
    q1, q2, q3, _ = survey.questions.all()
    ok = answer(
        client, bobigny.token, **{f"q{q1.pk}": "Oui", f"q{q2.pk}": ["RAM", "PMI"], f"q{q3.pk}": "3"}
    )
    assert ok.status_code == 200 and "Merci" in ok.content.decode()
    answer(client, bobigny.token, **{f"q{q1.pk}": "Non", f"q{q3.pk}": "0"})
    answer(client, est.token, **{f"q{q1.pk}": "Oui", f"q{q2.pk}": ["RAM"], f"q{q3.pk}": "4"})
    invalid = answer(client, est.token, **{f"q{q1.pk}": "Peut-être", f"q{q3.pk}": "2"})
    assert invalid.status_code == 200 and Response.objects.count() == 3

    rows, total = rates(survey)
    by_name = {r.recipient_list.name: (r.responses, r.rate) for r in rows}
    assert by_name["AM de Bobigny"] == (2, 50) and by_name["AM de Grand Paris Grand Est"][0] == 1
    assert (total.responses, str(total.rate)) == (3, "21.4")
    activity, places, children, _ = results(survey)
    assert activity.counts == [("Oui", 2), ("Non", 1)]
    assert activity.by_list["AM de Bobigny"] == [("Oui", 1), ("Non", 1)]
    assert places.counts == [("RAM", 2), ("MAM", 0), ("PMI", 1)]
    assert (children.mean, children.minimum, children.maximum) == (Decimal("2.33"), 0, 4)


def test_unknown_or_closed_token_is_404(client, survey):
    closed = RecipientList.objects.create(
        survey=survey,
        name="Fermée",
        territory_level="departement",
        territory_code="93",
        recipients=1,
        open=False,
    )
    assert (
        client.get(reverse("steering:survey_answer", kwargs={"token": closed.token})).status_code
        == 404
    )
    assert (
        client.get(reverse("steering:survey_answer", kwargs={"token": "x" * 43})).status_code == 404
    )


def test_tokens_are_unguessable_and_distinct(survey):
    lists = [
        RecipientList.objects.create(
            survey=survey,
            name=f"L{i}",
            territory_level="departement",
            territory_code="93",
            recipients=1,
        )
        for i in range(3)
    ]
    tokens = {lst.token for lst in lists}
    assert len(tokens) == 3 and all(len(t) >= 40 for t in tokens)


def test_builder_pages_and_export(client, survey):
    client.force_login(make_user(Role.ANALYST))
    url = reverse("steering:question_add", kwargs={"survey": survey.pk})
    client.post(
        url,
        {
            "text": "Avez-vous une MAM ?",
            "kind": "single",
            "choices_text": "Oui\nNon",
            "required": "on",
        },
    )
    client.post(url, {"text": "Choix sans réponses", "kind": "single", "choices_text": ""})
    assert list(survey.questions.values_list("text", flat=True))[-1] == "Avez-vous une MAM ?"
    client.post(
        reverse("steering:recipients_add", kwargs={"survey": survey.pk}),
        {
            "name": "AM du 93",
            "territory_level": "departement",
            "territory_code": "93",
            "recipients": "3060",
        },
    )
    lst = survey.recipient_lists.get()
    page = client.get(reverse("steering:survey", kwargs={"survey": survey.pk})).content.decode()
    assert lst.token in page and "3060" in page
    Response.objects.create(recipient_list=lst, answers={str(survey.questions.first().pk): "Oui"})
    export = client.get(reverse("steering:survey_export", kwargs={"survey": survey.pk}))
    book = load_workbook(io.BytesIO(export.content))
    rows = list(book["Réponses"].iter_rows(values_only=True))
    assert rows[1][0] == "AM du 93" and rows[1][3] == "Oui"


def test_surveys_are_for_administrators_and_analysts(client, survey):
    client.force_login(make_user(Role.PMI_AGENT))
    assert client.get(reverse("steering:survey", kwargs={"survey": survey.pk})).status_code == 403


def test_a_list_takes_at_most_one_response_per_recipient(client, survey):
    pair = RecipientList.objects.create(
        survey=survey,
        name="Deux AM",
        territory_level="commune",
        territory_code="93008",
        recipients=2,
    )
    q1, _, q3, _ = survey.questions.all()
    data = {f"q{q1.pk}": "Oui", f"q{q3.pk}": "1"}
    for _ in range(2):
        assert "Merci" in answer(client, pair.token, **data).content.decode()
    third = answer(client, pair.token, **data)
    assert third.status_code == 200 and "autant de réponses que de destinataires" in (
        third.content.decode()
    )
    page = client.get(reverse("steering:survey_answer", kwargs={"token": pair.token}))
    assert "Envoyer mes réponses" not in page.content.decode()
    rows, total = rates(survey)
    assert Response.objects.count() == 2 and (rows[0].rate, total.rate) == (100, 100)


def _list(survey, **fields):
    values = {"name": "AM de Bobigny", "territory_level": "commune", "territory_code": "93008"}
    return RecipientList.objects.create(survey=survey, recipients=5, **{**values, **fields})


def test_survey_dates_are_checked_closing_after_opening(client, ssd):
    client.force_login(make_user(Role.ANALYST))
    url = reverse("steering:surveys", kwargs={"scheme": ssd.pk})
    dates = {"title": "Enquête", "opens_on": "2026-12-10", "closes_on": "2026-12-10"}
    page = client.post(url, dates).content.decode()
    assert "La date de clôture doit suivre la date d&#x27;ouverture." in page
    assert not Survey.objects.filter(title="Enquête").exists()
    response = client.post(url, {**dates, "closes_on": "2027-01-15"})
    assert response.status_code == 302
    listed = client.get(url).content.decode()
    assert "du 10 décembre 2026 au 15 janvier 2027 inclus" in listed


def test_public_link_is_open_only_between_its_dates(client, survey):
    link = reverse("steering:survey_answer", kwargs={"token": _list(survey).token})
    q1 = survey.questions.first()
    today = clock.today()
    survey.opens_on, survey.closes_on = today + timedelta(days=2), today + timedelta(days=9)
    survey.save()
    page = client.get(link).content.decode()
    assert "pas encore ouverte" in page and "<form" not in page
    answer(client, survey.recipient_lists.get().token, **{f"q{q1.pk}": "Oui"})
    assert Response.objects.count() == 0

    survey.opens_on, survey.closes_on = today - timedelta(days=9), today
    survey.save()
    assert "<form" in client.get(link).content.decode()  # the closing day is included

    survey.closes_on = today - timedelta(days=1)
    survey.save()
    page = client.get(link).content.decode()
    assert "Cette enquête est close depuis le" in page and "<form" not in page
    client.post(link, {f"q{q1.pk}": "Oui", f"q{survey.questions.all()[2].pk}": "1"})
    assert Response.objects.count() == 0


def test_an_empty_survey_cannot_be_opened(client, ssd):
    empty = Survey.objects.create(scheme=ssd, title="Vide")
    link = reverse("steering:survey_answer", kwargs={"token": _list(empty).token})
    assert "pas encore ouverte aux réponses" in client.get(link).content.decode()
    client.force_login(make_user(Role.ANALYST))
    page = client.get(reverse("steering:survey", kwargs={"survey": empty.pk})).content.decode()
    assert "ne peut pas être ouverte tant qu'elle n'a pas de question" in page


def test_lists_show_their_territory_by_name(client, survey):
    _list(survey)
    _list(survey, name="AM de l'EPT", territory_level="ept", territory_code="200058790")
    client.force_login(make_user(Role.ANALYST))
    page = client.get(reverse("steering:survey", kwargs={"survey": survey.pk})).content.decode()
    assert "Commune Bobigny (93008)" in page and "EPT Grand Paris Grand Est" in page
    assert "200058790" not in page
    assert "Ouverte, sans date de clôture" in page
    export = client.get(reverse("steering:survey_export", kwargs={"survey": survey.pk}))
    rates_sheet = list(load_workbook(io.BytesIO(export.content))["Taux de réponse"].values)
    assert {row[1] for row in rates_sheet[1:]} == {
        "Commune Bobigny (93008)",
        "EPT Grand Paris Grand Est",
        None,
    }
