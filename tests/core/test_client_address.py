"""Behind the platform's reverse proxy, each visitor keeps its own address: the per-address
limits, the login lockout and the audit log must not count every visitor as the proxy."""

import runpy

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from sdsf.audit.models import AuditEvent
from sdsf.core.middleware import forwarded_client
from tests.factories import make_family

pytestmark = pytest.mark.django_db
PROXY = "127.0.0.1"
TRUSTED = frozenset({PROXY, "::1"})


def _reset(client, email: str, forwarded: str, peer: str = PROXY):
    return client.post(
        reverse("families:password_reset"),
        {"email": email},
        REMOTE_ADDR=peer,
        HTTP_X_FORWARDED_FOR=forwarded,
    )


@pytest.mark.parametrize(
    ("header", "client"),
    [
        ("203.0.113.9", "203.0.113.9"),
        ("198.51.100.1, 203.0.113.9", "203.0.113.9"),  # the left part is the client's to write
        ("203.0.113.9, 127.0.0.1", "203.0.113.9"),  # through two proxies of the machine
        ("2001:db8::1", "2001:db8::1"),
        ("pas-une-adresse", None),
        ("", None),
    ],
)
def test_the_visitor_is_the_last_address_no_trusted_proxy_added(header, client):
    assert forwarded_client(header, TRUSTED) == client


def test_behind_the_proxy_the_e_mail_limit_counts_each_visitor(settings):
    settings.SDSF_TRUSTED_PROXIES = [PROXY, "::1"]
    settings.SDSF_MAIL_LIMIT_PER_IP = 1
    family = make_family()
    client = Client()
    _reset(client, family.user.email, "203.0.113.9")
    _reset(client, family.user.email, "203.0.113.10")  # another visitor, through the same proxy
    assert len(mail.outbox) == 2
    refused = _reset(client, family.user.email, "198.51.100.7, 203.0.113.9")  # spoofed left part
    assert "Trop de demandes" in refused.content.decode() and len(mail.outbox) == 2


def test_a_connection_from_elsewhere_keeps_its_own_address(settings):
    settings.SDSF_TRUSTED_PROXIES = [PROXY]
    client = Client()
    client.post(
        reverse("accounts:login"),
        {"username": "nobody@example.org", "password": "x"},
        REMOTE_ADDR="192.0.2.5",
        HTTP_X_FORWARDED_FOR="203.0.113.9",
    )
    client.post(
        reverse("accounts:login"),
        {"username": "nobody@example.org", "password": "x"},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR="203.0.113.9",
    )
    events = AuditEvent.objects.filter(action=AuditEvent.Action.LOGIN_FAILED).order_by("pk")
    assert [e.ip for e in events] == ["192.0.2.5", "203.0.113.9"]


def test_no_proxy_is_trusted_unless_production_or_told(settings, monkeypatch):
    assert settings.SDSF_TRUSTED_PROXIES == []
    client = Client()
    client.post(
        reverse("accounts:login"),
        {"username": "nobody@example.org", "password": "x"},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR="203.0.113.9",
    )
    assert AuditEvent.objects.get().ip == PROXY
    for name, value in {
        "SECRET_KEY": "Yq3-vT8wZp1LmK9sXc4RbN7dJf2HgA6eUo0iPzQy_WtEr5TyUiOpAsDfGhJkLzXcVb",
        "ALLOWED_HOSTS": "sdsf.example.fr",
        "DATABASE_URL": "postgres://sdsf:pw@db.example.fr:5432/sdsf",
        "SDSF_PUBLIC_URL": "https://sdsf.example.fr",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("SDSF_TRUSTED_PROXIES", raising=False)
    assert runpy.run_module("sdsf.settings.prod")["SDSF_TRUSTED_PROXIES"] == ["127.0.0.1", "::1"]
