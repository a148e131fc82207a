"""The commission round end to end: online intake, background run, places across rounds,
proposals on validation, answers recorded by agents, vacated places, answer deadlines."""

import datetime
import io

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django_tasks.backends.immediate import ImmediateBackend

from sdsf.accounts.models import Role
from sdsf.allocation import answers, rounds, tasks
from sdsf.allocation.intake import IntakeError, take_pre_applications
from sdsf.allocation.models import AllocationRound, Answer, Application, PointsGrid
from sdsf.allocation.tasks import queue_run, queue_waiting_list_import
from sdsf.allocation.waiting_list import import_waiting_list
from sdsf.audit.models import AuditEvent
from sdsf.core import clock
from sdsf.families.models import Event, PreApplication
from sdsf.offer.models import ImportJob, Section, Structure
from sdsf.offer.sections import child_section
from sdsf.territories.models import Level
from tests.allocation.test_rounds import COMMUNE, EXAMPLE, START, _grid, _structure
from tests.factories import make_pre_application, make_user

pytestmark = pytest.mark.django_db

NOW = clock.now()
TODAY = clock.today()


@pytest.fixture(autouse=True)
def _one_today(time_machine):
    """Every test starts at the instant the module was read: a run that crosses midnight keeps
    the TODAY its rounds and deadlines were computed from."""
    time_machine.move_to(NOW)


def _round(name="Commission de juin", starts_on=START, grid=None, **fields) -> AllocationRound:
    return AllocationRound.objects.create(
        commune_id=COMMUNE,
        name=name,
        meets_on=TODAY,
        starts_on=starts_on,
        ends_on=starts_on + datetime.timedelta(days=30),
        grid=grid or PointsGrid.objects.filter(commune_id=COMMUNE).first() or _grid(),
        status=AllocationRound.Status.PUBLISHED,
        **fields,
    )


def _request(rf, role=Role.COMMUNE_AGENT):
    request = rf.post("/")
    request.user = make_user(role, Level.COMMUNE, COMMUNE)
    return request


def _application(allocation_round, reference, wishes, points=0, section=Section.BABIES):
    return Application.objects.create(
        round=allocation_round,
        reference=reference,
        section=section,
        submitted_on=datetime.date(2026, 1, 1),
        wishes=wishes,
        points=points,
    )


def test_child_section_from_age_on_start_date():
    start = datetime.date(2026, 9, 1)
    assert child_section(datetime.date(2025, 3, 2), start) == Section.BABIES  # 17 months
    assert child_section(datetime.date(2025, 3, 1), start) == Section.MIDDLE  # 18 months
    assert child_section(datetime.date(2024, 9, 2), start) == Section.MIDDLE  # 23 months
    assert child_section(datetime.date(2024, 9, 1), start) == Section.OLDER  # 24 months
    assert child_section(datetime.date(2026, 9, 2), start) is None  # not yet born


@pytest.fixture
def commune_offer():
    lilas = _structure("EAJE-LILAS", {"babies": 1, "older": 1})
    roses = _structure("EAJE-ROSES", {"babies": 1})
    other = Structure.objects.create(
        identifier="EAJE-AILLEURS", kind=Structure.Kind.EAJE, name="Ailleurs", commune_id="93066"
    )
    return lilas, roses, other


def test_intake_takes_active_pre_applications_wishing_the_commune(commune_offer):
    lilas, roses, other = commune_offer
    allocation_round = _round()
    taken = make_pre_application(
        wishes=[other, roses, COMMUNE], situation=["residence", "pas-dans-la-grille"]
    )
    older = make_pre_application(
        wishes=[COMMUNE], child_birth_date=datetime.date(2024, 1, 1), insertion=True
    )
    make_pre_application(wishes=[roses], status=PreApplication.Status.ACCEPTED)
    make_pre_application(wishes=[roses], status=PreApplication.Status.DRAFT)
    make_pre_application(wishes=[other])
    later = make_pre_application(  # needs a place after the round's period: a later round
        wishes=[roses], wished_start=allocation_round.ends_on + datetime.timedelta(days=1)
    )
    unborn = make_pre_application(
        wishes=[roses], child_birth_date=None, expected_birth_date=datetime.date(2026, 12, 1)
    )
    result = take_pre_applications(allocation_round)
    assert result.taken == 2 and unborn.reference in result.summary()
    assert not allocation_round.applications.filter(reference=later.reference).exists()
    first = allocation_round.applications.get(reference=taken.reference)
    # Foreign wish dropped, "any crèche of the commune" expanded in name order, no duplicate.
    assert first.wishes == ["EAJE-ROSES", "EAJE-LILAS"]
    assert first.section == Section.BABIES and first.points == 300
    assert first.criteria == ["residence"] and first.pre_application == taken
    second = allocation_round.applications.get(reference=older.reference)
    assert second.section == Section.OLDER and second.insertion
    assert second.wishes == ["EAJE-LILAS"]  # Les Roses has no place for grands
    taken.refresh_from_db()
    assert taken.status == PreApplication.Status.IN_COMMISSION
    assert taken.events.filter(kind=Event.Kind.STATUS, status="in_commission").count() == 1
    # Safe to repeat, and the waiting-list import keeps the online applications (and back).
    take_pre_applications(allocation_round)
    import_waiting_list(allocation_round, str(EXAMPLE), "waiting_list.csv")
    import_waiting_list(allocation_round, str(EXAMPLE), "waiting_list.csv")
    take_pre_applications(allocation_round)
    assert allocation_round.applications.count() == 5
    assert taken.events.filter(kind=Event.Kind.STATUS).count() == 1


