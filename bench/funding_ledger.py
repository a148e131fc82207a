"""Time the grants import and ``sdsf funding_summary`` through the database.

Creates a throw-away database (``bench_funding_ledger`` on PostgreSQL, in memory on SQLite) on
the server named by ``DATABASE_URL``, imports the COG, then:

1. imports 200,000 grant rows (20 programmes, 6 funders, 40,000 operators over every commune of
   France, one year): first import, then the same file again (unchanged), then 10 % changed;
2. times the summary of the command (database read + polars core) for every commune of France,
   by funder and by programme, and for every département (best of 3).

Targets: the import under 20 s, the summary of all communes under 1 s.
Run: ``.venv/bin/python bench/funding_ledger.py`` and
``DATABASE_URL=postgres://postgres@127.0.0.1:5432/test .venv/bin/python bench/funding_ledger.py``.
"""

import csv
import os
import random
import tempfile
import time
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sdsf.settings.test")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402

IMPORT_TARGET, SUMMARY_TARGET = 20.0, 1.0
ROWS, OPERATORS, YEAR = 200_000, 40_000, 2025
FUNDERS = ["CAF", "Département", "MSA", "État", "Région", "Commune"]
PROGRAMMES = [f"Programme {n}" for n in range(1, 21)]
HEADER = "programme,operator_siren,operator_name,commune,year,funder,committed_eur,paid_eur"


def write_grants(path: Path, communes: list[str], changed: float) -> None:
    rng = random.Random(7)
    homes = [random.Random(n).choice(communes) for n in range(OPERATORS)]
    seen = set()
    with path.open("w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream)
        writer.writerow(HEADER.split(","))
        index = 0
        while len(seen) < ROWS:
            r = random.Random(index)
            index += 1
            operator = r.randrange(OPERATORS)
            key = (r.choice(PROGRAMMES), operator, r.choice(FUNDERS))
            if key in seen:
                continue
            seen.add(key)
            committed = r.randint(100, 500_000)
            if rng.random() < changed:
                committed += 1
            writer.writerow(
                [
                    key[0],
                    f"{900_000_000 + operator}",
                    f"Porteur {operator}",
                    homes[operator],
                    YEAR,
                    key[2],
                    f"{committed}.00",
                    f"{committed // 2}.50",
                ]
            )


def timed(label: str, work, target: float | None = None, runs: int = 1) -> None:
    """Wall time and the process's CPU time (what the import itself costs when other jobs
    share the cores), best of ``runs``."""
    timings, result = [], None
    for _ in range(runs):
        started, cpu = time.perf_counter(), time.process_time()
        result = work()
        timings.append((time.perf_counter() - started, time.process_time() - cpu))
    best, best_cpu = min(timings)
    verdict = "" if target is None else ("  OK" if best < target else "  TOO SLOW")
    summary = result.summary().splitlines()[0] if hasattr(result, "summary") else ""
    if hasattr(result, "height"):
        summary = f"{result.height} rows"
    print(f"{label:<58} {best:6.2f} s (CPU {best_cpu:6.2f} s){verdict}  {summary}")


def main():
    from sdsf.funding.importer import import_grants
    from sdsf.funding.queries import summary
    from sdsf.territories.importer import import_territories
    from sdsf.territories.models import Commune

    connection.settings_dict["TEST"]["NAME"] = (
        None if connection.vendor == "sqlite" else "bench_funding_ledger"
    )
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        print(f"Database: {connection.vendor}")
        timed("import_territories (set-up)", import_territories)
        communes = list(Commune.objects.values_list("code", flat=True))
        with tempfile.TemporaryDirectory() as folder:
            first, changed = Path(folder) / "grants.csv", Path(folder) / "changed.csv"
            write_grants(first, communes, 0.0)
            write_grants(changed, communes, 0.1)
            timed(f"{ROWS:,} grants: first import", lambda: import_grants(first), IMPORT_TARGET)
            timed(
                f"{ROWS:,} grants: re-import unchanged", lambda: import_grants(first), IMPORT_TARGET
            )
            timed(
                f"{ROWS:,} grants: re-import, 10 % changed",
                lambda: import_grants(changed),
                IMPORT_TARGET,
            )
        for level, by in [
            ("commune", "funder"),
            ("commune", "programme"),
            ("departement", "funder"),
        ]:
            timed(
                f"funding_summary --level {level} --by {by} (best of 3)",
                lambda level=level, by=by: summary(level, YEAR, by=by),
                SUMMARY_TARGET,
                runs=3,
            )
    finally:
        connection.creation.destroy_test_db(connection.settings_dict["NAME"], verbosity=0)


if __name__ == "__main__":
    main()
