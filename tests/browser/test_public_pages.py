"""Public pages on a phone: no serious or critical axe violation, no JavaScript error, light.

The family pages are under construction elsewhere; each page listed here exists and is public.
The family scenario (search, cost, apply, proposal) has its own tests.
"""

import pytest

from tests.browser.axe import assert_accessible
from tests.browser.support import page_weight

PUBLIC_PAGES = [
    "/compte/connexion/",
    "/familles/",
    "/familles/cout/",
    "/familles/compte/connexion/",
    "/familles/compte/inscription/",
]
MAX_FAMILY_PAGE_BYTES = 500_000  # the family pages weigh under 500 kB


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_public_page_is_accessible_on_a_phone(e2e, page, path):
    e2e.create("structure", commune="93008")  # the search has something to show
    response = page.goto(path, wait_until="networkidle")
    assert response.status == 200
    assert_accessible(page)


@pytest.mark.parametrize("path", [p for p in PUBLIC_PAGES if p.startswith("/familles/")])
def test_family_page_weighs_under_500_kb(e2e, page, path):
    e2e.create("structure", commune="93008")
    weight = page_weight(page, path)
    assert weight.total < MAX_FAMILY_PAGE_BYTES, str(weight)


def test_the_checks_fail_on_a_broken_page(e2e, page, js_errors):
    # The helpers above would be worthless if they could not fail: a page without language,
    # an image without text alternative, a failing script.
    page.goto("/compte/connexion/")
    page.set_content("<html><body><img src='/static/none.png'><p>x</p></body></html>")
    with pytest.raises(AssertionError, match=r"\[critical\] image-alt"):
        assert_accessible(page)
    page.evaluate("setTimeout(() => { throw new Error('broken script') })")
    page.wait_for_timeout(100)
    assert any("broken script" in error for error in js_errors)
    assert any("404" in error for error in js_errors)  # the missing image
    js_errors.clear()
