"""The commission: grids, rounds, waiting-list import, engine run, override and validation."""

import datetime
import io
import json
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from sdsf.accounts.models import Role
from sdsf.allocation import rounds, seats
from sdsf.allocation.grids import load_grid, points_lines, total
from sdsf.allocation.models import AllocationRound, Application, Criterion, PointsGrid
from sdsf.allocation.tasks import WAITING_LIST
from sdsf.allocation.waiting_list import import_waiting_list
from sdsf.audit.models import AuditEvent
from sdsf.core.imports import ImportFailed
from sdsf.offer.models import Capacity, ImportJob, Structure
from sdsf.territories.models import Level
from tests.factories import make_user

pytestmark = pytest.mark.django_db

COMMUNE = "93008"
GRIDS = Path(settings.DATA_DIR) / "grids"
# Two crèches of the tests (EAJE-LILAS, EAJE-ROSES); docs/examples/waiting_list.csv is the demo's.
EXAMPLE = Path(__file__).resolve().parent / "waiting_list.csv"
START = datetime.date(2026, 9, 1)


def _grid() -> PointsGrid:
    grid = PointsGrid.objects.create(commune_id=COMMUNE, name="Grille test", source="Test")
    for position, (key, weight) in enumerate(
        [
            ("residence", 300),
            ("both_parents_working", 40),
            ("single_parent", 30),
            ("disability", 30),
        ]
    ):
        Criterion.objects.create(
            grid=grid, position=position, key=key, label=key, weight=weight, reason="Parce que."
        )
    return grid


def _structure(identifier, places, avip_share=None) -> Structure:
    structure = Structure.objects.create(
        identifier=identifier,
        kind=Structure.Kind.EAJE,
        name=f"Crèche {identifier}",
        commune_id=COMMUNE,
        avip=avip_share is not None,
        avip_share=avip_share,
    )
    for section, count in places.items():
        Capacity.objects.create(
            structure=structure, section=section, places=count, start=datetime.date(2020, 1, 1)
        )
    return structure


@pytest.fixture
def allocation_round():
    _structure("EAJE-LILAS", {"babies": 1}, avip_share=20)
    _structure("EAJE-ROSES", {"babies": 1, "older": 1})
    return AllocationRound.objects.create(
        commune_id=COMMUNE,
        name="Commission de septembre",
        starts_on=START,
        ends_on=START + datetime.timedelta(days=30),
        grid=_grid(),
        status=AllocationRound.Status.PUBLISHED,
    )


def test_points_line_by_line():
    criteria = [
        Criterion(key="a", label="A", weight=Decimal(300)),
        Criterion(key="b", label="B", weight=Decimal("2.5")),
        Criterion(key="c", label="C", weight=Decimal(40)),
    ]
    lines = points_lines(criteria, ["c", "a"])
    assert [(line.label, line.weight) for line in lines] == [("A", 300), ("C", 40)]
    assert total(lines) == 340
    assert total(points_lines(criteria, [])) == 0


@pytest.mark.parametrize(("name", "count"), [("pessac-2022.json", 18), ("toulouse-2015.json", 11)])
def test_shipped_grids_load(name, count):
    grid = load_grid(GRIDS / name)
    again = load_grid(GRIDS / name)
    assert grid.pk == again.pk and grid.criteria.count() == count
    assert all(c.reason for c in grid.criteria.all())
    assert all(set(c.translations) == {"en", "ar"} for c in grid.criteria.all())
    assert "https://" in grid.source


def test_pessac_grid_is_the_city_s_own():
    grid = load_grid(GRIDS / "pessac-2022.json")
    criteria = {c.key: c for c in grid.criteria.all()}
    assert criteria["residence"].weight == 300 and criteria["both_parents_working"].weight == 40
    assert criteria["refused_offer"].weight == -20 and criteria["rule_breaches"].weight == -30
    follow_up = criteria["medico_social_follow_up"]
    assert follow_up.kind == Criterion.Kind.RANGE
    assert (follow_up.min_weight, follow_up.max_weight) == (10, 100)
    assert criteria["commissions_passed"].kind == Criterion.Kind.PER_COMMISSION
    assert criteria["single_parent"].proof == "Jugement, livret de famille"
    assert criteria["refused_offer"].declared_by == Criterion.DeclaredBy.COMMISSION
    assert len({c.group for c in criteria.values()}) == 5


