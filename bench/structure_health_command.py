"""Time the whole ``sdsf structure_health`` command and the whole FILOUÉ import.

The health core alone is timed by ``bench/funding_difficulty.py``; this one measures what a user
waits for: the query of the structures, the 160,000 activity rows read from the database, the
core, and the CSV written. Creates a throw-away database (``bench_health`` on PostgreSQL, in
memory on SQLite) on the server named by ``DATABASE_URL``, imports the COG, places the 16,000
EAJE in the communes of the Seine-Saint-Denis, and runs the command ``--runs`` times (best and
every run printed). Target: under 1 s. Then imports a synthetic FILOUÉ file of 500,000 lines
(``bench/funding_difficulty.py``'s, written to a temporary folder) for one of them, as the
background task does: read, check, aggregate per month, write the months (target: under 20 s).
Run: ``.venv/bin/python bench/structure_health_command.py``.
"""

import argparse
import io
import os
import platform
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sdsf.settings.test")

import django  # noqa: E402

django.setup()

import numpy as np  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

STRUCTURES, YEARS = 16_000, range(2015, 2025)


def build(rng: np.random.Generator) -> None:
    from sdsf.difficulty.models import ActivityYear
    from sdsf.offer.models import Structure
    from sdsf.territories.models import Commune

    communes = list(Commune.objects.filter(departement_id="93").values_list("code", flat=True))
    Structure.objects.bulk_create(
        (
            Structure(
                identifier=f"BENCH-{i:05d}",
                kind="eaje",
                name=f"Crèche {i}",
                commune_id=communes[i % len(communes)],
            )
            for i in range(STRUCTURES)
        ),
        batch_size=5000,
    )
    ids = list(Structure.objects.order_by("pk").values_list("pk", flat=True))
    rows = len(ids) * len(YEARS)
    places = rng.integers(10, 80, size=rows)
    days = rng.integers(200, 260, size=rows)
    realised = places * days * 10 * rng.uniform(0.4, 0.95, size=rows)
    costs = places * rng.uniform(12_000, 20_000, size=rows)
    known = rng.random(rows) >= 0.02
    ActivityYear.objects.bulk_create(
        (
            ActivityYear(
                structure_id=ids[i // len(YEARS)],
                year=YEARS[i % len(YEARS)],
                places=int(places[i]),
                opening_days=int(days[i]) if known[i] else None,
                opening_hours_per_day=Decimal(10),
                hours_realised=Decimal(int(realised[i])),
                hours_invoiced=Decimal(int(realised[i] * 1.1)),
                children_enrolled=int(places[i] * 1.8),
                staff_costs_eur=Decimal(int(costs[i] * 0.85)),
                total_costs_eur=Decimal(int(costs[i])),
                total_income_eur=Decimal(int(costs[i] * 0.95)) if known[i] else None,
                source="bench",
            )
            for i in range(rows)
        ),
        batch_size=5000,
    )


def time_filoue() -> None:
    from funding_difficulty import FILOUE_LINES, write_synthetic_filoue

    from sdsf.difficulty.importers import import_filoue
    from sdsf.offer.models import Structure

    structure = Structure.objects.order_by("pk").first()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "filoue.csv"
        write_synthetic_filoue(np.random.default_rng(7), path)
        size = path.stat().st_size / 1e6
        started, started_cpu = time.perf_counter(), time.process_time()
        with path.open("rb") as stream:
            result = import_filoue(stream, structure, source="filoue.csv", dry_run=False)
        took, cpu = time.perf_counter() - started, time.process_time() - started_cpu
    verdict = "met" if took < 20 else "NOT met"
    print(
        f"import_filoue: {FILOUE_LINES:,} lines ({size:.0f} MB) → {result.created} months; "
        f"{took:.3f} s, CPU time {cpu:.3f} s (target 20 s: {verdict})"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    options = parser.parse_args()
    from sdsf.territories.importer import import_territories

    setup_test_environment()
    connection.settings_dict["TEST"]["NAME"] = (
        None if connection.vendor == "sqlite" else "bench_health"
    )
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        print(f"Database: {connection.vendor}; {platform.processor() or platform.machine()}")
        import_territories()
        started = time.perf_counter()
        build(np.random.default_rng(2026))
        print(f"set-up: {time.perf_counter() - started:.1f} s")
        timings, cpu = [], []
        for _ in range(options.runs):
            out = io.StringIO()
            started, started_cpu = time.perf_counter(), time.process_time()
            call_command("structure_health", departement="93", year=2024, format="csv", stdout=out)
            timings.append(time.perf_counter() - started)
            cpu.append(time.process_time() - started_cpu)
        lines = out.getvalue().count("\n") - 1
        runs = ", ".join(f"{t:.3f}" for t in timings)
        best = min(timings)
        verdict = "met" if best < 1 else "NOT met"
        print(
            f"structure_health --departement 93 --year 2024: {lines:,} rows; runs (s) {runs}; "
            f"best {best:.3f} s (target 1 s: {verdict}); CPU time of the process (s) "
            + ", ".join(f"{t:.3f}" for t in cpu)
        )
        time_filoue()
    finally:
        connection.creation.destroy_test_db(
            connection.settings_dict["NAME"], verbosity=0, keepdb=False
        )


if __name__ == "__main__":
    main()
