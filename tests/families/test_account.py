"""Family accounts: sign-up with Django's password rules, verification by a signed link, log-in
on the family page, password reset for family accounts only, the family space."""

import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from sdsf.families import accounts
from sdsf.families.models import Family
from tests.factories import make_family, make_pre_application, make_user

pytestmark = pytest.mark.django_db
PASSWORD = "un-mot-de-passe-solide-42"


def _sign_up(client, **fields):
    data = {
        "first_name": "Alice",
        "last_name": "Synthétique",
        "email": "Alice@Example.org",
        "password1": PASSWORD,
        "password2": PASSWORD,
        **fields,
    }
    return client.post(reverse("families:signup"), data)


def test_sign_up_logs_in_and_sends_a_verification_link(client):
    response = _sign_up(client)
    assert response.url == reverse("families:space")
    family = Family.objects.get()
    assert family.user.email == "alice@example.org" and not family.email_verified
    assert not family.user.assignments.exists()  # no staff role
    assert client.get(reverse("families:space")).status_code == 200
    (message,) = mail.outbox
    assert message.to == ["alice@example.org"]
    link = re.search(r"https?://\S+", message.body).group(0)
    assert "alice" not in link.lower()  # no address in the URL
    page = client.get(link).content.decode()
    assert "est vérifiée" in page
    family.refresh_from_db()
    assert family.email_verified


def test_sign_up_applies_the_password_rules_and_unique_address(client):
    response = _sign_up(client, password1="12345678", password2="12345678")
    assert response.status_code == 200 and not Family.objects.exists()
    assert "Le formulaire contient des erreurs" in response.content.decode()
    make_user(email="taken@example.org")
    response = _sign_up(client, email="TAKEN@example.org")
    assert "Un compte existe déjà" in response.content.decode()


def test_verification_link_expires_and_follows_the_address(settings):
    family = make_family(verified=False)
    token = accounts.verification_token(family)
    assert accounts.verify(token + "x") is None
    family.user.email = "new@example.org"
    family.user.save()
    assert accounts.verify(token) is None  # made for the old address
    settings.SDSF_FAMILY_VERIFY_MAX_AGE = -1
    assert accounts.verify(accounts.verification_token(family)) is None
    family.refresh_from_db()
    assert not family.email_verified


def test_unknown_link_shows_an_error(client):
    response = client.get(reverse("families:verify", args=["faux"]))
    assert "n'est pas valide" in response.content.decode()


def test_resend_link_from_the_space(client):
    family = make_family(verified=False)
    client.force_login(family.user)
    assert "Adresse e-mail à vérifier" in client.get(reverse("families:space")).content.decode()
    client.post(reverse("families:verify_resend"))
    assert len(mail.outbox) == 1


def test_family_login_page_leads_to_the_space(client):
    family = make_family(password=PASSWORD)
    response = client.post(
        reverse("families:login"), {"username": family.user.email, "password": PASSWORD}
    )
    assert response.url == reverse("families:space")


def test_password_reset_for_family_accounts_only(client):
    family = make_family()
    staff = make_user()
    for email in (family.user.email, staff.email):
        client.post(reverse("families:password_reset"), {"email": email})
    (message,) = mail.outbox
    assert message.to == [family.user.email]
    link = re.search(r"https?://\S+", message.body).group(0)
    form = client.get(link, follow=True)
    assert "Nouveau mot de passe" in form.content.decode()
    response = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "encore-un-mot-de-passe-7", "new_password2": "encore-un-mot-de-passe-7"},
    )
    assert response.url == reverse("families:password_reset_complete")
    family.user.refresh_from_db()
    assert family.user.check_password("encore-un-mot-de-passe-7")


def test_space_lists_only_the_familys_own_pre_applications(client):
    family = make_family()
    own = make_pre_application(family)
    other = make_pre_application(make_family())
    client.force_login(family.user)
    page = client.get(reverse("families:space")).content.decode()
    assert own.reference in page and other.reference not in page


def test_staff_have_no_family_space(client):
    client.force_login(make_user())
    assert client.get(reverse("families:space")).status_code == 403


def test_password_reset_e_mails_are_limited_per_address_and_per_connection(client, settings):
    settings.SDSF_MAIL_LIMIT_PER_ADDRESS = 2
    settings.SDSF_MAIL_LIMIT_PER_IP = 4
    family = make_family()
    url = reverse("families:password_reset")
    answers = [client.post(url, {"email": family.user.email}) for _ in range(3)]
    assert [a.status_code for a in answers] == [302, 302, 302]  # the same answer every time
    assert len(mail.outbox) == 2  # but the third e-mail was not sent
    client.post(url, {"email": "autre@example.org"})
    refused = client.post(url, {"email": "encore@example.org"})
    assert refused.status_code == 200 and "Trop de demandes" in refused.content.decode()
    other_connection = client.post(url, {"email": "autre@example.org"}, REMOTE_ADDR="10.0.0.2")
    assert other_connection.status_code == 302


def test_sign_ups_are_limited_per_connection(client, settings):
    settings.SDSF_MAIL_LIMIT_PER_IP = 2
    for n in range(2):
        assert _sign_up(Client(), email=f"parent{n}@example.org").status_code == 302
    refused = _sign_up(client, email="parent9@example.org")
    assert "Trop de demandes" in refused.content.decode()
    assert Family.objects.count() == 2 and len(mail.outbox) == 2


def test_verification_resend_is_limited_per_address(client, settings):
    settings.SDSF_MAIL_LIMIT_PER_ADDRESS = 1
    family = make_family(verified=False)
    client.force_login(family.user)
    for _ in range(2):
        client.post(reverse("families:verify_resend"))
    assert len(mail.outbox) == 1
    page = client.get(reverse("families:space")).content.decode()
    assert "Trop de demandes" in page
