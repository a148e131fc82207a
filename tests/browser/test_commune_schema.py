"""A commune's agent writes the schéma pluriannuel of their commune in the browser; its PDF
shows the eight parts of the orientations (4° a to h of article D214-10-1 CASF)."""

import subprocess

from tests.browser.axe import assert_accessible
from tests.browser.support import log_in

PARTS = {
    "a": "a) Objectifs de maintien, de développement ou de redéploiement de l'offre",
    "b": "b) Emplois et compétences nécessaires",
    "c": "c) Familles aux besoins spécifiques ou en difficulté",
    "d": "d) Soutien à la qualité de l'accueil",
    "e": "e) Investissements",
    "f": "f) Coûts et moyens mobilisés",
    "g": "g) Calendrier de mise en œuvre",
    "h": "h) Indicateurs et modalités d'évaluation",
}


def test_a_commune_agent_fills_the_schema_and_its_pdf_has_the_eight_parts(
    e2e, desktop_page, tmp_path
):
    page = desktop_page
    log_in(page, e2e.create("staff_user", role="commune_agent", level="commune", code="79191"))
    page.goto("/communes/")
    page.wait_for_url("**/communes/departements/79/")
    page.get_by_role("button", name="Rédiger le schéma").first.click()
    page.wait_for_url("**/communes/schemas/*/")
    assert "Schéma pluriannuel Niort" in page.get_by_role("heading", level=1).inner_text()
    assert "Offre d'accueil du jeune enfant de Niort" in page.content()
    assert_accessible(page)

    for part in PARTS:
        page.get_by_role("link", name=f"Rédiger la partie {part})").click()
        page.get_by_label("Orientations et actions").fill(
            f"Engagement de Niort pour la partie {part}."
        )
        page.get_by_role("button", name="Enregistrer").click()
        page.wait_for_url("**/communes/schemas/*/")
        assert f"Engagement de Niort pour la partie {part}." in page.content()

    page.get_by_label("Date de la délibération du conseil").fill("2026-11-30")
    page.get_by_role("button", name="Enregistrer l'adoption par le conseil").click()
    assert "Version 1 adoptée" in page.content()

    pdf_url = page.get_by_role("link", name="Le schéma en PDF").get_attribute("href")
    response = page.request.get(e2e.server.url + pdf_url, timeout=120_000)  # WeasyPrint
    assert response.headers["content-type"] == "application/pdf"
    pdf = tmp_path / "schema.pdf"
    pdf.write_bytes(response.body())
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    flat = " ".join(text.split())
    for part, title in PARTS.items():
        assert title.replace("'", "’") in flat or title in flat, title
        assert f"Engagement de Niort pour la partie {part}." in flat
    assert "adopté par le conseil le 30 novembre 2026" in flat
