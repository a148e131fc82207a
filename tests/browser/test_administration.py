"""Setting up and maintaining a département in the browser: an administrator invites an agent,
who chooses a password and sees only their territory; a PMI agent records an agrément
decision, which the history shows."""

import re

from tests.browser.axe import assert_accessible
from tests.browser.support import log_in


def _invitation_path(e2e) -> str:
    (message,) = [m for m in e2e.mails() if "Votre compte" in m["Subject"]]
    body = message.get_payload(decode=True).decode(errors="replace")
    return re.search(r"https?://[^/\s]+(/compte/bienvenue/\S+/)", body)[1]


def test_an_administrator_invites_an_agent_who_sees_only_their_territory(e2e, desktop_page):
    page = desktop_page
    e2e.create("structure", commune="93008", name="Crèche des Lilas de Bobigny")
    e2e.create("structure", commune="26362", name="Crèche de Valence")
    log_in(page, e2e.create("staff_user", role="administrator", level="departement", code="93"))
    page.goto("/compte/personnes/")
    page.get_by_role("link", name="Inviter une personne").click()
    assert_accessible(page)
    page.get_by_label("Adresse e-mail").fill("nina.durand@e2e.sdsf.test")
    page.get_by_label("Prénom").fill("Nina")
    page.get_by_label("Nom", exact=True).fill("Durand")
    page.get_by_label("Rôle", exact=True).select_option("pmi_agent")
    page.locator("#id_institution").select_option(index=1)
    page.locator("#id_territory").select_option("commune:93008")
    page.get_by_role("button", name="Envoyer l'invitation").click()
    page.wait_for_url("**/compte/personnes/*/")
    assert "Invitation envoyée à nina.durand@e2e.sdsf.test" in page.content()
    assert "invitation envoyée, mot de passe pas encore choisi" in page.content()
    assert_accessible(page)

    page.context.clear_cookies()
    page.goto(_invitation_path(e2e))
    assert "nina.durand@e2e.sdsf.test" in page.content()
    assert_accessible(page)
    page.locator("#id_new_password1").fill("Une phrase de passe 2026")
    page.get_by_label("Mot de passe (confirmation)").fill("Une phrase de passe 2026")
    page.get_by_role("button", name="Enregistrer et me connecter").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1).inner_text() == "Bonjour Nina"

    page.goto("/offre/")
    assert "Crèche des Lilas de Bobigny" in page.content()
    assert "Crèche de Valence" not in page.content()
    assert "Personnes" not in page.get_by_role("navigation", name="Menu principal").inner_text()


def test_a_pmi_agent_records_an_agrement_decision_shown_in_the_history(e2e, desktop_page):
    page = desktop_page
    e2e.create("assistant", commune="93008", identifier="AM-E2E-0001", last_name="Martin")
    log_in(page, e2e.create("staff_user", role="pmi_agent", level="departement", code="93"))
    page.goto("/offre/assistants-maternels/AM-E2E-0001/")
    page.get_by_role("link", name="Enregistrer une décision d'agrément").click()
    assert_accessible(page)
    page.get_by_label("Décision", exact=True).select_option("suspension")
    page.get_by_label("Nombre d'enfants").fill("3")
    page.get_by_role("button", name="Enregistrer la décision").click()
    assert "Indiquez le motif" in page.content()  # a suspension says why
    assert_accessible(page)
    page.get_by_label("Motif").fill("Enquête de la PMI après un signalement.")
    page.get_by_role("button", name="Enregistrer la décision").click()
    page.wait_for_url("**/assistants-maternels/AM-E2E-0001/")
    assert "Décision enregistrée" in page.content()
    history = page.get_by_role("table").inner_text()
    assert "suspension" in history and "Enquête de la PMI après un signalement." in history
    assert "agrément" in history  # the first state, granted
    assert "suspendu depuis le" in page.content()
