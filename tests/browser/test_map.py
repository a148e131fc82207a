"""The maps: names typed by others (a structure's name) shown as text, never as HTML; the
family search's map folded before the list on a phone, beside it on a desktop, with outlines."""

from tests.browser.axe import assert_accessible

TRAP = '<img src=x onerror="window.__sdsfInjected = true">Crèche piégée'


def test_a_structure_name_in_the_map_tooltip_is_text(e2e, page):
    e2e.create("structure", commune="93008", name=TRAP)
    page.goto("/familles/?commune=93008", wait_until="networkidle")
    page.get_by_role("button", name="Afficher la carte").click()  # folded on a phone
    marker = page.locator(".sdsf-map path.leaflet-interactive").first
    marker.wait_for()
    marker.hover(force=True)
    tooltip = page.locator(".leaflet-tooltip")
    tooltip.wait_for()
    assert TRAP in tooltip.inner_text()
    assert tooltip.locator("img").count() == 0
    assert page.evaluate("window.__sdsfInjected === undefined")


def test_the_phone_search_shows_the_map_toggle_before_the_list(e2e, page):
    e2e.create("structure", commune="93008", name="Crèche placée", latitude=48.91, longitude=2.44)
    e2e.create("structure", commune="93008", name="Crèche au centre")
    page.goto("/familles/?commune=93008", wait_until="networkidle")
    toggle = page.get_by_role("button", name="Afficher la carte")
    first_result = page.locator(".fr-card").first
    assert toggle.is_visible() and not page.locator(".sdsf-map").is_visible()
    assert toggle.bounding_box()["y"] < first_result.bounding_box()["y"]
    assert "km" not in page.locator(".fr-card", has_text="Crèche au centre").inner_text()
    assert " km" in page.locator(".fr-card", has_text="Crèche placée").inner_text()

    toggle.click()
    assert (
        page.get_by_role("button", name="Masquer la carte").get_attribute("aria-expanded") == "true"
    )
    map_box = page.locator(".sdsf-map").bounding_box()
    assert map_box["height"] > 200 and map_box["y"] < first_result.bounding_box()["y"]
    # The communes' outlines and the département's border under the two points.
    page.wait_for_function("document.querySelectorAll('.leaflet-communes-pane path').length > 5")
    assert page.locator(".leaflet-border-pane path").count() == 1
    assert page.locator("path.leaflet-interactive").count() == 2
    assert_accessible(page)


def test_on_a_desktop_the_map_stands_beside_the_list(e2e, desktop_page):
    e2e.create("structure", commune="93008")
    desktop_page.goto("/familles/?commune=93008", wait_until="networkidle")
    assert desktop_page.locator(".sdsf-map").is_visible()
    assert not desktop_page.get_by_role("button", name="Afficher la carte").is_visible()
    map_box = desktop_page.locator(".sdsf-map").bounding_box()
    card_box = desktop_page.locator(".fr-card").first.bounding_box()
    assert map_box["x"] > card_box["x"] + card_box["width"] - 1
