"""Chained writes: a person allowed to write a row points it at rows of another territory.

Each test plays the attack through the platform's own entry point (the web upload and its
background task, the desk's forms, the commission's pages), checks that it is refused with a
French message, and that nothing was written.
"""

import io
from html import unescape

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from sdsf.accounts.models import STRUCTURE_SCOPE, Assignment, Institution, Role
from sdsf.allocation.models import AllocationRound, Application, Criterion, PointsGrid
from sdsf.allocation.tasks import WAITING_LIST
from sdsf.families.models import PreApplication
from sdsf.offer.models import AssistantMaternel, ImportJob, Structure
from sdsf.steering.models import Action, Actor, Axis, RecipientList, Scheme, Survey
from sdsf.territories.models import Level
from tests.factories import (
    make_family,
    make_institution,
    make_pre_application,
    make_structure,
    make_user,
)

pytestmark = pytest.mark.django_db


def _upload(client, kind: str, text: str) -> ImportJob:
    """The web upload of the registry (its task runs at once in the tests)."""
    upload = SimpleUploadedFile(f"{kind}.csv", text.encode())
    client.post(reverse("offer:import"), {"kind": kind, "file": upload})
    return ImportJob.objects.order_by("-pk").first()


def test_an_rpe_import_may_not_open_another_departements_families(client):
    """A PMI agent of the 93 imports a relais covering Valence: refused on its line; the relais
    is not written, and its manager would serve no family of the Drôme."""
    client.force_login(make_user(Role.PMI_AGENT, Level.DEPARTEMENT, "93"))
    job = _upload(
        client,
        "rpe",
        "Identifiant;Nom;Code commune;Communes couvertes\n"
        "RPE-X;Relais de Bobigny;93008;93008 26362\n",
    )
    assert job.state == ImportJob.State.FAILED
    assert "Ligne 2" in job.report and "« 26362 » est hors de votre périmètre" in job.report
    assert not Structure.objects.exists()


def test_an_rpe_written_earlier_with_a_foreign_commune_serves_no_family_there(client):
    """Defence in depth: a coverage reaching the 26 (written before this check, or by hand)
    does not open the Valence families to the relais' manager."""
    relais = make_structure("93008", "rpe", identifier="RPE-OLD")
    relais.covered_communes.set(["93008", "26362"])
    valence = make_pre_application(departement="26", home_commune="26362")
    bobigny = make_pre_application(home_commune="93008")
    client.force_login(make_user(Role.STRUCTURE_MANAGER, STRUCTURE_SCOPE, "RPE-OLD"))
    assert client.get(reverse("families:desk_detail", args=[bobigny.reference])).status_code == 200
    for name in ("desk_detail", "desk_edit", "desk_withdraw"):
        assert client.get(reverse(f"families:{name}", args=[valence.reference])).status_code == 404
    assert (
        client.post(reverse("families:desk_withdraw", args=[valence.reference])).status_code == 404
    )
    valence.refresh_from_db()
    assert valence.status == PreApplication.Status.RECEIVED


def test_a_childminder_of_the_93_may_not_join_a_drome_mam(client):
    make_structure("26362", "mam", identifier="MAM-DROME")
    client.force_login(make_user(Role.PMI_AGENT, Level.DEPARTEMENT, "93"))
    job = _upload(
        client,
        "am",
        "N° agrément;Nom;Prénom;Code commune;Date de début d'agrément;Date de fin d'agrément;"
        "Nombre d'enfants;Identifiant MAM\n"
        "AM-1;Martin;Léa;93008;01/01/2024;31/12/2028;3;MAM-DROME\n",
    )
    assert job.state == ImportJob.State.FAILED
    assert "Ligne 2, colonne « Identifiant MAM »" in job.report
    assert "MAM « MAM-DROME » est dans une commune hors de votre périmètre" in job.report
    assert not AssistantMaternel.objects.exists()


def test_an_import_may_not_take_over_a_structure_of_another_territory(client):
    make_structure("26362", "mam", identifier="MAM-DROME", name="MAM de Valence")
    client.force_login(make_user(Role.CAF_ADVISOR, Level.DEPARTEMENT, "93"))
    job = _upload(
        client,
        "mam",
        "Identifiant;Nom;Code commune\nMAM-DROME;MAM repeinte;93008\n",
    )
    assert job.state == ImportJob.State.FAILED and "hors de votre périmètre" in job.report
    assert Structure.objects.get().name == "MAM de Valence"


def _round(commune="93008") -> AllocationRound:
    grid = PointsGrid.objects.create(commune_id=commune, name="Grille", source="Test")
    Criterion.objects.create(
        grid=grid, position=1, key="residence", label="Résidence", weight=300, reason="Loi."
    )
    return AllocationRound.objects.create(
        commune_id=commune,
        name="Commission",
        grid=grid,
        starts_on="2026-09-01",
        ends_on="2026-09-30",
        status=AllocationRound.Status.PUBLISHED,
    )


