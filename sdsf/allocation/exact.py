"""Exact allocation where deferred acceptance gives no guarantee.

Siblings placed together, part-time needs counted per half-day and pools with both section
caps and reserves make the schools' choice non-substitutable: a stable matching may not exist
and deciding whether one does is NP-hard (Sun et al., AAAI-23). This module finds a stable
matching when one exists, otherwise one with the fewest blocking groups and, among those, the
most children placed, and says whether it proved it.

**Definitions.** A *unit* is a family's group (one child, or siblings filing one joint
application: one structure for all or none). Its *options* are its wishes, best first, then,
for a transfer, its current structure (always granted at worst). A structure's places are
schools: one per age section, or one pool with section caps; capacity counts children per
half-day slot (a structure that works by the day counts a half-day as the whole day).

*Priority at structure s*: a child enrolled at ``s`` first, then points plus the bonus at
``s``, earlier submission, then the seeded lottery (a unit's lottery is its best member's).

*Seats on a slot*, given the children placed at a school that day, in priority order: the
first ``capacity - reserves`` hold general seats; each next child holds an insertion seat if
it is an insertion family (or enrolled there) and some are left, else a D214-7 seat if it
receives a minimum benefit (or is enrolled there) and some are left, else a released seat
(a reserved seat that no child of its category claimed reverts to everyone).

Siblings take their seats in the order of their applications.

*A placed child outranks unit g on its seat* when it has a higher priority than ``g``, or
holds a reserved seat of a category ``g`` is not in (a reserved seat can only be claimed by
a family of its category). Released seats of ``g``'s categories held by children above ``g``
are claimable by ``g`` (its category comes first on them): the lowest such holders, as many
as there are released seats of its categories, do not outrank it.

*A blocking group* is a unit ``g`` and a wished structure ``s`` that ``g`` prefers to its
outcome such that, on every slot of ``g``'s need at ``s``, ``g``'s children together with the
children that outrank ``g`` on their seats fit each school of ``s`` they use: in its capacity
and in every section cap. Without reserves this is exactly "``g`` with the children placed at
``s`` whose priority is higher would fit"; with them, it is the condition under which the
general-first choice of :mod:`engine` would admit ``g`` (so that deferred acceptance's outcome,
where it applies, has no blocking group, which the tests check).

**Method.** Per connected component: a deferred-acceptance heuristic over units (capacity per
slot, reserves kept for the categories still to come), then a local search towards
stability (the units of blocking groups propose again, then random paths to stability); if
the outcome has no blocking group, it is stable, verified against the definition. Otherwise
CP-SAT: the model holds the placements and capacities, and for every unit and wish a
variable ``b`` with the constraint "``g`` placed at that wish or better, or one of ``g``'s
slots there overloaded by the children that may outrank it, or ``b``". The load of the
children above ``g`` is a prefix sum in the structure's priority order (one chain of
integer variables per structure, slot and section, shared by every unit). At a structure
without reserves this is exactly the definition; with reserves, the children below ``g``
who may hold a reserved seat of a category ``g`` lacks (at most those reserves) are added,
and a unit of a reserve's category is credited the released seats it can claim from
children above it (at least min(its reserves less the children there eligible for them, the
children above it less the general seats and those above eligible for a reserve)): an upper
bound of who outranks it, so the constraint stays valid but may let a blocking group
through; such a group then gets no-good cuts ("or some candidate not at ``s`` in this
solution is placed there", valid because a blocking group stays blocking when children
leave ``s``), one per configuration. Phase 1 minimises ``sum(b)``; if it is not 0, phase 2
keeps it and maximises the children placed. Each solution is checked against the definition;
the model is a relaxation whose objective never exceeds the true one, so an optimal
solution without blocking group outside the model is optimal for the true objective:
proven. The solver starts from the local search's solution (hinted in full). A time limit
stops with the best solution checked so far, reported as not proven.
"""

import multiprocessing
import os
from bisect import bisect_left
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field

import numpy as np

from sdsf.allocation import engine

GENERAL, INSERTION, BENEFIT, RELEASED = 0, 1, 2, 3
SEAT_OF_LABEL = (engine.GENERAL_SEAT, engine.RESERVED_SEAT, engine.BENEFIT_SEAT)


def hard_applications(problem: engine.Problem) -> np.ndarray:
    """Applications of the components that need the exact solver."""
    seeds = _seed_applications(problem)
    flagged_structures = _capped_pools_with_reserves(problem)
    if not seeds.any() and not flagged_structures.any():
        return np.zeros(problem.size, dtype=bool)
    label, pair_application, pair_structure = _components(problem)
    flagged = np.zeros(problem.structure_count, dtype=bool)
    flagged[label[pair_structure[seeds[pair_application]]]] = True
    flagged[label[flagged_structures]] = True
    hard = np.zeros(problem.size, dtype=bool)
    hard[pair_application[flagged[label[pair_structure]]]] = True
    return hard


def _seed_applications(problem: engine.Problem) -> np.ndarray:
    seeds = np.zeros(problem.size, dtype=bool)
    if problem.days.size:
        seeds |= problem.days != engine.ALL_DAYS
    if problem.group.size:
        _, inverse, counts = np.unique(problem.group, return_inverse=True, return_counts=True)
        seeds |= counts[inverse] > 1
    return seeds


def _capped_pools_with_reserves(problem: engine.Problem) -> np.ndarray:
    pools = problem.pools()
    pooled = pools >= 0
    if not pooled.any():
        return pooled
    capped = (problem.capacity < pools[:, None]).any(axis=1)
    reserves = engine._or_fill(problem.pool_reserved, pools.size, 0, np.int64) + engine._or_fill(
        problem.pool_reserved_benefit, pools.size, 0, np.int64
    )
    return pooled & capped & (reserves > 0)


