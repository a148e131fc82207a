"""Query counts of the families' lists (desk, family space, public search): the same at two
sizes (no query per row), pinned."""

from datetime import date, timedelta
from importlib import import_module

import pytest
from django.urls import reverse
from django.utils import timezone

from sdsf.accounts.models import Role
from sdsf.allocation.models import AllocationRound, Application, Criterion, PointsGrid
from sdsf.families import applications, duplicates
from sdsf.families.models import Document, Event, Invitation, PreApplication, Wish
from sdsf.offer.models import ParentingAction, ParentingEvent
from sdsf.territories.models import Level
from tests.factories import (
    PDF,
    make_assistant,
    make_family,
    make_pre_application,
    make_structure,
    make_user,
)
from tests.queries import FakeHTML, queries, sql

pytestmark = pytest.mark.django_db

BOBIGNY = "93008"
# Communes of the 93 near Bobigny, each with a published grid: a file wishes up to five.
COMMUNES = ("93008", "93048", "93066", "93001", "93005")


def _files(start: int, count: int, **fields) -> list[PreApplication]:
    """Files of Bobigny; every third one is filed twice (a probable duplicate)."""
    made = []
    for i in range(start, start + count):
        child = {"child_last_name": f"Enfant{i}", "child_birth_date": date(2025, 1, 1 + i % 28)}
        made.append(make_pre_application(**child, **fields))
        if i % 3 == 0:
            make_pre_application(home_commune="93066", wishes=["93008"], **child)
    return made


def _grids() -> None:
    for code in COMMUNES:
        grid = PointsGrid.objects.create(commune_id=code, name=f"Grille {code}", source="Test")
        Criterion.objects.create(
            grid=grid, position=1, key="residence", label="Résidence", weight=300, reason="Loi."
        )
        grid_round = AllocationRound.objects.create(
            commune_id=code,
            name=f"Commission {code}",
            starts_on=date(2026, 9, 1),
            ends_on=date(2026, 10, 1),
            meets_on=timezone.localdate() + timedelta(days=30),
            grid=grid,
        )
        assert grid_round.pk


def _file_rows(pre: PreApplication, start: int, count: int, agent) -> None:
    """What a file's pages list: its wishes (up to five communes), events, documents, the
    commissions it went to and the desk's invitations."""
    for rank in range(start + 1, min(start + count, len(COMMUNES)) + 1):
        Wish.objects.update_or_create(
            pre_application=pre,
            rank=rank,
            defaults={"commune_id": COMMUNES[rank - 1], "structure": None},
        )
    validated = AllocationRound.objects.filter(commune_id=BOBIGNY).first()
    for i in range(start, start + count):
        Event.objects.create(
            pre_application=pre, kind=Event.Kind.UPDATED, actor=agent, note=f"note {i}"
        )
        Document.objects.create(
            pre_application=pre,
            kind=Document.Kind.RESIDENCE,
            file=f"families/q/{pre.pk}-{i}.pdf",
            original_name="justificatif.pdf",
            content_type="application/pdf",
            size=len(PDF),
        )
        Application.objects.create(
            round=validated,
            reference=f"{pre.reference}-{i}",
            section="bebes",
            submitted_on=date(2026, 1, 1),
            points=300,
            wishes=[],
            pre_application=pre,
        )
        Invitation.objects.create(
            pre_application=pre,
            email="parent@example.org",
            language="fr",
            sent_by=agent,
            expires_at=timezone.now() - timedelta(days=1),
            state=Invitation.State.EXPIRED,
        )


@pytest.fixture
def agent(client):
    user = make_user(Role.COMMUNE_AGENT, Level.COMMUNE, BOBIGNY)
    client.force_login(user)
    return user


def test_desk(client, agent):
    url = reverse("families:desk")
    _files(0, 3)
    small = queries(client, url)
    _files(3, 12)
    assert (small, queries(client, url, warm=False, shows="Enfant14")) == (7, 7)


def test_desk_detail(client, agent):
    _grids()
    pre = _files(0, 1)[0]
    url = reverse("families:desk_detail", args=[pre.reference])
    _file_rows(pre, 0, 2, agent)
    small = queries(client, url)
    _file_rows(pre, 2, 12, agent)
    assert (small, queries(client, url, warm=False, shows="note 13")) == (25, 25)


@pytest.fixture
def family(client):
    family = make_family()
    client.force_login(family.user)
    return family


def test_family_space(client, family):
    url = reverse("families:space")

    def rows(start, count):
        for i in range(start, start + count):
            make_pre_application(family=family, child_first_name=f"Enfant{i}")
            desk_file = make_pre_application(email=family.user.email)
            Invitation.objects.create(
                pre_application=desk_file,
                email=family.user.email,
                language="fr",
                expires_at=timezone.now() + timedelta(days=10),
            )

    rows(0, 3)
    small = queries(client, url)
    rows(3, 12)
    assert (small, queries(client, url, warm=False, shows="Enfant14")) == (6, 6)


