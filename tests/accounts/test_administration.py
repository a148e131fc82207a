"""The rules of account and institution management (``sdsf.accounts.administration``), the
invitation link, and the first administrator's command."""

import re
import time
from io import StringIO

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.urls import reverse

from sdsf.accounts import administration, invitations
from sdsf.accounts.administration import Refused
from sdsf.accounts.models import Assignment, Institution, Role, User
from sdsf.audit.models import AuditEvent
from sdsf.territories.models import Level
from tests.factories import make_institution, make_user

pytestmark = pytest.mark.django_db

CAF_93 = (Institution.Kind.CAF, Level.DEPARTEMENT, "93")
CAF_26 = (Institution.Kind.CAF, Level.DEPARTEMENT, "26")


@pytest.fixture
def admin_93():
    return make_user(Role.ADMINISTRATOR, Level.DEPARTEMENT, "93")


def test_an_administrator_of_the_93_gives_roles_in_the_93_only(admin_93):
    agent = make_user(Role.PMI_AGENT, Level.DEPARTEMENT, "93")
    caf_93, caf_26 = make_institution(*CAF_93), make_institution(*CAF_26)
    administration.give_role(admin_93, agent, caf_93, Role.CAF_ADVISOR, Level.COMMUNE, "93008")
    administration.give_role(admin_93, agent, caf_93, Role.ANALYST, Level.EPT, "200057875")
    with pytest.raises(Refused, match="territoire n'est pas"):
        administration.give_role(admin_93, agent, caf_93, Role.ANALYST, Level.DEPARTEMENT, "26")
    with pytest.raises(Refused, match="territoire n'est pas"):
        administration.give_role(admin_93, agent, caf_93, Role.ANALYST, Level.COMMUNE, "26362")
    # A région reaches beyond the département: refused too.
    with pytest.raises(Refused, match="territoire n'est pas"):
        administration.give_role(admin_93, agent, caf_93, Role.ANALYST, Level.REGION, "11")
    with pytest.raises(Refused, match="institution n'est pas"):
        administration.give_role(admin_93, agent, caf_26, Role.ANALYST, Level.DEPARTEMENT, "93")
    with pytest.raises(Refused, match="déjà ce rôle"):
        administration.give_role(admin_93, agent, caf_93, Role.ANALYST, Level.EPT, "200057875")
    assert agent.assignments.count() == 3


def test_an_administrator_edits_the_institutions_of_their_departements_only(admin_93):
    caf_93, caf_26 = make_institution(*CAF_93), make_institution(*CAF_26)
    bobigny = make_institution(Institution.Kind.COMMUNE, Level.COMMUNE, "93008")
    valence = make_institution(Institution.Kind.COMMUNE, Level.COMMUNE, "26362")
    region = make_institution(Institution.Kind.STATE, Level.REGION, "11")
    mine = set(administration.institutions(admin_93))
    assert {caf_93, bobigny} <= mine
    assert not {caf_26, valence, region} & mine


def test_an_administrator_of_the_93_deactivates_no_one_of_the_26(admin_93):
    of_26 = make_user(Role.PMI_AGENT, Level.DEPARTEMENT, "26")
    both = make_user(Role.PMI_AGENT, Level.DEPARTEMENT, "93")
    Assignment.objects.create(
        user=both,
        institution=make_institution(*CAF_26),
        role=Role.CAF_ADVISOR,
        scope_level=Level.DEPARTEMENT,
        scope_code="26",
    )
    for person in (of_26, both):
        with pytest.raises(Refused, match="hors des départements"):
            administration.set_active(admin_93, person, False)
        person.refresh_from_db()
        assert person.is_active
    only_93 = make_user(Role.PMI_AGENT, Level.DEPARTEMENT, "93")
    administration.set_active(admin_93, only_93, False)
    only_93.refresh_from_db()
    assert not only_93.is_active
    # Their role in the 26 is not the 93's to withdraw either.
    with pytest.raises(Refused, match="n'administrez pas"):
        administration.withdraw_role(admin_93, both.assignments.get(scope_code="26"))