def test_ranges_negative_points_and_commissions_passed():
    criteria = [
        Criterion(key="a", label="A", weight=Decimal(300)),
        Criterion(
            key="r",
            label="R",
            kind=Criterion.Kind.RANGE,
            weight=Decimal(10),
            min_weight=Decimal(10),
            max_weight=Decimal(100),
        ),
        Criterion(key="p", label="P", kind=Criterion.Kind.PER_COMMISSION, weight=Decimal(10)),
        Criterion(key="m", label="M", weight=Decimal(-20)),
    ]
    lines = points_lines(criteria, ["a", "m", "r"], {"r": "45"}, commissions=3)
    assert [(line.label, line.weight, line.times) for line in lines] == [
        ("A", 300, 1),
        ("R", 45, 1),
        ("P", 30, 3),
        ("M", -20, 1),
    ]
    assert total(lines) == 355
    assert total(points_lines(criteria, ["r"])) == 0  # a range counts once a value is chosen


def test_load_grid_checks_ranges_kinds_and_points(tmp_path):
    def grid(**criterion):
        item = {"key": "k", "label": "L", "reason": "R", "weight": 10, **criterion}
        path = tmp_path / "grid.json"
        path.write_text(
            json.dumps({"commune": "93008", "name": "X", "source": "Y", "criteria": [item]})
        )
        return path

    for bad, message in [
        ({"kind": "range", "weight": {"min": 100, "max": 10}}, "fourchette attendue"),
        ({"kind": "bonus"}, "type « bonus » inconnu"),
        ({"weight": 1e12}, "nombre de points entre"),
        ({"declared_by": "mairie"}, "« family » ou « commission » attendu"),
        ({"translations": {"de": {"label": "x"}}}, "traductions attendues"),
    ]:
        with pytest.raises(ImportFailed) as failure:
            load_grid(grid(**bad))
        assert message in failure.value.report()
    loaded = load_grid(grid(kind="range", weight={"min": -5, "max": 5}))
    assert loaded.criteria.get().min_weight == -5


def test_load_grid_command_reports_errors_in_french(tmp_path, capsys):
    bad = tmp_path / "grid.json"
    bad.write_text(json.dumps({"commune": "99999", "name": "X", "source": "Y", "criteria": [{}]}))
    with pytest.raises(SystemExit):
        call_command("load_grid", str(bad))
    assert "champ obligatoire absent" in capsys.readouterr().err
    assert not PointsGrid.objects.exists()
    call_command("load_grid", str(GRIDS / "toulouse-2015.json"))
    assert PointsGrid.objects.get().commune_id == "31555"


def test_import_example_waiting_list(allocation_round):
    result = import_waiting_list(allocation_round, str(EXAMPLE), "waiting_list.csv")
    assert result.created == 3
    first = allocation_round.applications.get(reference="D-2026-001")
    assert first.points == 340 and first.wishes == ["EAJE-LILAS", "EAJE-ROSES"]
    assert allocation_round.applications.get(reference="D-2026-002").insertion


def test_import_is_all_or_nothing_with_line_and_column(allocation_round):
    import_waiting_list(allocation_round, str(EXAMPLE), "waiting_list.csv")
    bad = (
        "reference,section,date_demande,insertion,voeux,criteres\n"
        "X1,bebes,2026-01-01,non,EAJE-LILAS,residence\n"
        "X2,chatons,2026-13-01,non,EAJE-INCONNUE,fortune\n"
    )
    with pytest.raises(ImportFailed) as failure:
        import_waiting_list(allocation_round, io.BytesIO(bad.encode()), "liste.csv")
    report = failure.value.report()
    assert "Ligne 3, colonne « section »" in report
    assert "colonne « date_demande »" in report
    assert "EAJE-INCONNUE" in report and "fortune" in report
    assert allocation_round.applications.count() == 3


