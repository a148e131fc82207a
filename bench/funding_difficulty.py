"""Time the funding and difficulty cores on national-sized synthetic data.

- ``funding_summary``: 35,000 communes (1,250 EPCI, 101 départements), 200,000 grant rows in one
  year; each level over all of France, by funder and by programme. Target: under 1 s.
- ``structure_health``: 16,000 EAJE × 10 years, 2 % of the inputs unknown. Target: under 1 s.
- ``aggregate_filoue``: a synthetic FILOUÉ file of 500,000 lines written to a temporary folder
  (never kept), periods of 1 to 120 days. Target: under 20 s.

Prints the best of 3 runs of each. Run: ``.venv/bin/python bench/funding_difficulty.py``.
"""

import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import polars as pl

from sdsf.difficulty.filoue import COLUMNS, aggregate_filoue
from sdsf.difficulty.health import structure_health
from sdsf.funding.summary import MONEY, funding_summary

RUNS = 3
COMMUNES, EPCI, DEPARTEMENTS, GRANTS = 35_000, 1_250, 101, 200_000
STRUCTURES, YEARS = 16_000, range(2015, 2025)
FILOUE_LINES = 500_000
UNKNOWN_SHARE = 0.02


def best_of(label: str, target: float, work: Callable[[], object]) -> None:
    timings = []
    for _ in range(RUNS):
        start = time.perf_counter()
        work()
        timings.append(time.perf_counter() - start)
    best = min(timings)
    verdict = "met" if best < target else "NOT met"
    runs = ", ".join(f"{t:.3f}" for t in timings)
    print(f"{label}: runs (s) {runs}; best {best:.3f} s (target {target:g} s: {verdict})")


def synthetic_communes() -> pl.DataFrame:
    index = np.arange(COMMUNES)
    return pl.DataFrame(
        {
            "commune_code": [f"C{i:05d}" for i in index],
            "epci_code": [f"2{i * EPCI // COMMUNES:08d}" for i in index],
            "departement_code": [f"{i * DEPARTEMENTS // COMMUNES:03d}" for i in index],
        }
    )


def synthetic_grants(rng: np.random.Generator, communes: pl.DataFrame) -> pl.DataFrame:
    cents = rng.integers(10_000, 50_000_000, size=GRANTS)
    paid_share = rng.uniform(0, 1, size=GRANTS)
    return pl.DataFrame(
        {
            "programme": rng.choice(["CED", "REAAP", "LAEP", "RPE", "Fonds publics"], GRANTS),
            "commune_code": rng.choice(communes["commune_code"].to_numpy(), GRANTS),
            "year": np.full(GRANTS, 2024),
            "funder": rng.choice(["CAF", "Département", "MSA", "État", "Commune"], GRANTS),
            "committed_cents": cents,
            "paid_cents": (cents * paid_share).astype(np.int64),
        }
    ).select(
        "programme",
        "commune_code",
        "year",
        "funder",
        *(
            (pl.col(f"{name}_cents").cast(MONEY) / 100).alias(f"{name}_eur")
            for name in ("committed", "paid")
        ),
    )


def synthetic_activity(rng: np.random.Generator) -> pl.DataFrame:
    rows = STRUCTURES * len(YEARS)
    places = rng.integers(10, 80, size=rows)
    days = rng.integers(200, 260, size=rows)
    hours_per_day = rng.integers(900, 1200, size=rows)  # hundredths
    capacity = places * days * hours_per_day // 100
    realised = (capacity * rng.uniform(0.4, 0.95, size=rows) * 100).astype(np.int64)
    costs = (places * rng.uniform(12_000, 20_000, size=rows) * 100).astype(np.int64)
    frame = pl.DataFrame(
        {
            "structure_id": np.repeat(np.arange(STRUCTURES), len(YEARS)),
            "year": np.tile(np.array(YEARS), STRUCTURES),
            "places": places,
            "opening_days": days,
            "opening_hours_per_day": hours_per_day,
            "hours_realised": realised,
            "hours_invoiced": (realised * rng.uniform(1.0, 1.25, size=rows)).astype(np.int64),
            "children_enrolled": (places * rng.uniform(0.8, 2.5, size=rows)).astype(np.int64),
            "staff_costs_eur": (costs * rng.uniform(0.7, 0.95, size=rows)).astype(np.int64),
            "total_costs_eur": costs,
            "total_income_eur": (costs * rng.uniform(0.85, 1.05, size=rows)).astype(np.int64),
        }
    )
    hundredths = [
        "opening_hours_per_day",
        "hours_realised",
        "hours_invoiced",
        "staff_costs_eur",
        "total_costs_eur",
        "total_income_eur",
    ]
    return frame.with_columns(
        *(pl.col(c).cast(pl.Decimal(38, 2)) / 100 for c in hundredths)
    ).with_columns(
        pl.when(pl.lit(rng.random(rows) >= UNKNOWN_SHARE)).then(pl.col(c)).alias(c)
        for c in ("hours_realised", "total_income_eur", "opening_days")
    )


