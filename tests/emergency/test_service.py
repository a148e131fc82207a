"""Emergency childcare on the database: opening, places, requests, daily matching, purge."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.test import RequestFactory

from sdsf.accounts.models import Role
from sdsf.audit.models import AuditEvent
from sdsf.core import clock
from sdsf.emergency import retention, service
from sdsf.emergency.models import EmergencyMatch, EmergencyPeriod, EmergencyRequest
from sdsf.territories.models import Commune, Departement
from tests.factories import make_assistant, make_structure, make_user

pytestmark = pytest.mark.django_db


def _request(user):
    request = RequestFactory().post("/")
    request.user = user
    return request


def open_93(user=None, days=3, **fields):
    user = user or make_user(Role.STATE)
    today = clock.today()
    return service.open_period(
        _request(user),
        departement=Departement.objects.get(code="93"),
        communes=[],
        categories=["Personnels de santé", "Personnels de la gestion de crise"],
        title="Crise sanitaire",
        reason="Fermeture des écoles et des crèches",
        starts_on=today,
        ends_on=today + timedelta(days=days - 1),
        **fields,
    )


def ask(period, commune="93008", category_rank=1, children=1, email="p@example.org", **fields):
    return service.file_request(
        _request(make_user()),
        period,
        children=[
            service.NewChild(f"Enfant{n}", clock.today() - timedelta(days=700))
            for n in range(children)
        ],
        days=[period.starts_on],
        channel=EmergencyRequest.Channel.ONLINE,
        parent_name="Parent Test",
        email=email,
        phone="0600000000",
        employer="Hôpital Avicenne",
        category=period.categories.get(rank=category_rank),
        home_commune=Commune.objects.get(code=commune),
        **{"work_commune": None, **fields},
    )


def test_the_prefecture_opens_a_period_of_its_departement_only():
    state = make_user(Role.STATE)
    period = open_93(state)
    assert [c.label for c in period.categories.all()][0] == "Personnels de santé"
    with pytest.raises(PermissionDenied):
        service.open_period(
            _request(state),
            departement=Departement.objects.get(code="26"),
            communes=[],
            categories=["Soignants"],
            title="x",
            reason="x",
            starts_on=clock.today(),
            ends_on=clock.today(),
        )


def test_a_period_longer_than_a_quarter_is_refused():
    with pytest.raises(service.EmergencyError):
        open_93(days=100)


def test_a_structure_manager_declares_places_only_for_its_structures():
    period = open_93()
    mine = make_structure(identifier="S-MINE")
    other = make_structure()
    manager = make_user(Role.STRUCTURE_MANAGER, level="structure", code="S-MINE")
    service.declare_places(_request(manager), period, structure=mine, places={period.starts_on: 4})
    assert period.offers.get().places == 4
    with pytest.raises(PermissionDenied):
        service.declare_places(
            _request(manager), period, structure=other, places={period.starts_on: 4}
        )


def test_a_pmi_agent_of_the_26_cannot_declare_for_a_childminder_of_the_93():
    period = open_93()
    assistant = make_assistant()
    with pytest.raises(PermissionDenied):
        service.declare_places(
            _request(make_user(Role.PMI_AGENT, code="26")),
            period,
            assistant=assistant,
            places={period.starts_on: 2},
        )


def test_a_desk_agent_files_only_for_families_of_its_territory():
    period = open_93()
    agent = make_user(Role.CAF_ADVISOR, level="commune", code="93048")
    with pytest.raises(PermissionDenied):
        service.file_request(
            _request(agent),
            period,
            children=[service.NewChild("Lina", clock.today() - timedelta(days=400))],
            days=[period.starts_on],
            channel=EmergencyRequest.Channel.DESK,
            parent_name="x",
            email="x@example.org",
            phone="",
            employer="x",
            category=period.categories.first(),
            home_commune=Commune.objects.get(code="93008"),
            work_commune=None,
        )


def test_a_family_of_another_departement_is_refused_unless_it_works_there():
    period = open_93()
    with pytest.raises(service.EmergencyError):
        ask(period, commune="26362")
    assert ask(period, commune="26362", work_commune=Commune.objects.get(code="93008"))


def test_the_day_matching_places_the_first_category_and_mails_the_family(
    django_capture_on_commit_callbacks,
):
    period = open_93()
    pmi = make_user(Role.PMI_AGENT)
    structure = make_structure(name="Crèche Louise Michel", address="2 rue de la Paix")
    service.declare_places(_request(pmi), period, structure=structure, places={period.starts_on: 1})
    second = ask(period, category_rank=2, email="second@example.org")
    first = ask(period, category_rank=1, email="first@example.org")
    figure = service.run_day(period, period.starts_on)
    assert (figure.children_requested, figure.places, figure.matched) == (2, 1, 1)
    match = EmergencyMatch.objects.get()
    assert match.child.request == first
    with django_capture_on_commit_callbacks(execute=True):
        assert service.notify_day(period, period.starts_on) == 1
    assert mail.outbox[0].to == ["first@example.org"]
    assert "Crèche Louise Michel, 2 rue de la Paix, Bobigny" in mail.outbox[0].body
    assert second.reference not in mail.outbox[0].body


def test_a_second_run_keeps_the_proposals_sent_and_uses_late_places():
    period = open_93()
    pmi = make_user(Role.PMI_AGENT)
    first_place = make_structure()
    service.declare_places(
        _request(pmi), period, structure=first_place, places={period.starts_on: 1}
    )
    first = ask(period)
    service.run_day(period, period.starts_on)
    service.notify_day(period, period.starts_on)
    ask(period, category_rank=1)  # a later request of the same category
    late = make_structure()
    service.declare_places(_request(pmi), period, structure=late, places={period.starts_on: 1})
    figure = service.run_day(period, period.starts_on)
    assert figure.matched == 2
    assert EmergencyMatch.objects.get(child__request=first).offer.structure == first_place


def test_sms_text_for_a_family_without_email():
    period = open_93()
    structure = make_structure(name="Crèche du Centre")
    service.declare_places(
        _request(make_user(Role.PMI_AGENT)),
        period,
        structure=structure,
        places={period.starts_on: 1},
    )
    item = ask(period, email="")
    service.run_day(period, period.starts_on)
    assert service.notify_day(period, period.starts_on) == 0
    rows = service.request_rows([item], period.starts_on)
    assert "Crèche du Centre" in rows[0]["sms"] and item.reference in rows[0]["sms"]


def test_requests_are_seen_only_within_the_territory():
    period = open_93()
    item = ask(period)
    assert EmergencyRequest.objects.visible_to(make_user(Role.STATE)).get() == item
    assert not EmergencyRequest.objects.visible_to(make_user(Role.STATE, code="26")).exists()
    assert not EmergencyRequest.objects.visible_to(make_user(Role.COMMUNE_AGENT)).exists()


def test_a_family_working_in_the_departement_is_seen_there():
    period = open_93()
    ask(period, commune="26362", work_commune=Commune.objects.get(code="93008"))
    assert EmergencyRequest.objects.visible_to(make_user(Role.PMI_AGENT)).count() == 1


def test_a_closed_period_is_purged_after_its_retention_and_keeps_its_figures(settings):
    settings.SDSF_EMERGENCY_RETENTION_DAYS = 30
    period = open_93(days=1)
    ask(period)
    service.run_day(period, period.starts_on)
    later = period.ends_on + timedelta(days=1)
    assert retention.close_ended(later) == 1
    assert retention.purge(later) == 0
    assert retention.purge(period.ends_on + timedelta(days=31)) == 1
    assert not EmergencyRequest.objects.exists()
    assert period.figures.get().children_requested == 1
    period.refresh_from_db()
    assert period.status == EmergencyPeriod.Status.CLOSED


def test_closing_is_audited():
    period = open_93()
    service.close_period(_request(make_user(Role.STATE)), period)
    assert AuditEvent.objects.filter(detail="clôture de l'accueil d'urgence").exists()
    with pytest.raises(service.EmergencyError):
        ask(period)
