"""Time observatory pages with national data loaded, through the Django test client.

Loads (once; kept in the database file for later runs) synthetic counts for every commune of
France over 10 years: children under 3, places by component and a poverty indicator, i.e.
35,000 communes × 10 years × 3 tables. Then, logged in as a commune agent of Bobigny, asks each
page 100 times and prints p50, p95 and max; the first (cold) request, which computes the
reference figures of every département, région and France, is timed apart. Target: p95 under
300 ms. Run: ``.venv/bin/python bench/observatory_pages.py`` (SQLite file in /tmp unless
DATABASE_URL is set).
"""

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault(
    "DATABASE_URL", f"sqlite:///{Path(tempfile.gettempdir()) / 'sdsf_bench_observatory.sqlite3'}"
)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sdsf.settings.test")

import django  # noqa: E402

django.setup()

import numpy as np  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

from sdsf.accounts.models import Role  # noqa: E402
from sdsf.observatory.coverage import COMPONENTS  # noqa: E402
from sdsf.observatory.models import (  # noqa: E402
    CapacityCount,
    DataVersion,
    Indicator,
    IndicatorValue,
    PopulationCount,
)
from sdsf.territories.importer import import_territories  # noqa: E402
from sdsf.territories.models import Commune  # noqa: E402
from tests.factories import make_user  # noqa: E402

YEARS = range(2014, 2024)
REQUESTS = 100
TARGET_MS = 300
RATES = (0.199, 0.036, 0.319, 0.022, 0.033)
SOURCE = "Banc d'essai (synthétique)"
PAGES = {
    "département 93": "/observatoire/departement/93/",
    "commune Bobigny": "/observatoire/commune/93008/",
    "EPT Est Ensemble": "/observatoire/ept/200057875/",
    "EPCI Métropole du Grand Paris (131 communes)": "/observatoire/epci/200054781/",
    "territoires prioritaires 93": "/observatoire/departements/93/prioritaires/",
    "API départements": "/api/indicators?level=departement",
}


def load_national_data() -> None:
    call_command("migrate", verbosity=0)
    if not Commune.objects.exists():
        import_territories()
    if PopulationCount.objects.count() >= Commune.objects.count() * len(YEARS):
        return
    PopulationCount.objects.all().delete()
    CapacityCount.objects.all().delete()
    IndicatorValue.objects.all().delete()
    rng = np.random.default_rng(2026)
    communes = list(Commune.objects.values_list("code", "population"))
    poverty, _ = Indicator.objects.get_or_create(
        slug="taux-de-pauvrete",
        defaults={"name": "Taux de pauvreté", "unit": "%", "source": SOURCE},
    )
    started = time.perf_counter()
    for year in YEARS:
        population, capacity, values = [], [], []
        for code, inhabitants in communes:
            inhabitants = float(inhabitants or 0)
            children = round(inhabitants * rng.uniform(0.02, 0.045))
            population.append(
                PopulationCount(
                    commune_id=code,
                    year=year,
                    children_under_3=children,
                    population=inhabitants,
                    source=SOURCE,
                )
            )
            places = {
                c: round(children * r * rng.uniform(0, 2))
                for c, r in zip(COMPONENTS, RATES, strict=True)
            }
            capacity.append(CapacityCount(commune_id=code, year=year, source=SOURCE, **places))
            values.append(
                IndicatorValue(
                    indicator=poverty,
                    commune_id=code,
                    year=year,
                    numerator=round(inhabitants * rng.uniform(0.05, 0.4)),
                    denominator=inhabitants,
                )
            )
        PopulationCount.objects.bulk_create(population, batch_size=5000)
        CapacityCount.objects.bulk_create(capacity, batch_size=5000)
        IndicatorValue.objects.bulk_create(values, batch_size=5000)
    DataVersion.bump()
    elapsed = time.perf_counter() - started
    print(f"loaded {len(communes):,} communes × {len(YEARS)} years in {elapsed:.0f} s")


def main() -> None:
    load_national_data()
    setup_test_environment()
    cache.clear()
    client = Client()
    client.force_login(
        make_user(Role.COMMUNE_AGENT, "commune", "93008", email=f"bench{time.time()}@example.org")
    )
    print(
        f"data: {PopulationCount.objects.count():,} population rows, "
        f"{CapacityCount.objects.count():,} capacity rows, "
        f"{IndicatorValue.objects.count():,} indicator values"
    )
    print(f"database: {django.db.connection.vendor}")
    start = time.perf_counter()
    assert client.get(PAGES["département 93"]).status_code == 200
    print(
        f"cold first request (reference figures of France computed and cached): "
        f"{(time.perf_counter() - start) * 1000:.0f} ms"
    )
    worst = 0.0
    for label, url in PAGES.items():
        timings = []
        for _ in range(REQUESTS):
            start = time.perf_counter()
            response = client.get(url)
            timings.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200, (url, response.status_code)
        p95 = statistics.quantiles(timings, n=100)[94]
        worst = max(worst, p95)
        print(
            f"{label:<48} p50 {statistics.median(timings):6.0f} ms  p95 {p95:6.0f} ms  "
            f"max {max(timings):6.0f} ms"
        )
    verdict = "met" if worst < TARGET_MS else "NOT met"
    print(f"worst p95: {worst:.0f} ms (target {TARGET_MS} ms: {verdict})")


if __name__ == "__main__":
    main()