def write_synthetic_filoue(rng: np.random.Generator, path: Path) -> None:
    children = FILOUE_LINES // 3
    child = rng.integers(0, children, size=FILOUE_LINES)
    start = rng.integers(0, 300, size=FILOUE_LINES)
    length = rng.integers(0, 120, size=FILOUE_LINES)
    year_start = date(2024, 1, 1)
    first = [year_start + timedelta(days=int(d)) for d in start]
    last = [f + timedelta(days=int(n)) for f, n in zip(first, length, strict=True)]
    invoiced = rng.integers(100, 50_000, size=FILOUE_LINES)
    frame = pl.DataFrame(
        {
            "NUMERO_CAF": ["931"] * FILOUE_LINES,
            "NUMERO_DOSSIER_AFC": ["12345"] * FILOUE_LINES,
            "TOP_ALLOC": rng.choice(["0", "1"], FILOUE_LINES),
            "MATRICULE": [str(1_000_000 + c) for c in child],
            "REGIME": rng.choice(["RG", "MSA", "AUTRE"], FILOUE_LINES),
            "DATE_NAISSANCE_INDIVIDU": [
                (date(2021, 1, 1) + timedelta(days=int(c % 1000))).isoformat() for c in child
            ],
            "CODE_POSTAL_FAMILLE": ["93000"] * FILOUE_LINES,
            "VILLE_FAMILLE": ["BOBIGNY"] * FILOUE_LINES,
            "NOMBRE_HEURES_FACTUREES": [f"{v / 100:.2f}".replace(".", ",") for v in invoiced],
            "NOMBRE_HEURES_REALISEES": [f"{v * 0.9 / 100:.2f}".replace(".", ",") for v in invoiced],
            "MONTANT_FACTURE": [f"{v * 1.5 / 100:.2f}".replace(".", ",") for v in invoiced],
            "MONTANT_HORAIRE": ["1,50"] * FILOUE_LINES,
            "TAUX_EFFORT": ["0,0619"] * FILOUE_LINES,
            "PREMIERJOUR": [d.isoformat() for d in first],
            "DERNIERJOUR": [d.isoformat() for d in last],
        }
    )
    frame.select(COLUMNS).write_csv(path, separator=";")


def main() -> None:
    rng = np.random.default_rng(2024)
    communes = synthetic_communes()
    grants = synthetic_grants(rng, communes)
    print(f"funding: {grants.height:,} grants, {communes.height:,} communes")
    for level in ("commune", "epci", "departement"):
        for by in ("funder", "programme"):
            rows = funding_summary(grants, communes, level, 2024, by=by).height
            best_of(
                f"funding_summary {level} by {by} ({rows:,} rows)",
                1.0,
                lambda level=level, by=by: funding_summary(grants, communes, level, 2024, by=by),
            )
    activity = synthetic_activity(rng)
    flagged = structure_health(activity).filter(pl.col("signals") != "").height
    print(f"health: {activity.height:,} structure-years, {flagged:,} with a signal")
    best_of("structure_health all years", 1.0, lambda: structure_health(activity))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "filoue.csv"
        write_synthetic_filoue(rng, path)
        size = path.stat().st_size / 1e6
        months = aggregate_filoue(path, 1).months.height
        print(f"filoue: {FILOUE_LINES:,} lines, {size:.0f} MB, {months} months")
        best_of("aggregate_filoue", 20.0, lambda: aggregate_filoue(path, 1))


if __name__ == "__main__":
    main()
