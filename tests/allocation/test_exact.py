"""The allocation engine where theory gives no guarantee, against brute force.

Small random instances (siblings, part time, pools with section caps, both reserves,
transfers) are solved by enumerating every assignment; the engine must return a stable
matching when one exists, otherwise the fewest blocking groups and then the most children.
Blocking groups are counted by ``reference_blocking``, a plain statement of the definition
in :mod:`sdsf.allocation.exact`, independent of the module's code.
"""

import itertools
from dataclasses import dataclass

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from sdsf.allocation import engine, exact, explain

SLOTS = 3  # half-day slots used by the small instances (all others unused)


@dataclass(frozen=True)
class Case:
    problem: engine.Problem
    seed: int


@st.composite
def cases(
    draw,
    max_units=5,
    max_structures=3,
    siblings=True,
    part_time=True,
    pools=True,
    reserves=True,
    transfers=True,
):
    structures = draw(st.integers(1, max_structures))
    sections = draw(st.integers(1, 2))
    pooled = [pools and draw(st.booleans()) for _ in range(structures)]
    capacity = np.zeros((structures, sections), dtype=np.int64)
    reserved = np.zeros_like(capacity)
    reserved_benefit = np.zeros_like(capacity)
    pool = np.full(structures, -1, dtype=np.int64)
    pool_reserved = np.zeros(structures, dtype=np.int64)
    pool_reserved_benefit = np.zeros(structures, dtype=np.int64)
    for s in range(structures):
        if pooled[s]:
            pool[s] = draw(st.integers(0, 3))
            for k in range(sections):
                capacity[s, k] = draw(st.integers(0, int(pool[s])))
            if reserves:
                pool_reserved[s] = draw(st.integers(0, int(pool[s])))
                pool_reserved_benefit[s] = draw(st.integers(0, int(pool[s] - pool_reserved[s])))
        else:
            for k in range(sections):
                capacity[s, k] = draw(st.integers(0, 2))
                if reserves:
                    reserved[s, k] = draw(st.integers(0, int(capacity[s, k])))
                    reserved_benefit[s, k] = draw(
                        st.integers(0, int(capacity[s, k] - reserved[s, k]))
                    )
    units = draw(st.integers(1, max_units))
    rows = []
    for unit in range(units):
        size = draw(st.sampled_from([1, 1, 2])) if siblings else 1
        wishes = draw(st.permutations(range(structures)))[: draw(st.integers(0, structures))]
        score = draw(st.sampled_from([0.0, 1.0, 2.5]))
        submitted = draw(st.integers(0, 1))
        insertion = reserves and draw(st.booleans())
        benefit = reserves and draw(st.booleans())
        current = -1
        if transfers and size == 1 and draw(st.integers(0, 3)) == 0:
            others = [s for s in range(structures) if s not in wishes]
            if others:
                current = draw(st.sampled_from(others))
        for _ in range(size):
            days = (
                draw(st.integers(1, (1 << SLOTS) - 1)) if part_time and draw(st.booleans()) else 0
            )
            rows.append(
                {
                    "section": draw(st.integers(0, sections - 1)),
                    "score": score,
                    "submitted": submitted,
                    "insertion": insertion,
                    "benefit": benefit,
                    "wishes": list(wishes),
                    "group": unit,
                    "current": current,
                    "days": days or engine.ALL_DAYS,
                }
            )
    problem = engine.Problem(
        section=np.array([r["section"] for r in rows], dtype=np.int64),
        score=np.array([r["score"] for r in rows]),
        submitted=np.array([r["submitted"] for r in rows], dtype=np.int64),
        insertion=np.array([r["insertion"] for r in rows], dtype=bool),
        wish_offsets=np.cumsum([0] + [len(r["wishes"]) for r in rows]).astype(np.int64),
        wish_structures=np.array([s for r in rows for s in r["wishes"]], dtype=np.int64),
        capacity=capacity,
        reserved=reserved,
        pool=pool,
        pool_reserved=pool_reserved,
        pool_reserved_benefit=pool_reserved_benefit,
        benefit=np.array([r["benefit"] for r in rows], dtype=bool),
        reserved_benefit=reserved_benefit,
        days=np.array([r["days"] for r in rows], dtype=np.int64),
        half_days=np.ones(structures, dtype=bool),
        group=np.array([r["group"] for r in rows], dtype=np.int64),
        current=np.array([r["current"] for r in rows], dtype=np.int64),
    )
    problem = _fit_current_children(problem)
    return Case(problem, draw(st.integers(0, 2**32 - 1)))