def test_a_waiting_list_of_bobigny_may_not_wish_a_drome_creche(client):
    """The upload goes to its job's page (the task runs at once in the tests): the job's report
    names the refused line, and nothing was written."""
    make_structure("93008", identifier="EAJE-B")
    make_structure("26362", identifier="EAJE-V")
    item = _round()
    client.force_login(make_user(Role.COMMUNE_AGENT, Level.COMMUNE, "93008"))
    upload = SimpleUploadedFile(
        "liste.csv",
        b"reference,section,date_demande,insertion,voeux,criteres\n"
        b"D1,bebes,2026-01-02,non,EAJE-B|EAJE-V,residence\n",
    )
    url = reverse("allocation:round_import", args=[item.pk])
    page = client.post(url, {"file": upload}, follow=True)
    job = ImportJob.objects.get(kind=WAITING_LIST, target=item.pk)
    assert page.redirect_chain == [
        (reverse("allocation:round_import_job", args=[item.pk, job.pk]), 302)
    ]
    text = unescape(page.content.decode())
    assert page.status_code == 200 and "Ligne 2, colonne « voeux »" in text
    assert "« EAJE-V » est hors de votre périmètre" in text
    assert job.state == ImportJob.State.FAILED and "rien n'a été enregistré" in text
    assert not Application.objects.exists()


def test_a_commission_may_not_decide_a_place_outside_its_territory(client):
    """A proposal whose wishes name a foreign crèche (an old list) cannot be overridden to it."""
    here = make_structure("93008", identifier="EAJE-B")
    make_structure("26362", identifier="EAJE-V", name="Crèche de Valence")
    item = _round()
    item.status = AllocationRound.Status.RUN
    item.save()
    target = Application.objects.create(
        round=item,
        reference="D1",
        section="babies",
        submitted_on="2026-01-02",
        points=300,
        wishes=["EAJE-V", "EAJE-B"],
        proposed_structure=here,
    )
    client.force_login(make_user(Role.COMMUNE_AGENT, Level.COMMUNE, "93008"))
    url = reverse("allocation:application_override", args=[item.pk, target.pk])
    response = client.post(
        url, {"structure": "EAJE-V", "reason": "Proche du travail."}, follow=True
    )
    assert "« Crèche de Valence » est hors de votre périmètre" in unescape(
        response.content.decode()
    )
    target.refresh_from_db()
    assert target.decided_structure is None and target.override_reason == ""


def test_a_commune_agent_may_not_open_a_round_for_another_commune(client):
    grid = PointsGrid.objects.create(commune_id="93048", name="Grille", source="Test")
    client.force_login(make_user(Role.COMMUNE_AGENT, Level.COMMUNE, "93008"))
    page = client.post(
        reverse("allocation:round_create"),
        {
            "commune": "93048",
            "name": "Commission",
            "grid": grid.pk,
            "starts_on": "2026-09-01",
            "ends_on": "2026-09-30",
            "seed": "0",
            "answer_days": "8",
        },
    )
    assert page.status_code == 200 and not AllocationRound.objects.exists()


def _parent(commune: str) -> dict:
    return {
        "parent_first_name": "Camille",
        "parent_last_name": "Martin",
        "phone": "0102030405",
        "home_commune": commune,
    }


def test_a_commune_agent_of_the_93_may_not_file_a_pre_application_of_the_26(client):
    client.force_login(make_user(Role.COMMUNE_AGENT, Level.COMMUNE, "93008"))
    page = client.post(reverse("families:desk_new"), _parent("26362"))
    assert page.status_code == 200
    assert "La commune Valence (26362) n'est pas dans votre périmètre." in unescape(
        page.content.decode()
    )
    assert not PreApplication.objects.exists()
    # nor of a neighbouring commune of the 93 that another desk serves
    page = client.post(reverse("families:desk_new"), _parent("93048"))
    assert "Montreuil (93048) n'est pas dans votre périmètre" in unescape(page.content.decode())
    assert not PreApplication.objects.exists()


def test_a_desk_agent_may_not_move_a_file_out_of_their_territory(client):
    pre = make_pre_application(home_commune="93008")
    client.force_login(make_user(Role.COMMUNE_AGENT, Level.COMMUNE, "93008"))
    url = reverse("families:desk_step", args=[pre.reference, "parent"])
    page = client.post(url, _parent("26362"))
    assert "n'est pas dans votre périmètre" in unescape(page.content.decode())
    pre.refresh_from_db()
    assert pre.home_commune_id == "93008" and pre.departement_id == "93"
    # the same agent still completes the file where it is
    assert client.post(url, _parent("93008")).status_code == 302


def test_a_desk_agent_adds_only_wishes_their_desk_serves(client):
    """A relais covering Bobigny files for a Bobigny family: it may not add a crèche of
    Pantin; the wish the family made there itself stays."""
    relais = make_structure("93048", "rpe", identifier="RPE-M")
    relais.covered_communes.set(["93008", "93048"])
    pantin = make_structure("93055", identifier="EAJE-P")
    bobigny = make_structure("93008", identifier="EAJE-B")
    pre = make_pre_application(home_commune="93008", wishes=[pantin])
    client.force_login(make_user(Role.STRUCTURE_MANAGER, STRUCTURE_SCOPE, "RPE-M"))
    url = reverse("families:desk_step", args=[pre.reference, "wishes"])
    response = client.post(url, {"action": "add_structure", "target": pantin.pk}, follow=True)
    assert [w.structure for w in pre.wishes.all()] == [pantin]
    client.post(url, {"action": "remove", "target": "0"})
    response = client.post(url, {"action": "add_structure", "target": pantin.pk}, follow=True)
    assert "Pantin (93055) n'est pas dans votre périmètre" in unescape(response.content.decode())
    assert not pre.wishes.exists()
    client.post(url, {"action": "add_structure", "target": bobigny.pk})
    assert [w.structure for w in pre.wishes.all()] == [bobigny]


