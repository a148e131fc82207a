"""Properties of the allocation engine and its explanations.

The engine is checked against a plain-Python statement of the choice rule
(``reference_choice``), not against its own vectorised code: capacities,
stability, applicant-optimality (brute force on tiny instances), equality
with the ``matching`` package where there is no reserve, determinism.
"""

import dataclasses
import io
import itertools
import json
import warnings
from dataclasses import dataclass

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sdsf.allocation import engine, explain

GENERAL, RESERVED = engine.GENERAL_SEAT, engine.RESERVED_SEAT


@dataclass(frozen=True)
class Case:
    problem: engine.Problem
    seed: int

    @property
    def size(self) -> int:
        return self.problem.section.size

    def wishes(self, application: int) -> list[int]:
        offsets = self.problem.wish_offsets
        return self.problem.wish_structures[
            offsets[application] : offsets[application + 1]
        ].tolist()

    def bonus(self, application: int, structure: int) -> float:
        problem = self.problem
        hits = (problem.bonus_application == application) & (problem.bonus_structure == structure)
        return float(problem.bonus_value[hits].sum())

    def key(self, application: int, structure: int, lottery: np.ndarray) -> tuple:
        """Priority at a structure as a sort key: smaller is better."""
        problem = self.problem
        return (
            -(problem.score[application] + self.bonus(application, structure)),
            problem.submitted[application],
            lottery[application],
        )

    def school(self, application: int, structure: int) -> tuple[int, int]:
        return structure, int(self.problem.section[application])


def reference_choice(case: Case, school: tuple[int, int], keys: dict[int, tuple]) -> dict[int, int]:
    """The choice rule as specified: admitted -> seat type.

    ``keys`` maps each applicant to its priority sort key (smaller is better).
    """
    capacity = int(case.problem.capacity[school])
    reserved = int(case.problem.reserved[school])
    ordered = sorted(keys, key=keys.__getitem__)
    general = ordered[: capacity - reserved]
    remaining = ordered[capacity - reserved :]
    insertion = [a for a in remaining if case.problem.insertion[a]][:reserved]
    released = [a for a in remaining if a not in insertion][: reserved - len(insertion)]
    return dict.fromkeys(general, GENERAL) | dict.fromkeys(insertion + released, RESERVED)


def choice(
    case: Case, school: tuple[int, int], applicants: set[int], lottery: np.ndarray
) -> dict[int, int]:
    keys = {a: case.key(a, school[0], lottery) for a in applicants}
    return reference_choice(case, school, keys)


@st.composite
def cases(
    draw,
    max_applications: int = 8,
    max_structures: int = 4,
    with_reserves: bool = True,
    distinct_scores: bool = False,
) -> Case:
    size = draw(st.integers(1, max_applications))
    structures = draw(st.integers(1, max_structures))
    sections = draw(st.integers(1, 2))
    capacity = np.array(
        draw(
            st.lists(
                st.integers(0, 3), min_size=structures * sections, max_size=structures * sections
            )
        ),
        dtype=np.int64,
    ).reshape(structures, sections)
    shares = draw(st.lists(st.floats(0, 1), min_size=capacity.size, max_size=capacity.size))
    reserved = np.floor(capacity * np.array(shares).reshape(capacity.shape) * with_reserves)
    wish_lists = [
        draw(st.permutations(range(structures)))[: draw(st.integers(0, structures))]
        for _ in range(size)
    ]
    if distinct_scores:
        score = np.array(draw(st.permutations(range(size))), dtype=np.float64)
    else:
        score = np.array(draw(st.lists(st.sampled_from([0, 1, 2.5]), min_size=size, max_size=size)))
    pairs = st.tuples(st.integers(0, size - 1), st.integers(0, structures - 1))
    bonus_pairs = [] if distinct_scores else sorted(draw(st.sets(pairs, max_size=4)))
    bonus_value = [draw(st.sampled_from([1.0, 1.5])) for _ in bonus_pairs]
    problem = engine.Problem(
        section=np.array(
            draw(st.lists(st.integers(0, sections - 1), min_size=size, max_size=size))
        ),
        score=score,
        submitted=np.array(draw(st.lists(st.integers(0, 2), min_size=size, max_size=size))),
        insertion=np.array(draw(st.lists(st.booleans(), min_size=size, max_size=size))),
        wish_offsets=np.cumsum([0] + [len(w) for w in wish_lists]),
        wish_structures=np.array([s for w in wish_lists for s in w], dtype=np.int64),
        capacity=capacity,
        reserved=reserved.astype(np.int64),
        bonus_application=np.array([a for a, _ in bonus_pairs], dtype=np.int64),
        bonus_structure=np.array([s for _, s in bonus_pairs], dtype=np.int64),
        bonus_value=np.array(bonus_value, dtype=np.float64),
    )
    return Case(problem=problem, seed=draw(st.integers(0, 2**32 - 1)))