def _fit_current_children(problem: engine.Problem) -> engine.Problem:
    """Transfers whose current structure cannot hold them lose it (the command refuses such
    input): every holder must fit on every slot, in its section cap and the pool."""
    current = problem.current.copy()
    for application in np.flatnonzero(current >= 0):
        s = current[application]
        others = np.flatnonzero(current == s)
        others = others[others <= application]
        section = problem.section[application]
        if problem.pool[s] >= 0:
            same = others[problem.section[others] == section]
            fits = others.size <= problem.pool[s] and same.size <= problem.capacity[s, section]
        else:
            same = others[problem.section[others] == section]
            fits = same.size <= problem.capacity[s, section]
        if not fits:
            current[application] = -1
    return engine.Problem(**{**_fields(problem), "current": current})


def _fields(problem):
    return {name: getattr(problem, name) for name in problem.__slots__}


# -- Reference statement of the definition ----------------------------------------------


def units_of(problem):
    units = {}
    for application in range(problem.size):
        units.setdefault(int(problem.group[application]), []).append(application)
    return list(units.values())


def options_of(problem, members):
    first = members[0]
    wishes = problem.wish_structures[
        problem.wish_offsets[first] : problem.wish_offsets[first + 1]
    ].tolist()
    current = int(problem.current[first])
    return wishes + ([current] if current >= 0 else [])


def school(problem, structure, application):
    if problem.pool[structure] >= 0:
        return (structure, None)
    return (structure, int(problem.section[application]))


def school_seats(problem, key):
    structure, section = key
    if section is None:
        return (
            int(problem.pool[structure]),
            int(problem.pool_reserved[structure]),
            int(problem.pool_reserved_benefit[structure]),
        )
    return (
        int(problem.capacity[structure, section]),
        int(problem.reserved[structure, section]),
        int(problem.reserved_benefit[structure, section]),
    )


def priority(problem, lottery, members, structure):
    """Sort key at a structure (smaller is better) of a unit."""
    first = members[0]
    holder = int(problem.current[first]) == structure
    bonus = sum(
        value
        for a, s, value in zip(
            problem.bonus_application, problem.bonus_structure, problem.bonus_value, strict=True
        )
        if a == first and s == structure
    )
    return (
        0 if holder else 1,
        -float(problem.score[first] + bonus),
        int(problem.submitted[first]),
        min(int(lottery[m]) for m in members),
    )


def fits_everywhere(problem, units, assignment):
    load = {}
    for unit, option in zip(units, assignment, strict=True):
        if option is None:
            if problem.current[unit[0]] >= 0:
                return False
            continue
        for application in unit:
            key = school(problem, option, application)
            for slot in range(engine.SLOTS):
                if problem.days[application] >> slot & 1:
                    load.setdefault((key, slot), []).append(application)
    for ((structure, section), _), children in load.items():
        if len(children) > school_seats(problem, (structure, section))[0]:
            return False
        if section is None:
            for k in range(problem.section_count):
                inside = [c for c in children if problem.section[c] == k]
                if len(inside) > problem.capacity[structure, k]:
                    return False
    return True


def reference_blocking(problem, lottery, units, assignment):
    """Number of (unit, preferred wish) pairs that block, as the definition states."""
    count = 0
    for index, (unit, outcome) in enumerate(zip(units, assignment, strict=True)):
        options = options_of(problem, unit)
        for structure in options[: options.index(outcome) if outcome is not None else None]:
            if blocks(problem, lottery, units, assignment, index, structure):
                count += 1
    return count