def test_family_application_page(client, family, agent):
    _grids()
    pre = make_pre_application(family=family)
    client.force_login(family.user)
    url = reverse("families:application", args=[pre.reference])
    _file_rows(pre, 0, 2, agent)
    small = queries(client, url)
    _file_rows(pre, 2, 12, agent)
    assert (small, queries(client, url, warm=False, shows="note 13")) == (14, 14)


@pytest.mark.parametrize(("query", "expected"), [("", 12), ("?format=json", 11)])
def test_my_data(client, family, agent, query, expected):
    _grids()
    client.force_login(family.user)
    url = reverse("families:my_data") + query

    def rows(start, count):
        for i in range(start, start + count):
            pre = make_pre_application(
                family=family, wishes=[make_structure(), "93048"], child_first_name=f"Enfant{i}"
            )
            _file_rows(pre, 0, 2, agent)

    rows(0, 3)
    small = queries(client, url)
    rows(3, 12)
    assert (small, queries(client, url, warm=False, shows="Enfant14")) == (expected, expected)


def _places(start: int, count: int) -> None:
    for i in range(start, start + count):
        commune = COMMUNES[i % 3]
        make_structure(commune, name=f"Creche P{i}")
        make_assistant(commune, available_places=1)
        ParentingAction.objects.create(
            identifier=f"PAR-Q-{i}", title=f"Action {i}", promoter="CAF", commune_id=commune
        )


@pytest.mark.parametrize(
    ("name", "shows", "expected"),
    [("families:search", "Creche P", 12), ("families:search_geojson", "Creche P14", 9)],
)
def test_public_search(client, name, shows, expected):
    """The page lists 20 of the places found, the map all of them."""
    url = reverse(name) + "?commune=93008&radius=10"
    _places(0, 3)
    small = queries(client, url)
    _places(3, 12)
    assert (small, queries(client, url, warm=False, shows=shows)) == (expected, expected)


def test_public_detail_pages(client):
    """A MAM's childminders and relais, a relais' communes, a childminder's relais, a parenting
    action's sessions."""
    mam = make_structure(BOBIGNY, "mam")
    rpe = make_structure(BOBIGNY, "rpe")
    assistant = make_assistant(BOBIGNY, available_places=1)
    action = ParentingAction.objects.create(
        identifier="PAR-Q", title="Café des parents", promoter="CAF", commune_id=BOBIGNY
    )
    pages = [
        reverse("families:structure", args=[mam.identifier]),
        reverse("families:structure", args=[rpe.identifier]),
        reverse("families:assistant", args=[assistant.identifier]),
        reverse("families:parenting_action", args=[action.identifier]),
    ]

    def rows(start, count):
        for i in range(start, start + count):
            make_assistant(BOBIGNY, mam=mam, first_name=f"Assistante{i}", available_places=1)
            make_structure(BOBIGNY, "rpe", name=f"Relais {i}")
            ParentingEvent.objects.create(
                action=action, title=f"Atelier {i}", date=timezone.localdate() + timedelta(days=i)
            )
        rpe.covered_communes.set(COMMUNES[: min(start + count, len(COMMUNES))])

    rows(0, 3)
    small = [queries(client, page) for page in pages]
    rows(3, 12)
    shows = ["Assistante14", "Aulnay-sous-Bois", "Relais 14", "Atelier 14"]
    large = [
        queries(client, page, warm=False, shows=text)
        for page, text in zip(pages, shows, strict=True)
    ]
    assert (small, large) == ([4, 3, 2, 2], [4, 3, 2, 2])


# The desk's probable duplicates: found by the database from the stored keys, not by reading
# every active file of the département on each page.


def test_the_desk_reads_the_files_of_its_page_and_of_the_groups_only(client, agent):
    _files(0, 30)
    full_rows = [
        query
        for query in sql(client, reverse("families:desk"))
        if '"families_preapplication"."parent_first_name"' in query
    ]
    assert len(full_rows) == 2
    assert all("LIMIT 25" in query or "HAVING" in query for query in full_rows)


