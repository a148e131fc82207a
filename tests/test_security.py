import os
import subprocess
import sys
from unittest import mock

import pytest
from django.db import DatabaseError
from django.urls import reverse

from sdsf.accounts.models import Role
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def test_healthz_answers_200_then_503_without_database(client):
    assert client.get("/healthz").status_code == 200
    with mock.patch("sdsf.core.views.connection.cursor", side_effect=DatabaseError):
        response = client.get("/healthz")
    assert response.status_code == 503


def test_security_txt_publishes_the_installations_contact_once_set(client, settings):
    assert client.get("/.well-known/security.txt").status_code == 404
    settings.SDSF_SECURITY_CONTACT = "securite@departement.example"
    text = client.get("/.well-known/security.txt").content.decode()
    assert text.startswith("Contact: mailto:securite@departement.example\nExpires: ")
    settings.SDSF_SECURITY_CONTACT = "https://departement.example/securite"
    assert (
        "Contact: https://departement.example/securite"
        in client.get("/.well-known/security.txt").content.decode()
    )


def test_security_headers(client):
    response = client.get(reverse("accounts:login"))
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert f"'nonce-{response.wsgi_request.csp_nonce}'" in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_lockout_after_repeated_failures(client):
    make_user(Role.PMI_AGENT, email="locked@example.org")
    url = reverse("accounts:login")
    for _ in range(5):
        client.post(url, {"username": "locked@example.org", "password": "wrong"})
    response = client.post(
        url, {"username": "locked@example.org", "password": "a-long-test-password"}
    )
    assert response.status_code == 429
    assert "bloquée pendant une heure" in response.content.decode()


def test_csrf_is_enforced(db):
    from django.test import Client

    make_user(Role.PMI_AGENT, email="csrf@example.org")
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        reverse("accounts:login"),
        {"username": "csrf@example.org", "password": "a-long-test-password"},
    )
    assert response.status_code == 403


def test_check_deploy_passes_with_production_settings():
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "sdsf.settings.prod",
        "SECRET_KEY": "k3Jq9vZ2pXw7LmN4bR8tY1cF6hD0sG5aUeI-oPzQxVnM_yTrWlKjHgBfCdE2uA7",
        "ALLOWED_HOSTS": "sdsf.example.org",
        "DATABASE_URL": "postgres://sdsf@127.0.0.1:5432/sdsf",
        "SDSF_PUBLIC_URL": "https://sdsf.example.org",
    }
    result = subprocess.run(
        [sys.executable, "-m", "sdsf", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr + result.stdout
