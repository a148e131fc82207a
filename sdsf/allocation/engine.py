"""Allocation of childcare places by deferred acceptance, computed on arrays.

The "schools" of the matching are (structure, section) pairs: an application
only competes for the seats of its child's section at each wished structure.
A school with capacity ``c`` and ``r`` seats reserved for families in a
job-insertion pathway chooses among the applications it holds or receives
with this rule (slot-specific priorities, general seats first):

1. the ``c - r`` general seats go to the best applications by priority;
2. the ``r`` reserved seats go to the best remaining insertion applications;
3. reserved seats still empty go to the best remaining applications.

This choice rule is substitutable and fills every seat it can, so
applicant-proposing deferred acceptance with it yields the stable matching
that every family prefers to any other stable matching, and no family can
gain by misreporting its wishes.

Why arrays: a département runs up to a million applications; a per-pair
Python object model is orders of magnitude too slow. Every wish is given
once, up front, an integer *position* in the priority order of its school
(all wishes sorted by school, then priority), so the rounds only compare
integers: in each round every free application proposes at once, and only the
schools that received a proposal re-run their choice rule.
"""

from dataclasses import dataclass, field

import numpy as np

NO_SEAT = 0
GENERAL_SEAT = 1
RESERVED_SEAT = 2


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

    @property
    def section_count(self) -> int:
        return self.capacity.shape[1]

    def pair_application(self) -> np.ndarray:
        """Application of each wish."""
        counts = np.diff(self.wish_offsets)
        return np.repeat(np.arange(counts.size), counts)

    def pair_school(self, pair_application: np.ndarray) -> np.ndarray:
        """School (structure * section_count + section) of each wish."""
        return (
            self.wish_structures.astype(np.int64) * self.section_count
            + self.section[pair_application]
        )


@dataclass(frozen=True, slots=True)
class Allocation:
    """Outcome of :func:`allocate`, with what :mod:`explain` needs.

    Per application: ``structure`` (-1 without a place), ``wish_rank``
    (1-based, 0 without a place), ``seat`` and the ``lottery`` number drawn.
    Per wish: ``pair_priority`` (score plus bonus) and ``pair_position``, the
    rank of the wish in the sorted order of all wishes (by school, then
    priority): two positions of the same school compare like priorities.
    ``position_pair`` is the inverse permutation.
    Per school: ``full``, and the position of the cutoff, i.e. the last
    admitted family that an application must have beaten to get in, or -1:
    ``cutoff_regular`` for applications outside the insertion pathway (general
    seats and reserved seats released to them), ``cutoff_insertion`` for
    insertion applications (every seat).
    """

    structure: np.ndarray
    wish_rank: np.ndarray
    seat: np.ndarray
    lottery: np.ndarray
    pair_priority: np.ndarray
    pair_position: np.ndarray
    position_pair: np.ndarray
    full: np.ndarray
    cutoff_regular: np.ndarray
    cutoff_insertion: np.ndarray
    rounds: int


def draw_lottery(application_count: int, seed: int) -> np.ndarray:
    """One lottery number per application, lower wins: the single tie-break."""
    generator = np.random.Generator(np.random.PCG64(seed))
    return generator.permutation(application_count)


def allocate(problem: Problem, seed: int) -> Allocation:
    """Run applicant-proposing deferred acceptance; same seed, same result."""
    application_count = problem.section.size
    lottery = draw_lottery(application_count, seed)
    pair_application = problem.pair_application()
    pair_school = problem.pair_school(pair_application)
    pair_priority, position_pair = _priority_order(problem, pair_application, pair_school, lottery)
    pair_position = np.empty_like(position_pair)
    pair_position[position_pair] = np.arange(position_pair.size)
    rule = _ChoiceRule(
        school_of_position=pair_school[position_pair],
        insertion_of_position=problem.insertion[pair_application[position_pair]],
        capacity=problem.capacity.ravel().astype(np.int64),
        reserved=problem.reserved.ravel().astype(np.int64),
    )
    seats, rounds = _deferred_acceptance(
        problem.wish_offsets, pair_position, pair_application[position_pair], rule
    )
    held = seats[seats >= 0]
    _, reserved_seat = rule.choose(held)
    held_pair = position_pair[held]
    held_application = pair_application[held_pair]
    structure = np.full(application_count, -1, dtype=np.int32)
    structure[held_application] = problem.wish_structures[held_pair]
    wish_rank = np.zeros(application_count, dtype=np.int32)
    wish_rank[held_application] = held_pair - problem.wish_offsets[held_application] + 1
    seat = np.full(application_count, NO_SEAT, dtype=np.int8)
    seat[held_application] = np.where(reserved_seat, RESERVED_SEAT, GENERAL_SEAT)
    full, cutoff_regular, cutoff_insertion = _cutoffs(rule, held, reserved_seat)
    return Allocation(
        structure=structure,
        wish_rank=wish_rank,
        seat=seat,
        lottery=lottery,
        pair_priority=pair_priority,
        pair_position=pair_position,
        position_pair=position_pair,
        full=full,
        cutoff_regular=cutoff_regular,
        cutoff_insertion=cutoff_insertion,
        rounds=rounds,
    )


