"""The test-only API: absent from the normal URLconf, refused outside e2e settings, working."""

import json
import os
import subprocess
import sys
import urllib.error
import urllib.request

import pytest
from django.urls import Resolver404, resolve

from sdsf.site.e2e import FIXTURES
from tests.browser.support import DEPLOYMENT_VARIABLES, log_in


@pytest.mark.parametrize("path", ["/e2e/reset", "/e2e/fixtures/", "/e2e/fixtures/staff_user"])
def test_the_routes_do_not_exist_outside_e2e_settings(path):
    with pytest.raises(Resolver404):
        resolve(path)


@pytest.mark.parametrize("variable", ["SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL"])
def test_e2e_settings_refuse_to_load_in_a_deployment(tmp_path, variable):
    env = {
        **{k: v for k, v in os.environ.items() if k not in DEPLOYMENT_VARIABLES},
        "SDSF_E2E_DATABASE": str(tmp_path / "e2e.sqlite3"),
        variable: "set-by-a-deployment",
    }
    done = subprocess.run(
        [sys.executable, "-c", "import sdsf.settings.e2e"], env=env, capture_output=True, text=True
    )
    assert done.returncode != 0
    assert f"refuses to load: {variable} set" in done.stderr


def _status(url, data=None):
    try:
        with urllib.request.urlopen(urllib.request.Request(url, data=data)) as response:  # noqa: S310
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_fixtures_create_accounts_and_reset_keeps_the_territories(e2e, page):
    agent = e2e.create("staff_user", role="commune_agent", level="commune", code="93008")
    structure = e2e.create("structure", commune="93008", places={"babies": 10, "older": 12})
    e2e.create("allocation_round", commune="93008")
    log_in(page, agent)
    assert "Agent petite enfance de commune" in page.content()
    page.goto(f"/offre/structures/{structure['identifier']}/")
    assert "Crèche des Lilas" in page.content()

    e2e.reset()
    log_in(page, agent)  # the account is gone
    assert "incorrect" in page.get_by_role("alert").inner_text()
    # Territories are kept: a new agent of the same commune sees it again.
    again = e2e.create("staff_user", role="commune_agent", level="commune", code="93008")
    assert again["email"] == agent["email"]


def test_bad_requests_get_clear_answers(e2e):
    url = e2e.server.url
    assert _status(f"{url}/e2e/fixtures/no_such_fixture", data=b"{}") == 404
    assert _status(f"{url}/e2e/fixtures/staff_user", data=b"not json") == 400
    assert _status(f"{url}/e2e/fixtures/staff_user", data=b'{"role": "pirate"}') == 400
    assert _status(f"{url}/e2e/reset") == 405  # GET
    with urllib.request.urlopen(f"{url}/e2e/fixtures/") as response:  # noqa: S310
        assert set(FIXTURES) <= set(json.loads(response.read()))


def test_family_fixture_logs_in_to_the_family_space(e2e, page):
    verified = e2e.create("family")
    unverified = e2e.create("family", email="autre@e2e.sdsf.test", verified=False)
    log_in(page, verified, path="/familles/compte/connexion/")
    assert page.url.endswith("/familles/compte/")
    assert page.get_by_role("heading", level=1).inner_text() == "Mon espace famille"
    assert "Adresse e-mail à vérifier" not in page.content()

    page.context.clear_cookies()
    log_in(page, unverified, path="/familles/compte/connexion/")
    assert "Adresse e-mail à vérifier" in page.content()
