"""Stored choice keys are English (docs/decisions/0004-stored-choice-keys.md): the data
migrations rewrite the rows and the JSON that kept the French keys, and back; public files keep
their keys."""

import importlib
import json

import pytest
from django.apps import apps

from sdsf.accounts.models import Assignment, Institution, Role
from sdsf.offer.models import SECTION_FILE_KEYS, Capacity, Section, Structure
from sdsf.steering import planio
from sdsf.steering.models import Action, Review
from tests.factories import make_institution, make_user
from tests.steering.conftest import SSD_PLAN, load

pytestmark = pytest.mark.django_db


def _migration(app: str, name: str):
    return importlib.import_module(f"sdsf.{app}.migrations.{name}")


def _run(operation, backwards=False):
    """The RunPython functions of a migration, on the current models."""
    (operation.reverse_code if backwards else operation.code)(apps, None)


def test_roles_and_institution_kinds_are_rewritten_and_back():
    user = make_user(Role.COMMUNE_AGENT, "commune", "93008")
    state = make_institution(Institution.Kind.STATE)
    Assignment.objects.filter(user=user).update(role="agent_commune")
    Institution.objects.filter(pk=state.pk).update(kind="etat")
    (rename,) = [
        op
        for op in _migration("accounts", "0005_english_choice_keys").Migration.operations
        if hasattr(op, "code")
    ]
    _run(rename)
    assert Assignment.objects.get(user=user).role == Role.COMMUNE_AGENT == "commune_agent"
    assert Institution.objects.get(pk=state.pk).kind == "state"
    _run(rename, backwards=True)
    assert Assignment.objects.get(user=user).role == "agent_commune"


def test_sections_funding_and_waiting_list_jobs_are_rewritten():
    eaje = Structure.objects.create(
        identifier="E1", kind="eaje", name="Crèche", commune_id="93008", funding="autre"
    )
    Capacity.objects.create(structure=eaje, section="bebes", places=10, start="2020-01-01")
    offer = _migration("offer", "0007_english_choice_keys").Migration.operations
    for operation in [op for op in offer if hasattr(op, "code")]:
        _run(operation)
    eaje.refresh_from_db()
    assert eaje.funding == Structure.Funding.OTHER
    assert eaje.capacities.get().section == Section.BABIES


def test_plan_fields_and_frozen_review_statuses_are_rewritten_in_json():
    scheme = load(SSD_PLAN)
    scheme.fields = ["petite_enfance", "parentalite"]
    scheme.save()
    Review.objects.create(
        scheme=scheme, year=2021, snapshot={"actions": [{"code": "1", "status": "en_cours"}]}
    )
    steering = _migration("steering", "0002_english_choice_keys").Migration.operations
    renames, json_keys = [op for op in steering if hasattr(op, "code")]
    _run(json_keys)
    scheme.refresh_from_db()
    assert scheme.fields == ["early_childhood", "parenting"]
    assert Review.objects.get(scheme=scheme).snapshot["actions"][0]["status"] == "in_progress"
    _run(json_keys, backwards=True)
    assert Review.objects.get(scheme=scheme).snapshot["actions"][0]["status"] == "en_cours"


def test_the_plan_file_keeps_its_french_keys():
    text = SSD_PLAN.read_text(encoding="utf-8")
    scheme = load(SSD_PLAN)
    assert set(scheme.actions.values_list("status", flat=True)) <= set(Action.Status.values)
    exported = json.dumps(planio.export_plan(scheme), ensure_ascii=False)
    assert '"status": "prevue"' in exported and '"status": "prevue"' in text
    assert '"planned"' not in exported


def test_waiting_lists_and_exports_name_sections_as_files_do():
    assert SECTION_FILE_KEYS.values == ["toutes", "bebes", "moyens", "grands"]
    assert SECTION_FILE_KEYS.stored("bebes") == Section.BABIES == "babies"
    assert SECTION_FILE_KEYS.stored("babies") is None  # the file format has its own keys