def _components(problem: engine.Problem):
    """Component label per structure (families and the structures they wish or hold).

    Label propagation on arrays: each group takes the smallest label of its structures,
    each structure the smallest label of its groups, until nothing changes.
    """
    pair_application = problem.pair_application()
    pair_structure = problem.wish_structures.astype(np.int64)
    current = problem.currents()
    transfer = np.flatnonzero(current >= 0)
    pair_application = np.concatenate((pair_application, transfer))
    pair_structure = np.concatenate((pair_structure, current[transfer]))
    _, pair_group = np.unique(problem.groups()[pair_application], return_inverse=True)
    label = np.arange(problem.structure_count)
    while True:
        group_label = np.full(pair_group.max(initial=-1) + 1, problem.structure_count)
        np.minimum.at(group_label, pair_group, label[pair_structure])
        new = label.copy()
        np.minimum.at(new, pair_structure, group_label[pair_group])
        new = new[new]
        if np.array_equal(new, label):
            return label, pair_application, pair_structure
        label = new


@dataclass(slots=True)
class _School:
    capacity: int
    reserved: int
    reserved_benefit: int
    caps: dict[int, int]

    @property
    def general(self) -> int:
        return self.capacity - self.reserved - self.reserved_benefit


@dataclass(slots=True)
class _Unit:
    members: list[int]
    options: list[int]
    holder: bool
    insertion: bool
    benefit: bool
    keys: list[tuple] = field(default_factory=list)
    # per option: list of (school, section, slot mask) per member
    uses: list[list[tuple[int, int, int]]] = field(default_factory=list)
    scores: list[float] = field(default_factory=list)
    needs: list[dict] = field(default_factory=list)

    @property
    def size(self) -> int:
        return len(self.members)


@dataclass(slots=True)
class Instance:
    """One component in plain Python: units, schools, and each structure's priority order."""

    units: list[_Unit]
    schools: dict[int, _School]
    structure_schools: dict[int, list[int]]
    rank: dict[int, dict[int, int]]  # structure -> unit -> rank (0 = best)
    option_index: list[dict[int, int]]  # unit -> structure -> option

    def outranks_holder(self, unit: int, option: int) -> bool:
        return self.units[unit].holder and option == len(self.units[unit].options) - 1


def build_instances(problem: engine.Problem, applications: np.ndarray, lottery: np.ndarray):
    """The components of the given applications, as :class:`Instance` objects."""
    sections = problem.section_count
    seats = engine.schools(problem)
    pools = problem.pools()
    needs = problem.needs()
    # A structure that counts by the day: a half-day takes the day, and its two halves
    # always hold the same children, so the mornings alone stand for the days.
    whole = engine.whole_days(needs) & engine.MORNINGS
    half_days = engine._or_fill(problem.half_days, problem.structure_count, False, bool)
    benefit = problem.benefits()
    current = problem.currents()
    groups = problem.groups()
    bonus = {}
    for a, s, v in zip(
        problem.bonus_application.tolist(),
        problem.bonus_structure.tolist(),
        problem.bonus_value.tolist(),
        strict=True,
    ):
        bonus[(a, s)] = v
    offsets = problem.wish_offsets
    by_group: dict[int, list[int]] = {}
    for application in applications.tolist():
        by_group.setdefault(int(groups[application]), []).append(application)
    units = []
    for members in by_group.values():
        first = members[0]
        wishes = problem.wish_structures[offsets[first] : offsets[first + 1]].tolist()
        held = int(current[first])
        unit = _Unit(
            members=members,
            options=wishes + ([held] if held >= 0 else []),
            holder=held >= 0,
            insertion=bool(problem.insertion[first]),
            benefit=bool(benefit[first]),
        )
        lot = int(min(lottery[m] for m in members))
        for index, structure in enumerate(unit.options):
            is_holder = unit.holder and index == len(unit.options) - 1
            score = float(problem.score[first]) + bonus.get((first, structure), 0.0)
            unit.scores.append(score)
            unit.keys.append((0 if is_holder else 1, -score, int(problem.submitted[first]), lot))
            uses = []
            for member in members:
                section = int(problem.section[member])
                pooled = pools[structure] >= 0
                school = structure * sections + (0 if pooled else section)
                mask = int(needs[member] if half_days[structure] else whole[member])
                uses.append((school, section, mask))
            unit.uses.append(uses)
        units.append(unit)
    return _split(units, seats, sections)


def _split(units: list[_Unit], seats: engine.Schools, sections: int) -> list[Instance]:
    parent = {}

    def find(x):
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for unit in units:
        for structure in unit.options[1:]:
            parent[find(structure)] = find(unit.options[0])
    by_root: dict[int, list[_Unit]] = {}
    for unit in units:
        if unit.options:
            by_root.setdefault(find(unit.options[0]), []).append(unit)
    instances = []
    for members in by_root.values():
        instances.append(_instance(members, seats, sections))
    unplaceable = [unit for unit in units if not unit.options]
    if unplaceable:
        instances.append(_instance(unplaceable, seats, sections))
    return instances


def _instance(units: list[_Unit], seats: engine.Schools, sections: int) -> Instance:
    schools: dict[int, _School] = {}
    structure_schools: dict[int, list[int]] = {}
    candidates: dict[int, list[tuple[tuple, int]]] = {}
    option_index = []
    for index, unit in enumerate(units):
        option_index.append({s: j for j, s in enumerate(unit.options)})
        for j, structure in enumerate(unit.options):
            candidates.setdefault(structure, []).append((unit.keys[j], index))
            for school, _, _ in unit.uses[j]:
                if school not in schools:
                    caps = {}
                    if seats.section_cap is not None:
                        caps = {
                            k: int(seats.section_cap[school, k])
                            for k in range(sections)
                            if seats.section_cap[school, k] < seats.capacity[school]
                        }
                    schools[school] = _School(
                        int(seats.capacity[school]),
                        int(seats.reserved[school]),
                        int(seats.reserved_benefit[school]),
                        caps,
                    )
                    structure_schools.setdefault(structure, []).append(school)
    rank = {
        structure: {unit: position for position, (_, unit) in enumerate(sorted(entries))}
        for structure, entries in candidates.items()
    }
    return Instance(units, schools, structure_schools, rank, option_index)