def test_intake_refuses_a_reference_of_the_waiting_list(commune_offer):
    allocation_round = _round()
    pre = make_pre_application(wishes=[COMMUNE])
    csv = (
        "reference,section,date_demande,insertion,voeux,criteres\n"
        f"{pre.reference},bebes,2026-01-01,non,EAJE-LILAS,\n"
    )
    import_waiting_list(allocation_round, io.BytesIO(csv.encode()), "liste.csv")
    with pytest.raises(IntakeError, match=pre.reference):
        take_pre_applications(allocation_round)
    assert allocation_round.applications.count() == 1


def test_intake_button_on_the_round_page(client, commune_offer):
    allocation_round = _round()
    make_pre_application(wishes=[COMMUNE])
    client.force_login(make_user(Role.COMMUNE_AGENT, Level.COMMUNE, COMMUNE))
    url = reverse("allocation:round_intake", kwargs={"round": allocation_round.pk})
    assert client.post(url).status_code == 302
    assert allocation_round.applications.count() == 1
    member = make_user(Role.COMMISSION_MEMBER, Level.COMMUNE, COMMUNE)
    client.force_login(member)
    assert client.post(url).status_code == 403


def test_run_reports_each_stage():
    _structure("EAJE-LILAS", {"babies": 1})
    allocation_round = _round()
    _application(allocation_round, "A", ["EAJE-LILAS"], 10)
    stages = []
    assert rounds.run(allocation_round, lambda percent, note: stages.append((percent, note))) == 1
    assert [p for p, _ in stages] == [5, 20, 40, 60]
    assert "Enregistrement" in stages[-1][1]


def test_run_in_background_with_progress_and_french_error(client):
    _structure("EAJE-LILAS", {"babies": 1})
    allocation_round = _round()
    _application(allocation_round, "A", ["EAJE-LILAS"], 10)
    client.force_login(make_user(Role.COMMUNE_AGENT, Level.COMMUNE, COMMUNE))
    client.post(reverse("allocation:round_run", kwargs={"round": allocation_round.pk}))
    allocation_round.refresh_from_db()
    assert allocation_round.status == AllocationRound.Status.RUN
    assert allocation_round.progress == 100 and not allocation_round.run_error
    progress_url = reverse("allocation:round_progress", kwargs={"round": allocation_round.pk})
    polled = client.get(progress_url, HTTP_HX_REQUEST="true")
    assert polled.status_code == 200 and polled["HX-Refresh"] == "true"
    # A wish for a structure gone from the registry: the round goes back, nothing is written.
    _application(allocation_round, "B", ["EAJE-DISPARUE"], 5)
    client.post(reverse("allocation:round_run", kwargs={"round": allocation_round.pk}))
    allocation_round.refresh_from_db()
    assert allocation_round.status == AllocationRound.Status.RUN
    assert "EAJE-DISPARUE" in allocation_round.run_error
    assert allocation_round.applications.get(reference="A").proposed_structure is not None
    assert allocation_round.applications.get(reference="B").explanation == {}
    page = client.get(reverse("allocation:round", kwargs={"round": allocation_round.pk}))
    assert "Le dernier calcul a échoué" in page.content.decode()


def test_a_running_round_cannot_start_twice():
    _structure("EAJE-LILAS", {"babies": 1})
    allocation_round = _round()
    _application(allocation_round, "A", ["EAJE-LILAS"], 10)
    assert rounds.start_run(allocation_round) == AllocationRound.Status.PUBLISHED
    with pytest.raises(rounds.RoundError):
        rounds.start_run(AllocationRound.objects.get(pk=allocation_round.pk))


def _validated_first_round(rf, lilas):
    first = _round("Commission 1", starts_on=START)
    _application(first, "A", ["EAJE-LILAS"], 300)
    _application(first, "B", ["EAJE-LILAS"], 10)
    rounds.run(first)
    rounds.validate(_request(rf), first, today=TODAY)
    return first.applications.get(reference="A")