def holders(case: Case, assigned: list[int | None]) -> dict[tuple[int, int], set[int]]:
    result: dict[tuple[int, int], set[int]] = {}
    for application, structure in enumerate(assigned):
        if structure is not None:
            result.setdefault(case.school(application, structure), set()).add(application)
    return result


def blocking_pairs(case: Case, assigned: list[int | None], lottery: np.ndarray) -> list:
    """(application, structure) pairs that would both rather be together."""
    held = holders(case, assigned)
    pairs = []
    for application in range(case.size):
        for structure in case.wishes(application):
            if structure == assigned[application]:
                break
            school = case.school(application, structure)
            others = held.get(school, set())
            if application in choice(case, school, others | {application}, lottery):
                pairs.append((application, structure))
    return pairs


def as_list(allocation: engine.Allocation) -> list[int | None]:
    return [None if s < 0 else s for s in allocation.structure.tolist()]


@settings(max_examples=100, deadline=None)
@given(cases())
def test_outcome_is_feasible_stable_and_follows_the_choice_rule(case):
    allocation = engine.allocate(case.problem, case.seed)
    assigned = as_list(allocation)
    for application, structure in enumerate(assigned):
        rank = int(allocation.wish_rank[application])
        if structure is None:
            assert rank == 0 and allocation.seat[application] == engine.NO_SEAT
        else:
            assert case.wishes(application)[rank - 1] == structure
    for school, applicants in holders(case, assigned).items():
        seats = choice(case, school, applicants, allocation.lottery)
        assert seats == {a: int(allocation.seat[a]) for a in applicants}
    assert blocking_pairs(case, assigned, allocation.lottery) == []


@settings(max_examples=100, deadline=None)
@given(cases(max_applications=5, max_structures=3))
def test_outcome_is_the_applicant_optimal_stable_matching(case):
    allocation = engine.allocate(case.problem, case.seed)
    lottery = allocation.lottery
    options = [[None, *case.wishes(a)] for a in range(case.size)]
    stable = []
    for candidate in itertools.product(*options):
        held = holders(case, list(candidate))
        fits = all(
            len(applicants) <= case.problem.capacity[school] for school, applicants in held.items()
        )
        if fits and not blocking_pairs(case, list(candidate), lottery):
            stable.append(candidate)
    assert tuple(as_list(allocation)) in stable

    def rank(application: int, structure: int | None) -> int:
        wishes = case.wishes(application)
        return len(wishes) if structure is None else wishes.index(structure)

    for other in stable:
        for application, structure in enumerate(as_list(allocation)):
            assert rank(application, structure) <= rank(application, other[application])


def matching_package_assignment(case: Case, lottery: np.ndarray) -> list[int | None]:
    """Resident-optimal HospitalResident of ``matching`` on the same priorities."""
    from matching.games import HospitalResident

    problem = case.problem
    resident_prefs = {}
    for application in range(case.size):
        prefs = [
            case.school(application, s)
            for s in case.wishes(application)
            if problem.capacity[case.school(application, s)] > 0
        ]
        if prefs:
            resident_prefs[application] = prefs
    hospital_prefs: dict[tuple[int, int], list[int]] = {}
    for application, prefs in resident_prefs.items():
        for school in prefs:
            hospital_prefs.setdefault(school, []).append(application)
    for school, applicants in hospital_prefs.items():
        applicants.sort(key=lambda a: case.key(a, school[0], lottery))
    capacities = {school: int(problem.capacity[school]) for school in hospital_prefs}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        game = HospitalResident.create_from_dictionaries(resident_prefs, hospital_prefs, capacities)
        solution = game.solve(optimal="resident")
    assigned: list[int | None] = [None] * case.size
    for hospital, residents in solution.items():
        for resident in residents:
            assigned[resident.name] = hospital.name[0]
    return assigned


@settings(max_examples=60, deadline=None)
@given(cases(max_applications=12, max_structures=5, with_reserves=False, distinct_scores=True))
def test_without_reserves_it_equals_the_matching_package(case):
    allocation = engine.allocate(case.problem, case.seed)
    assert as_list(allocation) == matching_package_assignment(case, allocation.lottery)


@settings(max_examples=20, deadline=None)
@given(cases())
def test_same_seed_gives_the_same_result(case):
    first = engine.allocate(case.problem, case.seed)
    second = engine.allocate(case.problem, case.seed)
    for name in ("structure", "wish_rank", "seat", "lottery"):
        np.testing.assert_array_equal(getattr(first, name), getattr(second, name))


