"""The people and institutions pages: invitation e-mail, roles, deactivation, each audited."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from sdsf.accounts import invitations
from sdsf.accounts.models import Institution, Role, User
from sdsf.audit.models import AuditEvent
from sdsf.territories.models import Level
from tests.factories import make_institution, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(client):
    user = make_user(Role.ADMINISTRATOR, Level.DEPARTEMENT, "93")
    client.force_login(user)
    return user


def _events(person, action=AuditEvent.Action.UPDATE) -> list[str]:
    return list(
        AuditEvent.objects.filter(object_id=str(person.pk), action=action).values_list(
            "detail", flat=True
        )
    )


def test_an_administrator_invites_a_person_who_receives_the_link(
    admin, client, settings, django_capture_on_commit_callbacks
):
    settings.SDSF_PUBLIC_URL = "https://sdsf.example.fr"
    caf = make_institution(Institution.Kind.CAF, Level.DEPARTEMENT, "93")
    page = client.get(reverse("people:invite")).content.decode()
    assert "Commune Bobigny (93008)" in page and "Valence" not in page
    body = {
        "email": "Nina.Durand@example.org",
        "first_name": "Nina",
        "last_name": "Durand",
        "role": "caf_advisor",
        "institution": caf.pk,
        "territory": "commune:93008",
    }
    # Outside the administrator's territory: the form says why, nothing is written.
    response = client.post(reverse("people:invite"), body | {"territory": "commune:26362"})
    assert (
        response.status_code == 200 and "Sélectionnez un choix valide" in response.content.decode()
    )
    assert not User.objects.filter(email="nina.durand@example.org").exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("people:invite"), body)
    person = User.objects.get(email="nina.durand@example.org")
    assert response.status_code == 302 and not person.has_usable_password()
    (message,) = mail.outbox
    assert message.to == ["nina.durand@example.org"]
    token = re.search(r"https://sdsf\.example\.fr/compte/bienvenue/(\S+)/", message.body)[1]
    assert invitations.person_of(token) == person
    assert _events(person, AuditEvent.Action.CREATE) == [
        "invitation : Conseiller CAF — caf departement 93 (Commune Bobigny (93008))"
    ]


def test_roles_given_withdrawn_and_account_deactivated_are_audited(admin, client):
    agent = make_user(Role.PMI_AGENT, Level.DEPARTEMENT, "93")
    caf = make_institution(Institution.Kind.CAF, Level.DEPARTEMENT, "93")
    page = client.get(reverse("people:person", args=[agent.pk])).content.decode()
    assert agent.email in page and "Désactiver le compte" in page
    assert _events(agent, AuditEvent.Action.READ)
    client.post(
        reverse("people:role_add", args=[agent.pk]),
        {"role": "analyst", "institution": caf.pk, "territory": "ept:200057875"},
    )
    role = agent.assignments.get(role="analyst")
    client.post(reverse("people:role_withdraw", args=[agent.pk, role.pk]))
    client.post(reverse("people:person_active", args=[agent.pk]), {"active": "0"})
    agent.refresh_from_db()
    assert not agent.is_active and agent.assignments.count() == 1
    assert _events(agent) == [
        "compte désactivé",
        "rôle retiré : Chargé d'observatoire — caf departement 93 (EPT Est Ensemble)",
        "rôle donné : Chargé d'observatoire — caf departement 93 (EPT Est Ensemble)",
    ]


def test_an_administrator_cannot_change_their_own_roles(admin, client):
    caf = make_institution(Institution.Kind.CAF, Level.DEPARTEMENT, "93")
    page = client.get(reverse("people:person", args=[admin.pk])).content.decode()
    assert "votre propre compte" in page and "Donner ce rôle" not in page
    response = client.post(
        reverse("people:role_add", args=[admin.pk]),
        {"role": "pmi_agent", "institution": caf.pk, "territory": "departement:93"},
        follow=True,
    )
    assert "propres rôles" in response.content.decode()
    client.post(reverse("people:person_active", args=[admin.pk]), {"active": "0"})
    admin.refresh_from_db()
    assert admin.is_active and admin.assignments.count() == 1
    assert not _events(admin)


def test_institutions_created_and_edited_in_the_administrators_territory(admin, client):
    response = client.post(
        reverse("people:institution_create"),
        {"name": "Ville de Bobigny", "kind": "commune", "territory": "commune:93008"},
    )
    assert response.status_code == 302
    item = Institution.objects.get(name="Ville de Bobigny")
    assert (item.territory_level, item.territory_code) == ("commune", "93008")
    response = client.post(
        reverse("people:institution_edit", args=[item.pk]),
        {"name": "Ville de Valence", "kind": "commune", "territory": "commune:26362"},
    )
    assert (
        response.status_code == 200 and "Sélectionnez un choix valide" in response.content.decode()
    )
    other = make_institution(Institution.Kind.CAF, Level.DEPARTEMENT, "26")
    assert client.get(reverse("people:institution_edit", args=[other.pk])).status_code == 404
    event = AuditEvent.objects.get(object_type="accounts.institution")
    assert event.action == "create" and list(
        event.departements.values_list("departement", flat=True)
    ) == ["93"]
    page = client.get(reverse("people:institutions")).content.decode()
    assert "Ville de Bobigny" in page and "Commune Bobigny" in page and other.name not in page
