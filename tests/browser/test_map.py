"""The maps show names typed by others (a structure's name) as text, never as HTML."""

TRAP = '<img src=x onerror="window.__sdsfInjected = true">Crèche piégée'


def test_a_structure_name_in_the_map_tooltip_is_text(e2e, page):
    e2e.create("structure", commune="93008", name=TRAP)
    page.goto("/familles/?commune=93008", wait_until="networkidle")
    marker = page.locator(".sdsf-map path.leaflet-interactive").first
    marker.wait_for()
    marker.hover(force=True)
    tooltip = page.locator(".leaflet-tooltip")
    tooltip.wait_for()
    assert TRAP in tooltip.inner_text()
    assert tooltip.locator("img").count() == 0
    assert page.evaluate("window.__sdsfInjected === undefined")
