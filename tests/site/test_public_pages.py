"""The site's front door, the footer's pages and where a log-in leads."""

import pytest
from django.urls import reverse

from sdsf.accounts.models import Role
from sdsf.site.conformity import AUDIT
from tests.factories import make_family, make_user

pytestmark = pytest.mark.django_db

FOOTER_PAGES = {
    "site:legal_notice": "Mentions légales",
    "site:accessibility": "Déclaration d'accessibilité",
    "site:personal_data": "Données personnelles",
    "site:sitemap": "Plan du site",
    "site:cookies": "Gestion des cookies",
}


def test_root_tells_families_and_agents_where_to_go(client):
    page = client.get("/").content.decode()
    assert f'href="{reverse("families:search")}"' in page
    assert f'href="{reverse("accounts:login")}"' in page
    assert "Vous êtes parent" in page and "Vous êtes agent" in page


def test_root_sends_a_logged_in_person_to_their_own_start(client):
    client.force_login(make_user(Role.PMI_AGENT))
    assert client.get("/").url == reverse("site:home")
    client.force_login(make_family().user)
    assert client.get("/").url == reverse("families:space")


def test_a_family_logging_in_on_the_agents_page_reaches_its_space(client):
    make_family(email="parent@example.org", password="a-long-test-password")
    login = {"username": "parent@example.org", "password": "a-long-test-password"}
    response = client.post(reverse("accounts:login"), login, follow=True)
    assert response.redirect_chain[-1][0] == reverse("families:space")
    agent = make_user(Role.PMI_AGENT, email="agent@example.org")
    assert agent.pk
    client.logout()
    login["username"] = "agent@example.org"
    response = client.post(reverse("accounts:login"), login, follow=True)
    assert response.redirect_chain[-1][0] == reverse("site:home")
    assert "Bonjour" in response.content.decode()


@pytest.mark.parametrize(("name", "title"), FOOTER_PAGES.items())
def test_footer_pages_answer_with_content_and_are_linked_from_every_footer(client, name, title):
    response = client.get(reverse(name))
    assert response.status_code == 200
    page = response.content.decode().replace("&#x27;", "'")
    assert f"<h1>{title}</h1>" in page
    for linked in FOOTER_PAGES:
        assert f'href="{reverse(linked)}"' in page
    staff_page = client.get(reverse("accounts:login")).content.decode()
    assert f'href="{reverse(name)}"' in staff_page


def test_publisher_comes_from_settings(client, settings):
    page = client.get(reverse("site:legal_notice")).content.decode()
    assert page.count("non renseigné") >= 4
    settings.SDSF_PUBLISHER_NAME = "Département de la Seine-Saint-Denis"
    settings.SDSF_PUBLISHER_ADDRESS = "Hôtel du Département, 93006 Bobigny"
    settings.SDSF_PUBLICATION_DIRECTOR = "Le président du conseil départemental"
    settings.SDSF_PUBLISHER_CONTACT = "contact@departement.example.fr"
    settings.SDSF_HOSTING_PROVIDER = "Direction des systèmes d'information, Bobigny"
    page = client.get(reverse("site:legal_notice")).content.decode()
    assert "Département de la Seine-Saint-Denis" in page and "non renseigné" not in page
    assert 'href="mailto:contact@departement.example.fr"' in page
    declaration = client.get(reverse("site:accessibility")).content.decode()
    assert "Département de la Seine-Saint-Denis s'engage" in declaration


def test_accessibility_declares_the_measured_state(client):
    page = client.get(reverse("site:accessibility")).content.decode().replace("&#x27;", "'")
    assert "Ce site est non conforme" in page
    assert f"{len(AUDIT.pages)} pages ont été testées" in page
    for _, finding in AUDIT.findings:
        assert str(finding).replace("'", "'") in page
    assert "Défenseur des droits" in page


def test_personal_data_gives_the_retention_periods_in_force(client, settings):
    settings.SDSF_FAMILY_RETENTION = {**settings.SDSF_FAMILY_RETENTION, "closed_months": 18}
    page = client.get(reverse("site:personal_data")).content.decode()
    assert "18 mois après la clôture" in page and "90 jours" in page and "CNIL" in page


def test_footer_pages_in_arabic_and_english(client):
    client.cookies["django_language"] = "ar"
    page = client.get(reverse("site:cookies")).content.decode()
    assert 'lang="ar" dir="rtl"' in page and "Gestion des cookies" not in page
    client.cookies["django_language"] = "en"
    page = client.get(reverse("site:cookies")).content.decode()
    assert "<h1>Cookie management</h1>" in page
