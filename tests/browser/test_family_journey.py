"""The families' one-stop shop, end to end in a phone-sized browser.

A family finds a crèche, estimates its cost, applies with two wishes; an agent of the guichet
unique sees the application; the commune's commission takes it in, runs and validates; the
family accepts the proposed place. axe-core checks every family page on the way.
"""

import re
from datetime import timedelta
from email.header import decode_header, make_header

from playwright.sync_api import expect

from sdsf.core import clock
from tests.browser.axe import assert_accessible
from tests.browser.support import log_in
from tests.factories import PDF

BOBIGNY = "93008"


def _continue(page):
    page.get_by_role("button", name="Enregistrer et continuer").click()


def _tick(page, label):
    """Ticks a DSFR checkbox or radio the way a person does: on its label."""
    page.locator("label").filter(has_text=label).first.click()


def _family_applies(page, tmp_path) -> str:
    """The family fills the pré-demande step by step and submits it; returns its reference."""
    page.goto("/familles/compte/pre-demande/")
    assert_accessible(page)
    # the parent's names and e-mail address come from the family account
    expect(page.get_by_label(re.compile(r"^Nom du parent"))).to_have_value("Martin")
    page.get_by_label(re.compile(r"^Commune de résidence")).fill("Bobigny")
    _continue(page)
    _tick(page, "Oui")
    page.get_by_label(re.compile(r"^Prénom de l'enfant")).fill("Lou")
    page.get_by_label(re.compile(r"^Nom de l'enfant")).fill("Martin")
    birth = clock.today() - timedelta(days=150)
    page.get_by_label(re.compile(r"^Date de naissance(?! prévue)")).fill(birth.isoformat())
    _continue(page)
    start = clock.today() + timedelta(days=60)
    page.get_by_label(re.compile(r"^Date d'accueil souhaitée")).fill(start.isoformat())
    for day in ("lundi", "mardi", "jeudi"):
        _tick(page, day)
    page.get_by_label(re.compile(r"^Heure d'arrivée")).fill("08:30")
    page.get_by_label(re.compile(r"^Heure de départ")).fill("17:30")
    _continue(page)

    assert_accessible(page)
    for name in ("Crèche des Lilas", "Crèche du Parc"):
        page.get_by_role("searchbox").fill(name)
        page.get_by_role("button", name="Rechercher").click()
        page.get_by_role("button", name=re.compile(f"Ajouter : {name}")).click()
    expect(page.locator("main")).to_contain_text("Crèche du Parc")
    page.get_by_role("link", name="Continuer").click()

    assert_accessible(page)  # the situation asked by the commune's published grid
    _tick(page, re.compile("^Habitant de"))
    _continue(page)

    for kind in ("justificatif de domicile", "acte de naissance ou certificat de grossesse"):
        document = tmp_path / f"{kind[:5]}.pdf"
        document.write_bytes(PDF)
        page.get_by_label("Type de pièce").select_option(label=kind)
        page.get_by_label("Fichier").set_input_files(str(document))
        page.get_by_role("button", name=re.compile("Envoyer|Ajouter")).click()
    page.get_by_role("link", name="Continuer").click()

    assert_accessible(page)
    _tick(page, re.compile("J'ai lu l'information"))
    page.get_by_role("button", name="Déposer la pré-demande").click()
    expect(page.locator("h1")).to_contain_text("Pré-demande PD-93-")
    expect(page.locator("main")).to_contain_text("Complète")
    assert_accessible(page)
    return re.search(r"PD-93-\d{4}-\d{6}", page.locator("h1").inner_text()).group(0)


def test_a_family_finds_applies_and_accepts_a_place(e2e, page, desktop_page, tmp_path):
    for name in ("Crèche des Lilas", "Crèche du Parc"):
        e2e.create(
            "structure",
            commune=BOBIGNY,
            name=name,
            places={"babies": 10, "middle": 10, "older": 10},
        )
    today = clock.today()
    allocation_round = e2e.create(
        "allocation_round",
        commune=BOBIGNY,
        meets_on=(today + timedelta(days=20)).isoformat(),
        starts_on=(today + timedelta(days=60)).isoformat(),
        ends_on=(today + timedelta(days=400)).isoformat(),
    )
    family = e2e.create("family")
    agent = e2e.create("staff_user", role="commune_agent", level="commune", code=BOBIGNY)

    # Find the offer, without an account.
    page.goto("/familles/")
    assert_accessible(page)
    page.get_by_label(re.compile("^Commune")).first.fill("Bobigny")
    page.get_by_role("button", name="Rechercher").first.click()
    page.get_by_role("link", name="Crèche des Lilas").first.click()
    expect(page.locator("h1")).to_contain_text("Crèche des Lilas")
    assert_accessible(page)

    # Know the cost.
    page.goto("/familles/cout/")
    psu = page.locator("section#psu")
    psu.get_by_label("Nombre d'enfants à charge").fill("2")
    psu.get_by_label("Ressources mensuelles du foyer (€)").fill("3000")
    psu.get_by_role("button", name="Calculer").click()
    expect(page.locator("section#psu")).to_contain_text("estimation")
    assert_accessible(page)

    # Apply with two wishes.
    log_in(page, family, path="/familles/compte/connexion/")
    reference = _family_applies(page, tmp_path)

    # The guichet unique sees it (and the read is audited, tested elsewhere).
    log_in(desktop_page, agent)
    desktop_page.goto("/familles/guichet-unique/")
    desktop_page.get_by_role("link", name=reference).click()
    expect(desktop_page.locator("main")).to_contain_text("Crèche des Lilas")

    # The commission takes the online pré-demandes, runs in the background, validates.
    desktop_page.goto(f"/attribution/{allocation_round['id']}/")
    desktop_page.get_by_role("button", name="Prendre les pré-demandes en ligne").click()
    desktop_page.get_by_role("button", name="Calculer la proposition").click()
    expect(desktop_page.get_by_role("link", name="Valider la commission…")).to_be_visible(
        timeout=30_000
    )
    desktop_page.get_by_role("link", name="Valider la commission…").click()
    expect(desktop_page.locator("main")).to_contain_text("Ce que la validation envoie")
    desktop_page.get_by_label("Je confirme la validation").check(force=True)
    desktop_page.get_by_role("button", name="Valider et envoyer les décisions").click()
    expect(desktop_page.locator("main")).to_contain_text("validée")

    # The family sees the proposal with its explanation and accepts it.
    page.goto(f"/familles/compte/pre-demande/{reference}/")
    expect(page.locator("main")).to_contain_text("Place proposée")
    page.get_by_role("link", name=re.compile("Bobigny")).click()
    expect(page.locator("main")).to_contain_text("Crèche des Lilas")
    assert_accessible(page)
    page.get_by_role("button", name="J'accepte la place").click()
    page.goto(f"/familles/compte/pre-demande/{reference}/")
    expect(page.locator("main")).to_contain_text("Place acceptée")
    subjects = [str(make_header(decode_header(m["Subject"]))) for m in e2e.mails(count=2)]
    assert subjects == [
        f"Pré-demande {reference} enregistrée",
        "[SDSF] Décision de la commission : une place vous est attribuée",
    ]
