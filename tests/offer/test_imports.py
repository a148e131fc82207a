import datetime

import pytest
from django.core.management import call_command
from openpyxl import Workbook

from sdsf.core.imports import ImportFailed
from sdsf.offer.models import (
    Agrement,
    AssistantMaternel,
    Capacity,
    LaepSession,
    ParentingAction,
    ParentingFunding,
    Section,
    Structure,
)
from tests.offer.conftest import EXAMPLES, HEADERS

pytestmark = pytest.mark.django_db

D = datetime.date


def _report(failure) -> str:
    """The French report, lower-cased: core's RowError capitalises only the first letter."""
    return failure.value.report().lower()


def _nothing_written():
    return (
        not Structure.objects.exists()
        and not Capacity.objects.exists()
        and not AssistantMaternel.objects.exists()
        and not Agrement.objects.exists()
        and not ParentingAction.objects.exists()
    )


# --- every kind: the documented example imports, and a second run changes nothing ---------


def test_every_documented_example_imports_then_reimports_unchanged(load):
    expected = {"mam": 1, "eaje": 4, "am": 3, "rpe": 2, "laep": 1, "parenting": 2, "social": 1}
    for kind, rows in expected.items():  # MAM before AM: the AM file refers to a MAM
        assert load(kind).created == rows, kind
    for kind, rows in expected.items():
        again = load(kind)
        assert (again.created, again.updated, again.unchanged) == (0, 0, rows), kind


def test_eaje_example_content(load):
    load("eaje")
    karl_marx = Structure.objects.get(identifier="EAJE-93-0001")
    assert karl_marx.category == Structure.Category.COLLECTIVE
    assert karl_marx.funding == Structure.Funding.PSU
    assert not karl_marx.location_approximate and karl_marx.latitude == pytest.approx(48.9078)
    sections = dict(karl_marx.capacities.values_list("section", "places"))
    assert sections == {Section.BABIES: 15, Section.MIDDLE: 20, Section.OLDER: 25}
    assert set(karl_marx.capacities.values_list("start", flat=True)) == {D(2015, 9, 1)}
    lucioles = Structure.objects.get(identifier="EAJE-93-0002")
    assert lucioles.location_approximate and lucioles.latitude is not None  # commune centre
    assert lucioles.avip and lucioles.avip_share == 20
    assert lucioles.capacities.get().section == Section.ALL
    closed = Structure.objects.get(identifier="EAJE-93-0004")
    assert closed.status == "closed" and closed.closed_on == D(2025, 7, 31)


def test_am_example_content_and_history(load):
    load("mam")
    load("am")
    sophie = AssistantMaternel.objects.get(identifier="AM-93-000001")
    assert (sophie.agrement_status, sophie.agrement_places) == ("renewed", 4)
    assert sophie.agrement_expiry == D(2026, 8, 31) and sophie.available_places == 1
    aminata = AssistantMaternel.objects.get(identifier="AM-93-000002")
    assert aminata.mam.identifier == "MAM-93-0001"
    assert aminata.agrements.get().effective_from == D(2022, 3, 15)  # default: start
    claire = AssistantMaternel.objects.get(identifier="AM-93-000003")
    assert claire.agrement_status == "suspended" and claire.agrement_since == D(2025, 10, 15)


def test_rpe_laep_parenting_social_content(load):
    load("rpe")
    load("laep")
    load("parenting")
    load("social")
    nord = Structure.objects.get(identifier="RPE-93-0002")
    assert set(nord.covered_communes.values_list("code", flat=True)) == {"93055", "93045", "93061"}
    bobigny = Structure.objects.get(identifier="RPE-93-0001")
    assert list(bobigny.covered_communes.values_list("code", flat=True)) == ["93008"]
    sessions = LaepSession.objects.order_by("weekday")
    assert [(s.day, s.starts_at.hour, s.ends_at.minute) for s in sessions] == [
        ("lundi", 9, 30),
        ("mercredi", 14, 0),
    ]
    cafe = dict(
        ParentingFunding.objects.filter(action__identifier="PAR-93-0001").values_list(
            "year", "amount"
        )
    )
    assert cafe == {2024: 4500, 2025: 5000}
    langage = ParentingFunding.objects.get(action__identifier="PAR-93-0002")
    assert (langage.year, str(langage.amount)) == (2025, "3200.50")
    assert Structure.objects.get(identifier="CS-93-0001").category == "centre_social"


