"""Children enrolled in EAJE: the import (all or nothing, French errors with line and column)
and the gate."""

import pytest

from sdsf.accounts.scope import Permission
from sdsf.core.imports import ImportFailed
from sdsf.offer import days
from sdsf.offer.models import Enrolment
from tests.factories import make_structure, make_user


def test_the_documented_example_imports(load):
    load("eaje")
    result = load("enrolments")
    assert result.created == 4
    part_time = Enrolment.objects.get(reference="2025-003")
    assert (part_time.section, days.written(part_time.days)) == ("middle", "lu|ma|je")
    assert days.written(Enrolment.objects.get(reference="2025-011").days) == "lu|ma|me-matin|je|ve"
    unsplit = Enrolment.objects.get(reference="R-118")
    assert (unsplit.section, unsplit.days) == ("", days.ALL_DAYS)
    # The file is each structure's list: a second import replaces, it does not add.
    assert load("enrolments").created == 4
    assert Enrolment.objects.count() == 4


def test_errors_name_line_and_column(load, write_csv):
    load("eaje")
    header = "Identifiant;Référence;Section;Jours;Date d'entrée;Date de départ prévue"
    path = write_csv(
        "enrolments",
        "EAJE-93-0001;A;grands;lu|sa;01/09/2025;",
        "EAJE-INCONNU;B;;;01/09/2025;",
        "EAJE-93-0001;A;petits;;2025-13-01;",
        "EAJE-93-0001;C;;;01/09/2025;01/06/2025",
        header=header,
    )
    with pytest.raises(ImportFailed) as failed:
        load("enrolments", path)
    report = failed.value.report()
    assert "Ligne 2, colonne « Jours » : jour « sa » inconnu" in report
    assert "Ligne 3, colonne « Identifiant » : structure « EAJE-INCONNU » inconnue" in report
    assert "Ligne 4, colonne « Référence » : enfant déjà inscrit à la ligne 2" in report
    assert "Ligne 4, colonne « Section »" in report
    assert "Ligne 4, colonne « Date d'entrée »" in report
    assert "Ligne 5, colonne « Date de départ prévue »" in report
    assert not Enrolment.objects.exists()


def test_a_web_import_writes_only_in_its_territory(load, write_csv):
    load("eaje")
    path = write_csv(
        "enrolments",
        "EAJE-93-0001;A;grands;;01/09/2025;",
        header="Identifiant;Référence;Section;Jours;Date d'entrée",
    )
    with pytest.raises(ImportFailed) as failed:
        load("enrolments", path, allowed_communes={"75056"})
    assert "hors de votre périmètre" in failed.value.report()


@pytest.mark.django_db
def test_enrolments_are_seen_through_their_structure():
    from datetime import date

    from sdsf.accounts.models import Role
    from sdsf.territories.models import Level

    mine = make_structure("93008", identifier="EAJE-MINE")
    other = make_structure("26362", identifier="EAJE-OTHER")
    for structure in (mine, other):
        Enrolment.objects.create(structure=structure, reference="X", start=date(2025, 9, 1))
    agent = make_user(Role.COMMUNE_AGENT, Level.COMMUNE, "93008")
    seen = Enrolment.objects.visible_to(agent, Permission.OFFER_VIEW)
    assert [e.structure_id for e in seen] == [mine.pk]
