"""Time a commission round on the Django side: intake of the online pré-demandes, then the run.

Creates a throw-away database (``bench_allocation_round`` on PostgreSQL, in memory on SQLite)
on the server named by ``DATABASE_URL``, imports the COG, builds one commune with 800 EAJE and
30,000 submitted pré-demandes (5 wishes each with a skewed popularity, 1 % of them wishing
"any crèche of the commune", situations drawn for the round's 4-criterion grid), then times:

1. ``intake.take_pre_applications`` (wishes restricted and expanded, sections, points, rows
   written, pré-demandes moved to "en commission" with their history event);
2. ``rounds.run`` (load, engine, explanations, one transaction saving every proposal).

Peak memory is the process's resident size sampled every 10 ms during each step.
Run: ``.venv/bin/python bench/allocation_round.py [--applications N --structures M]`` and
``DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python \
    bench/allocation_round.py``.
"""

import argparse
import datetime
import os
import platform
import threading
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sdsf.settings.test")

import django  # noqa: E402

django.setup()

import numpy as np  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

COMMUNE = "93008"
START = datetime.date(2026, 9, 1)
SECTIONS = ("babies", "middle", "older")  # stored keys (offer.models.Section)
PAGE = os.sysconf("SC_PAGE_SIZE")


def rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * PAGE / 2**20


def measured(label: str, function):
    """Runs ``function``; prints its time and the peak resident memory while it ran."""
    peak, done = [rss_mb()], threading.Event()

    def sample():
        while not done.wait(0.01):
            peak.append(rss_mb())

    sampler = threading.Thread(target=sample, daemon=True)
    before = peak[0]
    sampler.start()
    started = time.perf_counter()
    result = function()
    elapsed = time.perf_counter() - started
    done.set()
    sampler.join()
    top = max(*peak, rss_mb())
    print(f"{label:<40} {elapsed:7.2f} s   peak {top:7.0f} MB (+{top - before:.0f} MB)")
    return result


def build(applications: int, structures: int, seed: int):
    from sdsf.allocation.models import AllocationRound, Criterion, PointsGrid
    from sdsf.families.models import PreApplication, Wish
    from sdsf.offer.models import Capacity, Structure

    rng = np.random.default_rng(seed)
    created = Structure.objects.bulk_create(
        Structure(
            identifier=f"S{i:05d}",
            kind=Structure.Kind.EAJE,
            name=f"Crèche {i:05d}",
            commune_id=COMMUNE,
            avip=i % 10 == 0,
            avip_share=20 if i % 10 == 0 else None,
        )
        for i in range(structures)
    )
    mean = 0.65 * applications * np.array([0.4, 0.35, 0.25]) / structures
    places = rng.poisson(mean, size=(structures, 3))
    Capacity.objects.bulk_create(
        Capacity(structure=s, section=section, places=int(places[i, j]), start=START)
        for i, s in enumerate(created)
        for j, section in enumerate(SECTIONS)
    )
    grid = PointsGrid.objects.create(commune_id=COMMUNE, name="Grille banc", source="Banc")
    keys = [
        ("residence", 300),
        ("both_parents_working", 40),
        ("single_parent", 30),
        ("disability", 30),
    ]
    Criterion.objects.bulk_create(
        Criterion(grid=grid, position=i, key=k, label=k, weight=w, reason="Banc")
        for i, (k, w) in enumerate(keys)
    )
    allocation_round = AllocationRound.objects.create(
        commune_id=COMMUNE,
        name="Commission banc",
        starts_on=START,
        ends_on=START + datetime.timedelta(days=30),
        grid=grid,
        status=AllocationRound.Status.PUBLISHED,
    )
    popularity = 1 / np.arange(1, structures + 1) ** 0.9
    popularity /= popularity.sum()
    now = timezone.now()
    births = START - datetime.timedelta(days=1)
    pres = PreApplication.objects.bulk_create(
        (
            PreApplication(
                reference=f"PD-93-BANC-{n:07d}",
                departement_id="93",
                home_commune_id=COMMUNE,
                parent_first_name="P",
                parent_last_name="B",
                child_last_name="B",
                child_birth_date=births - datetime.timedelta(days=int(rng.integers(30, 1000))),
                wished_start=START,
                situation=[k for k, _ in keys if rng.random() < 0.4],
                insertion=bool(rng.random() < 0.08),
                status=PreApplication.Status.RECEIVED,
                submitted_at=now - datetime.timedelta(minutes=int(rng.integers(0, 500_000))),
            )
            for n in range(applications)
        ),
        batch_size=2000,
    )
    wishes = []
    for pre in pres:
        chosen = rng.choice(structures, size=5, replace=False, p=popularity)
        wishes += [
            Wish(pre_application=pre, rank=r, structure=created[s])
            for r, s in enumerate(chosen, start=1)
        ]
        if rng.random() < 0.01:
            wishes.append(Wish(pre_application=pre, rank=6, commune_id=COMMUNE))
    Wish.objects.bulk_create(wishes, batch_size=5000)
    return allocation_round


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--applications", type=int, default=30_000)
    parser.add_argument("--structures", type=int, default=800)
    parser.add_argument("--seed", type=int, default=2026)
    options = parser.parse_args()

    from sdsf.allocation import rounds
    from sdsf.allocation.intake import take_pre_applications
    from sdsf.territories.importer import import_territories

    old_name = connection.settings_dict["NAME"]
    connection.settings_dict["TEST"]["NAME"] = (
        None if connection.vendor == "sqlite" else "bench_allocation_round"
    )
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        print(f"Database: {connection.vendor}; {platform.processor() or platform.machine()}")
        import_territories()
        allocation_round = measured(
            f"set-up ({options.applications:,} pré-demandes)",
            lambda: build(options.applications, options.structures, options.seed),
        )
        result = measured(
            "intake (take_pre_applications)", lambda: take_pre_applications(allocation_round)
        )
        print("   ", result.summary().splitlines()[0])
        proposed = measured("run (rounds.run)", lambda: rounds.run(allocation_round))
        print(f"    {proposed:,} places proposed")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