def test_nobody_raises_their_own_rights(admin_93):
    caf = make_institution(*CAF_93)
    pmi = make_user(Role.PMI_AGENT, Level.COMMUNE, "93008")
    with pytest.raises(Refused, match="propres rôles"):
        administration.give_role(admin_93, admin_93, caf, Role.ANALYST, Level.DEPARTEMENT, "93")
    with pytest.raises(Refused, match="propres rôles"):
        administration.set_active(admin_93, admin_93, False)
    with pytest.raises(Refused, match="propres rôles"):
        administration.withdraw_role(admin_93, admin_93.assignments.get())
    # Without the right to manage people, nothing at all.
    with pytest.raises(Refused):
        administration.give_role(pmi, pmi, caf, Role.ADMINISTRATOR, Level.COMMUNE, "93008")
    with pytest.raises(Refused):
        administration.check_role(pmi, None, caf, Role.ADMINISTRATOR, Level.COMMUNE, "93008")
    assert admin_93.assignments.count() == pmi.assignments.count() == 1


def test_an_invited_person_chooses_a_password_once(admin_93, client):
    caf = make_institution(*CAF_93)
    person = administration.invite(
        admin_93, " Nina@Example.org", "Nina", "Durand", caf, Role.CAF_ADVISOR, "commune", "93008"
    )
    assert person.email == "nina@example.org" and not person.has_usable_password()
    with pytest.raises(Refused, match="existe déjà"):
        administration.invite(
            admin_93, "nina@example.org", "N", "D", caf, Role.CAF_ADVISOR, "commune", "93008"
        )
    token = invitations.token(person)
    assert invitations.person_of(token) == person
    assert invitations.person_of(token + "x") is None
    url = reverse("accounts:welcome", kwargs={"token": token})
    assert "nina@example.org" in client.get(url).content.decode()
    response = client.post(url, {"new_password1": "court", "new_password2": "court"})
    assert "trop court" in response.content.decode()
    password = "Une phrase de passe 2026"
    response = client.post(url, {"new_password1": password, "new_password2": password})
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.check_password(password)
    assert AuditEvent.objects.filter(user=person, action=AuditEvent.Action.LOGIN).exists()
    # Used: the link no longer works.
    assert invitations.person_of(token) is None
    assert "plus valable" in client.get(url).content.decode()


def test_an_invitation_expires_and_never_opens_a_deactivated_account(admin_93, monkeypatch):
    person = administration.invite(
        admin_93,
        "a@example.org",
        "A",
        "B",
        make_institution(*CAF_93),
        "analyst",
        "departement",
        "93",
    )
    token = invitations.token(person)
    later = time.time() + 6 * 86400
    monkeypatch.setattr("django.core.signing.time.time", lambda: later)
    assert invitations.person_of(token) is None
    monkeypatch.undo()
    User.objects.filter(pk=person.pk).update(is_active=False)
    assert invitations.person_of(token) is None


def test_create_admin_prints_the_invitation_link(settings):
    settings.SDSF_PUBLIC_URL = "https://sdsf.example.fr"
    out = StringIO()
    call_command("create_admin", "--email", "DSI@Example.fr", "--departement", "93", stdout=out)
    user = User.objects.get(email="dsi@example.fr")
    (role,) = user.assignments.select_related("institution")
    assert (role.role, role.scope_level, role.scope_code) == ("administrator", "departement", "93")
    assert role.institution.kind == Institution.Kind.DEPARTEMENT
    link = re.search(r"https://sdsf\.example\.fr/compte/bienvenue/\S+/", out.getvalue())[0]
    assert invitations.person_of(link.rsplit("/", 2)[1]) == user
    event = AuditEvent.objects.get(object_id=str(user.pk))
    assert event.action == AuditEvent.Action.CREATE
    assert set(event.departements.values_list("departement", flat=True)) == {"93"}
    # Again: a fresh link, no second role.
    call_command("create_admin", "--email", "dsi@example.fr", "--departement", "93", stdout=out)
    assert user.assignments.count() == 1
    with pytest.raises(CommandError, match="Département inconnu"):
        call_command("create_admin", "--email", "x@example.fr", "--departement", "999")
    with pytest.raises(CommandError, match="e-mail invalide"):
        call_command("create_admin", "--email", "pas-une-adresse", "--departement", "93")
    assert not mail.outbox