def test_run_stores_proposal_and_explanations(allocation_round):
    import_waiting_list(allocation_round, str(EXAMPLE), "waiting_list.csv")
    assert rounds.run(allocation_round) == 3
    by_reference = {a.reference: a for a in allocation_round.applications.all()}
    # One place in bébés at Les Lilas, reserved for insertion (20 % of 1, rounded up): the
    # insertion family gets it despite fewer points; the other family gets its second wish.
    assert by_reference["D-2026-002"].proposed_structure.identifier == "EAJE-LILAS"
    assert by_reference["D-2026-001"].proposed_structure.identifier == "EAJE-ROSES"
    assert by_reference["D-2026-001"].wish_rank == 2
    explanation = by_reference["D-2026-001"].explanation
    assert [w["outcome"] for w in explanation["wishes"]] == ["full", "assigned"]
    assert "Crèche EAJE-LILAS" in explanation["message"]
    allocation_round.refresh_from_db()
    assert allocation_round.status == AllocationRound.Status.RUN


def test_reserved_places_round_up_to_the_share():
    assert seats.reserved_places(10, 20) == 2
    assert seats.reserved_places(11, 20) == 3
    assert seats.reserved_places(3, None) == 0
    assert seats.reserved_places(0, 20) == 0


def test_run_requires_a_published_grid(allocation_round):
    allocation_round.status = AllocationRound.Status.DRAFT
    with pytest.raises(rounds.RoundError):
        rounds.run(allocation_round)


def _agent(client, role=Role.COMMUNE_AGENT, code=COMMUNE):
    client.force_login(make_user(role, Level.COMMUNE, code))
    return client


def test_public_grid_page_needs_no_login_once_published(client, allocation_round):
    url = reverse("allocation:public_grid", kwargs={"round": allocation_round.pk})
    page = client.get(url)
    assert page.status_code == 200
    assert "Parce que." in page.content.decode()
    allocation_round.status = AllocationRound.Status.DRAFT
    allocation_round.save()
    assert client.get(url).status_code == 404


def test_round_pages_and_override(client, allocation_round):
    import_waiting_list(allocation_round, str(EXAMPLE), "waiting_list.csv")
    rounds.run(allocation_round)
    client = _agent(client)
    detail = client.get(reverse("allocation:round", kwargs={"round": allocation_round.pk}))
    assert detail.status_code == 200
    assert "residence : +300" in detail.content.decode()
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.READ, object_type="allocation.application"
    ).exists()
    structure_page = client.get(
        reverse(
            "allocation:round_structure",
            kwargs={"round": allocation_round.pk, "identifier": "EAJE-LILAS"},
        )
    )
    assert "D-2026-002" in structure_page.content.decode()
    target = allocation_round.applications.get(reference="D-2026-001")
    url = reverse(
        "allocation:application_override",
        kwargs={"round": allocation_round.pk, "application": target.pk},
    )
    refused = client.post(url, {"structure": "EAJE-LILAS", "reason": ""})
    assert refused.status_code == 200
    client.post(url, {"structure": "", "reason": "La famille a déménagé."})
    target.refresh_from_db()
    assert target.overridden and target.final_structure_id is None
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.UPDATE, detail__contains="déménagé"
    ).exists()
    validate = reverse("allocation:round_validate", kwargs={"round": allocation_round.pk})
    confirm = client.get(validate).content.decode()
    assert "Refus motivé de la commission" in confirm  # the override above: no place
    unconfirmed = client.post(validate)
    assert unconfirmed.status_code == 200 and "Cochez la case" in unconfirmed.content.decode()
    allocation_round.refresh_from_db()
    assert allocation_round.status == AllocationRound.Status.RUN
    client.post(validate, {"confirm": "on"})
    allocation_round.refresh_from_db()
    assert allocation_round.status == AllocationRound.Status.VALIDATED