# --- history: a change is a new dated row; unchanged rows write nothing ----------------------


def test_capacity_change_creates_a_dated_row_and_keeps_the_old_one(load, write_csv):
    first = write_csv("eaje", "C1;Crèche;multi-accueil;93008;PSU;30;;;;01/01/2020;ouvert;;;")
    load("eaje", first)
    changed = write_csv("eaje", "C1;Crèche;multi-accueil;93008;PSU;36;;;;01/09/2024;ouvert;;;")
    result = load("eaje", changed)
    assert result.updated == 1
    rows = list(Capacity.objects.order_by("start").values_list("start", "places"))
    assert rows == [(D(2020, 1, 1), 30), (D(2024, 9, 1), 36)]
    assert load("eaje", changed).unchanged == 1
    assert Capacity.objects.count() == 2


def test_capacity_split_into_sections_closes_the_undivided_row(load, write_csv):
    load("eaje", write_csv("eaje", "C1;Crèche;crèche collective;93008;PSU;30;;;;01/01/2020;;;;"))
    load(
        "eaje",
        write_csv("eaje", "C1;Crèche;crèche collective;93008;PSU;30;10;10;10;01/01/2024;;;;"),
    )
    latest = dict(Capacity.objects.filter(start=D(2024, 1, 1)).values_list("section", "places"))
    assert latest == {Section.ALL: 0, Section.BABIES: 10, Section.MIDDLE: 10, Section.OLDER: 10}


def test_capacity_change_without_date_takes_the_import_date(load, write_csv):
    load("eaje", write_csv("eaje", "C1;Crèche;multi-accueil;93008;PSU;30;;;;;;01/01/2020;;"))
    assert Capacity.objects.get().start == D(2020, 1, 1)  # first capacity: the opening date
    load("eaje", write_csv("eaje", "C1;Crèche;multi-accueil;93008;PSU;25;;;;;;01/01/2020;;"))
    assert Capacity.objects.order_by("start").last().start == D(2025, 11, 1)


def test_backdated_capacity_change_is_refused(load, write_csv):
    load("eaje", write_csv("eaje", "C1;Crèche;multi-accueil;93008;PSU;30;;;;01/01/2024;;;;"))
    with pytest.raises(ImportFailed) as failure:
        load("eaje", write_csv("eaje", "C1;Crèche;multi-accueil;93008;PSU;20;;;;01/01/2023;;;;"))
    assert "antérieur au dernier changement" in _report(failure)
    assert Capacity.objects.get().places == 30


def test_agrement_change_adds_history(load, write_csv):
    load("am", write_csv("am", "A1;Durand;Léa;93008;01/01/2020;31/12/2024;3;accordé;;"))
    load("am", write_csv("am", "A1;Durand;Léa;93008;01/01/2025;31/12/2029;4;renouvelé;;"))
    load("am", write_csv("am", "A1;Durand;Léa;93008;01/01/2025;31/12/2029;4;retiré;01/06/2025;"))
    history = list(
        Agrement.objects.order_by("effective_from").values_list(
            "effective_from", "status", "places"
        )
    )
    assert history == [
        (D(2020, 1, 1), "granted", 3),
        (D(2025, 1, 1), "renewed", 4),
        (D(2025, 6, 1), "withdrawn", 4),
    ]
    assert AssistantMaternel.objects.get().agrement_status == "withdrawn"


# --- bad input: French report with line and column, nothing written -------------------------


