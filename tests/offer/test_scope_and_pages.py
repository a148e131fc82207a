import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django_tasks.backends.immediate import ImmediateBackend
from openpyxl import load_workbook

from sdsf.accounts import scope
from sdsf.accounts.models import Institution, Role
from sdsf.accounts.scope import Permission
from sdsf.audit.models import AuditEvent
from sdsf.core import clock
from sdsf.offer.models import AssistantMaternel, ImportJob, Structure
from tests.factories import give_structure_role, make_institution, make_user
from tests.offer.conftest import EXAMPLES

pytestmark = pytest.mark.django_db


@pytest.fixture
def registry(load):
    for kind in ("mam", "eaje", "am", "rpe", "laep", "parenting", "social"):
        load(kind)


def _structure_manager(identifier):
    user = make_user()
    give_structure_role(
        user,
        Role.STRUCTURE_MANAGER,
        identifier,
        make_institution(Institution.Kind.MANAGER, "commune", "93048"),
    )
    return user


def _visible(model, user, permission=Permission.OFFER_VIEW):
    return model.objects.visible_to(user, permission)


def _assistants(user):
    return AssistantMaternel.objects.visible_to(user, Permission.OFFER_VIEW_AM)


def _ids(queryset):
    return set(queryset.values_list("identifier", flat=True))


def test_commune_agent_sees_only_their_communes_structures(registry):
    agent = make_user(Role.COMMUNE_AGENT, "commune", "93008")
    assert _ids(_visible(Structure, agent)) == {"EAJE-93-0001", "RPE-93-0001", "CS-93-0001"}
    assert _ids(_assistants(agent)) == {"AM-93-000001"}
    assert _ids(_visible(Structure, make_user(Role.PMI_AGENT, "departement", "26"))) == set()


def test_structure_manager_sees_only_their_structure(registry):
    manager = _structure_manager("MAM-93-0001")
    assert _ids(_visible(Structure, manager)) == {"MAM-93-0001"}
    assert _ids(_assistants(manager)) == {"AM-93-000002"}  # their MAM's only
    assert list(scope.communes(manager).values_list("code", flat=True)) == ["93048"]
    other = _structure_manager("EAJE-93-0002")
    assert _ids(_visible(Structure, other)) == {"EAJE-93-0002"}
    assert not _assistants(other).exists()
    admin = make_user(Role.ADMINISTRATOR)
    assert manager in scope.people(admin)


def test_territorial_manager_sees_the_structures_of_their_institution(registry):
    manager = make_user(Role.STRUCTURE_MANAGER, "commune", "93048")
    assert not _visible(Structure, manager).exists()
    Structure.objects.filter(identifier="EAJE-93-0002").update(
        manager=manager.assignments.get().institution
    )
    assert _ids(_visible(Structure, manager)) == {"EAJE-93-0002"}


def test_registry_page_map_detail_and_availability(client, registry):
    client.force_login(make_user(Role.CAF_ADVISOR))
    page = client.get(reverse("offer:index"), {"kind": "eaje"}).content.decode()
    assert "Crèche départementale Karl Marx" in page and "Relais petite enfance de" not in page
    assert 'class="sdsf-map"' in page and "Couverture par les RPE et les LAEP" in page
    assert "Données de démonstration" not in page
    points = client.get(reverse("offer:structures_geojson"), {"kind": "eaje"}).json()
    assert len(points["features"]) == 4
    detail = client.get(reverse("offer:structure", args=["EAJE-93-0001"])).content.decode()
    assert "Historique de la capacité" in detail and "01/09/2015" in detail
    manager = _structure_manager("EAJE-93-0002")
    client.force_login(manager)
    url = reverse("offer:structure_availability", args=["EAJE-93-0002"])
    response = client.post(url, {"available_places": 3, "available_from": "2026-01-05"})
    assert response.status_code == 302
    assert Structure.objects.get(identifier="EAJE-93-0002").available_places == 3
    other = reverse("offer:structure_availability", args=["EAJE-93-0001"])
    assert client.get(other).status_code == 404


def test_assistant_reads_and_exports_are_audited(client, registry):
    client.force_login(make_user(Role.PMI_AGENT))
    client.get(reverse("offer:assistant", args=["AM-93-000001"]))
    read = AuditEvent.objects.filter(action="read", object_type="offer.assistantmaternel")
    assert read.filter(object_id=str(AssistantMaternel.objects.get(identifier="AM-93-000001").pk))
    response = client.get(reverse("offer:assistants_export"), {"format": "xlsx"})
    sheet = load_workbook(__import__("io").BytesIO(response.content)).active
    rows = list(sheet.values)
    assert rows[0][0] == "N° agrément" and rows[0][-1] == "Données de démonstration"
    assert len(rows) == 4
    assert AuditEvent.objects.filter(action="export").count() == 3
    csv_text = client.get(reverse("offer:structures_export"), {"kind": "eaje"}).content.decode()
    assert csv_text.startswith("\ufeffIdentifiant;Nom") and csv_text.count("EAJE-93-") == 4


