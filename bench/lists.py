"""Time the staff lists that used to read every row for one page: the guichet unique's desk
(probable duplicates), a commission's round page, public grid and structure page, the people
list.

Creates a throw-away database (``bench_lists`` on PostgreSQL, in memory on SQLite) on the
server named by ``DATABASE_URL``, imports the COG, then builds in Bobigny ``--files`` active
pré-demandes (1 % of them filed twice: probable duplicates) and one validated round of
``--applications`` applications over 200 crèches (each wishing 5, 65 % proposed a place, 3 %
overridden), and ``--people`` agents of the Seine-Saint-Denis at every territory level. Each
page is asked ``--runs`` times through the Django test client, after one request that loads
URLs and templates; prints its query count and the p50 and max time.
Run: ``.venv/bin/python bench/lists.py`` and
``DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/lists.py``.
"""

import argparse
import os
import platform
import random
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sdsf.settings.test")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

BOBIGNY = "93008"
START = date(2026, 9, 1)


def build_files(count: int, rng: random.Random) -> None:
    from sdsf.families.models import PreApplication

    now = timezone.now()
    rows = []
    for n in range(count):
        twin = n % 100 == 1  # the same child as the file before: a probable duplicate
        child = n - 1 if twin else n
        rows.append(
            PreApplication(
                reference=f"PD-93-BANC-{n:07d}",
                departement_id="93",
                home_commune_id=BOBIGNY,
                parent_first_name="Parent",
                parent_last_name=f"Famille{child}",
                email=f"parent{n}@example.org",
                child_first_name=f"Enfant{child}",
                child_last_name=f"Famille{child}",
                child_birth_date=START - timedelta(days=30 + child % 900),
                wished_start=START,
                status=PreApplication.Status.RECEIVED,
                submitted_at=now - timedelta(minutes=rng.randrange(500_000)),
            )
        )
    PreApplication.objects.bulk_create(rows, batch_size=2000)


def build_round(applications: int, rng: random.Random):
    from sdsf.allocation.models import AllocationRound, Answer, Application, Criterion, PointsGrid
    from sdsf.offer.models import Structure

    structures = Structure.objects.bulk_create(
        Structure(identifier=f"S{i:05d}", kind="eaje", name=f"Crèche {i:05d}", commune_id=BOBIGNY)
        for i in range(200)
    )
    grid = PointsGrid.objects.create(commune_id=BOBIGNY, name="Grille banc", source="Banc")
    keys = ["residence", "both_parents_working", "single_parent", "disability"]
    Criterion.objects.bulk_create(
        Criterion(grid=grid, position=i, key=k, label=k, weight=10 * (i + 1), reason="Banc")
        for i, k in enumerate(keys)
    )
    item = AllocationRound.objects.create(
        commune_id=BOBIGNY,
        name="Commission banc",
        starts_on=START,
        ends_on=START + timedelta(days=30),
        grid=grid,
        status=AllocationRound.Status.VALIDATED,
    )
    rows = []
    for n in range(applications):
        wished = rng.sample(structures, 5)
        placed = rng.random() < 0.65
        overridden = placed and rng.random() < 0.03
        rows.append(
            Application(
                round=item,
                reference=f"D-{n:06d}",
                section="bebes",
                submitted_on=START - timedelta(days=rng.randrange(30, 700)),
                criteria=[k for k in keys if rng.random() < 0.4],
                wishes=[s.identifier for s in wished],
                points=rng.randrange(0, 400),
                proposed_structure=wished[0] if placed else None,
                wish_rank=1 if placed else None,
                decided_structure=wished[1] if overridden else None,
                override_reason="Fratrie." if overridden else "",
                explanation={"message": "Proposition au premier vœu." if placed else "Sans"},
                answer=Answer.PENDING if placed else "",
                answer_deadline=START if placed else None,
            )
        )
    Application.objects.bulk_create(rows, batch_size=2000)
    return item, structures[0]


def build_people(count: int) -> None:
    from sdsf.accounts.models import Role
    from sdsf.territories.models import Commune, Level
    from tests.factories import make_user

    communes = list(Commune.objects.filter(departement_id="93").values_list("code", "epci_id"))
    for n in range(count):
        code, epci = communes[n % len(communes)]
        level, scope = [(Level.COMMUNE, code), (Level.EPCI, epci), (Level.DEPARTEMENT, "93")][n % 3]
        make_user(Role.COMMUNE_AGENT, level, scope, last_name=f"Agent{n:05d}")


def timed(client: Client, url: str, runs: int) -> tuple[int, float, float]:
    """(queries, p50 ms, max ms) of ``runs`` requests, after one that is not counted."""
    assert client.get(url).status_code == 200, url
    times = []
    for _ in range(runs):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, url
    return len(captured), statistics.median(times), max(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=20_000)
    parser.add_argument("--applications", type=int, default=5_000)
    parser.add_argument("--people", type=int, default=300)
    parser.add_argument("--runs", type=int, default=10)
    options = parser.parse_args()

    from sdsf.accounts.models import Role
    from sdsf.territories.importer import import_territories
    from sdsf.territories.models import Level
    from tests.factories import make_user

    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    connection.settings_dict["TEST"]["NAME"] = (
        None if connection.vendor == "sqlite" else "bench_lists"
    )
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        print(f"Database: {connection.vendor}; {platform.processor() or platform.machine()}")
        import_territories()
        rng = random.Random(2026)
        started = time.perf_counter()
        build_files(options.files, rng)
        item, structure = build_round(options.applications, rng)
        build_people(options.people)
        print(f"set-up: {time.perf_counter() - started:.1f} s")
        agent, admin = Client(), Client()
        agent.force_login(make_user(Role.COMMUNE_AGENT, Level.COMMUNE, BOBIGNY))
        admin.force_login(make_user(Role.ADMINISTRATOR, Level.DEPARTEMENT, "93"))
        pages = [
            (f"desk, page 1 ({options.files:,} files)", agent, reverse("families:desk")),
            (
                "desk, a file with a duplicate",
                agent,
                reverse("families:desk_detail", args=["PD-93-BANC-0000001"]),
            ),
            (
                f"round page, page 1 ({options.applications:,} applications)",
                agent,
                reverse("allocation:round", args=[item.pk]),
            ),
            ("public grid", Client(), reverse("allocation:public_grid", args=[item.pk])),
            (
                "round, one structure",
                agent,
                reverse("allocation:round_structure", args=[item.pk, structure.identifier]),
            ),
            (f"people, page 1 ({options.people} agents)", admin, reverse("accounts:people")),
        ]
        print(f"{'page':<45} {'queries':>7} {'p50 (ms)':>9} {'max (ms)':>9}")
        for label, client, url in pages:
            count, p50, top = timed(client, url, options.runs)
            print(f"{label:<45} {count:>7} {p50:>9.0f} {top:>9.0f}")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