def test_places_follow_from_earlier_rounds(rf):
    lilas = _structure("EAJE-LILAS", {"babies": 1})
    held = _validated_first_round(rf, lilas)
    assert held.answer == Answer.PENDING
    later = START + datetime.timedelta(days=60)
    open_places = rounds.places_on([lilas], later, today=TODAY).capacity
    assert open_places.sum() == 0  # pending, deadline not past: the place is held
    assert (
        rounds.places_on([lilas], later, today=TODAY + datetime.timedelta(days=30)).capacity.sum()
        == 1
    )
    assert (
        rounds.places_on([lilas], START - datetime.timedelta(days=1), today=TODAY).capacity.sum()
        == 1
    )


def test_a_refused_place_is_offered_in_the_next_round(rf):
    lilas = _structure("EAJE-LILAS", {"babies": 1})
    held = _validated_first_round(rf, lilas)
    answers.refuse(_request(rf), held, "Nous avons déménagé.", by_agent=True, today=TODAY)
    second = _round("Commission 2", starts_on=START + datetime.timedelta(days=60))
    _application(second, "C", ["EAJE-LILAS"], 0)
    assert rounds.run(second) == 1


def test_an_accepted_place_is_not_offered_until_vacated(rf):
    lilas = _structure("EAJE-LILAS", {"babies": 1})
    held = _validated_first_round(rf, lilas)
    answers.accept(_request(rf), held, by_agent=True, today=TODAY)
    second = _round("Commission 2", starts_on=START + datetime.timedelta(days=60))
    _application(second, "C", ["EAJE-LILAS"], 1000)
    assert rounds.run(second) == 0
    request = _request(rf)
    with pytest.raises(answers.AnswerError):
        answers.vacate(request, held, START + datetime.timedelta(days=30), "  ")
    answers.vacate(request, held, START + datetime.timedelta(days=30), "Départ de la famille.")
    assert rounds.run(second) == 1
    assert AuditEvent.objects.filter(detail__contains="Départ de la famille").exists()


def test_validation_proposes_and_tells_the_families(
    rf, commune_offer, django_capture_on_commit_callbacks
):
    allocation_round = _round(answer_days=8)
    winner = make_pre_application(
        wishes=[Structure.objects.get(identifier="EAJE-ROSES")], situation=["residence"]
    )
    winner.events.create(kind=Event.Kind.STATUS, status=PreApplication.Status.COMPLETE)
    loser = make_pre_application(
        wishes=[Structure.objects.get(identifier="EAJE-ROSES")], child_first_name="Zoé"
    )
    loser.events.create(kind=Event.Kind.STATUS, status=PreApplication.Status.COMPLETE)
    Structure.objects.filter(identifier="EAJE-LILAS").delete()
    take_pre_applications(allocation_round)
    rounds.run(allocation_round)
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.validate(_request(rf), allocation_round) == 1
    proposal = allocation_round.applications.get(reference=winner.reference)
    assert proposal.answer == Answer.PENDING
    assert proposal.answer_deadline == TODAY + datetime.timedelta(days=8)
    winner.refresh_from_db()
    loser.refresh_from_db()
    assert winner.status == PreApplication.Status.PROPOSED
    assert winner.events.filter(kind=Event.Kind.PROPOSAL).exists()
    assert loser.status == PreApplication.Status.COMPLETE  # back to waiting, still active
    assert "aucune place" in loser.events.filter(kind=Event.Kind.STATUS).last().note
    assert len(mail.outbox) == 2  # each family receives its decision, the letter attached
    message = next(m for m in mail.outbox if f"/{winner.reference}/" in m.body)
    assert message.to == ["parent@example.org"] and "Enfant" not in message.subject
    assert "une place vous est attribuée" in message.subject
    assert f"/compte/pre-demande/{winner.reference}/" in message.body
    ((name, content, kind),) = message.attachments
    assert kind == "application/pdf" and content.startswith(b"%PDF")
    other = next(m for m in mail.outbox if m is not message)
    assert "reste en attente" in other.subject
    assert not allocation_round.applications.filter(decision_sent_at__isnull=True).exists()
    assert allocation_round.applications.get(reference=loser.reference).answer == ""