def blocks(problem, lottery, units, assignment, index, structure):
    unit = units[index]
    key = priority(problem, lottery, unit, structure)
    insertion = bool(problem.insertion[unit[0]])
    benefit = bool(problem.benefit[unit[0]])
    for slot in range(engine.SLOTS):
        mine = [a for a in unit if problem.days[a] >> slot & 1]
        for school_key in {school(problem, structure, a) for a in mine}:
            need = [a for a in mine if school(problem, structure, a) == school_key]
            placed = sorted(
                (
                    (priority(problem, lottery, other, structure), a)
                    for other, option in zip(units, assignment, strict=True)
                    if option == structure
                    for a in other
                    if school(problem, structure, a) == school_key and problem.days[a] >> slot & 1
                ),
            )
            capacity, reserved, reserved_benefit = school_seats(problem, school_key)
            labels, used_i, used_b = [], 0, 0
            for position, (other_key, a) in enumerate(placed):
                holder = other_key[0] == 0
                if position < capacity - reserved - reserved_benefit:
                    labels.append("general")
                elif (problem.insertion[a] or holder) and used_i < reserved:
                    used_i += 1
                    labels.append("insertion")
                elif (problem.benefit[a] or holder) and used_b < reserved_benefit:
                    used_b += 1
                    labels.append("benefit")
                else:
                    labels.append("released")
            claimable = (reserved - used_i if insertion else 0) + (
                reserved_benefit - used_b if benefit else 0
            )
            released_above = [
                p for p, (k, _) in enumerate(placed) if k < key and labels[p] == "released"
            ]
            displaced = released_above[len(released_above) - min(claimable, len(released_above)) :]
            outrank = []
            for position, ((other_key, a), label) in enumerate(zip(placed, labels, strict=True)):
                above = other_key < key
                if label in ("general", "released"):
                    keep = above and position not in displaced
                elif label == "insertion":
                    keep = above or not insertion
                else:
                    keep = above or not benefit
                if keep:
                    outrank.append(a)
            if len(outrank) + len(need) > capacity:
                return False
            if school_key[1] is None:
                for k in range(problem.section_count):
                    inside = sum(problem.section[a] == k for a in outrank)
                    wanted = sum(problem.section[a] == k for a in need)
                    if wanted and inside + wanted > problem.capacity[structure, k]:
                        return False
    return True


def brute_force(problem, lottery):
    """(fewest blocking groups, most children placed among those) over every assignment."""
    units = units_of(problem)
    choices = [
        ([] if problem.current[u[0]] >= 0 else [None]) + options_of(problem, u) for u in units
    ]
    best = None
    for assignment in itertools.product(*choices):
        if not fits_everywhere(problem, units, assignment):
            continue
        blocking = reference_blocking(problem, lottery, units, assignment)
        placed = sum(
            len(u) for u, option in zip(units, assignment, strict=True) if option is not None
        )
        if best is None or (blocking, -placed) < best:
            best = (blocking, -placed)
    return best[0], -best[1]


def engine_assignment(problem, allocation):
    units = units_of(problem)
    result = []
    for unit in units:
        structures = {int(allocation.structure[a]) for a in unit}
        assert len(structures) == 1, "siblings placed apart"
        (structure,) = structures
        result.append(None if structure < 0 else structure)
    return units, result


def check_against_brute_force(case):
    problem = case.problem
    allocation = engine.allocate(problem, case.seed, time_limit=30, workers=1)
    units, assignment = engine_assignment(problem, allocation)
    lottery = allocation.lottery
    assert fits_everywhere(problem, units, assignment)
    blocking = reference_blocking(problem, lottery, units, assignment)
    placed = sum(len(u) for u, option in zip(units, assignment, strict=True) if option is not None)
    summary = allocation.summary
    assert summary.proven
    assert summary.blocking_groups == blocking
    assert summary.stable == (blocking == 0)
    assert summary.placed == placed
    fewest, most = brute_force(problem, lottery)
    # A stable matching when one exists; otherwise the fewest blocking groups, then the most
    # children placed.
    assert blocking == fewest
    if fewest:
        assert placed == most


@settings(max_examples=150, deadline=None)
@given(cases())
def test_exact_path_matches_brute_force(case):
    check_against_brute_force(case)


@settings(max_examples=60, deadline=None)
@given(cases(max_units=6, reserves=False, pools=False))
def test_siblings_and_part_time_match_brute_force(case):
    check_against_brute_force(case)


@settings(max_examples=100, deadline=None)
@given(cases(max_units=6, siblings=False, part_time=False))
def test_deferred_acceptance_outcome_has_no_blocking_group(case):
    """Where deferred acceptance runs (pools, both reserves, transfers), its outcome is
    stable by the exact path's definition; where a capped pool with reserves sends the
    instance to the exact path, a stable matching is still found when one exists."""
    check_against_brute_force(case)


