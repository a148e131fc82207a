"""Each audit event stores, when written, the départements it concerns."""

import pytest
from django.apps import apps
from django.db.models.constants import LOOKUP_SEP
from django.test import RequestFactory
from django.urls import reverse

from sdsf.accounts.models import Institution, Role
from sdsf.audit import territory
from sdsf.audit.log import record
from sdsf.audit.models import AuditEvent
from sdsf.territories.models import Departement, Level
from tests.factories import (
    make_assistant,
    make_family,
    make_institution,
    make_pre_application,
    make_user,
)

pytestmark = pytest.mark.django_db


def places(event) -> set[str]:
    return set(event.departements.values_list("departement", flat=True))


def request_of(user):
    request = RequestFactory().get("/")
    request.user = user
    return request


def test_an_event_about_an_object_concerns_the_objects_departement():
    agent = make_user(Role.ADMINISTRATOR)
    ours = make_pre_application(departement="93", home_commune="93008")
    theirs = make_pre_application(departement="26", home_commune="26362")
    childminder = make_assistant(commune="26362")
    record(request_of(agent), AuditEvent.Action.READ, [ours, theirs, childminder])
    by_object = {(e.object_type, e.object_id): places(e) for e in AuditEvent.objects.all()}
    assert by_object == {
        ("families.preapplication", str(ours.pk)): {"93"},
        ("families.preapplication", str(theirs.pk)): {"26"},
        ("offer.assistantmaternel", str(childminder.pk)): {"26"},
    }


def test_a_person_with_roles_in_two_departements_concerns_both():
    agent = make_user(Role.PMI_AGENT, Level.DEPARTEMENT, "93")
    agent.assignments.create(
        institution=make_institution(Institution.Kind.DEPARTEMENT, Level.DEPARTEMENT, "26"),
        role=Role.PMI_AGENT,
        scope_level=Level.DEPARTEMENT,
        scope_code="26",
    )
    record(request_of(agent), AuditEvent.Action.LOGIN, user=agent)
    assert places(AuditEvent.objects.get()) == {"26", "93"}


def test_a_commune_agent_concerns_the_departement_of_the_commune():
    agent = make_user(Role.COMMUNE_AGENT, Level.COMMUNE, "26362")
    record(request_of(agent), AuditEvent.Action.LOGOUT, user=agent)
    assert places(AuditEvent.objects.get()) == {"26"}


def test_a_familys_login_concerns_the_departements_of_its_pre_applications(client):
    family = make_family(email="famille@example.org")
    client.post(
        reverse("families:login"),
        {"username": "famille@example.org", "password": "a-long-test-password"},
    )
    assert places(AuditEvent.objects.get(action="login")) == set()  # no pré-demande yet
    make_pre_application(family, departement="26", home_commune="26362")
    record(request_of(family.user), AuditEvent.Action.LOGOUT, user=family.user)
    assert places(AuditEvent.objects.get(action="logout")) == {"26"}


def test_a_model_that_does_not_declare_its_territory_is_refused():
    role = make_user(Role.PMI_AGENT).assignments.get()
    with pytest.raises(territory.UndeclaredTerritory):
        record(None, AuditEvent.Action.READ, role)
    assert not AuditEvent.objects.exists()


def _final_model(model, path: str):
    for name in path.split(LOOKUP_SEP):
        field = model._meta.get_field(name)
        model = field.related_model
    return model


def test_every_declared_territory_leads_to_a_departement():
    declared = [m for m in apps.get_models() if hasattr(m, "audit_departement")]
    labels = {m._meta.label_lower for m in declared}
    # The models whose rows the apps record (reads, changes, exports of personal data).
    assert labels >= {
        "families.preapplication",
        "families.document",
        "offer.assistantmaternel",
        "allocation.application",
        "allocation.allocationround",
        "steering.scheme",
        "steering.action",
        "steering.survey",
    }
    for model in declared:
        assert _final_model(model, territory.declared_path(model)) is Departement, model
