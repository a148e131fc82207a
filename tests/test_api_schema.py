"""The API answers what its OpenAPI schema documents, and never a server error: schemathesis
generates requests from the schema of the django-ninja API and calls the app in-process (WSGI),
as an anonymous caller and as a signed-in administrator, so every endpoint is exercised."""

import pytest
import schemathesis
from django.conf import settings as django_settings
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis import checks

from sdsf.accounts.models import Role
from sdsf.api import api
from tests.factories import make_structure, make_user

schema = schemathesis.openapi.from_dict(api.get_openapi_schema(path_prefix="/api/"))
schema.app = get_wsgi_application()
# A NUL character is refused (400/404) before any view by the URL checks, which
# tests/test_url_inputs.py proves on every route; the schema cannot say it, so generated strings
# leave it out rather than read a documented refusal as a failure.
schema.config.generation.update(allow_x00=False)
COOKIE = django_settings.SESSION_COOKIE_NAME


@pytest.fixture
def session_cookie(db, client):
    """An administrator's session; the WSGI handler keeps the test's database connection (as
    Django's test client does), or it would close it after each request."""
    make_structure(name='=HYPERLINK("x")')
    client.force_login(make_user(Role.ADMINISTRATOR))
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield {COOKIE: client.cookies[COOKIE].value}
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


@schema.parametrize()
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@pytest.mark.parametrize("signed_in", [True, False], ids=["administrator", "anonymous"])
def test_api_conforms_to_its_schema(case, signed_in, session_cookie):
    response = case.call(cookies=session_cookie if signed_in else {})
    assert response.status_code < 500
    # Signed in, the session cookie is always sent: the checks that drop the credentials to
    # see them refused belong to the anonymous run.
    excluded = [checks.ignored_auth, checks.negative_data_rejection] if signed_in else []
    case.validate_response(response, excluded_checks=excluded)
