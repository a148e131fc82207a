import json

import pytest
from django.core.management import call_command

from sdsf.core.imports import ImportFailed
from sdsf.steering.models import Action, Scheme
from sdsf.steering.planio import dumps, export_plan, import_plan
from tests.steering.conftest import DROME_PLAN, SSD_PLAN

pytestmark = pytest.mark.django_db


def export_json(scheme_id: int, capsys) -> str:
    call_command("plan_export", scheme=scheme_id, format="json")
    return capsys.readouterr().out


@pytest.mark.parametrize("path", [SSD_PLAN, DROME_PLAN], ids=["93", "26"])
def test_round_trip_export_import_export(path, capsys, tmp_path):
    call_command("plan_import", str(path))
    scheme_id = int(capsys.readouterr().out.strip().splitlines()[-1])
    first = export_json(scheme_id, capsys)
    assert first == path.read_text(encoding="utf-8")  # the shipped file is in canonical form
    exported = tmp_path / "plan.json"
    exported.write_text(first, encoding="utf-8")
    call_command("plan_import", str(exported))
    again_id = int(capsys.readouterr().out.strip().splitlines()[-1])
    assert again_id == scheme_id
    assert export_json(scheme_id, capsys) == first
    assert Scheme.objects.count() == 1


def test_seine_saint_denis_plan_as_in_the_seed(ssd):
    assert ssd.axes.count() == 4
    assert ssd.signatories.count() == 3
    titles = list(ssd.actions.values_list("title", flat=True))
    assert (
        "Rendre lisible le processus d’attribution des modes d’accueil pour les familles" in titles
    )
    action7 = ssd.actions.get(code="7")
    assert {a.label for a in action7.actors.all() if a.is_pilot} >= {"Région Île-de-France"}
    assert action7.milestones.get().due_on.isoformat() == "2020-11-24"


def test_drome_markers_and_fields(drome):
    assert drome.markers.count() == 3
    assert len(drome.fields) == 5
    invisibles = drome.actions.get(title__startswith="Prise en compte des jeunes « invisibles »")
    assert sorted(m.code for m in invisibles.markers.all()) == ["C", "N", "P"]
    assert drome.key_figures.get(label__startswith="Places en crèches").value == 373


def test_reimport_updates_without_duplicating(ssd):
    plan = export_plan(ssd)
    plan["axes"][0]["actions"][0]["title"] = "Titre modifié"
    del plan["axes"][3]["actions"][1]
    scheme_id, result = import_plan(dumps(plan))
    assert scheme_id == ssd.pk
    assert ssd.actions.get(code="1").title == "Titre modifié"
    assert not ssd.actions.filter(code="4b").exists()
    assert "1 action(s) absente(s)" in result.summary()
    assert Scheme.objects.count() == 1


def test_import_errors_in_french_with_path_and_nothing_written():
    plan = json.loads(SSD_PLAN.read_text(encoding="utf-8"))
    plan["axes"][1]["actions"][2]["title"] = ""
    plan["axes"][2]["actions"][0]["code"] = "1"
    plan["axes"][0]["actions"][1]["progress"] = 140
    with pytest.raises(ImportFailed) as failure:
        import_plan(json.dumps(plan))
    report = failure.value.report()
    assert "rien n'a été enregistré" in report
    assert "axes[1].actions[2].title : valeur obligatoire manquante" in report
    assert "axes[2].actions[0].code : code d'action « 1 » en double (déjà en axes[0]" in report
    assert "axes[0].actions[1].progress : nombre entre 0 et 100 attendu" in report
    assert Scheme.objects.count() == 0 and Action.objects.count() == 0


def test_import_command_reports_invalid_json(tmp_path, capsys):
    bad = tmp_path / "plan.json"
    bad.write_text("{ pas du json", encoding="utf-8")
    with pytest.raises(SystemExit):
        call_command("plan_import", str(bad))
    assert "JSON invalide" in capsys.readouterr().err


def test_dry_run_writes_nothing(capsys):
    call_command("plan_import", str(DROME_PLAN), dry_run=True)
    assert "Vérification seule" in capsys.readouterr().out
    assert Scheme.objects.count() == 0


@pytest.mark.parametrize(
    "content, message",
    [
        (
            '{"title": "Schéma été"}'.encode("latin-1"),
            "Ligne 1 : le fichier n'est pas encodé en UTF-8",
        ),
        (b"[" * 100_000, "JSON imbriqué trop profondément"),
        (b'{"n": ' + b"9" * 5000 + b"}", "nombre trop long"),
    ],
)
def test_import_command_refuses_a_bad_file_in_french(tmp_path, capsys, content, message):
    bad = tmp_path / "plan.json"
    bad.write_bytes(content)
    with pytest.raises(SystemExit):
        call_command("plan_import", str(bad))
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_an_enormous_exponent_is_an_error_not_a_hang():
    plan = json.loads(SSD_PLAN.read_text(encoding="utf-8"))
    plan["governance"][-1]["meetings"][0]["participants"] = "ENORMOUS"
    with pytest.raises(ImportFailed) as failure:
        import_plan(json.dumps(plan).replace('"ENORMOUS"', "1E+999999999"))
    assert "nombre entre 0 et 2147483647 attendu" in str(failure.value.errors[0])


@pytest.mark.parametrize(
    "where, value, message",
    [
        (("short_name",), "x" * 21, "short_name : texte trop long (21 caractères, 20 au plus)"),
        (("name",), None, "name : valeur obligatoire manquante"),
        (("name",), 3, "name : texte attendu"),
        (("signed_on",), "24/11/2020", "signed_on : date AAAA-MM-JJ attendue, reçu « 24/11/2020 »"),
        (("start_year",), "2020", "start_year : nombre entier attendu, reçu « 2020 »"),
        (("end_year",), 2019, "end_year : la dernière année précède la première"),
        (("fields",), ["petite_enfance", 3], "fields : liste de textes attendue"),
        (("fields",), ["sport"], "fields : champ « sport » inconnu (valeurs : petite_enfance"),
        (("signatories", 0, "kind"), "mairie", "signatories[0].kind : « mairie » inconnu (valeurs"),
        (("key_figures", 0, "value"), 1.005, "key_figures[0].value : nombre avec au plus 2 déc"),
        (("key_figures", 0, "value"), True, "key_figures[0].value : nombre attendu, reçu « True »"),
        (("axes", 0, "actions", 0), 7, "axes[0].actions[0] : objet JSON attendu"),
        (("axes",), {}, "axes : liste attendue"),
    ],
)
def test_each_kind_of_error_in_french(where, value, message):
    plan = json.loads(SSD_PLAN.read_text(encoding="utf-8"))
    node = plan
    for key in where[:-1]:
        node = node[key]
    node[where[-1]] = value
    with pytest.raises(ImportFailed) as failure:
        import_plan(json.dumps(plan))
    assert any(str(error).startswith(message) for error in failure.value.errors), [
        str(error) for error in failure.value.errors
    ]