# -- The definition: seats, outranking, blocking groups -------------------------------------


class _Slot:
    """Children placed at one school on one slot, in priority order, with their seats."""

    __slots__ = ("ranks", "sections", "labels", "cumulative", "released", "released_of", "units")

    def __init__(self, school: _School, entries: list[tuple[int, int, int, int, bool, bool]]):
        # entries: (rank, unit, member, section, insertion-eligible, benefit-eligible);
        # siblings take their seats in the order of their applications.
        entries.sort()
        self.ranks = [entry[0] for entry in entries]
        self.units = [entry[1] for entry in entries]
        self.sections = [entry[3] for entry in entries]
        labels = []
        insertion = benefit = 0
        for position, (_, _, _, _, is_insertion, is_benefit) in enumerate(entries):
            if position < school.general:
                labels.append(GENERAL)
            elif is_insertion and insertion < school.reserved:
                insertion += 1
                labels.append(INSERTION)
            elif is_benefit and benefit < school.reserved_benefit:
                benefit += 1
                labels.append(BENEFIT)
            else:
                labels.append(RELEASED)
        self.labels = labels
        self.released_of = (school.reserved - insertion, school.reserved_benefit - benefit)
        # cumulative[(label, section)][i]: children of that label (and section; None: any)
        # among the first i; released[section][j]: of that section among the first j released.
        keys = [(label, section) for label in range(4) for section in {None, *self.sections}]
        self.cumulative = {key: [0] for key in keys}
        self.released = {section: [0] for section in {None, *self.sections}}
        for label, section in zip(labels, self.sections, strict=True):
            for (wanted, of), values in self.cumulative.items():
                values.append(values[-1] + (label == wanted and (of is None or of == section)))
            if label == RELEASED:
                for of, values in self.released.items():
                    values.append(values[-1] + (of is None or of == section))

    def count(self, rank: int, insertion: bool, benefit: bool, section=None) -> int:
        """How many children (of ``section``, or all) outrank a unit of this rank and
        categories: what :meth:`outranking` lists, counted in logarithmic time."""
        cumulative = self.cumulative
        if (GENERAL, section) not in cumulative:
            return 0
        higher = bisect_left(self.ranks, rank)
        total = len(self.ranks)
        count = (
            cumulative[(GENERAL, section)][higher]
            + cumulative[(INSERTION, section)][higher if insertion else total]
            + cumulative[(BENEFIT, section)][higher if benefit else total]
            + cumulative[(RELEASED, section)][higher]
        )
        claimable = (self.released_of[0] if insertion else 0) + (
            self.released_of[1] if benefit else 0
        )
        released_higher = cumulative[(RELEASED, None)][higher]
        displaced = min(claimable, released_higher)
        if displaced:
            released = self.released[section]
            count -= released[released_higher] - released[released_higher - displaced]
        return count

    def outranking(self, rank: int, insertion: bool, benefit: bool) -> list[int]:
        """Positions of the children that outrank a unit of this rank and categories."""
        higher = bisect_left(self.ranks, rank)
        released_higher = [p for p in range(higher) if self.labels[p] == RELEASED]
        claimable = (self.released_of[0] if insertion else 0) + (
            self.released_of[1] if benefit else 0
        )
        displaced = set(
            released_higher[len(released_higher) - min(claimable, len(released_higher)) :]
        )
        result = []
        for position, label in enumerate(self.labels):
            above = position < higher
            if label in (GENERAL, RELEASED):
                keep = above and position not in displaced
            elif label == INSERTION:
                keep = above or not insertion
            else:
                keep = above or not benefit
            if keep:
                result.append(position)
        return result


def _slots_of(instance: Instance, assignment: list[int]) -> dict[tuple[int, int], _Slot]:
    """The :class:`_Slot` of every (school, slot) used by the assignment."""
    entries: dict[tuple[int, int], list] = {}
    for unit_index, option in enumerate(assignment):
        if option < 0:
            continue
        unit = instance.units[unit_index]
        structure = unit.options[option]
        rank = instance.rank[structure][unit_index]
        holder = instance.outranks_holder(unit_index, option)
        for member, (school, section, mask) in enumerate(unit.uses[option]):
            for slot in _bits(mask):
                entries.setdefault((school, slot), []).append(
                    (
                        rank,
                        unit_index,
                        member,
                        section,
                        unit.insertion or holder,
                        unit.benefit or holder,
                    )
                )
    return {key: _Slot(instance.schools[key[0]], value) for key, value in entries.items()}


def _bits(mask: int):
    slot = 0
    while mask:
        if mask & 1:
            yield slot
        mask >>= 1
        slot += 1


def _needs(unit: _Unit, option: int) -> dict[tuple[int, int], dict[int, int]]:
    """Children of the unit per (school, slot), by section (computed once per option)."""
    if not unit.needs:
        for uses in unit.uses:
            needs: dict[tuple[int, int], dict[int, int]] = {}
            for school, section, mask in uses:
                for slot in _bits(mask):
                    per_section = needs.setdefault((school, slot), {})
                    per_section[section] = per_section.get(section, 0) + 1
            unit.needs.append(needs)
    return unit.needs[option]


def failure(instance: Instance, slots, unit_index: int, option: int):
    """Why the unit would not fit the option's structure: None when it would (blocking),
    else (school, slot, section or None for the capacity, outranking positions)."""
    unit = instance.units[unit_index]
    structure = unit.options[option]
    rank = instance.rank[structure][unit_index]
    for (school, slot), per_section in sorted(_needs(unit, option).items()):
        seats = instance.schools[school]
        placed = slots.get((school, slot))
        outranking = (
            placed.outranking(rank, unit.insertion, unit.benefit) if placed is not None else []
        )
        if len(outranking) + sum(per_section.values()) > seats.capacity:
            return school, slot, None, outranking
        for section, count in per_section.items():
            cap = seats.caps.get(section)
            if cap is None:
                continue
            inside = [p for p in outranking if placed.sections[p] == section]
            if len(inside) + count > cap:
                return school, slot, section, inside
    return None


