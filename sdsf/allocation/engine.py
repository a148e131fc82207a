"""Allocation of childcare places: deferred acceptance on arrays, an exact solver where needed.

**Schools.** A structure's places are either split by age section (each (structure, section)
pair is a "school" with its own capacity) or pooled: a ``toutes sections`` capacity that the
children of every section share, possibly with a cap per section inside the pool (at most 12
bébés of 60). A school chooses among the applications it holds or receives with this rule
(slot-specific priorities, general seats first, as French commissions apply the AVIP share):

1. the general seats (capacity less both reserves) go to the best applications by priority;
2. the seats reserved for families in a job-insertion pathway (AVIP) go to the best remaining
   insertion applications;
3. the seats reserved by article D214-7 CASF for families receiving a minimum social benefit
   go to the best remaining such applications (a family may belong to both categories);
4. reserved seats still empty go to the best remaining applications;

and in a pool with section caps, an application whose section already has its cap of better
applications is passed over at every step.

**Why deferred acceptance stays stable and strategy-proof.** Each step fills single seats,
each taking the best remaining eligible application: a fixed sequence of slots with their own
priority orders. Removing an application from the candidates leaves at most one more
candidate remaining after each slot (induction on the slots), so an application chosen from a
set is chosen from every subset containing it: the rule is *substitutable*, fills every seat it
can (*size monotone*), and applicant-proposing deferred acceptance with it yields the stable
matching every family prefers to any other, and no family gains by misreporting its wishes.
A pool with section caps and no reserve is greedy choice by priority over a laminar family of
quotas (a matroid), substitutable for the same reason. A pool with both section caps and
reserves is not: when a better child of a capped section leaves, a worse one of that section
can take its general seat and push out a reserved-seat holder of the same section (the test
suite has the counterexample); such a structure is solved exactly (:mod:`exact`).

**Transfers.** A child already enrolled keeps its seat unless it gets a wish it prefers: its
current structure is appended as its last wish, where it has the highest priority (above
every slot's order, reserved seats included). Its seat counts in the structure's capacity;
since every holder fits there (checked on input), the last wish is always granted, and the
rule above, with holders first in every slot, keeps the slot-specific form, so stability and
strategy-proofness hold as before; the seat it leaves goes to another child in the same run.

**Where theory gives no guarantee** (siblings placed together, part-time needs counted per
day, pools with caps and reserves), a stable matching may not exist and finding one is
NP-hard: :mod:`exact` finds one when one exists, otherwise the matching with the fewest
blocking groups, then the most children placed, and says which happened. The problem is cut
into connected components (families and the structures they wish); only the components that
need it go to the exact solver, the others run deferred acceptance.

Why arrays: a département runs up to a million applications; a per-pair Python object model is
orders of magnitude too slow. Every wish is given once, up front, an integer *position* in the
priority order of its school (all wishes sorted by school, then priority), so the rounds only
compare integers: in each round every free application proposes at once, and only the schools
that received a proposal re-run their choice rule.
"""

from dataclasses import dataclass, field

import numpy as np

NO_SEAT = 0
GENERAL_SEAT = 1
RESERVED_SEAT = 2
BENEFIT_SEAT = 3

DAY_NAMES = ("lu", "ma", "me", "je", "ve")
SLOTS = 2 * len(DAY_NAMES)
ALL_DAYS = (1 << SLOTS) - 1
MORNINGS = sum(1 << (2 * day) for day in range(len(DAY_NAMES)))

# Why a wish was refused (``explain`` turns them into sentences; 0 = not refused).
OUTRANKED = 1
TIE_BROKEN_BY_DATE = 2
TIE_BROKEN_BY_LOTTERY = 3
NO_PLACE_IN_SECTION = 4
ONLY_RESERVED_SEATS = 5
SECTION_CAP_FULL = 6
ONLY_BENEFIT_SEATS = 7
HELD_BY_ENROLLED = 8
SIBLINGS_APART = 9
NO_STABLE_ALLOCATION = 10


def minimum_benefit_reserve(places: int) -> int:
    """Seats kept by article D214-7 CASF: at least one child in twenty places."""
    return places // 20


def whole_days(mask: np.ndarray) -> np.ndarray:
    """A half-day need widened to the whole day, for structures that count by the day."""
    days = (mask | (mask >> 1)) & MORNINGS
    return days | (days << 1)