@settings(max_examples=60, deadline=None)
@given(cases(max_units=6, siblings=False, part_time=False))
def test_exact_solver_on_easy_instances_finds_deferred_acceptance_stable(case):
    problem = case.problem
    if exact.hard_applications(problem).any():
        return
    lottery = engine.draw_lottery(problem.size, case.seed)
    solved = exact.solve(problem, np.arange(problem.size), lottery, time_limit=30, workers=1)
    assert solved.summary.stable and solved.summary.proven
    allocation = engine.allocate(problem, case.seed)
    units, assignment = engine_assignment(problem, allocation)
    assert reference_blocking(problem, lottery, units, assignment) == 0


def test_without_a_stable_matching_the_fewest_blocking_groups_are_proven():
    """Twins T want A (2 places); S1 prefers B, S2 prefers A; at A, S1 > T > S2; at B,
    S2 > S1. Every matching is blocked (the twins and the singles chase each other)."""
    problem = engine.Problem(
        section=np.zeros(4, dtype=np.int64),
        score=np.array([5.0, 5.0, 9.0, 1.0]),
        submitted=np.zeros(4, dtype=np.int64),
        insertion=np.zeros(4, dtype=bool),
        wish_offsets=np.array([0, 1, 2, 4, 6]),
        wish_structures=np.array([0, 0, 1, 0, 0, 1]),
        capacity=np.array([[2], [1]]),
        reserved=np.zeros((2, 1), dtype=np.int64),
        bonus_application=np.array([3]),
        bonus_structure=np.array([1]),
        bonus_value=np.array([10.0]),
        group=np.array([0, 0, 1, 2]),
    )
    allocation = engine.allocate(problem, seed=1)
    assert not allocation.summary.stable
    assert allocation.summary.proven
    assert allocation.summary.method == "exact"
    problem = engine.Problem(
        **{
            **_fields(problem),
            "days": np.full(4, engine.ALL_DAYS),
            "current": np.full(4, -1),
            "benefit": np.zeros(4, dtype=bool),
            "pool": np.full(2, -1),
            "pool_reserved": np.zeros(2, dtype=np.int64),
            "pool_reserved_benefit": np.zeros(2, dtype=np.int64),
            "reserved_benefit": np.zeros((2, 1), dtype=np.int64),
        }
    )
    check_against_brute_force(Case(problem, seed=1))
    explanation = explain.explain(problem, allocation)
    assert engine.NO_STABLE_ALLOCATION in explanation.reason.tolist()


def test_components_solved_in_parallel_processes_give_the_same_result():
    """Two copies of an instance without stable matching, on separate structures: two
    components for CP-SAT, solved in two processes, as in one."""
    single = engine.Problem(
        section=np.zeros(4, dtype=np.int64),
        score=np.array([5.0, 5.0, 9.0, 1.0]),
        submitted=np.zeros(4, dtype=np.int64),
        insertion=np.zeros(4, dtype=bool),
        wish_offsets=np.array([0, 1, 2, 4, 6]),
        wish_structures=np.array([0, 0, 1, 0, 0, 1]),
        capacity=np.array([[2], [1]]),
        reserved=np.zeros((2, 1), dtype=np.int64),
    )
    problem = engine.Problem(
        section=np.zeros(8, dtype=np.int64),
        score=np.tile(single.score, 2),
        submitted=np.zeros(8, dtype=np.int64),
        insertion=np.zeros(8, dtype=bool),
        wish_offsets=np.arange(0, 13, dtype=np.int64)[[0, 1, 2, 4, 6, 7, 8, 10, 12]],
        wish_structures=np.concatenate([single.wish_structures, single.wish_structures + 2]),
        capacity=np.array([[2], [1], [2], [1]]),
        reserved=np.zeros((4, 1), dtype=np.int64),
        bonus_application=np.array([3, 7]),
        bonus_structure=np.array([1, 3]),
        bonus_value=np.array([10.0, 10.0]),
        group=np.array([0, 0, 1, 2, 3, 3, 4, 5]),
    )
    parallel = engine.allocate(problem, seed=1, workers=2)
    serial = engine.allocate(problem, seed=1, workers=1)
    np.testing.assert_array_equal(parallel.structure, serial.structure)
    assert parallel.summary == serial.summary
    assert parallel.summary.blocking_groups == 2 and parallel.summary.proven