def blocking_groups(instance: Instance, assignment: list[int]) -> list[tuple[int, int]]:
    """Every (unit, option) that blocks the assignment, by the definition above."""
    slots = _slots_of(instance, assignment)
    found = []
    for unit_index, unit in enumerate(instance.units):
        outcome = assignment[unit_index]
        better = len(unit.options) if outcome < 0 else outcome
        for option in range(better):
            if fits(instance, slots, unit_index, option):
                found.append((unit_index, option))
    return found


def fits(instance: Instance, slots, unit_index: int, option: int) -> bool:
    """Whether the unit fits the option's structure beside the children that outrank it:
    :func:`failure` is None, by counting."""
    unit = instance.units[unit_index]
    rank = instance.rank[unit.options[option]][unit_index]
    for (school, slot), per_section in _needs(unit, option).items():
        seats = instance.schools[school]
        placed = slots.get((school, slot))
        if placed is None:
            if sum(per_section.values()) > seats.capacity or any(
                count > seats.caps.get(section, count) for section, count in per_section.items()
            ):
                return False
            continue
        if placed.count(rank, unit.insertion, unit.benefit) + sum(per_section.values()) > (
            seats.capacity
        ):
            return False
        for section, count in per_section.items():
            cap = seats.caps.get(section)
            if cap is not None and (
                placed.count(rank, unit.insertion, unit.benefit, section) + count > cap
            ):
                return False
    return True


def feasible(instance: Instance, assignment: list[int]) -> bool:
    """Capacities and caps hold on every slot, and every transfer keeps a place."""
    load: dict[tuple[int, int], int] = {}
    section_load: dict[tuple[int, int, int], int] = {}
    for unit_index, option in enumerate(assignment):
        unit = instance.units[unit_index]
        if option < 0:
            if unit.holder:
                return False
            continue
        for (school, slot), per_section in _needs(unit, option).items():
            load[(school, slot)] = load.get((school, slot), 0) + sum(per_section.values())
            for section, count in per_section.items():
                key = (school, slot, section)
                section_load[key] = section_load.get(key, 0) + count
    for (school, _), count in load.items():
        if count > instance.schools[school].capacity:
            return False
    for (school, _, section), count in section_load.items():
        cap = instance.schools[school].caps.get(section)
        if cap is not None and count > cap:
            return False
    return True


# -- Heuristic: deferred acceptance over units -------------------------------------------


def heuristic(instance: Instance) -> list[int]:
    """Deferred acceptance with units as proposers; each structure keeps, in priority order,
    the units that fit beside those kept before it and the reserved seats still owed to the
    categories of the candidates after it."""
    units = instance.units
    assignment = [-1] * len(units)
    free = [u for u in range(len(units)) if units[u].options]
    return _propose(instance, assignment, [0] * len(units), free)


def _propose(instance: Instance, assignment: list[int], next_option: list[int], free: list[int]):
    """Deferred acceptance from a given state: ``free`` units propose from ``next_option``."""
    units = instance.units
    held: dict[int, list[int]] = {}
    for unit_index, option in enumerate(assignment):
        if option >= 0:
            held.setdefault(units[unit_index].options[option], []).append(unit_index)
    while free:
        proposals: dict[int, list[int]] = {}
        for unit_index in free:
            option = next_option[unit_index]
            if option < len(units[unit_index].options):
                structure = units[unit_index].options[option]
                proposals.setdefault(structure, []).append(unit_index)
        free = []
        for structure, proposers in proposals.items():
            candidates = held.get(structure, []) + proposers
            kept, rejected = _choose(instance, structure, candidates, next_option)
            held[structure] = kept
            for unit_index in kept:
                assignment[unit_index] = next_option[unit_index]
            for unit_index in rejected:
                assignment[unit_index] = -1
                next_option[unit_index] += 1
                if next_option[unit_index] < len(units[unit_index].options):
                    free.append(unit_index)
    return assignment


def repair(instance: Instance, assignment: list[int], deadline: float, seed: int) -> list[int]:
    """Local search towards stability (random paths to stability): a blocking group, drawn
    at random, is moved to the structure it blocks, the units there that do not outrank it
    are evicted (lowest priority first) until everything fits, and the evicted continue down
    their wishes by deferred acceptance. Returns the best assignment met (fewest blocking
    groups, then most children), stopping at the deadline or when stable."""
    import random
    import time

    units = instance.units
    generator = random.Random(seed)
    current = list(assignment)
    found = blocking_groups(instance, current)
    best = (len(found), -_placed(instance, current), list(current))
    # First, rounds: every unit of a blocking group proposes again from its best blocking
    # wish, all at once, and deferred acceptance goes on from there.
    for _ in range(20):
        if not found or time.monotonic() >= deadline:
            break
        first_blocked: dict[int, int] = {}
        for unit_index, option in found:
            first_blocked[unit_index] = min(option, first_blocked.get(unit_index, option))
        next_option = [
            len(unit.options) if j < 0 else j for unit, j in zip(units, current, strict=True)
        ]
        for unit_index, option in first_blocked.items():
            current[unit_index] = -1
            next_option[unit_index] = option
        current = _propose(instance, current, next_option, list(first_blocked))
        found = blocking_groups(instance, current)
        if feasible(instance, current):
            score = (len(found), -_placed(instance, current), list(current))
            if score[:2] < best[:2]:
                best = score
    current = list(best[2])
    found = blocking_groups(instance, current)
    steps = 0
    while (found or not feasible(instance, current)) and time.monotonic() < deadline:
        steps += 1
        if steps > 20 * len(units) + 50:
            break
        if not found:  # an infeasible step: start again from the best
            current = list(best[2])
            found = blocking_groups(instance, current)
            if not found:
                break
        unit_index, option = found[generator.randrange(len(found))]
        current = _satisfy(instance, current, unit_index, option)
        found = blocking_groups(instance, current)
        if feasible(instance, current):
            score = (len(found), -_placed(instance, current), list(current))
            if score[:2] < best[:2]:
                best = score
    return best[2]