UNCAPPED = 2**40  # a section cap that never binds


def _empty(dtype: type) -> np.ndarray:
    return np.empty(0, dtype=dtype)


@dataclass(frozen=True, slots=True)
class Problem:
    """An allocation instance in array form, already validated by the caller.

    Applications are numbered ``0..n-1``, structures ``0..m-1`` and sections
    ``0..k-1``. The wishes of application ``a`` are
    ``wish_structures[wish_offsets[a]:wish_offsets[a + 1]]``, best first and
    without repetition. ``submitted`` may use any increasing encoding of the
    submission time. A bonus is added to an application's score at one
    structure only (e.g. a sibling already there); bonuses for structures the
    application did not wish are ignored.

    ``capacity`` and ``reserved`` (insertion seats) are per (structure, section). The optional
    arrays (empty: not used) add:

    - ``pool`` (per structure, -1 when not pooled): a ``toutes sections`` capacity; then
      ``capacity[s, k]`` is section ``k``'s cap inside the pool (the pool itself when
      uncapped) and the pool's reserves are ``pool_reserved`` and ``pool_reserved_benefit``;
    - ``benefit`` (per application): the family receives a minimum social benefit, and
      ``reserved_benefit`` (per structure and section): the D214-7 seats;
    - ``days`` (per application): bit ``2 * day + half`` set for each half-day needed
      (:data:`ALL_DAYS` = full time); ``half_days`` (per structure): the structure counts
      places per half-day, otherwise a half-day takes the whole day;
    - ``group`` (per application): applications of one family sharing a group number are
      placed in the same structure or not at all; their points, submission time, wishes,
      categories and bonuses are equal;
    - ``current`` (per application, -1 when none): the structure where the child is enrolled;
      its seat is counted in that structure's capacity (not in its wishes).
    """

    section: np.ndarray
    score: np.ndarray
    submitted: np.ndarray
    insertion: np.ndarray
    wish_offsets: np.ndarray
    wish_structures: np.ndarray
    capacity: np.ndarray
    reserved: np.ndarray
    bonus_application: np.ndarray = field(default_factory=lambda: _empty(np.int64))
    bonus_structure: np.ndarray = field(default_factory=lambda: _empty(np.int64))
    bonus_value: np.ndarray = field(default_factory=lambda: _empty(np.float64))
    pool: np.ndarray = field(default_factory=lambda: _empty(np.int64))
    pool_reserved: np.ndarray = field(default_factory=lambda: _empty(np.int64))
    pool_reserved_benefit: np.ndarray = field(default_factory=lambda: _empty(np.int64))
    benefit: np.ndarray = field(default_factory=lambda: _empty(bool))
    reserved_benefit: np.ndarray = field(default_factory=lambda: _empty(np.int64))
    days: np.ndarray = field(default_factory=lambda: _empty(np.int64))
    half_days: np.ndarray = field(default_factory=lambda: _empty(bool))
    group: np.ndarray = field(default_factory=lambda: _empty(np.int64))
    current: np.ndarray = field(default_factory=lambda: _empty(np.int64))

    @property
    def section_count(self) -> int:
        return self.capacity.shape[1]

    @property
    def size(self) -> int:
        return self.section.size

    @property
    def structure_count(self) -> int:
        return self.capacity.shape[0]

    def pools(self) -> np.ndarray:
        return _or_fill(self.pool, self.structure_count, -1, np.int64)

    def benefits(self) -> np.ndarray:
        return _or_fill(self.benefit, self.size, False, bool)

    def needs(self) -> np.ndarray:
        return _or_fill(self.days, self.size, ALL_DAYS, np.int64)

    def currents(self) -> np.ndarray:
        return _or_fill(self.current, self.size, -1, np.int64)

    def groups(self) -> np.ndarray:
        """Group number of each application (its own index when alone)."""
        return self.group if self.group.size else np.arange(self.size)

    def pair_application(self) -> np.ndarray:
        """Application of each wish."""
        counts = np.diff(self.wish_offsets)
        return np.repeat(np.arange(counts.size), counts)

    def pair_school(self, pair_application: np.ndarray) -> np.ndarray:
        """School of each wish: ``structure * section_count + section``, or
        ``structure * section_count`` for every section of a pooled structure."""
        return school_of(self, self.wish_structures, pair_application)