@pytest.mark.parametrize(
    ("line", "column", "message"),
    [
        ("C1;Crèche;multi-accueil;99999;PSU;30;;;;;;;;", "Code commune", "commune inconnue"),
        ("C1;Crèche;multi-accueil;93008;PSU;-3;;;;;;;;", "Places agréées", "supérieur ou égal à 0"),
        ("C1;Crèche;multi-accueil;93008;PSU;trente;;;;;;;;", "Places agréées", "nombre attendu"),
        ("C1;Crèche;micro-crèche;93008;PAJE;14;;;;;;;;", "Places agréées", "au plus 12"),
        ("C1;Crèche;multi-accueil;93008;PSU;30;10;10;5;;;;;", "Places agréées", "somme"),
        ("C1;Crèche;garderie;93008;PSU;30;;;;;;;;", "Type d'accueil", "valeur inconnue"),
        ("C1;Crèche;multi-accueil;93008;PSU;30;;;;;fermé;;;", "Date de fermeture", "obligatoire"),
    ],
)
def test_bad_eaje_rows(load, write_csv, line, column, message):
    good = "C0;Crèche bonne;multi-accueil;93008;PSU;30;;;;;;;;"
    with pytest.raises(ImportFailed) as failure:
        load("eaje", write_csv("eaje", good, line))
    report = _report(failure)
    assert f"ligne 3, colonne « {column.lower()} »" in report and message.lower() in report
    assert "rien n'a été enregistré" in report
    assert _nothing_written()


@pytest.mark.parametrize(
    ("line", "column", "message"),
    [
        ("A1;Durand;Léa;93008;01/01/2025;01/01/2020;3;;;", "Date de fin d'agrément", "postérieure"),
        ("A1;Durand;Léa;93008;01/01/2020;01/01/2025;7;;;", "Nombre d'enfants", "entre 1 et 6"),
        ("A1;Durand;Léa;93008;2020-13-01;01/01/2025;3;;;", "Date de début d'agrément", "date"),
        ("A1;Durand;Léa;93008;01/01/2020;01/01/2025;3;;;MAM-X", "Identifiant MAM", "MAM inconnue"),
        ("A1;Durand;Léa;93008;01/01/2020;01/01/2025;3;radié;;", "Statut", "valeur inconnue"),
        ("A1;;Léa;93008;01/01/2020;01/01/2025;3;;;", "Nom", "obligatoire"),
    ],
)
def test_bad_am_rows(load, write_csv, line, column, message):
    with pytest.raises(ImportFailed) as failure:
        load("am", write_csv("am", "A0;Petit;Ana;93008;01/01/2020;01/01/2025;2;;;", line))
    report = _report(failure)
    assert f"ligne 3, colonne « {column.lower()} »" in report and message.lower() in report
    assert _nothing_written()


def test_duplicate_identifier_and_missing_column(load, write_csv):
    with pytest.raises(ImportFailed) as failure:
        load(
            "am",
            write_csv(
                "am",
                "A1;Durand;Léa;93008;01/01/2020;01/01/2025;3;;;",
                "A1;Petit;Ana;93008;01/01/2020;01/01/2025;2;;;",
            ),
        )
    assert (
        "ligne 3, colonne « n° agrément » : identifiant « a1 » en double (déjà à la ligne 2)"
        in (_report(failure))
    )
    with pytest.raises(ImportFailed) as failure:
        load("eaje", write_csv("eaje", "C1;Crèche", header="Identifiant;Nom"))
    report = _report(failure)
    for column in ("Code commune", "Type d'accueil", "Financement", "Places agréées"):
        assert f"ligne 1, colonne « {column.lower()} » : colonne obligatoire absente" in report
    assert _nothing_written()


def test_identifier_of_another_kind_is_refused(load, write_csv):
    load("mam")
    with pytest.raises(ImportFailed, match="error") as failure:
        load("eaje", write_csv("eaje", "MAM-93-0001;Crèche;multi-accueil;93008;PSU;30;;;;;;;;"))
    assert "structure de type « mam »" in _report(failure)


