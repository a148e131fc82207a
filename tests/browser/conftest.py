"""Fixtures of the browser tests (marked ``browser``; see tests/browser/README.md).

One server per pytest process (each xdist worker has its own port and database), started on the
first browser test; the data is reset before each test. Chromium is Debian's (``make test``
installs it), driven headless by Playwright: no browser is downloaded.
"""

import os
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from tests.browser.support import E2E, Server, prepared_database

CHROMIUM = os.environ.get("SDSF_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1280, "height": 800}}


@pytest.hookimpl(tryfirst=True)  # before -m "not browser" deselects
def pytest_collection_modifyitems(items):
    # Every test that needs the server (through e2e, page or desktop_page) is a browser test.
    for item in items:
        if "e2e_server" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def e2e_server(tmp_path_factory):
    base = tmp_path_factory.getbasetemp()
    # With xdist, each worker's base is in the run's directory: one database for all workers.
    shared = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    server = Server(tmp_path_factory.mktemp("e2e"), prepared_database(shared))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def e2e(e2e_server):
    """The test-only API, on data emptied for this test (territories kept)."""
    api = E2E(e2e_server)
    api.reset()
    return api


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"{CHROMIUM} is missing: `make test` installs Debian's chromium "
            '(or deselect these tests with -m "not browser").'
        )
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        yield chromium
        chromium.close()


@pytest.fixture
def js_errors():
    """Console errors and uncaught exceptions of the test's pages; must stay empty (checked
    after the test). A test expecting one reads it, then clears it."""
    return []


def _page(browser, e2e, js_errors, device, request):
    context = browser.new_context(
        base_url=e2e.server.url, locale="fr-FR", timezone_id="Europe/Paris", **device
    )
    context.set_default_timeout(10_000)
    context.on(
        "console",
        lambda message: (
            message.type == "error"
            and js_errors.append(f"console: {message.text} ({message.location.get('url')})")
        ),
    )
    context.on("weberror", lambda error: js_errors.append(f"page error: {error.error}"))
    page = context.new_page()
    yield page
    context.close()
    outcome = getattr(request.node, "rep_call", None)
    if outcome is None or outcome.passed:
        assert not js_errors, "JavaScript errors:\n" + "\n".join(js_errors)


@pytest.fixture
def page(browser, e2e, js_errors, request):
    """A phone-sized page (390×844, touch) on the e2e server; ``page.goto("/path/")``."""
    yield from _page(browser, e2e, js_errors, PHONE, request)


@pytest.fixture
def desktop_page(browser, e2e, js_errors, request):
    """A desktop-sized page (1280×800) on the e2e server."""
    yield from _page(browser, e2e, js_errors, DESKTOP, request)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    # Lets the page fixtures skip their JavaScript check when the test itself already failed,
    # and shows the server's log with the failure.
    report = yield
    if report.when == "call":
        item.rep_call = report
        server = item.funcargs.get("e2e_server") if hasattr(item, "funcargs") else None
        if report.failed and server is not None:
            report.sections.append(("e2e server log (tail)", server.log_tail()))
    return report