def _or_fill(values: np.ndarray, size: int, fill, dtype) -> np.ndarray:
    return values if values.size else np.full(size, fill, dtype=dtype)


def school_of(problem: Problem, structures: np.ndarray, applications: np.ndarray) -> np.ndarray:
    sections = problem.section_count
    pooled = problem.pools()[structures] >= 0
    return structures.astype(np.int64) * sections + np.where(
        pooled, 0, problem.section[applications]
    )


@dataclass(frozen=True, slots=True)
class Schools:
    """Seats per school (``structure * section_count + section``; a pool is its structure's
    section-0 school, its other schools are empty), and section caps (per school and section,
    set for pooled schools only)."""

    capacity: np.ndarray
    reserved: np.ndarray
    reserved_benefit: np.ndarray
    section_cap: np.ndarray | None

    @property
    def general(self) -> np.ndarray:
        return self.capacity - self.reserved - self.reserved_benefit


def schools(problem: Problem) -> Schools:
    capacity = problem.capacity.ravel().astype(np.int64).copy()
    reserved = problem.reserved.ravel().astype(np.int64).copy()
    benefit = (
        problem.reserved_benefit.ravel().astype(np.int64).copy()
        if problem.reserved_benefit.size
        else np.zeros_like(capacity)
    )
    pools = problem.pools()
    pooled = np.flatnonzero(pools >= 0)
    section_cap = None
    if pooled.size:
        sections = problem.section_count
        # Schools split by section have no cap of their own (their capacity is the section's).
        section_cap = np.full((capacity.size, sections), UNCAPPED, dtype=np.int64)
        first = pooled * sections
        section_cap[first] = problem.capacity[pooled]
        for array in (capacity, reserved, benefit):
            array.reshape(-1, sections)[pooled] = 0
        capacity[first] = pools[pooled]
        reserved[first] = _or_fill(problem.pool_reserved, pools.size, 0, np.int64)[pooled]
        benefit[first] = _or_fill(problem.pool_reserved_benefit, pools.size, 0, np.int64)[pooled]
        # A section without a cap of its own (cap = pool) is uncapped: the choice rule's cap
        # filter must not rank it (it would pass over reserve-eligible children).
        uncapped = section_cap[first] >= capacity[first, None]
        if uncapped.all():
            section_cap = None
        else:
            section_cap[first] = np.where(uncapped, UNCAPPED, section_cap[first])
    return Schools(capacity, reserved, benefit, section_cap)


@dataclass(frozen=True, slots=True)
class Summary:
    """How the result was obtained, for the command's ``--summary`` and the commission.

    ``method`` is ``deferred_acceptance`` when no component needed the exact solver;
    ``stable`` whether no blocking group exists; ``blocking_groups`` their number;
    ``placed`` the children placed; ``proven`` whether the exact solver proved its answer
    (stable, or minimal in blocking groups then maximal in children placed) rather than
    stopping at its time limit with the best matching found.
    """

    method: str
    stable: bool
    blocking_groups: int
    placed: int
    proven: bool = True

    def as_dict(self) -> dict:
        return {
            "method": self.method,
            "stable": self.stable,
            "blocking_groups": self.blocking_groups,
            "placed": self.placed,
            "proven": self.proven,
        }