def single_structure(
    scores: list[float], insertion: list[bool], capacity: int, reserved: int
) -> engine.Problem:
    size = len(scores)
    return engine.Problem(
        section=np.zeros(size, dtype=np.int64),
        score=np.array(scores, dtype=np.float64),
        submitted=np.arange(size),
        insertion=np.array(insertion),
        wish_offsets=np.arange(size + 1),
        wish_structures=np.zeros(size, dtype=np.int64),
        capacity=np.array([[capacity]]),
        reserved=np.array([[reserved]]),
    )


def test_reserved_seats_go_to_insertion_families_after_general_seats():
    problem = single_structure([50, 40, 30, 20, 10], [True, False, False, True, True], 3, 1)
    allocation = engine.allocate(problem, seed=0)
    assert allocation.structure.tolist() == [0, 0, -1, 0, -1]
    assert allocation.seat.tolist() == [GENERAL, GENERAL, 0, RESERVED, 0]


def test_reserved_seats_nobody_needs_are_released():
    problem = single_structure([50, 40, 30, 20], [False, False, False, False], 3, 2)
    allocation = engine.allocate(problem, seed=0)
    assert allocation.structure.tolist() == [0, 0, 0, -1]
    assert allocation.seat.tolist() == [GENERAL, RESERVED, RESERVED, 0]


@settings(max_examples=100, deadline=None)
@given(cases())
def test_explanations_agree_with_the_outcome(case):
    allocation = engine.allocate(case.problem, case.seed)
    explanation = explain.explain(case.problem, allocation)
    lottery = allocation.lottery
    held = holders(case, as_list(allocation))
    for application in range(case.size):
        start = int(case.problem.wish_offsets[application])
        rank = int(allocation.wish_rank[application])
        for index, structure in enumerate(case.wishes(application)):
            pair = start + index
            outcome = explanation.outcome[pair]
            expected = (
                explain.FULL
                if rank == 0 or index + 1 < rank
                else explain.ASSIGNED
                if index + 1 == rank
                else explain.NOT_NEEDED
            )
            assert outcome == expected
            score = case.problem.score[application] + case.bonus(application, structure)
            assert explanation.score[pair] == score
            if outcome == explain.FULL:
                school = case.school(application, structure)
                assert allocation.full[school[0] * case.problem.section_count + school[1]]
                check_refusal(
                    case, held.get(school, set()), application, school, explanation, pair, lottery
                )


def check_refusal(case, admitted, application, school, explanation, pair, lottery):
    """The cutoff is the last admitted family the applicant had to beat."""
    structure = school[0]
    assert len(admitted) == case.problem.capacity[school]
    reason = explanation.reason[pair]
    if reason == explain.NO_PLACE_IN_SECTION:
        assert case.problem.capacity[school] == 0
        return
    seats = choice(case, school, admitted, lottery)
    insertion = case.problem.insertion[application]
    reachable = [
        a for a in admitted if insertion or seats[a] == GENERAL or not case.problem.insertion[a]
    ]
    if reason == explain.ONLY_RESERVED_SEATS:
        assert not reachable
        return
    cutoff = max(reachable, key=lambda a: case.key(a, structure, lottery))
    cutoff_key = case.key(cutoff, structure, lottery)
    own_key = case.key(application, structure, lottery)
    assert explanation.cutoff_score[pair] == -cutoff_key[0]
    assert own_key > cutoff_key
    expected_reason = (
        explain.OUTRANKED
        if own_key[0] > cutoff_key[0]
        else explain.TIE_BROKEN_BY_DATE
        if own_key[1] > cutoff_key[1]
        else explain.TIE_BROKEN_BY_LOTTERY
    )
    assert reason == expected_reason
    # Just ahead of the cutoff, the applicant would have been admitted.
    better = (*cutoff_key[:2], cutoff_key[2] - 0.5)
    keys = {a: case.key(a, structure, lottery) for a in admitted} | {application: better}
    assert application in reference_choice(case, school, keys)


def explanation_lines(problem, seed, structure_ids, structure_names, chunk=200_000):
    allocation = engine.allocate(problem, seed)
    size = problem.section.size
    buffer = io.BytesIO()
    explain.write_explanations(
        buffer,
        problem,
        allocation,
        explain.explain(problem, allocation),
        explain.Labels(
            application_ids=pl.Series([f"A{index}" for index in range(size)]),
            structure_ids=pl.Series(structure_ids),
            structure_names=pl.Series(structure_names),
        ),
        chunk=chunk,
    )
    lines = [json.loads(line) for line in buffer.getvalue().decode().splitlines()]
    # A family page renders the same sentences from the stored wishes (in its language).
    names = {i: name for i, name in zip(structure_ids, structure_names, strict=True) if name}
    assert [explain.message(line, names) for line in lines] == [line["message"] for line in lines]
    return lines


