"""Benchmark of the allocation engine's exact path (siblings, part time, transfers).

Usage: ``python bench/allocation_exact.py [--communes 1 19] [--time-limit 60]``

Each commune of the seeded synthetic instance has 1,600 children and 80 structures (half of
them multi-accueil pools of every section, half split by age section), five wishes per family
among the commune's structures (Zipf-like popularity), about 65 places for 100 children, a
cap of 30 % bébés in half the pools, 10 % of the structures AVIP with 20 % of their places
reserved for insertion families (8 % of families), one D214-7 seat per 20 places in the pools
(6 % of families), 3 % of the children in sibling groups of two, 30 % part time (two to four
days a week) and 5 % transfers (a child enrolled in one structure asking for others). A
commune is one connected component; a département is ``--communes 19`` (30,400 children).
Prints, per size, the time of ``engine.allocate`` and its summary. ``--stress`` caps every
pool and makes every structure AVIP: no structure's choice is substitutable any more.
"""

import argparse
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sdsf.allocation import engine  # noqa: E402

CHILDREN = 1600
STRUCTURES = 80
SECTIONS = 3


def commune(rng: np.random.Generator, first_structure: int, stress: bool = False):
    """Arrays of one commune, structure numbers starting at ``first_structure``."""
    n = CHILDREN
    popularity = 1.0 / np.arange(1, STRUCTURES + 1) ** 0.9
    popularity = popularity[rng.permutation(STRUCTURES)] / popularity.sum()
    wishes = np.array([rng.choice(STRUCTURES, 5, replace=False, p=popularity) for _ in range(n)])
    section = rng.choice(SECTIONS, n, p=[0.4, 0.35, 0.25])
    score = rng.binomial(40, 0.5, n).astype(np.float64)
    submitted = rng.integers(0, 150, n)
    group = np.arange(n)
    twins = rng.choice(n - 1, int(0.015 * n), replace=False)
    twins = twins[np.diff(np.concatenate(([-2], np.sort(twins)))) > 1]
    group[twins + 1] = group[twins]
    for copy in (wishes, score, submitted):
        copy[twins + 1] = copy[twins]
    days = np.full(n, engine.ALL_DAYS, dtype=np.int64)
    part = rng.random(n) < 0.3
    for child in np.flatnonzero(part):
        chosen = rng.choice(5, rng.integers(2, 5), replace=False)
        days[child] = sum(3 << (2 * int(day)) for day in chosen)
    insertion = rng.random(n) < 0.08
    benefit = rng.random(n) < 0.06
    for copy in (days, insertion, benefit):
        copy[twins + 1] = copy[twins]
    capacity = rng.poisson(0.65 * n / STRUCTURES / SECTIONS, (STRUCTURES, SECTIONS)) + 1
    pooled = np.arange(STRUCTURES) % 2 == 0
    pool = np.where(pooled, capacity.sum(axis=1), -1)
    caps = capacity.copy()
    caps[pooled] = pool[pooled, None]
    capped = pooled & ((np.arange(STRUCTURES) % 4 == 0) | stress)
    caps[capped, 0] = (pool[capped] * 0.3).astype(np.int64)  # at most 30 % bébés
    avip = (rng.random(STRUCTURES) < 0.1) | stress
    reserved = np.where(avip[:, None] & ~pooled[:, None], -(-capacity * 20 // 100), 0)
    pool_reserved = np.where(avip & pooled, -(-pool * 20 // 100), 0)
    pool_benefit = np.where(pooled, pool // 20, 0)
    current = np.full(n, -1)
    movers = np.flatnonzero((rng.random(n) < 0.05) & ~np.isin(group, group[twins]))
    held = np.zeros((STRUCTURES, SECTIONS), dtype=np.int64)
    for child in movers:
        options = [s for s in range(STRUCTURES) if s not in wishes[child]]
        s = int(rng.choice(options))
        k = section[child]
        limit = caps[s, k] if pooled[s] else capacity[s, k]
        if held[s, k] < limit // 2 and (not pooled[s] or held[s].sum() < pool[s] // 2):
            held[s, k] += 1
            current[child] = s
    return {
        "section": section,
        "score": score,
        "submitted": submitted,
        "insertion": insertion,
        "wishes": wishes + first_structure,
        "capacity": np.where(pooled[:, None], caps, capacity),
        "reserved": reserved,
        "pool": pool,
        "pool_reserved": pool_reserved,
        "pool_reserved_benefit": pool_benefit,
        "benefit": benefit,
        "reserved_benefit": np.zeros_like(reserved),
        "days": days,
        "half_days": np.zeros(STRUCTURES, dtype=bool),
        "group": group,
        "current": np.where(current >= 0, current + first_structure, -1),
    }


def instance(communes: int, seed: int, stress: bool = False) -> engine.Problem:
    rng = np.random.default_rng(seed)
    parts = [commune(rng, index * STRUCTURES, stress) for index in range(communes)]
    offset = 0
    for part in parts:
        part["group"] = part["group"] + offset
        offset += CHILDREN
    joined = {key: np.concatenate([p[key] for p in parts]) for key in parts[0]}
    wishes = joined.pop("wishes")
    return engine.Problem(
        wish_offsets=np.arange(0, wishes.size + 1, wishes.shape[1]),
        wish_structures=wishes.ravel(),
        **joined,
    )


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--communes", type=int, nargs="+", default=[1, 19])
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--stress",
        action="store_true",
        help="every pool capped and every structure AVIP (every structure non-substitutable)",
    )
    options = parser.parse_args(argv)
    print(f"{os.cpu_count()} cœurs, Python {platform.python_version()}, load {os.getloadavg()}")
    for communes in options.communes:
        problem = instance(communes, options.seed, options.stress)
        started = time.perf_counter()
        allocation = engine.allocate(
            problem, options.seed, time_limit=options.time_limit, workers=options.workers
        )
        elapsed = time.perf_counter() - started
        print(
            f"{communes} commune(s), {problem.size:,} enfants, "
            f"{problem.structure_count} structures : {elapsed:.2f} s, "
            f"{allocation.summary.as_dict()}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
