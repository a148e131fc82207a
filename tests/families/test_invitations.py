"""A file filed at the guichet unique is attached to a family account only when that family
accepts the desk's invitation from its own space; the desk never learns whether an account
exists for an address."""

import html
import re
import time
from datetime import timedelta
from unittest import mock

import pytest
from django.core import mail, signing
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from sdsf.audit.models import AuditEvent
from sdsf.core import clock
from sdsf.families import invitations
from sdsf.families.applications import add_document
from sdsf.families.models import Event, Invitation, PreApplication
from tests.factories import PDF, make_family, make_pre_application

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-test-password"


@pytest.fixture
def desk_file():
    """A file filed at the desk for a family without account, with a proof of address."""
    pre = make_pre_application(
        home_commune="93008", email="famille.a@example.org", child_first_name="Yasmine"
    )
    add_document(pre, "residence", SimpleUploadedFile("a.pdf", PDF), actor=None, by_agent=True)
    return pre


def invite(client, pre, language="fr"):
    return client.post(
        reverse("families:desk_invite", args=[pre.reference]), {"language": language}, follow=True
    )


def link_of(message) -> str:
    return re.search(r"https?://\S+", message.body).group(0)


def as_family(client, family):
    return login_as(client, family.user)


def login_as(client, user):
    client.logout()
    client.force_login(user)
    return client


def text(response) -> str:
    return html.unescape(response.content.decode())


def test_typing_another_familys_address_moves_nothing(client, agent, desk_file):
    """The attack: an agent types family B's address on family A's file."""
    family_b = make_family(email="famille.b@example.org")
    step = reverse("families:desk_step", args=[desk_file.reference, "parent"])
    client.post(
        step,
        {
            "parent_first_name": "Parent",
            "parent_last_name": "Test",
            "email": "famille.b@example.org",
            "phone": "",
            "address": "",
            "home_commune": "93008",
            "link_account": "on",  # the removed option, still posted
        },
    )
    client.post(
        reverse("families:desk_new"),
        {
            "parent_first_name": "Autre",
            "parent_last_name": "Famille",
            "email": "famille.b@example.org",
            "phone": "",
            "address": "",
            "home_commune": "93008",
            "link_account": "on",
        },
    )
    assert PreApplication.objects.filter(family=family_b).count() == 0
    desk_file.refresh_from_db()
    assert desk_file.family is None
    document = desk_file.documents.get()
    as_family(client, family_b)
    assert desk_file.reference not in client.get(reverse("families:space")).content.decode()
    url = reverse("families:document", args=[desk_file.reference, document.pk])
    assert client.get(url).status_code == 404


def test_the_desk_message_and_email_are_the_same_whether_an_account_exists(client, agent):
    make_family(email="has.account@example.org")
    with_account = make_pre_application(home_commune="93008", email="has.account@example.org")
    without = make_pre_application(home_commune="93008", email="no.account@example.org")
    pages = [invite(client, pre) for pre in (with_account, without)]
    notices = [
        [str(m) for m in response.context["messages"]] for response in pages
    ]  # the message after sending
    assert notices[0] == notices[1] and "Invitation envoyée" in notices[0][0]
    bodies = [m.body.replace(link_of(m), "LINK") for m in mail.outbox]
    assert len(mail.outbox) == 2 and bodies[0] == bodies[1]
    assert [m.subject for m in mail.outbox][0] == mail.outbox[1].subject
    for response, pre in zip(pages, (with_account, without), strict=True):
        content = response.content.decode().replace(pre.reference, "REF").replace(pre.email, "@")
        assert "envoyée" in content
    # the e-mail carries no data of the file: the address may be mistyped
    assert "Enfant" not in mail.outbox[0].body and with_account.reference not in bodies[0]


def test_the_family_accepts_from_its_space(client, agent, desk_file):
    invite(client, desk_file)
    link = link_of(mail.outbox[0])
    family = make_family(email="Famille.A@example.org".lower())
    as_family(client, family)
    # the space lists the invitation; the page shows a summary, no document
    assert "vous attend" in client.get(reverse("families:space")).content.decode()
    page = client.get(link).content.decode()
    assert "Yasmine" in page and "Bobigny" in page
    assert "a.pdf" not in page and "pieces" not in page
    response = client.post(link, {"answer": "accept"})
    assert response.url == reverse("families:application", args=[desk_file.reference])
    desk_file.refresh_from_db()
    assert desk_file.family == family
    event = desk_file.events.get(kind=Event.Kind.ATTACHED)
    assert event.actor == family.user and not event.by_agent
    audited = AuditEvent.objects.get(user=family.user, detail__contains="accepté")
    assert audited.object_id == str(desk_file.pk)
    assert set(audited.departements.values_list("departement", flat=True)) == {"93"}
    # the family now reads its file and its documents
    document = desk_file.documents.get()
    url = reverse("families:document", args=[desk_file.reference, document.pk])
    assert client.get(url).status_code == 200
    # the agent sees the state; the file cannot be invited again
    login_as(client, agent)
    detail = client.get(reverse("families:desk_detail", args=[desk_file.reference]))
    assert "acceptée" in detail.content.decode()
    again = invite(client, desk_file)
    assert "déjà rattaché" in again.content.decode()
    assert Invitation.objects.count() == 1 and len(mail.outbox) == 1