def test_only_files_sharing_a_key_are_read():
    lefevre = {"child_last_name": "Lefèvre-Martin", "child_birth_date": date(2025, 3, 1)}
    pair = [
        make_pre_application(email="a@x.org", **lefevre),
        make_pre_application(email="b@x.org", child_last_name="LEFEVRE MARTIN"),
    ]
    pair[1].child_birth_date = date(2025, 3, 1)
    pair[1].save()
    by_email = [
        make_pre_application(email="P@x.org", child_first_name="Léa", child_last_name="Un"),
        make_pre_application(email="p@x.org", child_first_name="lea", child_last_name="Deux"),
    ]
    make_pre_application(email="c@x.org", child_last_name="Seul")
    make_pre_application(status=PreApplication.Status.CLOSED, email="a@x.org", **lefevre)
    make_pre_application(departement="26", home_commune="26362", email="a@x.org", **lefevre)
    read = duplicates.probable_in_departements(["93"])
    assert sorted(pre.pk for pre in read) == sorted(pre.pk for pre in pair + by_email)
    assert [sorted(p.pk for p in group) for group in duplicates.groups(read)] == [
        sorted(p.pk for p in group) for group in duplicates.groups(pair + by_email)
    ]


def _stored(pre) -> tuple[str, str]:
    return tuple(PreApplication.objects.values_list("child_key", "email_key").get(pk=pre.pk))


def test_the_keys_follow_every_save(agent):
    pre = make_pre_application(
        email="A@x.org", child_first_name="Éloïse", child_last_name="N'Diaye"
    )
    assert _stored(pre) == ("2025-06-01 ndiaye", "a@x.org eloise")
    applications.update(pre, {"child_last_name": "Diallo"}, actor=agent, by_agent=True)
    assert _stored(pre) == ("2025-06-01 diallo", "a@x.org eloise")
    pre.email = ""
    pre.save(update_fields=["email", "updated_at"])
    assert _stored(pre) == ("2025-06-01 diallo", "")
    pre.child_birth_date, pre.expected_birth_date = None, date(2026, 2, 1)
    pre.save()
    assert _stored(pre) == ("2026-02-01 diallo", "")


def test_the_migration_writes_the_keys_save_writes():
    from django.apps import apps

    migration = import_module("sdsf.families.migrations.0004_match_keys")
    files = [
        make_pre_application(email="A@x.org", child_first_name="Léa"),
        make_pre_application(email="", child_last_name="Lefèvre"),
        make_pre_application(child_birth_date=None, expected_birth_date=date(2026, 1, 1)),
    ]
    saved = [_stored(pre) for pre in files]
    PreApplication.objects.update(child_key="", email_key="")
    migration.write_keys(apps, None)
    assert [_stored(pre) for pre in files] == saved


def test_the_keys_follow_bulk_writes():
    from sdsf.territories.models import Commune

    home = Commune.objects.get(code=BOBIGNY)
    created = PreApplication.objects.bulk_create(
        [
            PreApplication(
                reference="PD-93-BULK-1",
                departement_id="93",
                home_commune=home,
                child_last_name="Éloïse",
                child_birth_date=date(2025, 1, 1),
                email="X@x.org",
                child_first_name="Zoé",
            )
        ]
    )
    assert _stored(created[0]) == ("2025-01-01 eloise", "x@x.org zoe")
    created[0].child_last_name = "Dupont"
    PreApplication.objects.bulk_update(created, ["child_last_name"])
    assert _stored(created[0]) == ("2025-01-01 dupont", "x@x.org zoe")
    PreApplication.objects.filter(pk=created[0].pk).update(email="Y@x.org")
    assert _stored(created[0]) == ("2025-01-01 dupont", "y@x.org zoe")


@pytest.mark.parametrize(
    ("step", "shows", "expected"),
    [
        ("wishes", "Aulnay-sous-Bois", 6),
        ("situation", "Aulnay-sous-Bois", 8),
        ("documents", "justificatif.pdf", 7),
        ("review", "Aulnay-sous-Bois", 14),
    ],
)
def test_family_apply_steps(client, family, agent, step, shows, expected):
    """The steps list the wishes, the grids' questions and points, the documents."""
    _grids()
    pre = make_pre_application(family=family)
    client.force_login(family.user)
    url = reverse("families:apply_step", args=[pre.reference, step])
    _file_rows(pre, 0, 2, agent)
    small = queries(client, url)
    _file_rows(pre, 2, 12, agent)
    assert (small, queries(client, url, warm=False, shows=shows)) == (expected, expected)


def test_family_receipt(client, family, agent, monkeypatch):
    monkeypatch.setattr("weasyprint.HTML", FakeHTML)  # the PDF's page is rendered, not drawn
    _grids()
    pre = make_pre_application(family=family)
    client.force_login(family.user)
    url = reverse("families:receipt", args=[pre.reference])
    _file_rows(pre, 0, 2, agent)
    small = queries(client, url)
    _file_rows(pre, 2, 12, agent)
    assert (small, queries(client, url, warm=False, shows="Aulnay-sous-Bois")) == (17, 17)
