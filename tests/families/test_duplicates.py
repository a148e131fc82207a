"""One child, one application: probable duplicates (table cases and a property) and the merge."""

from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import given
from hypothesis import strategies as st

from sdsf.audit.models import AuditEvent
from sdsf.core import clock
from sdsf.families import duplicates
from sdsf.families.applications import ApplicationError, add_document
from sdsf.families.matching import normalise
from sdsf.families.models import Event, PreApplication
from tests.factories import PDF, make_family, make_pre_application, make_structure, make_user

pytestmark = pytest.mark.django_db
Status = PreApplication.Status


@pytest.mark.parametrize(
    ("first", "second", "same"),
    [
        ("Lefèvre-Martin", "LEFEVRE MARTIN", True),
        ("N'Diaye", "ndiaye", True),
        ("Dupont", "Dupond", False),
        ("Éloïse", "eloise", True),
    ],
)
def test_normalise(first, second, same):
    assert (normalise(first) == normalise(second)) is same


@given(st.text(max_size=30))
def test_normalise_is_idempotent_and_plain(name):
    once = normalise(name)
    assert normalise(once) == once
    assert once == once.lower() and "-" not in once and " " not in once


def _pre(**fields):
    return make_pre_application(**fields)


CASES = [
    # same birth date and normalised last name → duplicate
    ({"child_last_name": "Lefèvre"}, {"child_last_name": "LEFEVRE"}, True),
    # same expected birth date (child not born) and last name
    (
        {"child_birth_date": None, "expected_birth_date": date(2026, 12, 1)},
        {"child_birth_date": None, "expected_birth_date": date(2026, 12, 1)},
        True,
    ),
    # same e-mail and child first name, different last name and date
    (
        {"email": "A@x.org", "child_first_name": "Léa", "child_last_name": "Un"},
        {
            "email": "a@x.org",
            "child_first_name": "lea",
            "child_last_name": "Deux",
            "child_birth_date": date(2024, 1, 1),
        },
        True,
    ),
    # same last name, another birth date, other e-mail → two children
    (
        {"email": "a@x.org"},
        {"email": "b@x.org", "child_birth_date": date(2024, 1, 1)},
        False,
    ),
]


@pytest.mark.parametrize(("a", "b", "same"), CASES)
def test_probable_duplicates(a, b, same):
    first, second = _pre(**a), _pre(**b)
    assert (duplicates.duplicates_of(first) == [second]) is same
    assert (len(duplicates.groups([first, second])) == 1) is same


def test_closed_and_other_departement_files_are_not_duplicates():
    first = _pre()
    _pre(status=Status.CLOSED)
    _pre(departement="26", home_commune="26362")
    assert duplicates.duplicates_of(first) == []


def test_merge_keeps_the_first_submitted(settings):
    settings.SDSF_FAMILY_MAX_WISHES = 3
    a, b, c = make_structure(), make_structure(), make_structure()
    agent = make_user()
    family = make_family()
    now = clock.now()
    first = _pre(wishes=[a, b], submitted_at=now - timedelta(days=10), email="")
    second = _pre(
        wishes=[b, c, "93008"], submitted_at=now, family=family, email="p@x.org", phone="0102"
    )
    add_document(second, "residence", SimpleUploadedFile("r.pdf", PDF), actor=None, by_agent=False)

    merged = duplicates.merge(second, first, actor=agent)  # order of arguments does not matter

    first.refresh_from_db()
    second.refresh_from_db()
    assert merged.kept == first and merged.closed == second
    assert [w.structure_id or w.commune_id for w in first.wishes.all()] == [a.pk, b.pk, c.pk]
    assert merged.wishes_added == 1 and merged.wishes_dropped == 1
    assert first.documents.count() == 1 and second.documents.count() == 0
    assert first.family == family and first.email == "p@x.org" and first.phone == "0102"
    assert second.status == Status.CLOSED
    assert second.closed_reason == PreApplication.ClosedReason.MERGED
    assert second.merged_into == first
    assert Event.objects.filter(kind=Event.Kind.MERGED, pre_application=first).exists()
    assert Event.objects.filter(kind=Event.Kind.MERGED, pre_application=second).exists()
    audited = AuditEvent.objects.filter(action=AuditEvent.Action.UPDATE, user=agent)
    assert set(audited.values_list("object_id", flat=True)) == {str(first.pk), str(second.pk)}


def test_merge_refuses_closed_files_and_changes_nothing():
    first, second = _pre(), _pre(status=Status.CLOSED)
    with pytest.raises(ApplicationError):
        duplicates.merge(first, second, actor=make_user())
    assert not Event.objects.filter(kind=Event.Kind.MERGED).exists()
    with pytest.raises(ApplicationError):
        duplicates.merge(first, first, actor=make_user())