def _priority_order(
    problem: Problem,
    pair_application: np.ndarray,
    pair_school: np.ndarray,
    lottery: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Priority of each wish, and the wishes sorted by school then priority.

    Priority is score plus bonus, ties broken by earlier submission then by
    lottery. Sorting millions of wishes on four keys is slow, so each
    application's (score, submission, lottery) and each applicable bonus
    becomes an *entry*; entries are ranked once, and a wish is sorted on the
    single integer ``school * entries + entry rank``.
    """
    application_count = problem.section.size
    bonus_pair = _bonus_pairs(problem)
    applies = bonus_pair >= 0
    bonus_pair = bonus_pair[applies]
    entry_application = np.concatenate((np.arange(application_count), pair_application[bonus_pair]))
    entry_priority = np.concatenate(
        (
            problem.score.astype(np.float64),
            problem.score[pair_application[bonus_pair]] + problem.bonus_value[applies],
        )
    )
    entry_order = np.lexsort(
        (
            lottery[entry_application],
            problem.submitted[entry_application],
            -entry_priority,
        )
    )
    entry_count = entry_order.size
    entry_rank = np.empty(entry_count, dtype=np.int64)
    entry_rank[entry_order] = np.arange(entry_count)
    pair_entry = pair_application.copy()
    pair_entry[bonus_pair] = application_count + np.arange(bonus_pair.size)
    keys = pair_school * entry_count + entry_rank[pair_entry]
    school_count = problem.capacity.size
    return entry_priority[pair_entry], _argsort_distinct(keys, school_count * entry_count)


def _bonus_pairs(problem: Problem) -> np.ndarray:
    """Wish index each bonus applies to, or -1 if the structure is not wished."""
    found = np.full(problem.bonus_application.size, -1, dtype=np.int64)
    if found.size == 0:
        return found
    starts = problem.wish_offsets[problem.bonus_application]
    ends = problem.wish_offsets[problem.bonus_application + 1]
    last_pair = problem.wish_structures.size - 1
    for offset in range(int((ends - starts).max())):
        pair = starts + offset
        hit = (pair < ends) & (
            problem.wish_structures[np.minimum(pair, last_pair)] == problem.bonus_structure
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
    """The schools' choice rule, applied to many schools at once."""

    school_of_position: np.ndarray
    insertion_of_position: np.ndarray
    capacity: np.ndarray
    reserved: np.ndarray

    def choose(self, candidates: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Admitted and reserved-seat masks over sorted candidate positions.

        Sorted positions are grouped by school in priority order, so each
        step of the rule is a rank within the school's group.
        """
        school = self.school_of_position[candidates]
        groups = _Groups(school)
        reserved = self.reserved[school]
        on_general = groups.rank() < self.capacity[school] - reserved
        remaining = ~on_general
        insertion = remaining & self.insertion_of_position[candidates]
        on_reserved = insertion & (groups.rank(insertion) < reserved)
        released = reserved - groups.count(on_reserved)
        others = remaining & ~on_reserved
        on_released = others & (groups.rank(others) < released)
        reserved_seat = on_reserved | on_released
        return on_general | reserved_seat, reserved_seat


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
    rule: _ChoiceRule, held: np.ndarray, reserved_seat: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per school: full or not, and the cutoff position of each group.

    An application outside the insertion pathway is refused by a full school
    only if it ranks below every general-seat holder and every non-insertion
    holder of a released reserved seat; an insertion application only if it
    ranks below every holder (a reserved seat held by a non-insertion family
    would have gone to it). Each group's cutoff is therefore the worst holder
    among the seats it could reach, -1 when it could reach none.
    """
    school_count = rule.capacity.size
    school = rule.school_of_position[held]
    starts = _Groups(school).starts
    group_school = school[starts]
    held_count = np.zeros(school_count, dtype=np.int64)
    held_count[group_school] = np.diff(np.append(starts, held.size))
    reachable = ~reserved_seat | ~rule.insertion_of_position[held]
    cutoff_regular = np.full(school_count, -1, dtype=np.int64)
    cutoff_regular[group_school] = np.maximum.reduceat(np.where(reachable, held, -1), starts)
    cutoff_insertion = np.full(school_count, -1, dtype=np.int64)
    cutoff_insertion[group_school] = np.maximum.reduceat(held, starts)
    return held_count == rule.capacity, cutoff_regular, cutoff_insertion