def test_bad_rpe_laep_parenting_rows(load, write_csv):
    rpe = "Identifiant;Nom;Code commune;Communes couvertes"
    with pytest.raises(ImportFailed, match="error") as failure:
        load("rpe", write_csv("rpe", "R1;Relais;93008;93008|00000", header=rpe))
    assert "commune(s) inconnue(s) : 00000" in _report(failure)
    laep = "Identifiant;Nom;Code commune;Séances"
    with pytest.raises(ImportFailed) as failure:
        load("laep", write_csv("laep", "L1;Lieu;93008;lundi 11:00-9:00", header=laep))
    assert "la fin précède le début" in _report(failure)
    parenting = "Identifiant;Intitulé;Porteur;Code commune;Financement 2025"
    with pytest.raises(ImportFailed) as failure:
        load("parenting", write_csv("parenting", "P1;Café;Asso;93008;-5", header=parenting))
    assert "colonne « financement 2025 »" in _report(failure)
    assert _nothing_written()


def test_out_of_scope_commune_is_refused(load, write_csv):
    path = write_csv("eaje", "C1;Crèche;multi-accueil;26362;PSU;30;;;;;;;;")
    with pytest.raises(ImportFailed) as failure:
        load("eaje", path, allowed_communes={"93008"})
    assert "hors de votre périmètre" in _report(failure)
    assert _nothing_written()


def test_dry_run_writes_nothing_but_counts(load):
    result = load("eaje", dry_run=True)
    assert result.created == 4 and "aucune donnée enregistrée" in result.summary()
    assert _nothing_written()


def test_xlsx_and_windows_1252(load, tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.append(["Identifiant", "Nom", "Code commune", "Type"])
    sheet.append(["S1", "Espace de vie sociale Été", 93008, "EVS"])
    book.save(tmp_path / "social.xlsx")
    assert load("social", tmp_path / "social.xlsx").created == 1
    text = "Identifiant;Nom;Code commune\nM1;MAM Les Écureuils;93008\n"
    (tmp_path / "mam.csv").write_bytes(text.encode("cp1252"))
    load("mam", tmp_path / "mam.csv")
    assert Structure.objects.get(identifier="M1").name == "MAM Les Écureuils"


def test_command_reports_and_exits_non_zero(write_csv, capsys):
    bad = write_csv("eaje", "C1;Crèche;multi-accueil;99999;PSU;30;;;;;;;;")
    with pytest.raises(SystemExit) as exit_info:
        call_command("import_offer", str(bad), kind="eaje")
    assert exit_info.value.code == 1
    assert "commune inconnue" in capsys.readouterr().err
    call_command("import_offer", str(EXAMPLES / "eaje.csv"), kind="eaje")
    assert "4 ligne(s) ont été créée(s)" in capsys.readouterr().out
    assert Structure.objects.count() == 4


def test_civility_is_read_when_given_and_checked(load, write_csv):
    header = HEADERS["am"] + ";Civilité"
    rows = (
        "A1;Durand;Léa;93008;01/01/2025;31/12/2029;3;;;;Mme",
        "A2;Roux;Paul;93008;01/01/2025;31/12/2029;3;;;;M.",
    )
    load(
        "am",
        write_csv("am", *rows, "A3;Petit;Ana;93008;01/01/2025;31/12/2029;3;;;;", header=header),
    )
    civility = dict(AssistantMaternel.objects.values_list("identifier", "civility"))
    assert civility == {"A1": "female", "A2": "male", "A3": ""}
    assert AssistantMaternel.objects.get(identifier="A1").title == "Assistante maternelle"
    with pytest.raises(ImportFailed) as failure:
        load(
            "am",
            write_csv("am", "A4;Blanc;Eva;93008;01/01/2025;31/12/2029;3;;;;Mlle", header=header),
        )
    assert "colonne « civilité » : civilité inconnue « mlle » : mme ou m." in _report(failure)
