"""Benchmark of the allocation engine and of the ``allocate`` command.

Usage: ``python bench/allocation.py [--sizes 30000:800 1000000:20000] [--skip-matching]``

For each size it generates a seeded instance (CSV files), then prints:

- at the size compared with ``matching`` 1.4.3 (30,000 applications by
  default): matching's build+solve time against the engine's solve time on
  the same parsed arrays, after checking both give the same assignment; the
  comparison instance has no reserved seats (matching has none) and leaves out
  zero-capacity schools, which matching rejects;
- at every size: the whole command run as a subprocess (process start-up,
  reading, allocation, writing), with and without ``--explain``, and its peak
  memory.

Instances: sections bébés/moyens/grands, five distinct wishes per
application drawn with Zipf-like popularity, about two places for three
applications, points with many ties, 8 % of families in an insertion
pathway, 10 % of seats reserved for them, sibling bonuses for 3 % of
applications.
"""

import argparse
import os
import platform
import sys
import tempfile
import threading
import time
import warnings
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import polars as pl

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sdsf.allocation import cli, engine  # noqa: E402

SECTIONS = ("bébés", "moyens", "grands")
SECTION_SHARES = (0.4, 0.35, 0.25)
WISHES = 5
ZIPF_EXPONENT = 0.9
PLACES_PER_APPLICATION = 0.65
MATCHING_SIZE = (30_000, 800)