def _protected(instance, assignment, unit_index, option, other, rank) -> bool:
    """Whether ``other`` may hold a reserved seat of a category the unit lacks."""
    unit, other_unit = instance.units[unit_index], instance.units[other]
    holder = instance.outranks_holder(other, assignment[other])
    return ((other_unit.insertion or holder) and not unit.insertion) or (
        (other_unit.benefit or holder) and not unit.benefit
    )


def _satisfy(instance: Instance, assignment: list[int], unit_index: int, option: int):
    units = instance.units
    structure = units[unit_index].options[option]
    assignment = list(assignment)
    assignment[unit_index] = option
    ranks = instance.rank[structure]
    rank = ranks[unit_index]
    unit = units[unit_index]
    others = sorted(
        (
            other
            for other, j in enumerate(assignment)
            if other != unit_index and j >= 0 and units[other].options[j] == structure
        ),
        key=ranks.__getitem__,
        reverse=True,
    )
    evicted = []
    # Lowest priority first, those that may hold a reserve the unit cannot claim last.
    others.sort(key=lambda other: _protected(instance, assignment, unit_index, option, other, rank))
    for other in others:
        if feasible(instance, assignment):
            break
        if ranks[other] < rank or not (
            _needs(unit, option).keys() & _needs(units[other], assignment[other]).keys()
        ):
            continue
        evicted.append(other)
        assignment[other] = -1
    next_option = [j if j >= 0 else 0 for j in assignment]
    free = []
    for other in evicted:
        next_option[other] = instance.option_index[other][structure] + 1
        if next_option[other] < len(units[other].options):
            free.append(other)
    for other, j in enumerate(assignment):
        if j < 0 and other not in evicted:
            next_option[other] = len(units[other].options)
    return _propose(instance, assignment, next_option, free)


def _choose(instance: Instance, structure: int, candidates: list[int], next_option: list[int]):
    ranks = instance.rank[structure]
    ordered = sorted(candidates, key=ranks.__getitem__)
    units = instance.units
    remaining: dict[tuple[int, int], list[int]] = {}
    for unit_index in ordered:
        option = next_option[unit_index]
        holder = instance.outranks_holder(unit_index, option)
        unit = units[unit_index]
        for key, per_section in _needs(unit, option).items():
            counts = remaining.setdefault(key, [0, 0])
            counts[0] += sum(per_section.values()) if (unit.insertion or holder) else 0
            counts[1] += sum(per_section.values()) if (unit.benefit or holder) else 0
    load: dict[tuple[int, int], list[int]] = {}  # placed, insertion seats, benefit seats
    section_load: dict[tuple[int, int, int], int] = {}
    kept, rejected = [], []
    for unit_index in ordered:
        option = next_option[unit_index]
        unit = units[unit_index]
        holder = instance.outranks_holder(unit_index, option)
        insertion, benefit = unit.insertion or holder, unit.benefit or holder
        needs = _needs(unit, option)
        fits = True
        for key, per_section in needs.items():
            seats = instance.schools[key[0]]
            placed, used_insertion, used_benefit = load.get(key, (0, 0, 0))
            counts = remaining[key]
            size = sum(per_section.values())
            owed = 0
            if not insertion:
                owed += max(0, min(seats.reserved - used_insertion, counts[0]))
            if not benefit:
                owed += max(0, min(seats.reserved_benefit - used_benefit, counts[1]))
            if placed + size + owed > seats.capacity:
                fits = False
            for section, count in per_section.items():
                cap = seats.caps.get(section)
                if cap is not None and section_load.get((*key, section), 0) + count > cap:
                    fits = False
        for key, per_section in needs.items():
            size = sum(per_section.values())
            remaining[key][0] -= size if insertion else 0
            remaining[key][1] -= size if benefit else 0
        if not fits:
            rejected.append(unit_index)
            continue
        kept.append(unit_index)
        for key, per_section in needs.items():
            seats = instance.schools[key[0]]
            state = load.setdefault(key, [0, 0, 0])
            for _ in range(sum(per_section.values())):
                if state[0] >= seats.general:
                    if insertion and state[1] < seats.reserved:
                        state[1] += 1
                    elif benefit and state[2] < seats.reserved_benefit:
                        state[2] += 1
                state[0] += 1
            for section, count in per_section.items():
                section_load[(*key, section)] = section_load.get((*key, section), 0) + count
    return kept, rejected


# -- CP-SAT with lazy stability constraints ----------------------------------------------


@dataclass(slots=True)
class Outcome:
    assignment: list[int]
    blocking: int
    placed: int
    proven: bool
    solver: bool  # whether CP-SAT ran


def solve_instance(instance: Instance, time_limit: float, workers: int) -> Outcome:
    """Stable when possible, else fewest blocking groups then most children (see above)."""
    import time

    started = time.monotonic()
    start = heuristic(instance)
    if not feasible(instance, start) or blocking_groups(instance, start):
        start = repair(instance, start, started + time_limit / 2, seed=len(instance.units))
    found = blocking_groups(instance, start)
    if not found and feasible(instance, start):
        return Outcome(start, 0, _placed(instance, start), True, False)
    remaining = max(time_limit - (time.monotonic() - started), 1.0)
    return _cp_sat(instance, start, found, remaining, workers)


def _placed(instance: Instance, assignment: list[int]) -> int:
    return sum(instance.units[u].size for u, option in enumerate(assignment) if option >= 0)


