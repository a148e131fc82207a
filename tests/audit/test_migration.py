"""The migration that places the events written before territories were stored."""

import importlib

import pytest
from django.db import connection
from django.db.migrations.loader import MigrationLoader

from sdsf.accounts.models import Role
from sdsf.audit.models import AuditEvent
from tests.factories import make_assistant, make_family, make_pre_application, make_user

pytestmark = pytest.mark.django_db
migration = importlib.import_module("sdsf.audit.migrations.0003_backfill_territories")


def state_apps():
    loader = MigrationLoader(connection)
    return loader.project_state(("audit", "0003_backfill_territories")).apps


def places(event) -> set[str]:
    return set(event.departements.values_list("departement", flat=True))


def test_old_events_get_the_territory_that_can_be_derived(monkeypatch):
    monkeypatch.setattr(migration, "CHUNK", 2)  # rows written and ids read in several batches
    agent = make_user(Role.PMI_AGENT, "departement", "26")
    family = make_family()
    make_pre_application(family, departement="93")
    pre = make_pre_application(departement="26", home_commune="26362")
    childminder = make_assistant(commune="93008")
    kinds = "families.preapplication", "offer.assistantmaternel", "accounts.user"
    old = {
        "pre": AuditEvent.objects.create(action="read", object_type=kinds[0], object_id=pre.pk),
        "am": AuditEvent.objects.create(
            action="read", object_type=kinds[1], object_id=childminder.pk
        ),
        "person": AuditEvent.objects.create(
            action="read", object_type=kinds[2], object_id=agent.pk
        ),
        "login": AuditEvent.objects.create(action="login", user=agent),
        "family": AuditEvent.objects.create(action="login", user=family.user),
        "gone": AuditEvent.objects.create(action="read", object_type=kinds[0], object_id="999999"),
        "unknown": AuditEvent.objects.create(action="read", object_type="old.model", object_id="1"),
        "odd_id": AuditEvent.objects.create(action="read", object_type=kinds[0], object_id="x"),
        "nobody": AuditEvent.objects.create(action="login_failed"),
    }
    migration.backfill(state_apps(), None)
    found = {name: places(event) for name, event in old.items()}
    assert found == {
        "pre": {"26"},
        "am": {"93"},
        "person": {"26"},
        "login": {"26"},
        "family": {"93"},
        "gone": set(),
        "unknown": set(),
        "odd_id": set(),
        "nobody": set(),
    }


def test_typed_addresses_of_old_failed_logins_are_scrubbed():
    agent = make_user(Role.PMI_AGENT, email="agent@example.org")
    named = AuditEvent.objects.create(
        action="login_failed", detail="identifiant tenté : Agent@example.org"
    )
    typo = AuditEvent.objects.create(
        action="login_failed", detail="identifiant tenté : agnet@example.org"
    )
    migration.scrub_failed_logins(state_apps(), None)
    named.refresh_from_db()
    typo.refresh_from_db()
    assert (named.user, named.user_email, named.detail) == (agent, "agent@example.org", "")
    assert (typo.user, typo.user_email, typo.detail) == (None, "", "")
