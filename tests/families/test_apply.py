"""The family's pré-demande, step by step, through the pages: drafts, wishes, situation asked
from the wished communes' published grids, documents checked by content, submission, status page,
withdrawal, one active pré-demande per child."""

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from sdsf.allocation.models import AllocationRound, Criterion, PointsGrid
from sdsf.core import clock
from sdsf.families import applications, commission
from sdsf.families.models import Document, Event, PreApplication
from tests.factories import PDF, make_family, make_pre_application, make_structure, make_user

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


pytestmark = pytest.mark.django_db


def _grid(commune="93008", name="Grille test", criteria=(("residence", 300), ("disability", 30))):
    grid = PointsGrid.objects.create(commune_id=commune, name=name, source="Test")
    for position, (key, weight) in enumerate(criteria, start=1):
        Criterion.objects.create(
            grid=grid,
            position=position,
            key=key,
            label=f"Libellé {key}",
            weight=Decimal(weight),
            reason=f"Raison {key}",
        )
    return grid


def _step(pre, step):
    return reverse("families:apply_step", kwargs={"reference": pre.reference, "step": step})


def _fill(client, family, crèche):
    """Parent, child, need, two wishes, situation: the draft ready for its documents."""
    response = client.post(
        reverse("families:apply"),
        {
            "parent_first_name": "Alice",
            "parent_last_name": "Synthétique",
            "email": family.user.email,
            "phone": "",
            "address": "1 rue de Test",
            "home_commune": "Bobigny",
        },
    )
    pre = PreApplication.objects.get(family=family, status=PreApplication.Status.DRAFT)
    assert response.url == _step(pre, "child")
    response = client.post(
        _step(pre, "child"),
        {
            "born": "yes",
            "child_first_name": "Léo",
            "child_last_name": "Synthétique",
            "child_birth_date": "2025-10-01",
        },
    )
    assert response.url == _step(pre, "need")
    response = client.post(
        _step(pre, "need"),
        {
            "wished_start": "2026-09-01",
            "days": ["0", "1", "3"],
            "starts_at": "08:30",
            "ends_at": "17:30",
        },
    )
    assert response.url == _step(pre, "wishes")
    client.post(_step(pre, "wishes"), {"action": "add_structure", "target": crèche.pk})
    client.post(_step(pre, "wishes"), {"action": "add_commune", "target": "93048"})
    return pre


def test_family_files_a_pre_application_step_by_step(client):
    family = make_family()
    client.force_login(family.user)
    _grid("93008")
    _grid("93048", name="Grille Montreuil", criteria=(("single_parent", 20),))
    AllocationRound.objects.create(
        commune_id="93008",
        name="Commission",
        grid=PointsGrid.objects.get(commune="93008"),
        meets_on=clock.today() + timedelta(days=20),
        starts_on=date(2026, 9, 1),
        ends_on=date(2027, 8, 31),
        status=AllocationRound.Status.PUBLISHED,
    )
    crèche = make_structure("93008", name="Crèche des Tests")
    pre = _fill(client, family, crèche)
    assert [str(t) for t in applications.wish_targets(pre)] == [
        "Crèche des Tests",
        "Montreuil (93048)",
    ]

    # The situation asks exactly the criteria of the wished communes' grids, with their reason.
    page = client.get(_step(pre, "situation")).content.decode()
    for key in ("residence", "disability", "single_parent"):
        assert f'value="{key}"' in page
    assert "Raison disability" in page and "Montreuil" in page
    client.post(_step(pre, "situation"), {"situation": ["residence", "single_parent"]})
    pre.refresh_from_db()
    assert pre.situation == ["residence", "single_parent"] and pre.days == [0, 1, 3]

    upload = SimpleUploadedFile("domicile.pdf", PDF, content_type="application/pdf")
    client.post(_step(pre, "documents"), {"kind": Document.Kind.RESIDENCE, "file": upload})
    assert pre.documents.get().content_type == "application/pdf"

    review = client.get(_step(pre, "review")).content.decode()
    assert "Qui les traite" in review  # the GDPR notice
    response = client.post(_step(pre, "review"), {"consent": "on"})
    assert response.url == reverse("families:application", kwargs={"reference": pre.reference})
    pre.refresh_from_db()
    assert pre.status == PreApplication.Status.RECEIVED  # the birth certificate is missing
    assert re.fullmatch(r"PD-93-\d{4}-\d{6}", pre.reference)
    assert pre.consent_at and pre.submitted_at
    assert list(pre.events.values_list("kind", flat=True)) == [
        Event.Kind.CREATED,
        Event.Kind.SUBMITTED,
    ]
    assert len(mail.outbox) == 1 and pre.reference in mail.outbox[0].subject

    page = client.get(response.url).content.decode()
    assert "Libellé residence" in page and "300" in page  # points line by line
    assert "acte de naissance" in page  # the missing document

    # The birth certificate makes it complete; the history says so.
    upload = SimpleUploadedFile("naissance.png", PNG, content_type="image/png")
    client.post(_step(pre, "documents"), {"kind": Document.Kind.BIRTH, "file": upload})
    pre.refresh_from_db()
    assert pre.status == PreApplication.Status.COMPLETE
    assert pre.events.filter(kind=Event.Kind.STATUS, status="complete").exists()