@dataclass(frozen=True, slots=True)
class Allocation:
    """Outcome of :func:`allocate`, with what :mod:`explain` needs.

    Per application: ``structure`` (-1 without a place), ``wish_rank``
    (1-based, 0 without a place or when the child keeps its current place), ``seat`` and the
    ``lottery`` number drawn.
    Per *pair* (the wishes, plus the current place of a transfer appended after its wishes;
    ``wish_pair`` gives the pair of each wish, ``pair_application`` the application of each
    pair): ``pair_priority`` (score plus bonus) and ``pair_position``, the
    rank of the pair in the sorted order of all pairs (by school, then
    priority): two positions of the same school compare like priorities.
    ``position_pair`` is the inverse permutation.
    Per school: ``full``, and ``cutoff[profile]``, the position of the last admitted family
    that an application of that profile must have beaten to get in, or -1; profile bit 1 is
    insertion, bit 2 minimum benefit (a family competes for the reserved seats of its
    categories and for general and released seats). Per pooled school and section:
    ``section_full`` and ``section_cutoff``.
    Per wish: ``wish_score`` (priority at the structure: points plus bonus), and
    ``wish_reason``, ``wish_cutoff`` and ``wish_detail`` (the half-day slot of a part-time
    refusal, or the section of a full cap), set by the exact solver for the applications it
    placed (-1 and NaN elsewhere; the reasons are this module's constants).
    """

    structure: np.ndarray
    wish_rank: np.ndarray
    seat: np.ndarray
    lottery: np.ndarray
    pair_priority: np.ndarray
    pair_position: np.ndarray
    position_pair: np.ndarray
    pair_application: np.ndarray
    wish_pair: np.ndarray
    full: np.ndarray
    cutoff: np.ndarray
    section_full: np.ndarray | None
    section_cutoff: np.ndarray | None
    rounds: int
    summary: Summary
    wish_score: np.ndarray
    wish_reason: np.ndarray
    wish_cutoff: np.ndarray
    wish_detail: np.ndarray

    @property
    def cutoff_regular(self) -> np.ndarray:
        return self.cutoff[0]

    @property
    def cutoff_insertion(self) -> np.ndarray:
        return self.cutoff[1]


def draw_lottery(application_count: int, seed: int) -> np.ndarray:
    """One lottery number per application, lower wins: the single tie-break."""
    generator = np.random.Generator(np.random.PCG64(seed))
    return generator.permutation(application_count)


def allocate(
    problem: Problem, seed: int, *, time_limit: float = 60.0, workers: int = 2
) -> Allocation:
    """Allocate the places; same seed, same result.

    Deferred acceptance where it is stable and strategy-proof; the components with siblings,
    part-time needs or capped pools with reserves go to :func:`exact.solve`, with
    ``time_limit`` seconds per component and up to ``workers`` processes.
    """
    from sdsf.allocation import exact  # the solver's import costs, paid only when needed

    lottery = draw_lottery(problem.size, seed)
    hard = exact.hard_applications(problem)
    if not hard.any():
        return _deferred_acceptance_allocation(problem, lottery)
    easy = np.flatnonzero(~hard)
    result = _deferred_acceptance_allocation(subproblem(problem, easy), lottery[easy])
    solved = exact.solve(problem, np.flatnonzero(hard), lottery, time_limit, workers)
    return _merge(problem, lottery, easy, result, solved)


def subproblem(problem: Problem, applications: np.ndarray) -> Problem:
    """The same structures, with the given applications only (in that order)."""
    offsets = problem.wish_offsets
    counts = offsets[applications + 1] - offsets[applications]
    pairs = _concat_ranges(offsets[applications], counts)
    new_index = np.full(problem.size, -1, dtype=np.int64)
    new_index[applications] = np.arange(applications.size)
    bonus = (
        new_index[problem.bonus_application] >= 0
        if problem.bonus_application.size
        else np.zeros(0, dtype=bool)
    )

    def take(values: np.ndarray) -> np.ndarray:
        return values[applications] if values.size else values

    return Problem(
        section=problem.section[applications],
        score=problem.score[applications],
        submitted=problem.submitted[applications],
        insertion=problem.insertion[applications],
        wish_offsets=np.concatenate(([0], np.cumsum(counts))).astype(np.int64),
        wish_structures=problem.wish_structures[pairs],
        capacity=problem.capacity,
        reserved=problem.reserved,
        bonus_application=new_index[problem.bonus_application[bonus]],
        bonus_structure=problem.bonus_structure[bonus],
        bonus_value=problem.bonus_value[bonus],
        pool=problem.pool,
        pool_reserved=problem.pool_reserved,
        pool_reserved_benefit=problem.pool_reserved_benefit,
        benefit=take(problem.benefit),
        reserved_benefit=problem.reserved_benefit,
        days=take(problem.days),
        half_days=problem.half_days,
        group=take(problem.group),
        current=take(problem.current),
    )


