"""Time the offer imports and the national counts on a synthetic registry.

Creates a throw-away database (``bench_import_offer`` on PostgreSQL, in memory on SQLite) on
the server named by ``DATABASE_URL``, imports the COG, then:

1. imports 100,000 assistant maternel rows, then 5,000 EAJE rows (first import: everything is
   created), then re-imports both unchanged and with 10 % of the rows changed (history rows);
2. grows the registry to national size (250,000 assistants maternels, 16,000 EAJE) and times
   ``offer_counts`` for every commune of France (best of 3).

Targets: each import under 20 s, the national counts under 2 s.
Run: ``.venv/bin/python bench/import_offer.py`` and
``DATABASE_URL=postgres://postgres@127.0.0.1:5432/test .venv/bin/python bench/import_offer.py``.
"""

import csv
import datetime
import os
import random
import tempfile
import time
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sdsf.settings.test")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402

IMPORT_TARGET, COUNTS_TARGET = 20.0, 2.0
TODAY = datetime.date(2026, 1, 15)
AM_HEADER = [
    "N° agrément",
    "Nom",
    "Prénom",
    "Code commune",
    "Date de début d'agrément",
    "Date de fin d'agrément",
    "Nombre d'enfants",
    "Âges",
    "Statut",
    "Places disponibles",
]
EAJE_HEADER = [
    "Identifiant",
    "Nom",
    "Type d'accueil",
    "Gestionnaire",
    "Adresse",
    "Code commune",
    "Financement",
    "Places agréées",
    "Places bébés",
    "Places moyens",
    "Places grands",
    "Jours d'ouverture",
    "Heure d'ouverture",
    "Heure de fermeture",
    "Statut",
    "Date d'ouverture",
]


def write_am(path: Path, communes: list[str], count: int, offset: int, changed: float, seed: int):
    rng = random.Random(seed)
    with path.open("w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream, delimiter=";")
        writer.writerow(AM_HEADER)
        for index in range(offset, offset + count):
            r = random.Random(index)  # the same row on every run, unless changed below
            start = datetime.date(2021, 1, 1) + datetime.timedelta(days=r.randint(0, 1800))
            places = r.randint(1, 4)
            if rng.random() < changed:
                places = places % 4 + 1
            writer.writerow(
                [
                    f"AM{index:07d}",
                    f"Nom{index}",
                    "Prénom",
                    r.choice(communes),
                    start.strftime("%d/%m/%Y"),
                    start.replace(year=start.year + 5).strftime("%d/%m/%Y")
                    if start.month != 2 or start.day != 29
                    else f"28/02/{start.year + 5}",
                    places,
                    "0-6 ans",
                    "accordé",
                    "",
                ]
            )


def write_eaje(path: Path, communes: list[str], count: int, offset: int, changed: float, seed):
    rng = random.Random(seed)
    with path.open("w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream, delimiter=";")
        writer.writerow(EAJE_HEADER)
        for index in range(offset, offset + count):
            r = random.Random(index)
            sections = [r.randint(5, 15), r.randint(5, 20), r.randint(5, 25)]
            if rng.random() < changed:
                sections[2] += 3
            writer.writerow(
                [
                    f"EAJE{index:06d}",
                    f"Crèche {index}",
                    "crèche collective",
                    "Gestionnaire",
                    f"{index} rue de la Paix",
                    r.choice(communes),
                    r.choice(["PSU", "PSU", "PSU", "PAJE"]),
                    sum(sections),
                    *sections,
                    "lundi-vendredi",
                    "07:30",
                    "18:30",
                    "ouvert",
                    "01/09/2015",
                ]
            )


def timed(label: str, function, target: float | None = None):
    started = time.perf_counter()
    result = function()
    elapsed = time.perf_counter() - started
    verdict = "" if target is None else ("  OK" if elapsed < target else "  TOO SLOW")
    summary = result.summary().splitlines()[0] if hasattr(result, "summary") else ""
    print(f"{label:<52} {elapsed:6.2f} s{verdict}  {summary}")
    return elapsed


def main():
    from sdsf.offer.counts import offer_counts
    from sdsf.offer.importing import import_offer
    from sdsf.territories.importer import import_territories
    from sdsf.territories.models import Commune

    old_name = connection.settings_dict["NAME"]
    # Its own database name, so a test run on the same server is never disturbed.
    connection.settings_dict["TEST"]["NAME"] = (
        None if connection.vendor == "sqlite" else "bench_import_offer"
    )
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        print(f"Database: {connection.vendor}")
        timed("import_territories (set-up)", import_territories)
        communes = list(Commune.objects.values_list("code", flat=True))
        with tempfile.TemporaryDirectory() as folder:
            folder = Path(folder)
            am, eaje = folder / "am.csv", folder / "eaje.csv"
            write_am(am, communes, 100_000, 0, 0.0, 1)
            write_eaje(eaje, communes, 5_000, 0, 0.0, 1)

            def run(kind, path):
                return lambda: import_offer(kind, path, today=TODAY)

            timed("100,000 AM: first import", run("am", am), IMPORT_TARGET)
            timed("5,000 EAJE: first import", run("eaje", eaje), IMPORT_TARGET)
            timed("100,000 AM: re-import unchanged", run("am", am), IMPORT_TARGET)
            timed("5,000 EAJE: re-import unchanged", run("eaje", eaje), IMPORT_TARGET)
            write_am(am, communes, 100_000, 0, 0.1, 2)
            write_eaje(eaje, communes, 5_000, 0, 0.1, 2)
            timed("100,000 AM: re-import, 10 % changed", run("am", am), IMPORT_TARGET)
            timed("5,000 EAJE: re-import, 10 % changed", run("eaje", eaje), IMPORT_TARGET)
            write_am(am, communes, 150_000, 100_000, 0.0, 3)
            write_eaje(eaje, communes, 11_000, 5_000, 0.0, 3)
            timed("national size: +150,000 AM", run("am", am))
            timed("national size: +11,000 EAJE", run("eaje", eaje))
        best = min(
            timed(
                "offer_counts, all communes of France",
                lambda: offer_counts("commune", None, TODAY),
                COUNTS_TARGET,
            )
            for _ in range(3)
        )
        print(f"offer_counts best of 3: {best:.2f} s (target < {COUNTS_TARGET} s)")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