def test_demo_rows_are_labelled(client, registry):
    Structure.objects.filter(identifier="EAJE-93-0001").update(is_demo=True)
    client.force_login(make_user(Role.ANALYST))
    assert "Données de démonstration" in client.get(reverse("offer:index")).content.decode()
    text = client.get(reverse("offer:structures_export")).content.decode()
    karl_marx = next(line for line in text.splitlines() if "EAJE-93-0001" in line)
    assert karl_marx.endswith(";oui")


def test_alerts_page_and_command(client, load, write_csv, capsys):

    from sdsf.offer.alerts import horizon

    today = clock.today()
    soon, later = horizon(today, 2), horizon(today, 9)
    load(
        "am",
        write_csv(
            "am",
            f"A1;Durand;Léa;93008;01/01/2021;{soon:%d/%m/%Y};3;;;",
            f"A2;Petit;Ana;93008;01/01/2021;{later:%d/%m/%Y};3;;;",
            f"A3;Roux;Eva;26362;01/01/2021;{soon:%d/%m/%Y};3;;;",
        ),
    )
    pmi = make_user(Role.PMI_AGENT, email="pmi93@example.org")
    client.force_login(pmi)
    page = client.get(reverse("offer:alerts")).content.decode()
    # names, not identifiers: "A2" could appear by chance in a nonce or an integrity hash
    assert "Durand" in page and "Petit" not in page and "Roux" not in page
    call_command("agrement_alerts")
    out = capsys.readouterr().out
    assert "Seine-Saint-Denis (93) : 1 agrément(s)" in out and "Drôme (26) : 1 agrément(s)" in out
    call_command("agrement_alerts", email=True)
    assert [m.to for m in mail.outbox] == [["pmi93@example.org"]]
    assert "Durand" in mail.outbox[0].body and "Roux" not in mail.outbox[0].body


def test_web_import_runs_in_a_task_and_reports(client):
    client.force_login(make_user(Role.PMI_AGENT))
    with (EXAMPLES / "eaje.csv").open("rb") as upload:
        response = client.post(reverse("offer:import"), {"kind": "eaje", "file": upload})
    job = ImportJob.objects.get()
    assert response.url == reverse("offer:import_job", args=[job.pk])
    assert job.state == "done" and job.content == b"" and "4 ligne(s)" in job.report
    progress = client.get(reverse("offer:import_progress", args=[job.pk])).content.decode()
    assert "Import terminé" in progress and "hx-get" not in progress
    bad = b"Identifiant;Nom;Code commune;Type\nS1;Centre;26362;centre social\n"
    upload = __import__("django.core.files.uploadedfile", fromlist=["x"]).SimpleUploadedFile(
        "social.csv", bad
    )
    client.post(reverse("offer:import"), {"kind": "social", "file": upload})
    failed = ImportJob.objects.order_by("-pk").first()
    assert failed.state == "failed" and "hors de votre périmètre" in failed.report
    assert Structure.objects.count() == 4


def test_api_lists_structures_in_scope(client, registry):
    client.force_login(make_user(Role.COMMUNE_AGENT, "commune", "93048"))
    rows = client.get("/api/offer/structures").json()
    assert {r["identifier"] for r in rows} == {"EAJE-93-0002", "MAM-93-0001", "LAEP-93-0001"}


def test_demo_step_is_deterministic_and_labelled(settings):
    from sdsf.offer.demo import create_offer
    from sdsf.territories.models import Departement

    ardeche = Departement.objects.get(code="07")
    create_offer(ardeche)
    first = list(
        AssistantMaternel.objects.order_by("identifier").values_list("last_name", "commune")
    )
    lines = create_offer(ardeche)
    assert "1795 assistants maternels" in lines[0]
    assert AssistantMaternel.objects.count() == 1795
    assert first == list(
        AssistantMaternel.objects.order_by("identifier").values_list("last_name", "commune")
    )
    assert not Structure.objects.filter(is_demo=False).exists()
    assert Structure.objects.filter(kind="eaje").count() == 55


def test_an_import_that_cannot_be_queued_leaves_no_job_pending(client, monkeypatch):
    """The job and its task are written in one transaction."""

    def queue_down(*args, **kwargs):
        raise ConnectionError("queue down")

    monkeypatch.setattr(ImmediateBackend, "enqueue", queue_down)
    client.force_login(make_user(Role.PMI_AGENT))
    with (EXAMPLES / "eaje.csv").open("rb") as upload, pytest.raises(ConnectionError):
        client.post(reverse("offer:import"), {"kind": "eaje", "file": upload})
    assert not ImportJob.objects.exists()