def test_rounds_are_scoped_by_territory(client, allocation_round):
    client = _agent(client, Role.COMMISSION_MEMBER, "93066")
    url = reverse("allocation:round", kwargs={"round": allocation_round.pk})
    assert client.get(url).status_code == 404
    assert client.get(reverse("allocation:index")).status_code == 200


def test_commission_member_cannot_manage(client, allocation_round):
    client = _agent(client, Role.COMMISSION_MEMBER)
    assert (
        client.get(reverse("allocation:round", kwargs={"round": allocation_round.pk})).status_code
        == 200
    )
    run = client.post(reverse("allocation:round_run", kwargs={"round": allocation_round.pk}))
    assert run.status_code == 403


def test_create_and_import_through_pages(client):
    _structure("EAJE-LILAS", {"babies": 1}, avip_share=20)
    _structure("EAJE-ROSES", {"babies": 1, "older": 1})
    grid = _grid()
    client = _agent(client)
    created = client.post(
        reverse("allocation:round_create"),
        {
            "commune": COMMUNE,
            "name": "Commission",
            "grid": grid.pk,
            "starts_on": "2026-09-01",
            "ends_on": "2026-09-30",
            "seed": 0,
            "answer_days": 8,
            "meets_on": "2026-06-15",
        },
    )
    item = AllocationRound.objects.get()
    assert created.status_code == 302
    client.post(reverse("allocation:round_publish", kwargs={"round": item.pk}))
    with EXAMPLE.open("rb") as file:
        upload = client.post(
            reverse("allocation:round_import", kwargs={"round": item.pk}), {"file": file}
        )
    job = ImportJob.objects.get()
    assert upload.url == reverse(
        "allocation:round_import_job", kwargs={"round": item.pk, "job": job.pk}
    )
    page = client.get(upload.url).content.decode()
    assert "Import terminé" in page and "3 ligne(s) ont été créée(s)" in page
    assert Application.objects.filter(round=item).count() == 3
    assert bytes(ImportJob.objects.get().content) == b""  # emptied once read
    client.post(reverse("allocation:round_run", kwargs={"round": item.pk}))
    item.refresh_from_db()
    assert item.status == AllocationRound.Status.RUN and item.progress == 100
    assert item.meets_on == datetime.date(2026, 6, 15)


def test_indicators_hide_small_counts():
    from sdsf.allocation.indicators import round_indicators, shown

    assert [shown(n) for n in (0, 1, 4, 5)] == [0, None, None, 5]
    applications = [
        Application(
            reference=str(i),
            submitted_on=START - datetime.timedelta(days=61),
            insertion=i < 2,
            wishes=["A", "B"],
            proposed_structure_id=1 if i < 8 else None,
            wish_rank=1 if i < 6 else 2,
        )
        for i in range(10)
    ]
    applications[0].override_reason, applications[0].decided_structure_id = "Motif", 2
    result = round_indicators(applications, {1: "A", 2: "B"}, START)
    assert result.applications == 10 and result.allocated == 8 and result.allocated_share == 0.8
    assert result.insertion_allocated is None and result.insertion_share is None
    assert result.by_rank == [
        ("1er vœu", 5),
        ("2e vœu", None),
        ("3e vœu", 0),
        ("4e vœu ou au-delà", 0),
    ]
    assert round(result.mean_wait_months) == 2