def test_messages_name_structures_points_and_tie_breaks():
    problem = engine.Problem(
        section=np.zeros(4, dtype=np.int64),
        score=np.array([42.0, 37.5, 42.0, 1.0]),
        submitted=np.array([0, 5, 5, 9]),
        insertion=np.zeros(4, dtype=bool),
        wish_offsets=np.array([0, 2, 4, 6, 7]),
        wish_structures=np.array([0, 1, 0, 1, 0, 1, 2]),
        capacity=np.array([[1], [1], [0]]),
        reserved=np.zeros((3, 1), dtype=np.int64),
    )
    lines = explanation_lines(problem, 1, ["LILAS", "S2", "S3"], ["Les Lilas", "", ""])
    assert lines[0]["message"] == (
        "Une place vous est proposée à la structure « Les Lilas » (votre vœu n° 1). "
        "Vos vœux suivants n'ont pas été examinés car une place vous a été attribuée "
        "sur un vœu préféré."
    )
    assert lines[1]["structure_id"] is None
    assert lines[1]["message"] == (
        "La structure « Les Lilas » (votre vœu n° 1) était complète : la dernière "
        "famille admise avait 42 points, vous en aviez 37,5. La structure S2 (votre vœu n° 2) "
        "était complète : la dernière famille admise avait 42 points, vous en aviez 37,5. "
        "Aucune place n'a pu vous être proposée sur vos vœux."
    )
    assert "déposée avant la vôtre" in lines[2]["message"]
    assert lines[2]["wishes"] == [
        {
            "rank": 1,
            "structure_id": "LILAS",
            "outcome": "full",
            "score": 42,
            "cutoff_score": 42,
            "reason": "tie_broken_by_date",
            "day": None,
            "section": None,
        },
        {
            "rank": 2,
            "structure_id": "S2",
            "outcome": "assigned",
            "score": 42,
            "cutoff_score": None,
            "reason": None,
            "day": None,
            "section": None,
        },
    ]
    assert lines[3]["message"] == (
        "La structure S3 (votre vœu n° 1) n'avait aucune place dans la section de votre "
        "enfant. Aucune place n'a pu vous être proposée sur vos vœux."
    )


def test_lottery_and_reserved_seats_are_explained():
    lines = explanation_lines(
        single_structure([10, 10, 10], [False, True, False], capacity=1, reserved=1),
        seed=3,
        structure_ids=["S"],
        structure_names=[""],
    )
    assert lines[1]["structure_id"] == "S"
    assert "réservées aux familles en parcours d'insertion" in lines[0]["message"]
    problem = single_structure([10, 10], [False, False], capacity=1, reserved=0)
    problem = dataclasses.replace(problem, submitted=np.zeros(2, dtype=np.int64))
    lines = explanation_lines(problem, 3, ["S"], [""])
    refused = next(line for line in lines if line["structure_id"] is None)
    assert "le tirage au sort l'a placée avant vous" in refused["message"]


@settings(max_examples=20, deadline=None)
@given(cases())
def test_explanation_lines_follow_the_arrays_whatever_the_chunk(case):
    counts = np.diff(case.problem.wish_offsets)
    problem = dataclasses.replace(
        case.problem,
        wish_offsets=np.cumsum([0, *np.maximum(counts, 1)]),
        wish_structures=np.concatenate([case.wishes(a) or [0] for a in range(case.size)]).astype(
            np.int64
        ),
    )
    structures = problem.capacity.shape[0]
    ids = [f"S{index}" for index in range(structures)]
    names = ["" if index % 2 else f"Nom {index}" for index in range(structures)]
    lines = explanation_lines(problem, case.seed, ids, names)
    assert explanation_lines(problem, case.seed, ids, names, chunk=2) == lines
    allocation = engine.allocate(problem, case.seed)
    explanation = explain.explain(problem, allocation)
    for application, line in enumerate(lines):
        structure = int(allocation.structure[application])
        assert line["structure_id"] == (ids[structure] if structure >= 0 else None)
        pairs = range(problem.wish_offsets[application], problem.wish_offsets[application + 1])
        assert [wish["outcome"] for wish in line["wishes"]] == [
            explain.OUTCOME_NAMES[explanation.outcome[pair]] for pair in pairs
        ]
        assert [wish["structure_id"] for wish in line["wishes"]] == [
            ids[problem.wish_structures[pair]] for pair in pairs
        ]
        sentences = line["message"].count("(votre vœu n° ")
        assert sentences == sum(explanation.outcome[pair] != explain.NOT_NEEDED for pair in pairs)


@pytest.mark.parametrize(("value", "text"), [(42.0, "42"), (37.5, "37,5"), (0.25, "0,25")])
def test_points_are_written_the_french_way(value, text):
    assert pl.select(explain.points_text(pl.lit(value))).item() == text