def test_a_family_may_wish_only_creches_that_take_pre_applications(client):
    family = make_family()
    closed = make_structure("93008", identifier="EAJE-CLOSED", status="closed")
    relais = make_structure("93008", "rpe", identifier="RPE-B")
    pre = make_pre_application(family=family, home_commune="93008", wishes=["93008"])
    client.force_login(family.user)
    url = reverse("families:apply_step", args=[pre.reference, "wishes"])
    for target in (closed, relais):
        response = client.post(url, {"action": "add_structure", "target": target.pk}, follow=True)
        assert "Cette crèche est introuvable." in unescape(response.content.decode())
    assert [w.commune_id for w in pre.wishes.all()] == ["93008"]


def _scheme(code="93") -> Action:
    scheme = Scheme.objects.create(
        reference=f"s-{code}", departement_id=code, name="Schéma", start_year=2024, end_year=2027
    )
    axis = Axis.objects.create(scheme=scheme, code="1", title="Axe")
    return Action.objects.create(scheme=scheme, axis=axis, code="1.1", title="Action")


def test_a_coordinator_of_the_26_who_is_an_agent_in_the_93_does_not_coordinate_the_93(client):
    action = _scheme("93")
    person = make_user(Role.ADMINISTRATOR, Level.DEPARTEMENT, "26")
    Assignment.objects.create(
        user=person,
        institution=make_institution(Institution.Kind.COMMUNE, Level.COMMUNE, "93008"),
        role=Role.COMMUNE_AGENT,
        scope_level=Level.COMMUNE,
        scope_code="93008",
    )
    client.force_login(person)
    assert client.get(reverse("steering:action", args=[action.pk])).status_code == 200
    change = reverse("steering:action_change", args=[action.pk])
    posted = {"axis": action.axis_id, "code": "1.1", "title": "Plan détourné"}
    assert client.post(change, posted).status_code == 403
    assert client.post(reverse("steering:action_end", args=[action.pk])).status_code == 403
    update = reverse("steering:action_update", args=[action.pk])
    assert client.post(update, {"status": "done"}).status_code == 403
    action.refresh_from_db()
    assert (action.title, action.status) == ("Action", Action.Status.PLANNED)


def test_a_pilot_institution_edits_only_in_its_roles_territory(client):
    """The CAF of the 93 pilots the action; a person of that institution whose role covers the
    26 does not update it."""
    action = _scheme("93")
    caf = make_institution(Institution.Kind.CAF, Level.DEPARTEMENT, "93")
    Actor.objects.create(action=action, part=Actor.Part.PILOT, label=caf.name, institution=caf)
    person = make_user()
    Assignment.objects.create(
        user=person,
        institution=caf,
        role=Role.CAF_ADVISOR,
        scope_level="departement",
        scope_code="26",
    )
    client.force_login(person)
    update = reverse("steering:action_update", args=[action.pk])
    assert client.post(update, {"status": "done"}).status_code == 404
    action.refresh_from_db()
    assert action.status == Action.Status.PLANNED


def test_a_recipient_list_names_only_a_territory_the_person_surveys(client):
    survey = Survey.objects.create(scheme=_scheme("93").scheme, title="Enquête")
    client.force_login(make_user(Role.ANALYST, Level.DEPARTEMENT, "93"))
    url = reverse("steering:recipients_add", args=[survey.pk])
    for level, code in (("commune", "26362"), ("departement", "26"), ("region", "11")):
        posted = {"name": "AM", "territory_level": level, "territory_code": code, "recipients": 5}
        response = client.post(url, posted, follow=True)
        assert "Ce territoire n'est pas dans votre périmètre." in unescape(
            response.content.decode()
        )
    assert not RecipientList.objects.exists()
    posted = {
        "name": "AM",
        "territory_level": "commune",
        "territory_code": "93008",
        "recipients": 5,
    }
    client.post(url, posted)
    assert RecipientList.objects.get().territory_code == "93008"


def test_the_operators_command_still_imports_for_the_whole_installation(tmp_path):
    """Management commands act for the whole installation, as before."""
    from django.core.management import call_command

    path = tmp_path / "rpe.csv"
    path.write_text(
        "Identifiant;Nom;Code commune;Communes couvertes\nRPE-X;Relais;93008;93008 26362\n",
        encoding="utf-8",
    )
    call_command("import_offer", str(path), kind="rpe", stdout=io.StringIO())
    covered = Structure.objects.get().covered_communes.values_list("code", flat=True)
    assert set(covered) == {"93008", "26362"}
