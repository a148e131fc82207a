"""Query counts of the plan's lists (actions, indicators, versions, reviews, governance,
surveys, reports): the same at two sizes (no query per row), pinned."""

import json

import pytest
from django.urls import reverse

from sdsf.accounts.models import Role
from sdsf.steering import reviews, versions
from sdsf.steering.models import (
    ActionUpdate,
    Question,
    RecipientList,
    Response,
    Scheme,
    Survey,
)
from sdsf.steering.planio import FORMAT, import_plan
from sdsf.territories.models import Commune
from tests.factories import make_user
from tests.queries import FakeHTML, queries, rolled_back

pytestmark = pytest.mark.django_db

BOBIGNY = "93008"
# Communes of the 93 in two EPT (and the Métropole du Grand Paris, their EPCI).
COMMUNES = ("93008", "93048", "93066", "93001", "93005", "93006", "93007", "93010")


def _action(i: int, indicators: int = 1) -> dict:
    """An action with every list an action has; its territories differ from one action to the
    next (the plan's territory filter lists them all)."""
    commune = COMMUNES[i % len(COMMUNES)]
    epci = Commune.objects.get(code=commune).epci_id
    return {
        "code": f"A{i}",
        "title": f"Action {i}",
        "status": "en_cours",
        "progress": 10 * (i % 10),
        "pilots": [{"label": f"Pilote {i % 4}", "kind": "caf"}, {"label": "Département"}],
        "partners": [{"label": "Commune"}],
        "territories": [{"level": "commune", "code": commune}, {"level": "epci", "code": epci}],
        "markers": ["R1", "R2"][: 1 + i % 2],
        "budget": [{"financer": "CAF", "year": 2021, "amount": 1000 + i}],
        "milestones": [{"title": "Lancement", "due_on": "2021-06-01"}],
        "indicators": [
            indicator
            for n in range(indicators)
            for indicator in (
                {
                    "code": f"I{i}-{n}",
                    "label": f"Indicateur {i}-{n}",
                    "values": [{"year": 2021, "value": i}, {"year": 2022, "value": i + 1}],
                },
                {"code": f"B{i}-{n}", "label": f"Couverture {i}-{n}", "binding": "coverage_rate"},
            )
        ],
    }


def _plan(reference: str, size: int) -> Scheme:
    """A plan of ``size`` actions (every list of the plan has about ``size`` rows)."""
    actions = [_action(i, indicators=size if i == 0 else 1) for i in range(size)]
    half = size // 2
    doc = {
        "format": FORMAT,
        "reference": reference,
        "departement": "93",
        "name": f"Schéma {reference}",
        "start_year": 2020,
        "end_year": 2024,
        "markers": [{"code": "R1", "label": "Repère 1"}, {"code": "R2", "label": "Repère 2"}],
        "key_figures": [{"label": f"Chiffre {i}", "value": i} for i in range(size)],
        "signatories": [{"label": f"Signataire {i}"} for i in range(size)],
        "axes": [
            {
                "code": "1",
                "title": "Accueil",
                "objectives": [{"code": "1.1", "title": "Places", "actions": actions[:half]}],
                "actions": [],
            },
            {"code": "2", "title": "Parentalité", "actions": actions[half:]},
        ],
        "indicators": [
            {"code": f"S{i}", "label": f"Indicateur du schéma {i}", "values": []}
            for i in range(size)
        ]
        + [
            {"code": f"COUV{i}", "label": "Couverture", "binding": "coverage_rate"}
            for i in range(size)
        ],
        "governance": [
            {
                "kind": "comite_pilotage",
                "name": f"Comité {i}",
                "meetings": [
                    {
                        "held_on": "2021-03-01",
                        "title": "Réunion",
                        "participants": 20,
                        "decisions": [{"text": "Décision", "actions": [f"A{i}"]}],
                    }
                ],
            }
            for i in range(size)
        ],
    }
    scheme_id, _ = import_plan(json.dumps(doc), f"{reference}.json")
    return Scheme.objects.get(pk=scheme_id)


