"""Time the daily emergency matching (:mod:`sdsf.emergency.matching`) on a département-sized day.

20,000 children asking for the day (three priority categories), living in the 40 communes of a
département and 40 % of them working in one of 80 communes (homes and workplaces are communes'
centres, as the requests give them); 4,000 places-holders (structures and childminders at their
own positions, 1 to 6 places each) spread over a département-sized area (about 60 × 60 km);
maximum distance 15 km, at most 10 wishes per child. Target: under 2 s for the whole match
(wishes, distances, engine). A second line times the worst case, every child at a position of
its own (not what requests give, measured to show the cost of the distances).

Prints the best of 3 runs, wall clock and CPU time (single-threaded: on an idle machine the
two agree; on a loaded one, the CPU time is what the match costs).
Run: ``.venv/bin/python bench/emergency.py``.
"""

import time

import numpy as np

from sdsf.emergency.matching import DayProblem, match_day

RUNS = 3
CHILDREN, OFFERS = 20_000, 4_000


def day_problem(seed: int = 1, distinct: bool = False) -> DayProblem:
    rng = np.random.default_rng(seed)

    def around(size):
        return np.column_stack((rng.uniform(48.55, 49.10, size), rng.uniform(2.0, 2.8, size)))

    if distinct:
        home, work = around(CHILDREN), around(CHILDREN)
    else:
        communes = around(80)
        home = communes[rng.integers(0, 40, CHILDREN)]
        work = communes[rng.integers(0, 80, CHILDREN)]
    work[rng.random(CHILDREN) > 0.4] = np.nan
    return DayProblem(
        rank=rng.integers(1, 4, CHILDREN),
        submitted=np.arange(CHILDREN),
        home=home,
        work=work,
        offer_position=around(OFFERS),
        offer_places=rng.integers(1, 7, OFFERS),
        max_km=15.0,
    )


def run(label: str, problem: DayProblem) -> None:
    timings, cpu, result = [], [], None
    for _ in range(RUNS):
        start, start_cpu = time.perf_counter(), time.process_time()
        result = match_day(problem, seed=1)
        timings.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    best = min(timings)
    print(
        f"emergency matching, {label}: {CHILDREN:,} children, {OFFERS:,} places-holders "
        f"({int(problem.offer_places.sum()):,} places): best {best:.3f} s "
        f"(runs {', '.join(f'{t:.3f}' for t in timings)}; CPU {min(cpu):.3f} s); "
        f"{result.matched:,} matched; "
        f"target 2 s {'met' if best < 2 else 'NOT met'} on the wall clock, "
        f"{'met' if min(cpu) < 2 else 'NOT met'} in CPU time"
    )


def main() -> None:
    run("homes and workplaces at communes' centres", day_problem())
    run("worst case, every child at its own position", day_problem(distinct=True))


if __name__ == "__main__":
    main()