def _merge(problem, lottery, easy, result: Allocation, solved) -> Allocation:
    """The deferred-acceptance part (applications ``easy``) and the exact part in one.

    Pair arrays and cutoffs stay those of the deferred-acceptance part (its pairs keep their
    numbers; the exact part's wishes point to an extra, empty pair); the exact part's wishes
    carry their own reasons and cutoffs (``wish_reason``, ``wish_cutoff``).
    """
    structure = solved.structure.copy()
    wish_rank = solved.wish_rank.copy()
    seat = solved.seat.copy()
    structure[easy] = result.structure
    wish_rank[easy] = result.wish_rank
    seat[easy] = result.seat
    offsets = problem.wish_offsets
    easy_wishes = _concat_ranges(offsets[easy], offsets[easy + 1] - offsets[easy])
    pair_count = result.pair_application.size
    wish_pair = np.full(problem.wish_structures.size, pair_count, dtype=np.int64)
    wish_pair[easy_wishes] = result.wish_pair
    wish_score = solved.wish_score.copy()
    wish_score[easy_wishes] = result.wish_score
    return Allocation(
        structure=structure,
        wish_rank=wish_rank,
        seat=seat,
        lottery=lottery,
        pair_priority=np.append(result.pair_priority, np.nan),
        pair_position=np.append(result.pair_position, -1),
        position_pair=result.position_pair,
        pair_application=np.append(easy[result.pair_application], -1),
        wish_pair=wish_pair,
        full=result.full,
        cutoff=result.cutoff,
        section_full=result.section_full,
        section_cutoff=result.section_cutoff,
        rounds=result.rounds,
        summary=Summary(
            method=solved.summary.method,
            stable=solved.summary.stable,
            blocking_groups=solved.summary.blocking_groups,
            placed=int((structure >= 0).sum()),
            proven=solved.summary.proven,
        ),
        wish_score=wish_score,
        wish_reason=solved.wish_reason,
        wish_cutoff=solved.wish_cutoff,
        wish_detail=solved.wish_detail,
    )


def _deferred_acceptance_allocation(problem: Problem, lottery: np.ndarray) -> Allocation:
    """Applicant-proposing deferred acceptance, on arrays."""
    application_count = problem.size
    wish_offsets, wish_structures, holder, wish_pair = _with_current_places(problem)
    counts = np.diff(wish_offsets)
    pair_application = np.repeat(np.arange(application_count), counts)
    pair_school = school_of(problem, wish_structures, pair_application)
    seats = schools(problem)
    pair_priority, position_pair = _priority_order(
        problem, wish_offsets, wish_structures, pair_application, pair_school, holder, lottery,
        seats.capacity.size,
    )  # fmt: skip
    pair_position = np.empty_like(position_pair)
    pair_position[position_pair] = np.arange(position_pair.size)
    holder_of_position = holder[position_pair]
    application_of_position = pair_application[position_pair]
    benefit = problem.benefits()
    rule = _ChoiceRule(
        school_of_position=pair_school[position_pair],
        insertion_of_position=problem.insertion[application_of_position] | holder_of_position,
        benefit_of_position=(benefit[application_of_position] | holder_of_position)
        if seats.reserved_benefit.any()
        else None,
        section_of_position=problem.section[application_of_position]
        if seats.section_cap is not None
        else None,
        capacity=seats.capacity,
        reserved=seats.reserved,
        reserved_benefit=seats.reserved_benefit,
        section_cap=seats.section_cap,
    )
    held_seats, rounds = _deferred_acceptance(
        wish_offsets, pair_position, application_of_position, rule
    )
    held = held_seats[held_seats >= 0]
    _, seat_type = rule.choose(held)
    held_pair = position_pair[held]
    held_application = pair_application[held_pair]
    structure = np.full(application_count, -1, dtype=np.int32)
    structure[held_application] = wish_structures[held_pair]
    wish_rank = np.zeros(application_count, dtype=np.int32)
    wish_rank[held_application] = np.where(
        holder[held_pair], 0, held_pair - wish_offsets[held_application] + 1
    )
    seat = np.full(application_count, NO_SEAT, dtype=np.int8)
    seat[held_application] = seat_type
    full, cutoff = _cutoffs(rule, held, seat_type, holder_of_position)
    section_full, section_cutoff = _section_cutoffs(rule, held)
    wish_count = problem.wish_structures.size
    return Allocation(
        structure=structure,
        wish_rank=wish_rank,
        seat=seat,
        lottery=lottery,
        pair_priority=pair_priority,
        pair_position=pair_position,
        position_pair=position_pair,
        pair_application=pair_application,
        wish_pair=wish_pair,
        full=full,
        cutoff=cutoff,
        section_full=section_full,
        section_cutoff=section_cutoff,
        rounds=rounds,
        summary=Summary(
            method="deferred_acceptance",
            stable=True,
            blocking_groups=0,
            placed=int(held.size),
        ),
        wish_score=pair_priority[wish_pair],
        wish_reason=np.full(wish_count, -1, dtype=np.int8),
        wish_cutoff=np.full(wish_count, np.nan),
        wish_detail=np.full(wish_count, -1, dtype=np.int16),
    )