def generate(
    directory: Path, applications: int, structures: int, seed: int, reserved_share: float
) -> dict[str, Path]:
    """Write places.csv, applications.csv and bonuses.csv into ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    structure_ids = _identifiers("S", structures)
    application_ids = _identifiers("D", applications)
    shares = np.array(SECTION_SHARES)
    mean_capacity = PLACES_PER_APPLICATION * applications * shares / structures
    capacity = rng.poisson(mean_capacity, size=(structures, len(SECTIONS)))
    places = pl.DataFrame(
        {
            "structure_id": structure_ids.gather(np.repeat(np.arange(structures), len(SECTIONS))),
            "section": np.tile(SECTIONS, structures),
            "capacity": capacity.ravel(),
            "reserved_insertion": rng.binomial(capacity, reserved_share).ravel(),
        }
    ).with_columns(structure_name=pl.format("Crèche {}", "structure_id"))
    wishes = _zipf_wishes(rng, applications, structures)
    submitted = datetime(2026, 1, 5, tzinfo=UTC).timestamp() + rng.integers(
        0, 150 * 86400, applications
    )
    table = pl.DataFrame(
        {
            "application_id": application_ids,
            "section": rng.choice(SECTIONS, size=applications, p=shares),
            "points": rng.binomial(40, 0.5, size=applications),
            "submitted_at": pl.Series(submitted * 1_000_000, dtype=pl.Int64)
            .cast(pl.Datetime("us", "UTC"))
            .dt.convert_time_zone("Europe/Paris")
            .dt.to_string("%Y-%m-%dT%H:%M:%S%:z"),
            "wishes": pl.select(
                pl.concat_str([structure_ids.gather(column) for column in wishes.T], separator="|")
            ).to_series(),
            "insertion": (rng.random(applications) < 0.08).astype(np.int8),
        }
    )
    with_bonus = np.flatnonzero(rng.random(applications) < 0.03)
    bonuses = pl.DataFrame(
        {
            "application_id": application_ids.gather(with_bonus),
            "structure_id": structure_ids.gather(wishes[with_bonus, rng.integers(0, 2)]),
            "bonus": np.full(with_bonus.size, 20),
        }
    )
    paths = {name: directory / f"{name}.csv" for name in ("places", "applications", "bonuses")}
    places.write_csv(paths["places"])
    table.write_csv(paths["applications"])
    bonuses.write_csv(paths["bonuses"])
    return paths


def _identifiers(prefix: str, count: int) -> pl.Series:
    return pl.select(
        pl.format(f"{prefix}{{}}", pl.int_range(count).cast(pl.String).str.zfill(7))
    ).to_series()


def _zipf_wishes(rng: np.random.Generator, applications: int, structures: int) -> np.ndarray:
    """Five distinct structures per application, popular ones more often.

    Draws three times too many candidates with replacement, then keeps the
    first five distinct ones of each row (rows short of five, vanishingly
    rare, are redrawn).
    """
    popularity = 1.0 / np.arange(1, structures + 1) ** ZIPF_EXPONENT
    popularity = popularity[rng.permutation(structures)] / popularity.sum()
    result = np.empty((applications, WISHES), dtype=np.int64)
    todo = np.arange(applications)
    while todo.size:
        draws = rng.choice(structures, size=(todo.size, 3 * WISHES), p=popularity)
        repeated = np.zeros(draws.shape, dtype=bool)
        for column in range(1, draws.shape[1]):
            repeated[:, column] = (draws[:, :column] == draws[:, [column]]).any(axis=1)
        fresh = ~repeated
        complete = fresh.sum(axis=1) >= WISHES
        kept = fresh & (np.cumsum(fresh, axis=1) <= WISHES)
        result[todo[complete]] = draws[complete][kept[complete]].reshape(-1, WISHES)
        todo = todo[~complete]
    return result


def matching_assignment(
    problem: engine.Problem, allocation: engine.Allocation
) -> tuple[np.ndarray, float]:
    """Structure per application from matching 1.4.3, and its build+solve time.

    Hospitals are (structure, section) schools ranking their applicants in the
    engine's priority order; zero-capacity schools are left out (matching
    rejects them), which changes nobody's outcome.
    """
    from matching.games import HospitalResident

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10 * problem.section.size))
    pair_application = problem.pair_application()
    pair_school = problem.pair_school(pair_application)
    capacity = problem.capacity.ravel()
    open_pair = capacity[pair_school] > 0
    resident_prefs: dict[int, list[int]] = {}
    for application, school in zip(
        pair_application[open_pair].tolist(), pair_school[open_pair].tolist(), strict=True
    ):
        resident_prefs.setdefault(application, []).append(school)
    by_priority = allocation.position_pair[open_pair[allocation.position_pair]]
    hospital_prefs: dict[int, list[int]] = {}
    for application, school in zip(
        pair_application[by_priority].tolist(), pair_school[by_priority].tolist(), strict=True
    ):
        hospital_prefs.setdefault(school, []).append(application)
    capacities = {school: int(capacity[school]) for school in hospital_prefs}
    started = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        game = HospitalResident.create_from_dictionaries(resident_prefs, hospital_prefs, capacities)
        solution = game.solve(optimal="resident")
    elapsed = time.perf_counter() - started
    structure = np.full(problem.section.size, -1, dtype=np.int64)
    for hospital, residents in solution.items():
        for resident in residents:
            structure[resident.name] = hospital.name // problem.section_count
    return structure, elapsed


def engine_seconds(paths: dict[str, Path], seed: int) -> tuple[engine.Problem, float]:
    """Parsed problem, and the best of five in-process solve times."""
    problem = cli.load(paths["places"], paths["applications"], paths["bonuses"]).problem
    best = min(_timed(lambda: engine.allocate(problem, seed)) for _ in range(5))
    return problem, best


def compare_with_matching(paths: dict[str, Path], seed: int) -> dict[str, float]:
    problem, engine_time = engine_seconds(paths, seed)
    allocation = engine.allocate(problem, seed)
    reference, matching_time = _in_big_stack(lambda: matching_assignment(problem, allocation))
    if not np.array_equal(reference, allocation.structure):
        raise SystemExit("ÉCHEC : matching et le moteur ne donnent pas la même affectation.")
    return {"matching": matching_time, "engine": engine_time, "rounds": allocation.rounds}


def _timed(action) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def _in_big_stack(action):
    """Run in a thread with a large stack: matching deep-copies recursively."""
    result = []
    threading.stack_size(1 << 30)
    thread = threading.Thread(target=lambda: result.append(action()))
    thread.start()
    thread.join()
    return result[0]


def run_command(
    command: list[str], paths: dict[str, Path], seed: int, explain: bool
) -> dict[str, float]:
    """Wall time and peak memory of one run of the command as a subprocess."""
    out = paths["places"].parent / "out.csv"
    arguments = [
        *command,
        "--places", str(paths["places"]),
        "--applications", str(paths["applications"]),
        "--bonuses", str(paths["bonuses"]),
        "--seed", str(seed),
        "--out", str(out),
    ]  # fmt: skip
    if explain:
        arguments += ["--explain", str(out.with_suffix(".jsonl"))]
    silence_stderr = [(os.POSIX_SPAWN_OPEN, 2, os.devnull, os.O_WRONLY, 0)]
    os.sync()  # so that no run pays for the write-back of the previous one's gigabyte
    started = time.perf_counter()
    pid = os.posix_spawn(arguments[0], arguments, os.environ, file_actions=silence_stderr)
    _, status, usage = os.wait4(pid, 0)  # the child's own peak memory
    elapsed = time.perf_counter() - started
    if status != 0:
        raise SystemExit(f"ÉCHEC : {' '.join(arguments)} -> {status}")
    return {"seconds": elapsed, "peak_mb": usage.ru_maxrss / 1024}


def commands() -> dict[str, list[str]]:
    found = {"python -m sdsf.allocation.cli": [sys.executable, "-m", "sdsf.allocation.cli"]}
    script = Path(sys.executable).parent / "sdsf"
    if script.exists():
        found["sdsf allocate"] = [str(script), "allocate"]
    return found


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes", nargs="+", default=["30000:800", "1000000:20000"], help="demandes:structures"
    )
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--skip-matching", action="store_true")
    parser.add_argument("--repeat", type=int, default=3, help="runs per command (best kept)")
    options = parser.parse_args(argv)
    os.chdir(ROOT)
    print(f"{os.cpu_count()} cœurs, Python {platform.python_version()}, numpy {np.__version__}")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for size in options.sizes:
            applications, structures = (int(part) for part in size.split(":"))
            directory = Path(tmp) / size.replace(":", "-")
            instances = {
                "réserves 10 %": generate(
                    directory / "reserves", applications, structures, options.seed, 0.1
                )
            }
            matching_time = None
            if (applications, structures) == MATCHING_SIZE and not options.skip_matching:
                paths = generate(directory / "plain", applications, structures, options.seed, 0.0)
                figures = compare_with_matching(paths, options.seed)
                matching_time = figures["matching"]
                print(
                    f"{applications:,} demandes / {structures:,} structures, sans réserve : "
                    f"matching (build+solve) {figures['matching']:.1f} s, "
                    f"moteur (solve) {figures['engine'] * 1000:.1f} ms "
                    f"en {figures['rounds']} tours, "
                    f"rapport {figures['matching'] / figures['engine']:,.0f}×, "
                    "affectations identiques."
                )
                instances = {"sans réserve": paths, **instances}
            for label, paths in instances.items():
                _, solve = engine_seconds(paths, options.seed)
                ratio = f"{matching_time / solve:,.0f}×" if matching_time else ""
                rows.append((size, label, "moteur seul, en mémoire", "", f"{solve:.3f}", "", ratio))
                for name, command in commands().items():
                    for explain in (False, True):
                        runs = [
                            run_command(command, paths, options.seed, explain)
                            for _ in range(options.repeat)
                        ]
                        best = min(runs, key=lambda run: run["seconds"])
                        ratio = f"{matching_time / best['seconds']:,.0f}×" if matching_time else ""
                        rows.append(
                            (
                                size,
                                label,
                                name,
                                "oui" if explain else "non",
                                f"{best['seconds']:.2f}",
                                f"{max(run['peak_mb'] for run in runs):,.0f}",
                                ratio,
                            )
                        )
    _print_table(
        (
            "taille",
            "instance",
            "mesure",
            "--explain",
            "durée (s)",
            "mémoire max (Mo)",
            "vs matching",
        ),
        rows,
    )
    return 0


def _print_table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> None:
    widths = [max(len(row[index]) for row in [header, *rows]) for index in range(len(header))]
    for row in [header, *rows]:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