def test_submission_needs_a_verified_address(client):
    family = make_family(verified=False)
    client.force_login(family.user)
    pre = _fill(client, family, make_structure("93008"))
    response = client.post(_step(pre, "review"), {"consent": "on"})
    assert response.status_code == 200
    assert "Vérifiez votre adresse e-mail" in response.content.decode()
    pre.refresh_from_db()
    assert pre.status == PreApplication.Status.DRAFT


def test_one_active_pre_application_per_child(client):
    family = make_family()
    make_pre_application(family, child_first_name="Léo", child_birth_date=date(2025, 10, 1))
    client.force_login(family.user)
    pre = make_pre_application(family, status=PreApplication.Status.DRAFT, child_first_name="")
    response = client.post(
        _step(pre, "child"),
        {
            "born": "yes",
            "child_first_name": "léo",
            "child_last_name": "X",
            "child_birth_date": "2025-10-01",
        },
    )
    assert "déjà en cours pour cet enfant" in response.content.decode()
    # A withdrawn one no longer blocks.
    PreApplication.objects.exclude(pk=pre.pk).update(status=PreApplication.Status.CLOSED)
    response = client.post(
        _step(pre, "child"),
        {
            "born": "yes",
            "child_first_name": "léo",
            "child_last_name": "X",
            "child_birth_date": "2025-10-01",
        },
    )
    assert response.status_code == 302


@pytest.mark.parametrize(
    ("content", "accepted"),
    [
        (PDF, True),
        (PNG, True),
        (b"\xff\xd8\xff\xe0" + b"0" * 20, True),
        (b"MZ\x90\x00exe", False),
        (b"<html><script>", False),
    ],
)
def test_documents_type_read_from_content(content, accepted):
    pre = make_pre_application(make_family())
    upload = SimpleUploadedFile("piece.pdf", content, content_type="application/pdf")
    if accepted:
        document = applications.add_document(pre, "residence", upload, actor=None, by_agent=False)
        assert "piece" not in document.file.name  # no family file name on disk
    else:
        with pytest.raises(applications.ApplicationError, match="pas accepté"):
            applications.add_document(pre, "residence", upload, actor=None, by_agent=False)


def test_documents_size_limit_is_a_setting(settings):
    settings.SDSF_FAMILY_DOCUMENT_MAX_BYTES = 10
    pre = make_pre_application(make_family())
    with pytest.raises(applications.ApplicationError, match="dépasse"):
        applications.add_document(
            pre, "residence", SimpleUploadedFile("a.pdf", PDF), actor=None, by_agent=False
        )


def test_documents_are_served_to_their_family_only(client):
    family, other = make_family(), make_family()
    pre = make_pre_application(family)
    document = applications.add_document(
        pre, "residence", SimpleUploadedFile("a.pdf", PDF), actor=None, by_agent=False
    )
    url = reverse("families:document", kwargs={"reference": pre.reference, "document": document.pk})
    client.force_login(other.user)
    assert client.get(url).status_code == 404
    client.force_login(family.user)
    response = client.get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF
    assert response["Content-Disposition"].startswith("attachment")


def test_wishes_are_ranked_unique_bounded_and_in_the_departement(settings):
    settings.SDSF_FAMILY_MAX_WISHES = 2
    pre = make_pre_application(make_family(), wishes=[])
    crèche = make_structure("93008")
    applications.set_wishes(pre, [crèche, crèche.commune], actor=None, by_agent=False)
    assert [w.rank for w in pre.wishes.all()] == [1, 2]
    with pytest.raises(applications.ApplicationError, match="déjà"):
        applications.set_wishes(pre, [crèche, crèche], actor=None, by_agent=False)
    with pytest.raises(applications.ApplicationError, match="Au plus 2"):
        applications.set_wishes(
            pre, [crèche, crèche.commune, make_structure("93048")], actor=None, by_agent=False
        )
    with pytest.raises(applications.ApplicationError, match="département"):
        applications.set_wishes(pre, [make_structure("26362")], actor=None, by_agent=False)


def test_moving_wishes_through_the_page(client):
    family = make_family()
    first, second = (
        make_structure("93008", name="Première"),
        make_structure("93008", name="Seconde"),
    )
    pre = make_pre_application(family, wishes=[first, second])
    client.force_login(family.user)
    client.post(_step(pre, "wishes"), {"action": "down", "target": "0"})
    assert applications.wish_targets(pre) == [second, first]
    assert pre.events.filter(kind=Event.Kind.WISHES).exists()