def _with_current_places(problem: Problem):
    """Wishes with each transfer's current structure appended as its last wish.

    Returns the pair offsets and structures, which pairs are current places (``holder``),
    and the pair of each original wish.
    """
    current = problem.currents()
    transfer = current >= 0
    if not transfer.any():
        identity = np.arange(problem.wish_structures.size)
        return (
            problem.wish_offsets,
            problem.wish_structures,
            np.zeros(identity.size, dtype=bool),
            identity,
        )
    counts = np.diff(problem.wish_offsets) + transfer
    offsets = np.concatenate(([0], np.cumsum(counts))).astype(np.int64)
    holder = np.zeros(int(offsets[-1]), dtype=bool)
    holder[offsets[1:][transfer] - 1] = True
    structures = np.empty(holder.size, dtype=problem.wish_structures.dtype)
    structures[holder] = current[transfer]
    structures[~holder] = problem.wish_structures
    return offsets, structures, holder, np.flatnonzero(~holder)


def _priority_order(
    problem: Problem,
    wish_offsets: np.ndarray,
    wish_structures: np.ndarray,
    pair_application: np.ndarray,
    pair_school: np.ndarray,
    holder: np.ndarray,
    lottery: np.ndarray,
    school_count: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Priority of each pair, and the pairs sorted by school then priority.

    Priority is score plus bonus, ties broken by earlier submission then by
    lottery; a child's current place ranks it above everyone there. Sorting millions of
    wishes on four keys is slow, so each application's (score, submission, lottery), each
    applicable bonus and each current place becomes an *entry*; entries are ranked once, and
    a pair is sorted on the single integer ``school * entries + entry rank``.
    """
    application_count = problem.size
    bonus_pair = _bonus_pairs(problem, wish_offsets, wish_structures)
    applies = bonus_pair >= 0
    bonus_pair = bonus_pair[applies]
    holder_pair = np.flatnonzero(holder)
    special = np.concatenate((bonus_pair, holder_pair))
    entry_application = np.concatenate((np.arange(application_count), pair_application[special]))
    entry_priority = np.concatenate(
        (
            problem.score.astype(np.float64),
            problem.score[pair_application[bonus_pair]] + problem.bonus_value[applies],
            problem.score[pair_application[holder_pair]].astype(np.float64),
        )
    )
    keys = [lottery[entry_application], problem.submitted[entry_application], -entry_priority]
    if holder_pair.size:
        entry_holder = np.zeros(entry_application.size, dtype=np.int8)
        entry_holder[entry_application.size - holder_pair.size :] = 1
        keys.append(-entry_holder)
    entry_order = np.lexsort(keys)
    entry_count = entry_order.size
    entry_rank = np.empty(entry_count, dtype=np.int64)
    entry_rank[entry_order] = np.arange(entry_count)
    pair_entry = pair_application.copy()
    pair_entry[special] = application_count + np.arange(special.size)
    keys = pair_school * entry_count + entry_rank[pair_entry]
    return entry_priority[pair_entry], _argsort_distinct(keys, school_count * entry_count)


def _bonus_pairs(
    problem: Problem, wish_offsets: np.ndarray, wish_structures: np.ndarray
) -> np.ndarray:
    """Pair index each bonus applies to, or -1 if the structure is not wished."""
    found = np.full(problem.bonus_application.size, -1, dtype=np.int64)
    if found.size == 0:
        return found
    starts = wish_offsets[problem.bonus_application]
    ends = wish_offsets[problem.bonus_application + 1]
    last_pair = wish_structures.size - 1
    for offset in range(int((ends - starts).max())):
        pair = starts + offset
        hit = (pair < ends) & (
            wish_structures[np.minimum(pair, last_pair)] == problem.bonus_structure
        )
        found[hit] = pair[hit]
    return found


def _argsort_distinct(keys: np.ndarray, key_bound: int) -> np.ndarray:
    """Argsort of distinct non-negative keys below ``key_bound``.

    Sorting values is several times faster than ``np.argsort`` (vectorised
    sort), so when it fits in 63 bits the index is packed under the key.
    """
    size = keys.size
    if size and key_bound * size < 2**63:
        return np.sort(keys * size + np.arange(size)) % size
    return np.argsort(keys)


@dataclass(frozen=True, slots=True)
class _ChoiceRule:
    """The schools' choice rule, applied to many schools at once.

    ``benefit_of_position`` is None when no school has D214-7 seats, ``section_of_position``
    when no pool has a section cap below it: those steps are then skipped.
    """

    school_of_position: np.ndarray
    insertion_of_position: np.ndarray
    benefit_of_position: np.ndarray | None
    section_of_position: np.ndarray | None
    capacity: np.ndarray
    reserved: np.ndarray
    reserved_benefit: np.ndarray
    section_cap: np.ndarray | None

    def choose(self, candidates: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Admitted mask and seat type (``*_SEAT``) over sorted candidate positions.

        Sorted positions are grouped by school in priority order, so each
        step of the rule is a rank within the school's group.
        """
        school = self.school_of_position[candidates]
        groups = _Groups(school)
        eligible = None
        if self.section_of_position is not None:
            section = self.section_of_position[candidates]
            eligible = np.zeros(candidates.size, dtype=bool)
            for index in range(self.section_cap.shape[1]):
                mask = section == index
                eligible[mask] = (groups.rank(mask) < self.section_cap[school, index])[mask]
        reserved = self.reserved[school]
        reserved_benefit = self.reserved_benefit[school]
        general = self.capacity[school] - reserved - reserved_benefit
        on_general = groups.rank(eligible) < general
        if eligible is not None:
            on_general &= eligible
            remaining = eligible & ~on_general
        else:
            remaining = ~on_general
        insertion = remaining & self.insertion_of_position[candidates]
        on_reserved = insertion & (groups.rank(insertion) < reserved)
        remaining &= ~on_reserved
        released_insertion = reserved - groups.count(on_reserved)
        released = released_insertion
        on_benefit = np.zeros(candidates.size, dtype=bool)
        if self.benefit_of_position is not None:
            benefit = remaining & self.benefit_of_position[candidates]
            on_benefit = benefit & (groups.rank(benefit) < reserved_benefit)
            remaining &= ~on_benefit
            released = released + reserved_benefit - groups.count(on_benefit)
        released_rank = groups.rank(remaining)
        on_released = remaining & (released_rank < released)
        seat = np.where(on_general, GENERAL_SEAT, NO_SEAT).astype(np.int8)
        seat[on_reserved] = RESERVED_SEAT
        seat[on_benefit] = BENEFIT_SEAT
        seat[on_released] = np.where(
            released_rank[on_released] < released_insertion[on_released],
            RESERVED_SEAT,
            BENEFIT_SEAT,
        )
        return seat != NO_SEAT, seat


class _Groups:
    """Runs of equal values in a sorted array (one run per school)."""

    def __init__(self, sorted_values: np.ndarray) -> None:
        size = sorted_values.size
        boundary = np.empty(size, dtype=bool)
        boundary[:1] = True
        np.not_equal(sorted_values[1:], sorted_values[:-1], out=boundary[1:])
        self.starts = np.flatnonzero(boundary)
        self.group = np.cumsum(boundary) - 1
        self.size = size

    def rank(self, mask: np.ndarray | None = None) -> np.ndarray:
        """0-based rank of each element among the masked ones of its group."""
        if mask is None:
            return np.arange(self.size) - self.starts[self.group]
        before = np.cumsum(mask) - mask
        return before - before[self.starts][self.group]

    def count(self, mask: np.ndarray) -> np.ndarray:
        """Number of masked elements in the group of each element."""
        if not self.size:
            return np.zeros(0, dtype=np.int64)
        return np.add.reduceat(mask.astype(np.int64), self.starts)[self.group]


def _deferred_acceptance(
    wish_offsets: np.ndarray,
    pair_position: np.ndarray,
    application_of_position: np.ndarray,
    rule: _ChoiceRule,
) -> tuple[np.ndarray, int]:
    """Held positions, in one block of ``capacity`` slots per school.

    Each school keeps the chosen set of everything it was ever offered (the
    rule is substitutable, so a rejected application never comes back), so
    re-choosing among held and new proposals is enough. Blocks are filled in
    priority order, so the valid slots of the result are sorted. Touched
    schools are found with a mask rather than ``np.unique``, which hashes.
    """
    seat_start = np.cumsum(rule.capacity) - rule.capacity
    seats = np.full(int(rule.capacity.sum()), -1, dtype=np.int64)
    next_wish = wish_offsets[:-1].copy()
    wish_end = wish_offsets[1:]
    proposers = np.flatnonzero(next_wish < wish_end)
    touched_mask = np.zeros(rule.capacity.size, dtype=bool)
    rounds = 0
    while proposers.size:
        rounds += 1
        proposals = pair_position[next_wish[proposers]]
        touched_mask[rule.school_of_position[proposals]] = True
        touched = np.flatnonzero(touched_mask)
        touched_mask[touched] = False
        slots = _concat_ranges(seat_start[touched], rule.capacity[touched])
        held = seats[slots]
        candidates = np.sort(np.concatenate((held[held >= 0], proposals)))
        admitted, _ = rule.choose(candidates)
        kept = candidates[admitted]
        seats[slots] = -1
        seats[
            seat_start[rule.school_of_position[kept]]
            + _Groups(rule.school_of_position[kept]).rank()
        ] = kept
        rejected = application_of_position[candidates[~admitted]]
        next_wish[rejected] += 1
        proposers = rejected[next_wish[rejected] < wish_end[rejected]]
    return seats, rounds


def _concat_ranges(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Concatenation of ``range(start, start + length)`` for each pair."""
    shift = starts - (np.cumsum(lengths) - lengths)
    return np.repeat(shift, lengths) + np.arange(int(lengths.sum()))


def _cutoffs(
    rule: _ChoiceRule, held: np.ndarray, seat: np.ndarray, holder: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Per school: full or not, and the cutoff position of each family profile.

    A family is refused by a full school only if it ranks below every holder of a seat it
    could take: general seats, released seats, the reserved seats of its own categories, and
    seats of children enrolled there (who rank above everyone). Each profile's cutoff is
    therefore the worst holder among those seats, -1 when it could reach none. A released
    seat is one whose holder is outside the seat's category.
    """
    school_count = rule.capacity.size
    school = rule.school_of_position[held]
    starts = _Groups(school).starts
    group_school = school[starts]
    held_count = np.zeros(school_count, dtype=np.int64)
    held_count[group_school] = np.diff(np.append(starts, held.size))
    insertion_holder = rule.insertion_of_position[held]
    benefit_holder = (
        rule.benefit_of_position[held]
        if rule.benefit_of_position is not None
        else np.zeros(held.size, dtype=bool)
    )
    base = (
        (seat == GENERAL_SEAT)
        | holder[held]
        | ((seat == RESERVED_SEAT) & ~insertion_holder)
        | ((seat == BENEFIT_SEAT) & ~benefit_holder)
    )
    cutoff = np.full((4, school_count), -1, dtype=np.int64)
    for profile in range(4):
        reachable = base.copy()
        if profile & 1:
            reachable |= seat == RESERVED_SEAT
        if profile & 2:
            reachable |= seat == BENEFIT_SEAT
        if held.size:
            cutoff[profile, group_school] = np.maximum.reduceat(
                np.where(reachable, held, -1), starts
            )
    return held_count == rule.capacity, cutoff


def _section_cutoffs(
    rule: _ChoiceRule, held: np.ndarray
) -> tuple[np.ndarray | None, np.ndarray | None]:
    """Per pooled school and section: whether the cap is reached, and its last holder."""
    if rule.section_cap is None:
        return None, None
    school_count, sections = rule.section_cap.shape
    school = rule.school_of_position[held]
    key = school * sections + rule.section_of_position[held]
    count = np.bincount(key, minlength=school_count * sections).reshape(school_count, sections)
    cutoff = np.full(school_count * sections, -1, dtype=np.int64)
    np.maximum.at(cutoff, key, held)
    return count >= rule.section_cap, cutoff.reshape(school_count, sections)
