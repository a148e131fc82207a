"""The observatory's files imported from the web: check, errors, confirmation, history, cache."""

from html import unescape

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from sdsf.accounts.models import Role
from sdsf.observatory.models import DataVersion, Indicator, PopulationCount
from sdsf.observatory.service import Observatory, _cache_key
from sdsf.offer.models import ImportJob
from tests.factories import make_user

pytestmark = pytest.mark.django_db

# Two communes of the 93, one of the Drôme (another département: left aside).
GOOD = "CODGEO;P21_POP;P21_POP0002\n93008;55000;2710\n93066;113000;5420\n26362;64000;2100\n"


def _upload(client, text=GOOD, file_name="base-ic-evol-struct-pop-2021.csv", **fields):
    data = {"departement": "93", "kind": "population", "year": "2021"} | fields
    data["file"] = SimpleUploadedFile(file_name, text.encode(), content_type="text/csv")
    response = client.post(reverse("observatory:import"), data)
    return response, ImportJob.objects.order_by("-pk").first()


@pytest.fixture
def analyst(client):
    user = make_user(Role.ANALYST, first_name="Inès", last_name="Analyste")
    client.force_login(user)
    return user


def test_a_bad_file_is_refused_with_line_and_column_and_nothing_written(client, analyst):
    response, job = _upload(client, "CODGEO;P21_POP0002\n93008;12\n93066;beaucoup\n")
    assert response.url == reverse("observatory:import_job", args=[job.pk])
    assert job.dry_run and job.state == "failed"
    assert "Ligne 3, colonne « P21_POP0002 »" in job.report
    page = unescape(client.get(response.url).content.decode())
    assert "Ligne 3, colonne « P21_POP0002 »" in page and "Confirmer l'import" not in page
    assert not PopulationCount.objects.exists()


def test_a_checked_file_is_imported_when_confirmed(client, analyst):
    response, checked = _upload(client)
    assert checked.state == "done" and checked.dry_run
    assert "aucune donnée enregistrée" in checked.report
    assert "1 ligne(s) d'autres territoires que les vôtres ignorée(s)" in checked.report
    assert not PopulationCount.objects.exists()
    progress = client.get(reverse("observatory:import_progress", args=[checked.pk]))
    assert "Confirmer l'import" in unescape(progress.content.decode())

    response = client.post(reverse("observatory:import_confirm", args=[checked.pk]))
    job = ImportJob.objects.order_by("-pk").first()
    assert response.url == reverse("observatory:import_job", args=[job.pk])
    assert job.state == "done" and not job.dry_run and job.rows_total == 3
    assert "2 ligne(s) ont été créée(s)" in job.report
    assert set(PopulationCount.objects.values_list("commune_id", flat=True)) == {
        "93008",
        "93066",
    }
    # The checked file moved to the import: confirming twice is refused.
    assert client.post(reverse("observatory:import_confirm", args=[checked.pk])).status_code == 404
    assert ImportJob.objects.get(pk=checked.pk).content == b""

    history = unescape(client.get(reverse("observatory:import")).content.decode())
    assert "Inès Analyste" in history and "base-ic-evol-struct-pop-2021.csv" in history
    assert "Population par âge (INSEE" in history


def test_only_the_uploader_confirms_and_colleagues_see_the_history(client, analyst):
    _, checked = _upload(client)
    colleague = make_user(Role.ADMINISTRATOR)
    client.force_login(colleague)
    assert client.get(reverse("observatory:import_job", args=[checked.pk])).status_code == 200
    response = client.post(reverse("observatory:import_confirm", args=[checked.pk]))
    assert response.status_code == 404
    client.force_login(make_user(Role.ADMINISTRATOR, code="26"))
    assert client.get(reverse("observatory:import_job", args=[checked.pk])).status_code == 404


def test_the_form_asks_what_the_file_does_not_say(client, analyst):
    response, job = _upload(client, year="")
    assert response.status_code == 200 and job is None
    assert "Indiquez l'année des données de ce fichier." in unescape(response.content.decode())
    response, _ = _upload(client, kind="indicator", year="2021")
    assert "Champ obligatoire pour un indicateur." in response.content.decode()
    response, _ = _upload(client, year="1800")
    assert response.status_code == 200 and not ImportJob.objects.exists()


def test_an_indicator_from_the_web(client, analyst):
    text = "code_commune;numerateur;denominateur\n93008;120;1000\n93066;300;1500\n"
    _, checked = _upload(
        client,
        text,
        "pauvrete.csv",
        kind="indicator",
        name="Taux de pauvreté",
        unit="%",
        source="INSEE, Filosofi 2021",
    )
    assert checked.state == "done", checked.report
    client.post(reverse("observatory:import_confirm", args=[checked.pk]))
    indicator = Indicator.objects.get(slug="taux-de-pauvrete")
    assert indicator.values.count() == 2 and indicator.source == "INSEE, Filosofi 2021"


def test_an_import_renews_the_cached_figures_and_warms_them(client, analyst):
    before = Observatory().reference
    assert before.years == [] and cache.get(_cache_key()) is not None
    page = client.get(reverse("observatory:territory", args=["departement", "93"]))
    assert "Aucun effectif n'est encore importé" in page.content.decode()
    token = DataVersion.current()
    _, checked = _upload(client)
    assert DataVersion.current() == token  # a check changes nothing
    client.post(reverse("observatory:import_confirm", args=[checked.pk]))
    assert DataVersion.current() != token
    warmed = cache.get(_cache_key())
    assert warmed is not None and warmed.years == [2021]
    page = client.get(reverse("observatory:territory", args=["departement", "93"]))
    assert "8\xa0130" in page.content.decode()