def test_decision_letter_after_validation(client, allocation_round):
    import_waiting_list(allocation_round, str(EXAMPLE), "waiting_list.csv")
    rounds.run(allocation_round)
    target = allocation_round.applications.get(reference="D-2026-001")
    url = reverse(
        "allocation:application_letter",
        kwargs={"round": allocation_round.pk, "application": target.pk},
    )
    client = _agent(client)
    assert client.get(url).status_code == 404  # not validated yet
    allocation_round.status = AllocationRound.Status.VALIDATED
    allocation_round.save()
    letter = client.get(url)
    assert letter.status_code == 200 and letter["Content-Type"] == "application/pdf"
    assert letter.content.startswith(b"%PDF")
    public = client.get(reverse("allocation:public_grid", kwargs={"round": allocation_round.pk}))
    assert "Indicateurs de la commission" in public.content.decode()


def test_run_keeps_overrides(rf, allocation_round):
    import_waiting_list(allocation_round, str(EXAMPLE), "waiting_list.csv")
    rounds.run(allocation_round)
    request = rf.post("/")
    request.user = make_user(Role.COMMUNE_AGENT, Level.COMMUNE, COMMUNE)
    target = allocation_round.applications.get(reference="D-2026-003")
    with pytest.raises(rounds.RoundError):
        rounds.override(request, target, None, "   ")
    rounds.override(request, target, None, "Place refusée par la famille.")
    with pytest.raises(rounds.RoundError):
        rounds.run(allocation_round)
    target.refresh_from_db()
    assert target.override_reason == "Place refusée par la famille."


def test_waiting_list_upload_is_parsed_by_the_worker_and_reports_in_french(
    client, allocation_round
):
    """The request only stores the file: the job (immediate backend in tests) parses it and its
    page shows the French report with lines; another agent cannot see the job."""
    client = _agent(client)
    bad = "reference;section;date_demande;insertion;voeux;criteres\nA1;lune;2026-01-01;non;X;\n"
    url = reverse("allocation:round_import", kwargs={"round": allocation_round.pk})
    answer = client.post(url, {"file": SimpleUploadedFile("liste.csv", bad.encode())})
    job = ImportJob.objects.get(kind="waitlist", target=allocation_round.pk)
    assert job.state == ImportJob.State.FAILED and "Ligne 2, colonne « section »" in job.report
    progress = reverse(
        "allocation:round_import_progress", kwargs={"round": allocation_round.pk, "job": job.pk}
    )
    block = client.get(progress).content.decode()
    assert answer.status_code == 302 and "rien n&#x27;a été enregistré" in block
    assert not allocation_round.applications.exists()
    other = _agent(Client(), Role.COMMUNE_AGENT)
    assert other.get(progress).status_code == 404


def test_a_waiting_list_job_answers_only_under_its_own_round(client, allocation_round):
    """The uploader's job of one round is not reached through another round the uploader also
    manages, nor through the offer's import pages (a waiting-list job has a target)."""
    client = _agent(client)
    url = reverse("allocation:round_import", kwargs={"round": allocation_round.pk})
    csv = b"reference,section,date_demande,insertion,voeux,criteres\n"
    client.post(url, {"file": SimpleUploadedFile("liste.csv", csv)})
    job = ImportJob.objects.get(kind=WAITING_LIST, target=allocation_round.pk)
    other = AllocationRound.objects.create(
        commune_id=COMMUNE,
        name="Commission de janvier",
        starts_on=START + datetime.timedelta(days=120),
        ends_on=START + datetime.timedelta(days=150),
        grid=allocation_round.grid,
        status=AllocationRound.Status.PUBLISHED,
    )
    for name in ("allocation:round_import_job", "allocation:round_import_progress"):
        pages = [reverse(name, args=[item.pk, job.pk]) for item in (allocation_round, other)]
        assert [client.get(page).status_code for page in pages] == [200, 404]
    admin = make_user(Role.ADMINISTRATOR, Level.DEPARTEMENT, "93")  # holds offer.import too
    ImportJob.objects.filter(pk=job.pk).update(user=admin)
    client.force_login(admin)
    for name in ("offer:import_job", "offer:import_progress"):
        assert client.get(reverse(name, kwargs={"job": job.pk})).status_code == 404
