"""The committee (CDSF): members audited, meetings, decisions, yearly summary, renewal."""

import datetime

import pytest
from django.urls import reverse

from sdsf.accounts.models import Role
from sdsf.audit.models import AuditEvent
from sdsf.observatory.models import CapacityCount, PopulationCount
from sdsf.publicservice import timetable
from sdsf.publicservice.models import Decision, Meeting, Member, Renewal
from sdsf.steering.models import Action, Axis, Indicator, IndicatorValue, Review, Scheme
from tests.factories import make_user
from tests.queries import FakeHTML


@pytest.fixture
def scheme(db):
    scheme = Scheme.objects.create(
        reference="sdsf-26", departement_id="26", name="Schéma 26", start_year=2021, end_year=2026
    )
    axis = Axis.objects.create(scheme=scheme, code="1", title="Accueil")
    action = Action.objects.create(
        scheme=scheme, axis=axis, code="1.1", title="Créer des places", status="done", progress=100
    )
    indicator = Indicator.objects.create(
        scheme=scheme, action=action, code="I1", label="Places créées", baseline_value=0
    )
    IndicatorValue.objects.create(indicator=indicator, year=2025, value=120)
    Review.objects.create(scheme=scheme, year=2026, summary="Objectifs atteints.")
    return scheme


def test_the_members_page_is_audited_and_the_summary_gathers_the_year(client, scheme):
    admin = make_user(Role.ADMINISTRATOR, code="26")
    client.force_login(admin)
    client.post(
        reverse("publicservice:member_add", args=["26"]),
        {
            "college": "state",
            "name": "Dominique Préfet",
            "organisation": "Préfecture de la Drôme",
            "function": "Présidence",
            "email": "prefet@example.org",
            "mandate_start": "2026-04-01",
        },
    )
    member = Member.objects.get()
    page = client.get(reverse("publicservice:committee", args=["26"])).content.decode()
    assert "prefet@example.org" in page and "2027" in page  # the renewal calendar
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.READ, object_type="publicservice.member", object_id=str(member.pk)
    ).exists()
    client.post(
        reverse("publicservice:meeting_add", args=["26"]),
        {
            "held_on": "2026-10-01",
            "title": "Séance d'automne",
            "agenda": "Bilan 2026",
            "documents": "Bilan https://example.org/bilan.pdf",
            "attendees": [member.pk],
        },
    )
    meeting = Meeting.objects.get()
    action = scheme.actions.get()
    client.post(
        reverse("publicservice:decision_add", args=[meeting.pk]),
        {"text": "Le comité approuve le bilan.", "actions": [action.pk]},
    )
    assert list(Decision.objects.get().actions.all()) == [action]
    page = client.get(reverse("publicservice:summary", args=["26", 2026])).content.decode()
    assert "Le comité approuve le bilan." in page and "Objectifs atteints." in page
    assert "Créer des places" in page


def test_the_summary_pdf(client, scheme, monkeypatch):
    monkeypatch.setattr("weasyprint.HTML", FakeHTML)
    client.force_login(make_user(Role.STATE, code="26"))
    response = client.get(reverse("publicservice:summary_pdf", args=["26", 2026]))
    assert response["Content-Type"] == "application/pdf"
    assert "bilan 2026" in response.content.decode()


def test_the_state_reads_the_committee_but_manages_nothing(client, scheme):
    client.force_login(make_user(Role.STATE, code="26"))
    assert client.get(reverse("publicservice:committee", args=["26"])).status_code == 200
    assert client.get(reverse("publicservice:member_add", args=["26"])).status_code == 403


def test_the_renewal_calendar_after_the_2026_elections():
    elections = timetable.last_elections(datetime.date(2026, 12, 5))
    assert elections == datetime.date(2026, 3, 22)
    assert timetable.renewal_deadline(elections) == datetime.date(2027, 3, 22)
    assert timetable.next_period(elections) == (2027, 2032)
    steps = timetable.steps(elections, datetime.date(2026, 12, 5))
    assert [s.done for s in steps] == [True, True, True, False, False]
    assert timetable.add_months(datetime.date(2026, 1, 31), 1) == datetime.date(2026, 2, 28)


def test_a_new_scheme_starts_as_a_copy_with_the_review_and_the_new_diagnostic(client, scheme):
    PopulationCount.objects.create(
        commune_id="26362", year=2023, children_under_3=2000, source="Test"
    )
    CapacityCount.objects.create(commune_id="26362", year=2023, eaje_psu_places=800, source="T")
    client.force_login(make_user(Role.ADMINISTRATOR, code="26"))
    url = reverse("publicservice:renewal", args=[scheme.pk])
    assert "Objectifs atteints." in client.get(url).content.decode()
    response = client.post(url, {"start_year": "2027"})
    assert response.status_code == 302
    new = Scheme.objects.get(start_year=2027)
    assert (new.end_year, new.reference) == (2032, "sdsf-26-2027")
    action = new.actions.get()
    assert (action.code, action.status, action.progress) == ("1.1", "planned", None)
    indicator = action.indicators.get()
    assert (indicator.baseline_value, indicator.baseline_year) == (120, 2025)
    assert not indicator.values.exists()
    figures = {k.label: k.value for k in new.key_figures.all()}
    assert figures["Enfants de moins de 3 ans"] == 2000
    renewal = Renewal.objects.get()
    assert (renewal.previous, renewal.conclusions) == (scheme, "Bilan 2026 : Objectifs atteints.")
    assert client.post(url, {"start_year": "2027"}).status_code == 200  # already renewed
    assert Scheme.objects.filter(departement_id="26").count() == 2


def test_a_decision_cannot_name_an_action_of_another_departements_scheme(client, scheme):
    other = Scheme.objects.create(
        reference="sdsf-07", departement_id="07", name="Schéma 07", start_year=2021, end_year=2026
    )
    foreign = Action.objects.create(
        scheme=other,
        axis=Axis.objects.create(scheme=other, code="1", title="A"),
        code="9",
        title="X",
    )
    meeting = Meeting.objects.create(
        departement_id="26", held_on=datetime.date(2026, 3, 1), title="Séance", agenda="Bilan"
    )
    client.force_login(make_user(Role.CAF_ADVISOR, code="26"))
    client.post(
        reverse("publicservice:decision_add", args=[meeting.pk]),
        {"text": "Décision.", "actions": [foreign.pk]},
    )
    assert not Decision.objects.exists()
    foreign_member = Member.objects.create(
        departement_id="07",
        college="caf",
        name="X",
        organisation="CAF 07",
        mandate_start=datetime.date(2026, 1, 1),
    )
    response = client.post(
        reverse("publicservice:meeting_edit", args=[meeting.pk]),
        {
            "held_on": "2026-03-01",
            "title": "Séance",
            "agenda": "Bilan",
            "attendees": [foreign_member.pk],
        },
    )
    assert response.status_code == 200 and not meeting.attendees.exists()
