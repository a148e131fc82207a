"""The footer's pages answer with content, from the footer of a family page, on a phone."""

import pytest

from tests.browser.axe import assert_accessible

FOOTER_LINKS = [
    ("Plan du site", "Plan du site"),
    ("Accessibilité : non conforme", "Déclaration d'accessibilité"),
    ("Mentions légales", "Mentions légales"),
    ("Données personnelles", "Données personnelles"),
    ("Gestion des cookies", "Gestion des cookies"),
]


@pytest.mark.parametrize(("link", "title"), FOOTER_LINKS)
def test_footer_page_answers_with_content(e2e, page, link, title):
    page.goto("/familles/")
    footer = page.locator("footer")
    with page.expect_navigation() as navigation:
        footer.get_by_role("link", name=link).click()
    assert navigation.value.status == 200
    assert page.get_by_role("heading", level=1).inner_text() == title
    assert len(page.locator("main").inner_text()) > 300
    assert_accessible(page)


def test_the_root_tells_parents_and_agents_where_to_go(e2e, page):
    page.goto("/")
    page.get_by_role("link", name="Vous êtes parent").click()
    assert page.url.endswith("/familles/")
    page.goto("/")
    page.get_by_role("link", name="Vous êtes agent ou gestionnaire").click()
    assert page.url.endswith("/compte/connexion/")
    assert_accessible(page)
