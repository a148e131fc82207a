"""Availability in one click: the reminder command, the signed link and its page."""

import logging
import re
from datetime import date, timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse

from sdsf.accounts.models import STRUCTURE_SCOPE, Role
from sdsf.core import clock
from sdsf.offer.availability import make_token
from sdsf.offer.models import AgrementStatus, Status, Structure
from tests.factories import make_assistant, make_structure, make_user

pytestmark = pytest.mark.django_db


def _link(message) -> str:
    return re.search(r"https?://\S+", message.body)[0]


def test_reminders_go_to_active_childminders_and_open_structures_with_an_email(settings):
    settings.SDSF_PUBLIC_URL = "https://sdsf.example.org"
    make_assistant(identifier="AM-1", email="am1@example.org", available_places=1)
    make_assistant(identifier="AM-NO-EMAIL")
    make_assistant(
        identifier="AM-EXPIRED",
        email="old@example.org",
        agrement_expiry=clock.today() - timedelta(days=1),
    )
    make_structure(identifier="EAJE-1", email="eaje@example.org")
    make_structure(identifier="EAJE-CLOSED", email="closed@example.org", status=Status.CLOSED)
    make_structure(identifier="RPE-1", kind=Structure.Kind.RPE, email="rpe@example.org")
    call_command("availability_reminders")
    assert sorted(m.to[0] for m in mail.outbox) == ["am1@example.org", "eaje@example.org"]
    message = next(m for m in mail.outbox if m.to == ["am1@example.org"])
    assert "1 place(s) disponible(s)" in message.body
    assert _link(message).startswith("https://sdsf.example.org/offre/disponibilites/")


def test_one_click_confirms_unchanged(client, caplog):
    item = make_assistant(identifier="AM-1", available_places=1, email="am1@example.org")
    url = reverse("offer:availability_link", args=[make_token(item)])
    page = client.get(url).content.decode()
    assert "Sophie Martin" in page and "Rien n'a changé" in page
    with caplog.at_level(logging.INFO, logger="sdsf.offer.availability"):
        response = client.post(url, {"unchanged": "1"})
    assert "vos disponibilités sont confirmées" in response.content.decode()
    item.refresh_from_db()
    assert item.available_places == 1
    assert item.availability_updated_at is not None
    assert "AM-1" in caplog.text
    assert "Martin" not in caplog.text and "am1@example.org" not in caplog.text


def test_the_form_updates_places_and_date_within_the_agrement(client):
    item = make_assistant(identifier="AM-1", agrement_places=3)
    url = reverse("offer:availability_link", args=[make_token(item)])
    page = client.post(url, {"update": "1", "available_places": "5"}).content.decode()
    assert "fr-error-text" in page
    item.refresh_from_db()
    assert item.available_places is None and item.availability_updated_at is None
    client.post(url, {"update": "1", "available_places": "2", "available_from": "2027-01-04"})
    item.refresh_from_db()
    assert (item.available_places, item.available_from) == (2, date(2027, 1, 4))
    assert item.availability_updated_at is not None


def test_structure_link_updates_the_structure(client):
    item = make_structure(identifier="EAJE-1", email="eaje@example.org")
    url = reverse("offer:availability_link", args=[make_token(item)])
    client.post(url, {"update": "1", "available_places": "4"})
    item.refresh_from_db()
    assert item.available_places == 4 and item.availability_updated_at is not None


def test_bad_expired_or_no_longer_eligible_links_answer_404(client, settings):
    item = make_assistant(identifier="AM-1", available_places=1)
    token = make_token(item)
    url = reverse("offer:availability_link", args=[token])
    assert client.get(url).status_code == 200
    tampered = reverse("offer:availability_link", args=[token[:-2] + "xx"])
    assert client.get(tampered).status_code == 404
    settings.SDSF_AVAILABILITY_LINK_DAYS = -1  # every link is older than that
    assert client.get(url).status_code == 404
    settings.SDSF_AVAILABILITY_LINK_DAYS = 30
    item.agrement_status = AgrementStatus.WITHDRAWN
    item.save()
    assert client.post(url, {"unchanged": "1"}).status_code == 404


def test_staff_declaration_is_dated_too(client):
    item = make_structure(identifier="EAJE-1")
    manager = make_user(Role.STRUCTURE_MANAGER, STRUCTURE_SCOPE, "EAJE-1")
    client.force_login(manager)
    response = client.post(
        reverse("offer:structure_availability", args=["EAJE-1"]),
        {"available_places": "3", "available_from": ""},
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.available_places == 3 and item.availability_updated_at is not None