def _cp_sat(instance, start, found, time_limit, workers) -> Outcome:
    import time

    from ortools.sat.python import cp_model

    deadline = time.monotonic() + time_limit
    units = instance.units
    model = cp_model.CpModel()
    x = [
        [model.NewBoolVar(f"x{u}_{j}") for j in range(len(unit.options))]
        for u, unit in enumerate(units)
    ]
    for u, unit in enumerate(units):
        if unit.holder:
            model.AddExactlyOne(x[u])
        elif x[u]:
            model.AddAtMostOne(x[u])
    load: dict[tuple[int, int], list] = {}
    section_load: dict[tuple[int, int, int], list] = {}
    for u, unit in enumerate(units):
        for j in range(len(unit.options)):
            for key, per_section in _needs(unit, j).items():
                load.setdefault(key, []).append((sum(per_section.values()), x[u][j]))
                for section, count in per_section.items():
                    section_load.setdefault((*key, section), []).append((count, x[u][j]))
    for (school, _), terms in load.items():
        if sum(c for c, _ in terms) > instance.schools[school].capacity:
            model.Add(sum(c * v for c, v in terms) <= instance.schools[school].capacity)
    for (school, _, section), terms in section_load.items():
        cap = instance.schools[school].caps.get(section)
        if cap is not None and sum(c for c, _ in terms) > cap:
            model.Add(sum(c * v for c, v in terms) <= cap)
    placed_expr = sum(unit.size * v for u, unit in enumerate(units) for v in x[u])
    penalties: dict[tuple[int, int], object] = {}
    best = (len(found), -_placed(instance, start), start) if feasible(instance, start) else None

    def add_cut(unit_index: int, option: int, assignment: list[int]) -> None:
        """The first cut of a blocking group is linear: "placed at s or better, or some
        slot of s overloaded by the children that may outrank it" (at a structure without
        reserves, exactly the children above; with reserves, also those below who may hold
        a reserved seat of a category the unit lacks: an upper bound of who outranks it, so
        the cut stays valid but may let a blocking group through). A group that gets through
        gets no-good cuts, one per configuration of ``s``."""
        pair = (unit_index, option)
        b = penalties.get(pair)
        first = b is None
        if first:
            b = penalties[pair] = model.NewBoolVar(f"b{unit_index}_{option}")
        unit = units[unit_index]
        structure = unit.options[option]
        literals = [x[unit_index][j] for j in range(option + 1)] + [b]
        ranks = instance.rank[structure]
        if first:
            overloads = _overload_literals(unit_index, option)
            if overloads is None:
                return
            literals += overloads
        else:
            mine = _needs(unit, option)
            for other in ranks:
                j = instance.option_index[other][structure]
                if (
                    other != unit_index
                    and assignment[other] != j
                    and mine.keys() & _needs(units[other], j).keys()
                ):
                    literals.append(x[other][j])
        model.AddBoolOr(literals)

    # Prefix sums per (structure, slot, section, kind): ranks, sums, and each step's
    # (children, unit, option), to hint them; overload literals with the sums they read.
    chains: dict[tuple, tuple[list[int], list, list]] = {}
    hint_overloads: list[tuple] = []

    def _chain(structure: int, key: tuple[int, int], section, kind: str):
        """Prefix sums, in the structure's priority order, of the children of the candidates
        (of ``section``, or all) present on ``key``'s slot: all of them, or only those who
        may hold a reserved seat (``insertion``, ``benefit`` or ``either``)."""
        chain_key = (structure, key, section, kind)
        if chain_key in chains:
            return chains[chain_key][:2]
        ranks = instance.rank[structure]
        ranks_at, sums, bound, recipe = [], [0], 0, []
        for other, other_rank in sorted(ranks.items(), key=lambda item: item[1]):
            j = instance.option_index[other][structure]
            other_needs = _needs(units[other], j).get(key)
            if not other_needs:
                continue
            count = sum(other_needs.values()) if section is None else other_needs.get(section, 0)
            holder = instance.outranks_holder(other, j)
            insertion = units[other].insertion or holder
            benefit = units[other].benefit or holder
            wanted = {
                "all": True,
                "insertion": insertion,
                "benefit": benefit,
                "either": insertion or benefit,
            }[kind]
            if not count or not wanted:
                continue
            bound += count
            total = model.NewIntVar(0, bound, "")
            model.Add(total == sums[-1] + count * x[other][j])
            ranks_at.append(other_rank)
            sums.append(total)
            recipe.append((count, other, j))
        chains[chain_key] = (ranks_at, sums, recipe)
        return ranks_at, sums

    def _overload_literals(unit_index: int, option: int) -> list:
        unit = units[unit_index]
        structure = unit.options[option]
        rank = instance.rank[structure][unit_index]
        literals = []
        for key, per_section in _needs(unit, option).items():
            school = instance.schools[key[0]]
            lacking = (school.reserved > 0 and not unit.insertion) + 2 * (
                school.reserved_benefit > 0 and not unit.benefit
            )
            kind = (None, "insertion", "benefit", "either")[lacking]
            resources = [(None, school.capacity, sum(per_section.values()))]
            resources += [
                (section, school.caps[section], count)
                for section, count in per_section.items()
                if section in school.caps
            ]
            for section, cap, need in resources:
                threshold = cap - need + 1
                ranks_at, sums = _chain(structure, key, section, "all")
                above = bisect_left(ranks_at, rank)
                expression = sums[above]
                lower = None
                if kind is not None:
                    eligible_ranks, eligible = _chain(structure, key, section, kind)
                    below = bisect_left(eligible_ranks, rank + 1)
                    expression = expression + eligible[-1] - eligible[below]
                    lower = ((structure, key, section, kind), below)
                if isinstance(expression, int):  # nobody there can outrank the unit
                    if expression >= threshold:
                        return None  # it can never fit: never blocking
                    continue
                overloaded = model.NewBoolVar("")
                literals.append(overloaded)
                # Those below can hold no more seats than the reserves G is not in.
                kept = school.reserved * (lacking & 1 > 0) + school.reserved_benefit * (
                    lacking & 2 > 0
                )
                higher = sums[above]
                extras = [expression - higher, kept] if kind is not None else [0]
                for extra in extras:
                    model.Add(higher + extra >= threshold).OnlyEnforceIf(overloaded)
                references = {"higher": ((structure, key, section, "all"), above), "lower": lower}
                claimable = school.reserved * unit.insertion + (
                    school.reserved_benefit * unit.benefit
                )
                displacing = None
                if section is None and claimable:
                    # A unit of a reserve's category displaces the holders of released seats
                    # of that reserve above it: at least min(A, B) of them, A = its reserves
                    # less the children there eligible for them, B = the children above it
                    # less the general seats and those above eligible for any reserve.
                    own = [
                        name
                        for name, wanted in (
                            ("insertion", unit.insertion and school.reserved),
                            ("benefit", unit.benefit and school.reserved_benefit),
                        )
                        if wanted
                    ]
                    eligible_total = sum(_chain(structure, key, None, name)[1][-1] for name in own)
                    either_ranks, either = _chain(structure, key, None, "either")
                    either_above = bisect_left(either_ranks, rank)
                    few_released = model.NewBoolVar("")
                    for extra in extras:
                        model.Add(
                            higher + extra - claimable + eligible_total >= threshold
                        ).OnlyEnforceIf([overloaded, few_released])
                        model.Add(
                            school.general + either[either_above] + extra >= threshold
                        ).OnlyEnforceIf([overloaded, few_released.Not()])
                    displacing = (
                        few_released,
                        [((structure, key, None, name), -1) for name in own],
                        ((structure, key, None, "either"), either_above),
                        claimable,
                        school.general,
                    )
                hint_overloads.append((overloaded, references, threshold, kept, displacing))
        return literals

    # Every pair that could block gets its linear cut up front: the solver then searches among
    # (nearly) stable matchings rather than among all the feasible ones. A transfer's current
    # place is never preferred to its outcome.
    for unit_index, unit in enumerate(units):
        for option in range(len(unit.options) - unit.holder):
            add_cut(unit_index, option, start)
    proven = False
    fewest = None  # phase 1: fewest blocking groups; phase 2 (when not stable): most children
    current = start
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            break
        model.ClearObjective()
        if fewest is None:
            model.Minimize(sum(penalties.values()))
        else:
            model.Maximize(placed_expr)
        model.ClearHints()
        hinted = best[2] if best else current
        for u, option in enumerate(hinted):
            for j, v in enumerate(x[u]):
                model.AddHint(v, j == option)
        hinted_blocking = set(blocking_groups(instance, hinted))
        for pair, b in penalties.items():
            model.AddHint(b, pair in hinted_blocking)
        _hint_auxiliaries(model, hinted, chains, hint_overloads)
        solver = cp_model.CpSolver()
        solver.parameters.max_time_in_seconds = remaining
        solver.parameters.num_workers = workers
        status = solver.Solve(model)
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            break
        current = [
            next((j for j, v in enumerate(x[u]) if solver.BooleanValue(v)), -1)
            for u in range(len(units))
        ]
        found = blocking_groups(instance, current)
        score = (len(found), -_placed(instance, current), current)
        if best is None or score[:2] < best[:2]:
            best = score
        # A blocking group whose ``b`` is 0 got past its cuts (a no-good cut only holds for
        # the configuration it was made from): it needs one more.
        new = [
            pair
            for pair in found
            if pair not in penalties or not solver.BooleanValue(penalties[pair])
        ]
        if new:
            for unit_index, option in new:
                add_cut(unit_index, option, current)
            continue
        if status != cp_model.OPTIMAL:
            break
        if fewest is None and found:
            fewest = len(found)
            model.Add(sum(penalties.values()) <= fewest)
            continue
        proven = True
        break
    if best is None:
        best = (len(found), -_placed(instance, current), current)
    return Outcome(best[2], best[0], -best[1], proven, True)