def _surveyed(scheme: Scheme, size: int) -> Survey:
    survey = Survey.objects.create(scheme=scheme, title="Enquête")
    for i in range(size):
        Question.objects.create(survey=survey, position=i, text=f"Q{i}", kind="nombre")
        RecipientList.objects.create(
            survey=survey,
            name=f"Liste {i}",
            territory_level="commune",
            territory_code=BOBIGNY,
            recipients=10,
        )
    questions = list(survey.questions.all())
    for recipients in survey.recipient_lists.all():
        Response.objects.create(
            recipient_list=recipients, answers={str(q.pk): 3 for q in questions}
        )
    for i in range(size):
        Survey.objects.create(scheme=scheme, title=f"Autre enquête {i}")
    return survey


def _history(scheme: Scheme, user, size: int) -> None:
    """Versions, reviews and action updates: ``size`` of each (reviews: one per year)."""
    for year in (2020, 2021, 2022, 2023, 2024)[: max(2, min(size, 5))]:
        reviews.open_review(scheme, year)
    for i in range(size):
        versions.publish(scheme, year=2021, label=f"Version {i}", note="", user=user)
    action = scheme.actions.get(code="A0")
    for i in range(size):
        ActionUpdate.objects.create(action=action, author=user, status="en_cours", progress=i)


def _urls(scheme: Scheme, survey: Survey) -> dict[str, str]:
    review = scheme.reviews.order_by("year").last()
    return {
        "scheme": reverse("steering:scheme", args=[scheme.pk]),
        "scheme_filtered": reverse("steering:scheme", args=[scheme.pk]) + "?statut=en_cours",
        "action": reverse("steering:action", args=[scheme.actions.get(code="A0").pk]),
        "versions": reverse("steering:versions", args=[scheme.pk]),
        "version": reverse("steering:version", args=[scheme.versions.order_by("number").last().pk]),
        "reviews": reverse("steering:reviews", args=[scheme.pk]),
        "review": reverse("steering:review", args=[review.pk]),
        "governance": reverse("steering:governance", args=[scheme.pk]),
        "report_xlsx": reverse("steering:report_xlsx", args=[scheme.pk]),
        "surveys": reverse("steering:surveys", args=[scheme.pk]),
        "survey": reverse("steering:survey", args=[survey.pk]),
        "survey_export": reverse("steering:survey_export", args=[survey.pk]),
        "report_pdf": reverse("steering:report_pdf", args=[scheme.pk]),
        "survey_answer": reverse(
            "steering:survey_answer", args=[survey.recipient_lists.first().token]
        ),
    }


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """An administrator of the 93, a small plan (3 rows in each list) and a large one (15),
    built once for the module."""
    with rolled_back(django_db_blocker):
        admin = make_user(Role.ADMINISTRATOR)
        sized = {}
        for name, size in (("small", 3), ("large", 15)):
            scheme = _plan(f"sdsf-93-{name}", size)
            _history(scheme, admin, size)
            sized[name] = _urls(scheme, _surveyed(scheme, size))
        yield admin, sized


@pytest.fixture
def plans(client, world):
    admin, sized = world
    client.force_login(admin)
    return sized


@pytest.mark.parametrize(
    ("page", "shows", "expected"),
    [
        ("scheme", "Action 14", 29),
        ("scheme_filtered", "Action 14", 29),
        ("action", "Indicateur 0-14", 21),
        ("versions", "Version 14", 26),
        ("version", "Action 14", 7),
        ("reviews", "Bilan 2024", 6),
        ("review", "Action 14", 32),
        ("governance", "Comité 14", 13),  # whether the person coordinates (edit link)
        ("report_xlsx", "", 23),
        ("surveys", "Autre enquête 14", 5),
        ("survey", "Q14", 10),  # + where the survey stands, + its lists' territories by name
        ("survey_export", "", 15),  # + the lists' territories by name (2 queries)
        ("report_pdf", "Action 14", 49),
        ("survey_answer", "Q14", 7),
    ],
)
def test_plan_lists(client, plans, monkeypatch, page, shows, expected):
    monkeypatch.setattr("weasyprint.HTML", FakeHTML)  # the PDF's page is rendered, not drawn
    small = queries(client, plans["small"][page])
    large = queries(client, plans["large"][page], warm=False, shows=shows)
    assert (small, large) == (expected, expected)


def test_index(client, plans):
    url = reverse("steering:index")
    for i in range(2):
        _plan(f"sdsf-93-index-{i}", 1)
    small = queries(client, url)
    for i in range(2, 6):
        _plan(f"sdsf-93-index-{i}", 1)
    assert (small, queries(client, url, warm=False, shows="Schéma sdsf-93-index-5")) == (4, 4)
