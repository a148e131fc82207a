"""Staff pages in the browser: log-in through the form, the offer's web import."""

from pathlib import Path

from tests.browser.axe import assert_accessible
from tests.browser.support import log_in

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"


def test_login_page_is_accessible_and_logs_in(e2e, page):
    agent = e2e.create("staff_user", role="pmi_agent", level="departement", code="93")
    page.goto("/compte/connexion/")
    assert_accessible(page)

    log_in(page, {**agent, "password": "not-the-password"})
    assert "incorrect" in page.get_by_role("alert").inner_text()
    assert_accessible(page)  # the form with its error

    log_in(page, agent)
    assert page.url.endswith("/")
    assert page.get_by_role("heading", level=1).inner_text() == "Bonjour Agent"
    assert "Agent de PMI" in page.content()


def test_offer_import_from_the_web_reaches_done(e2e, desktop_page):
    page = desktop_page
    log_in(page, e2e.create("staff_user", role="pmi_agent", level="departement", code="93"))
    page.goto("/offre/import/")
    page.get_by_label("Type de fichier").select_option("eaje")
    page.locator("input[type=file]").set_input_files(EXAMPLES / "eaje.csv")
    page.get_by_role("button", name="Importer").click()

    page.wait_for_url("**/offre/import/*/")
    progress = page.locator("#import-progress")
    progress.get_by_role("heading", name="Import terminé").wait_for(timeout=20_000)
    assert page.locator("progress").get_attribute("value") == "100"
    page.goto("/offre/structures/EAJE-93-0001/")
    assert "Crèche départementale Karl Marx" in page.content()


def test_offer_import_of_a_wrong_file_is_refused_with_its_line(e2e, desktop_page, tmp_path):
    page = desktop_page
    wrong = tmp_path / "eaje.csv"
    lines = (EXAMPLES / "eaje.csv").read_text(encoding="utf-8").splitlines()
    wrong.write_text("\n".join([lines[0], lines[1].replace(";93008;", ";99999;")]) + "\n")
    log_in(page, e2e.create("staff_user", role="pmi_agent", level="departement", code="93"))
    page.goto("/offre/import/")
    page.get_by_label("Type de fichier").select_option("eaje")
    page.locator("input[type=file]").set_input_files(wrong)
    page.get_by_role("button", name="Importer").click()

    page.get_by_role("heading", name="Fichier refusé").wait_for(timeout=20_000)
    assert "Ligne 2, colonne « Code commune »" in page.locator(".sdsf-report").inner_text()


def test_observatory_file_checked_imported_and_shown(e2e, desktop_page):
    """An INSEE file is uploaded, checked, confirmed, imported by the worker; the
    département's page then shows its figures."""
    page = desktop_page
    log_in(page, e2e.create("staff_user", role="analyst", level="departement", code="93"))
    page.goto("/observatoire/departement/93/")
    assert "Aucun effectif n'est encore importé" in page.content()
    page.get_by_role("link", name="importer un fichier").click()
    page.get_by_label("Type de fichier").select_option("population")
    page.locator("input[type=file]").set_input_files(EXAMPLES / "base-ic-evol-struct-pop.csv")
    page.get_by_label("Année").fill("2021")
    page.get_by_role("button", name="Vérifier le fichier").click()

    page.wait_for_url("**/observatoire/import/*/")
    page.get_by_role("heading", name="Vérification terminée").wait_for(timeout=20_000)
    assert "aucune donnée enregistrée" in page.locator(".sdsf-report").inner_text()
    assert_accessible(page)
    page.get_by_role("button", name="Confirmer l'import").click()
    page.get_by_role("heading", name="Import terminé").wait_for(timeout=20_000)
    assert "ont été créée(s)" in page.locator(".sdsf-report").inner_text()

    page.get_by_role("link", name="Voir l'observatoire du département").click()
    assert page.get_by_role("heading", name="Chiffres clés 2021").is_visible()
    page.goto("/observatoire/import/")
    assert "base-ic-evol-struct-pop.csv" in page.locator("table").inner_text()