def _hint_auxiliaries(model, assignment: list[int], chains: dict, overloads: list) -> None:
    """Hints for the prefix sums and overload literals, so that CP-SAT starts from the whole
    hinted solution rather than having to complete it."""
    values = {}
    for key, (_, sums, recipe) in chains.items():
        running, chain_values = 0, [0]
        for total, (count, other, j) in zip(sums[1:], recipe, strict=True):
            running += count * (assignment[other] == j)
            model.AddHint(total, running)
            chain_values.append(running)
        values[key] = chain_values

    def at(reference) -> int:
        key, index = reference
        return values[key][index]

    for literal, references, threshold, kept, displacing in overloads:
        higher = at(references["higher"])
        extras = [0]
        if references["lower"] is not None:
            key, below = references["lower"]
            extras = [values[key][-1] - values[key][below], kept]
        extra = min(extras)
        holds = higher + extra >= threshold
        if displacing is not None:
            few_released, totals, either_above, claimable, general = displacing
            eligible = sum(at(reference) for reference in totals)
            first = higher + extra - claimable + eligible >= threshold
            second = general + at(either_above) + extra >= threshold
            model.AddHint(few_released, first)
            holds = holds and (first or second)
        model.AddHint(literal, holds)


def _solve_packed(arguments):
    instance, time_limit, workers = arguments
    return solve_instance(instance, time_limit, workers)


@dataclass(frozen=True, slots=True)
class Solved:
    """The exact part of an allocation, in the arrays of the whole problem."""

    structure: np.ndarray
    wish_rank: np.ndarray
    seat: np.ndarray
    summary: engine.Summary
    wish_score: np.ndarray
    wish_reason: np.ndarray
    wish_cutoff: np.ndarray
    wish_detail: np.ndarray


def solve(
    problem: engine.Problem,
    applications: np.ndarray,
    lottery: np.ndarray,
    time_limit: float,
    workers: int,
) -> Solved:
    """Solve every component of the given applications; results in whole-problem arrays.

    Components the heuristic settles are done in process; the others go to CP-SAT, in
    parallel processes (one solver worker each) when there are several and ``workers > 1``,
    else in process with ``workers`` solver workers.
    """
    instances = build_instances(problem, applications, lottery)
    outcomes: list[Outcome | None] = [None] * len(instances)
    pending = []
    for index, instance in enumerate(instances):
        start = heuristic(instance)
        if feasible(instance, start) and not blocking_groups(instance, start):
            outcomes[index] = Outcome(start, 0, _placed(instance, start), True, False)
        else:
            pending.append(index)
    if len(pending) > 1 and workers > 1:
        # Spawned, not forked: the caller may hold threads (polars' pool, a web server).
        with ProcessPoolExecutor(
            max_workers=min(workers, len(pending), os.cpu_count() or 1),
            mp_context=multiprocessing.get_context("spawn"),
        ) as pool:
            results = pool.map(_solve_packed, [(instances[i], time_limit, 1) for i in pending])
            for index, outcome in zip(pending, results, strict=True):
                outcomes[index] = outcome
    else:
        for index in pending:
            outcomes[index] = solve_instance(instances[index], time_limit, max(workers, 1))
    return _arrays(problem, instances, outcomes)