def test_wishes_frozen_once_in_commission(client):
    family = make_family()
    pre = make_pre_application(family, status=PreApplication.Status.IN_COMMISSION)
    client.force_login(family.user)
    response = client.get(_step(pre, "wishes"))
    assert response.status_code == 302
    with pytest.raises(applications.ApplicationError, match="commission"):
        applications.set_wishes(pre, ["93048"], actor=None, by_agent=False)


def test_withdraw_after_confirmation(client):
    family = make_family()
    pre = make_pre_application(family)
    client.force_login(family.user)
    url = reverse("families:withdraw", kwargs={"reference": pre.reference})
    assert "Confirmer le retrait" in client.get(url).content.decode()
    pre.refresh_from_db()
    assert pre.status == PreApplication.Status.RECEIVED
    client.post(url)
    pre.refresh_from_db()
    assert pre.status == PreApplication.Status.CLOSED
    assert pre.closed_reason == PreApplication.ClosedReason.WITHDRAWN
    assert pre.events.filter(kind=Event.Kind.STATUS, status="closed").exists()


def test_pages_of_another_family_are_not_found(client):
    pre = make_pre_application(make_family())
    client.force_login(make_family().user)
    for name in ("application", "receipt", "withdraw"):
        assert client.get(reverse(f"families:{name}", args=[pre.reference])).status_code == 404


def test_points_and_next_commission_per_wished_commune():
    grid = _grid("93008")
    today = date(2026, 11, 23)
    for meets_on, status in [
        (today - timedelta(days=1), AllocationRound.Status.PUBLISHED),  # past
        (today + timedelta(days=5), AllocationRound.Status.VALIDATED),  # already decided
        (today + timedelta(days=30), AllocationRound.Status.DRAFT),
        (today + timedelta(days=60), AllocationRound.Status.PUBLISHED),
    ]:
        AllocationRound.objects.create(
            commune_id="93008",
            name=str(meets_on),
            grid=grid,
            meets_on=meets_on,
            status=status,
            starts_on=today,
            ends_on=today,
        )
    pre = make_pre_application(
        make_family(), wishes=["93008", "93048"], situation=["disability", "unknown"]
    )
    by_commune = {p.commune.code: p for p in commission.points_so_far(pre, today)}
    assert by_commune["93008"].total == Decimal(30)
    assert [line.label for line in by_commune["93008"].lines] == ["Libellé disability"]
    assert by_commune["93008"].next_commission == today + timedelta(days=30)
    assert by_commune["93048"].grid is None and by_commune["93048"].total == 0


def test_demo_family_with_a_submitted_pre_application():
    from sdsf.families.demo import create_family, remove_pre_applications
    from sdsf.site.demo import STEPS
    from sdsf.territories.models import Departement

    names = [step.__name__ for step in STEPS]
    assert names.index("_families_reset") < names.index("_offer_step")
    assert names.index("_families_step") > names.index("_allocation_step")
    seine_saint_denis = Departement.objects.get(code="93")
    make_structure("93008", is_demo=True)
    make_structure("93008", is_demo=True)
    make_structure("93001", is_demo=True)
    _grid("93008", criteria=(("residence", 300), ("single_parent", 30)))
    for _ in range(2):  # reloading the demo replaces it
        remove_pre_applications(seine_saint_denis)
        lines = create_family(seine_saint_denis)
    pre = PreApplication.objects.get()
    assert pre.is_demo and pre.status == PreApplication.Status.RECEIVED
    assert pre.family.user.check_password("demo-sdsf-2026")
    assert pre.situation == ["residence"] and pre.wishes.count() == 3
    # in the chef-lieu, where the demo commune agent serves at the guichet unique
    assert pre.home_commune_id == "93008"
    assert {w.structure.commune_id for w in pre.wishes.exclude(structure=None)} == {"93008"}
    assert pre.family.user.email in lines[1]


def test_documents_quota_per_pre_application_and_per_account(settings):
    settings.SDSF_FAMILY_DOCUMENTS_PER_APPLICATION = 2
    settings.SDSF_FAMILY_DOCUMENTS_PER_ACCOUNT = 3
    family = make_family()
    first, second = make_pre_application(family), make_pre_application(family)

    def upload(pre, **who):
        who = who or {"actor": family.user, "by_agent": False}
        return applications.add_document(pre, "residence", SimpleUploadedFile("a.pdf", PDF), **who)

    upload(first), upload(first)
    with pytest.raises(applications.ApplicationError, match="limite de 2 pièces"):
        upload(first)
    upload(second)
    with pytest.raises(applications.ApplicationError, match="Votre compte a atteint la limite"):
        upload(second)
    upload(second, actor=make_user(), by_agent=True)  # an agent at the desk: this file's quota
    settings.SDSF_FAMILY_DOCUMENT_BYTES_PER_APPLICATION = len(PDF) * 2 + 1
    third = make_pre_application(family)
    settings.SDSF_FAMILY_DOCUMENTS_PER_ACCOUNT = 100
    upload(third), upload(third)
    with pytest.raises(applications.ApplicationError, match="Mo"):
        upload(third)