def test_agent_records_the_answer_of_a_family_without_account(client, rf):
    lilas = _structure("EAJE-LILAS", {"babies": 1})
    held = _validated_first_round(rf, lilas)
    client.force_login(make_user(Role.COMMUNE_AGENT, Level.COMMUNE, COMMUNE))
    url = reverse(
        "allocation:application_answer", kwargs={"round": held.round_id, "application": held.pk}
    )
    assert client.get(url).status_code == 200
    missing = client.post(url, {"answer": "refused", "reason": ""})
    assert missing.status_code == 200 and "obligatoire" in missing.content.decode()
    client.post(url, {"answer": "refused", "reason": "Garde trouvée ailleurs."})
    held.refresh_from_db()
    assert held.answer == Answer.REFUSED and held.answer_reason == "Garde trouvée ailleurs."
    assert AuditEvent.objects.filter(detail__contains="Garde trouvée ailleurs").exists()
    page = client.get(reverse("allocation:round", kwargs={"round": held.round_id}))
    assert "Garde trouvée ailleurs" in page.content.decode()
    vacate = reverse(
        "allocation:application_vacate", kwargs={"round": held.round_id, "application": held.pk}
    )
    client.post(vacate, {"on": "2026-10-01", "reason": "Départ"})
    held.refresh_from_db()
    assert held.vacated_on is None  # a refused place was never taken


def test_proposal_deadlines_remind_once_then_expire(
    rf, commune_offer, django_capture_on_commit_callbacks
):
    allocation_round = _round(answer_days=8)
    pre = make_pre_application(wishes=[Structure.objects.get(identifier="EAJE-ROSES")])
    take_pre_applications(allocation_round)
    rounds.run(allocation_round)
    rounds.validate(_request(rf), allocation_round, today=TODAY)
    mail.outbox.clear()
    deadline = TODAY + datetime.timedelta(days=8)
    with django_capture_on_commit_callbacks(execute=True):
        call_command("proposal_deadlines", "--date", str(TODAY))  # too early
        call_command("proposal_deadlines", "--date", str(deadline - datetime.timedelta(days=3)))
        call_command("proposal_deadlines", "--date", str(deadline - datetime.timedelta(days=2)))
    assert len(mail.outbox) == 1 and "Rappel" in mail.outbox[0].subject
    proposal = allocation_round.applications.get(reference=pre.reference)
    call_command("proposal_deadlines", "--date", str(deadline))
    proposal.refresh_from_db()
    assert proposal.answer == Answer.PENDING  # the deadline day is still open
    call_command("proposal_deadlines", "--date", str(deadline + datetime.timedelta(days=1)))
    call_command("proposal_deadlines", "--date", str(deadline + datetime.timedelta(days=2)))
    proposal.refresh_from_db()
    pre.refresh_from_db()
    assert proposal.answer == Answer.EXPIRED
    assert pre.status == PreApplication.Status.REFUSED and pre.active
    assert pre.events.filter(kind=Event.Kind.ANSWER).count() == 1
    assert pre.events.filter(kind=Event.Kind.REMINDER).count() == 1
    with pytest.raises(SystemExit) as exit_code:
        call_command("proposal_deadlines", "--date", "demain")
    assert exit_code.value.code == 2


def test_waiting_list_refuses_a_reference_taken_online(commune_offer):
    from sdsf.core.imports import ImportFailed

    allocation_round = _round()
    pre = make_pre_application(wishes=[COMMUNE])
    take_pre_applications(allocation_round)
    csv = (
        "reference,section,date_demande,insertion,voeux,criteres\n"
        f"{pre.reference},bebes,2026-01-01,non,EAJE-LILAS,\n"
    )
    with pytest.raises(ImportFailed) as failure:
        import_waiting_list(allocation_round, io.BytesIO(csv.encode()), "liste.csv")
    assert "Ligne 2" in failure.value.report() and "pré-demande en ligne" in failure.value.report()
    assert allocation_round.applications.get().pre_application == pre


class QueueDown(Exception):
    """The task queue refusing a task (its table locked, its service down)."""


def _queue_down(*args, **kwargs):
    raise QueueDown


def test_a_run_that_cannot_be_queued_leaves_the_round_as_it_was(monkeypatch):
    _structure("EAJE-LILAS", {"babies": 1})
    allocation_round = _round()
    _application(allocation_round, "A", ["EAJE-LILAS"], 10)
    monkeypatch.setattr(ImmediateBackend, "enqueue", _queue_down)
    with pytest.raises(QueueDown):
        queue_run(allocation_round)
    allocation_round.refresh_from_db()
    assert allocation_round.status == AllocationRound.Status.PUBLISHED
    monkeypatch.undo()
    queue_run(allocation_round)  # the next click runs it
    allocation_round.refresh_from_db()
    assert allocation_round.status == AllocationRound.Status.RUN


def test_a_waiting_list_that_cannot_be_queued_leaves_no_job(monkeypatch):
    allocation_round = _round()
    monkeypatch.setattr(ImmediateBackend, "enqueue", _queue_down)
    user = make_user(Role.COMMUNE_AGENT, Level.COMMUNE, COMMUNE)
    with EXAMPLE.open("rb") as upload, pytest.raises(QueueDown):
        queue_waiting_list_import(user, allocation_round, upload)
    assert not ImportJob.objects.exists()