def _arrays(problem: engine.Problem, instances: list[Instance], outcomes: list[Outcome]) -> Solved:
    size = problem.size
    structure = np.full(size, -1, dtype=np.int32)
    wish_rank = np.zeros(size, dtype=np.int32)
    seat = np.zeros(size, dtype=np.int8)
    wish_count = problem.wish_structures.size
    wish_score = np.full(wish_count, np.nan)
    wish_reason = np.full(wish_count, -1, dtype=np.int8)
    wish_cutoff = np.full(wish_count, np.nan)
    wish_detail = np.full(wish_count, -1, dtype=np.int16)
    offsets = problem.wish_offsets
    blocking = placed = 0
    proven = True
    solver_ran = False
    for instance, outcome in zip(instances, outcomes, strict=True):
        blocking += outcome.blocking
        placed += outcome.placed
        proven &= outcome.proven
        solver_ran |= outcome.solver
        slots = _slots_of(instance, outcome.assignment)
        found = set(blocking_groups(instance, outcome.assignment))
        for unit_index, unit in enumerate(instance.units):
            option = outcome.assignment[unit_index]
            wish_total = len(unit.options) - unit.holder
            for member in unit.members:
                if option >= 0:
                    structure[member] = unit.options[option]
                    wish_rank[member] = 0 if option >= wish_total else option + 1
                    seat[member] = _seat_of(instance, slots, unit_index, member, option)
                first = offsets[member]
                for j in range(wish_total):
                    wish_score[first + j] = unit.scores[j]
                refused = range(wish_total if option < 0 else min(option, wish_total))
                for j in refused:
                    reason, cutoff, detail = _reason(instance, slots, found, unit_index, j, problem)
                    wish_reason[first + j] = reason
                    wish_cutoff[first + j] = cutoff
                    wish_detail[first + j] = detail
    summary = engine.Summary(
        method="exact",
        stable=blocking == 0,
        blocking_groups=blocking,
        placed=placed,
        proven=proven,
    )
    return Solved(
        structure, wish_rank, seat, summary, wish_score, wish_reason, wish_cutoff, wish_detail
    )


def _seat_of(instance, slots, unit_index, member, option) -> int:
    """The member's seat: reserved if it holds a reserved seat on any slot."""
    unit = instance.units[unit_index]
    labels = set()
    position = unit.members.index(member)
    school, _, mask = unit.uses[option][position]
    for slot in _bits(mask):
        placed = slots.get((school, slot))
        if placed is None:
            continue
        for index, owner in enumerate(placed.units):
            if owner == unit_index:
                labels.add(placed.labels[index])
    for label, seat in ((INSERTION, engine.RESERVED_SEAT), (BENEFIT, engine.BENEFIT_SEAT)):
        if label in labels:
            return seat
    return engine.GENERAL_SEAT


def _reason(instance, slots, found, unit_index, option, problem) -> tuple[int, float, int]:
    """Reason code, cutoff score and detail (slot, or section) of a refused wish."""
    if (unit_index, option) in found:
        return engine.NO_STABLE_ALLOCATION, np.nan, -1
    unit = instance.units[unit_index]
    structure = unit.options[option]
    school, slot, section, outranking = failure(instance, slots, unit_index, option)
    seats = instance.schools[school]
    if (section is not None and seats.caps.get(section) == 0) or seats.capacity == 0:
        return engine.NO_PLACE_IN_SECTION, np.nan, -1
    if not outranking:  # the unit is larger than the places, nobody to beat
        reason = engine.SIBLINGS_APART if unit.size > 1 else engine.NO_PLACE_IN_SECTION
        return reason, np.nan, -1
    if unit.size > 1:
        alone = _Unit(
            unit.members[:1],
            unit.options,
            unit.holder,
            unit.insertion,
            unit.benefit,
            unit.keys,
            [[uses[0]] for uses in unit.uses],
            unit.scores,
        )
        probe = Instance(
            [*instance.units[:unit_index], alone, *instance.units[unit_index + 1 :]],
            instance.schools,
            instance.structure_schools,
            instance.rank,
            instance.option_index,
        )
        if failure(probe, slots, unit_index, option) is None:
            return engine.SIBLINGS_APART, np.nan, -1
    placed = slots[(school, slot)]
    rank = instance.rank[structure][unit_index]
    above = [p for p in outranking if placed.ranks[p] < rank]
    detail = slot if _part_time(unit, option) else -1
    if not above:
        labels = {placed.labels[p] for p in outranking}
        reason = engine.ONLY_RESERVED_SEATS if INSERTION in labels else engine.ONLY_BENEFIT_SEATS
        return reason, np.nan, detail
    last = max(above, key=lambda p: placed.ranks[p])
    other = instance.units[placed.units[last]]
    other_option = instance.option_index[placed.units[last]][structure]
    if instance.outranks_holder(placed.units[last], other_option):
        return engine.HELD_BY_ENROLLED, np.nan, detail
    if section is not None:
        return engine.SECTION_CAP_FULL, other.scores[other_option], section
    own_key, other_key = unit.keys[option], other.keys[other_option]
    if other_key[1] < own_key[1]:
        reason = engine.OUTRANKED
    elif other_key[2] < own_key[2]:
        reason = engine.TIE_BROKEN_BY_DATE
    else:
        reason = engine.TIE_BROKEN_BY_LOTTERY
    return reason, other.scores[other_option], detail


def _part_time(unit: _Unit, option: int) -> bool:
    return any(mask != engine.ALL_DAYS for _, _, mask in unit.uses[option])
