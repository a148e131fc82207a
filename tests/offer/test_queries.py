"""Query counts of the registry's lists: the same at two sizes (no query per row), pinned."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from sdsf.accounts.models import Role
from sdsf.offer.models import (
    Agrement,
    Capacity,
    ImportJob,
    LaepSession,
    ParentingAction,
    ParentingFunding,
    Section,
)
from tests.factories import make_assistant, make_structure, make_user
from tests.queries import queries

pytestmark = pytest.mark.django_db

COMMUNES = ("93008", "93048", "93066")


def _offer(start: int, count: int) -> None:
    """Rows of every registry list, with what each row shows (capacities, MAM, agrément
    history, fundings), spread over communes of the 93; each named by its number."""
    today = timezone.localdate()
    for i in range(start, start + count):
        commune = COMMUNES[i % len(COMMUNES)]
        eaje = make_structure(commune, name=f"Creche Q{i}")
        for section in (Section.BABIES, Section.OLDER):
            Capacity.objects.create(
                structure=eaje, section=section, places=10, start=date(2020, 1, 1)
            )
        mam = make_structure(commune, "mam", name=f"MAM Q{i}")
        expiry = today + timedelta(days=30 + i)
        assistant = make_assistant(commune, mam=mam, last_name=f"Martin{i}", agrement_expiry=expiry)
        Agrement.objects.create(
            assistant=assistant,
            effective_from=date(2020, 1, 1),
            status="agree",
            places=4,
            start=date(2020, 1, 1),
            expiry=expiry,
        )
        action = ParentingAction.objects.create(
            identifier=f"PAR-Q-{i}", title=f"Action Q{i}", promoter="CAF", commune_id=commune
        )
        for year in (2024, 2025):
            ParentingFunding.objects.create(action=action, year=year, amount=1000)


@pytest.fixture
def pmi(client):
    """A PMI agent of the 93: every list of the registry."""
    user = make_user(Role.PMI_AGENT)
    client.force_login(user)
    return user


@pytest.mark.parametrize(
    ("url", "shows", "expected"),
    [
        (reverse("offer:index"), "Creche Q14", 11),
        (reverse("offer:structures_geojson"), "Creche Q14", 5),
        (reverse("offer:structures_export") + "?format=csv", "Creche Q14", 6),
        (reverse("offer:structures_export") + "?format=xlsx", "", 6),
        (reverse("offer:assistants"), "Martin14", 12),
        (reverse("offer:assistants_export") + "?format=csv", "Martin14", 11),
        (reverse("offer:alerts"), "Martin14", 10),
        (reverse("offer:parenting"), "Action Q14", 6),
        ("/api/offer/structures", "Creche Q14", 4),
    ],
)
def test_registry_lists(client, pmi, url, shows, expected):
    _offer(0, 3)
    small = queries(client, url)
    _offer(3, 12)
    assert (small, queries(client, url, warm=False, shows=shows)) == (expected, expected)


def test_import_jobs(client, pmi):
    url = reverse("offer:import")

    def jobs(start, count):
        for i in range(start, start + count):
            ImportJob.objects.create(user=pmi, kind="eaje", file_name=f"eaje{i}.csv", report="ok")

    jobs(0, 3)
    small = queries(client, url)
    jobs(3, 12)
    assert (small, queries(client, url, warm=False, shows="eaje14.csv")) == (4, 4)


def test_assistant_history(client, pmi):
    assistant = make_assistant()
    url = reverse("offer:assistant", args=[assistant.identifier])

    def history(start, count):
        for i in range(start, start + count):
            Agrement.objects.create(
                assistant=assistant,
                effective_from=date(2000 + i, 1, 1),
                status="agree",
                places=4,
                start=date(2000 + i, 1, 1),
                expiry=date(2005 + i, 1, 1),
            )

    history(0, 3)
    small = queries(client, url)
    history(3, 12)
    assert (small, queries(client, url, warm=False, shows="01/01/2014")) == (12, 12)


def test_structure_page_lists(client, pmi):
    """A structure's page lists its capacities, sessions and covered communes."""
    rpe = make_structure("93048", "rpe")
    laep = make_structure("93048", "laep")
    covered = ["93001", "93005", "93006", "93007", "93008", "93010", "93013", "93014", "93015"]

    def rows(start, count):
        for i in range(start, start + count):
            Capacity.objects.create(
                structure=rpe, section=Section.BABIES, places=i, start=date(2000 + i, 1, 1)
            )
            LaepSession.objects.create(
                structure=laep, weekday=i % 7, starts_at="09:00", ends_at="11:00"
            )
        rpe.covered_communes.set(covered[: start + count])

    def count(warm):
        return queries(
            client, reverse("offer:structure", args=[rpe.identifier]), warm=warm
        ) + queries(client, reverse("offer:structure", args=[laep.identifier]), warm=warm)

    rows(0, 3)
    small = count(warm=True)
    rows(3, 12)
    assert (small, count(warm=False)) == (20, 20)