def test_the_family_declines(client, agent, desk_file):
    invite(client, desk_file)
    link = link_of(mail.outbox[0])
    family = make_family(email="famille.a@example.org")
    as_family(client, family)
    response = client.post(link, {"answer": "decline"})
    assert response.url == reverse("families:space")
    desk_file.refresh_from_db()
    assert desk_file.family is None
    assert Invitation.objects.get().status == Invitation.State.DECLINED
    assert client.post(link, {"answer": "accept"}).status_code == 200  # no longer valid
    desk_file.refresh_from_db()
    assert desk_file.family is None
    login_as(client, agent)
    detail = client.get(reverse("families:desk_detail", args=[desk_file.reference]))
    assert "refusée" in detail.content.decode()


def test_an_expired_invitation_attaches_nothing(client, agent, desk_file):
    invite(client, desk_file)
    link = link_of(mail.outbox[0])
    Invitation.objects.update(expires_at=clock.now() - timedelta(minutes=1))
    family = make_family(email="famille.a@example.org")
    as_family(client, family)
    assert "vous attend" not in client.get(reverse("families:space")).content.decode()
    page = client.get(link).content.decode()
    assert "plus valable" in page and "Yasmine" not in page
    client.post(link, {"answer": "accept"})
    desk_file.refresh_from_db()
    assert desk_file.family is None
    login_as(client, agent)
    detail = client.get(reverse("families:desk_detail", args=[desk_file.reference]))
    assert "expirée" in detail.content.decode()


def test_a_link_older_than_its_validity_is_refused(settings, desk_file):
    invitation = Invitation.objects.create(
        pre_application=desk_file,
        email=desk_file.email,
        language="fr",
        expires_at=clock.now() + timedelta(days=30),
    )
    old = signing.b62_encode(int(time.time()) - (settings.SDSF_FAMILY_INVITATION_DAYS + 1) * 86400)
    with mock.patch.object(signing.TimestampSigner, "timestamp", return_value=old):
        stale = invitations.token(invitation)
    assert invitations.from_token(stale) is None
    assert invitations.from_token(invitations.token(invitation)) == invitation
    assert invitations.from_token(invitations.token(invitation) + "x") is None


def test_another_account_cannot_accept(client, agent, desk_file):
    invite(client, desk_file)
    link = link_of(mail.outbox[0])
    as_family(client, make_family(email="famille.c@example.org"))
    page = client.get(link).content.decode()
    assert "autre adresse e-mail" in page and "Yasmine" not in page and "Bobigny" not in page
    client.post(link, {"answer": "accept"})
    desk_file.refresh_from_db()
    assert desk_file.family is None
    assert Invitation.objects.get().status == Invitation.State.SENT


def test_an_unverified_account_must_verify_its_address_first(client, agent, desk_file):
    invite(client, desk_file)
    link = link_of(mail.outbox[0])
    family = make_family(verified=False, email="famille.a@example.org")
    as_family(client, family)
    assert "vous attend" not in client.get(reverse("families:space")).content.decode()
    page = text(client.get(link))
    assert "Vérifiez d'abord" in page and "Yasmine" not in page
    client.post(link, {"answer": "accept"})
    desk_file.refresh_from_db()
    assert desk_file.family is None


def test_an_anonymous_visitor_logs_in_first_then_comes_back(client, agent, desk_file):
    invite(client, desk_file)
    link = link_of(mail.outbox[0])
    client.logout()
    response = client.get(link)
    path = link.split("testserver", 1)[1]
    assert response.url.startswith(reverse("families:login")) and "next=" in response.url
    make_family(email="famille.a@example.org")
    login = client.post(response.url, {"username": "famille.a@example.org", "password": PASSWORD})
    assert login.url == path


def test_a_new_invitation_replaces_the_pending_one(client, agent, desk_file):
    invite(client, desk_file)
    invite(client, desk_file)
    first, second = Invitation.objects.order_by("pk")
    assert first.status == Invitation.State.EXPIRED and second.status == Invitation.State.SENT
    family = make_family(email="famille.a@example.org")
    as_family(client, family)
    assert "plus valable" in client.get(link_of(mail.outbox[0])).content.decode()
    assert "Yasmine" in client.get(link_of(mail.outbox[1])).content.decode()


def test_an_invitation_follows_the_address_of_the_file(client, agent, desk_file):
    invite(client, desk_file)
    PreApplication.objects.filter(pk=desk_file.pk).update(email="autre@example.org")
    family = make_family(email="famille.a@example.org")
    as_family(client, family)
    client.post(link_of(mail.outbox[0]), {"answer": "accept"})
    desk_file.refresh_from_db()
    assert desk_file.family is None


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"email": ""}, "pas d'adresse e-mail"),
        ({"status": PreApplication.Status.CLOSED}, "close"),
    ],
)
def test_the_desk_cannot_invite_for_every_file(client, agent, fields, reason):
    pre = make_pre_application(home_commune="93008", phone="0123456789", **fields)
    assert reason in text(invite(client, pre))
    assert not Invitation.objects.exists() and not mail.outbox


def test_the_email_goes_in_the_language_the_agent_chose(client, agent, desk_file):
    invite(client, desk_file, language="ar")
    invite(client, desk_file, language="en")
    arabic, english = mail.outbox
    assert re.search("[\u0600-\u06ff]", arabic.subject + arabic.body)
    assert "pre-application" in english.body.lower() and "Bonjour" not in english.body
    desk_file.refresh_from_db()
    assert desk_file.language == "en"  # the family's decision letters will be in English
