"""The daily emergency matching: each child asking for a day, to the nearest place open that day.

A pure core (numpy and the allocation engine's lottery, no Django), called once per day of an
emergency period by :mod:`sdsf.emergency.service` and measured by ``bench/emergency.py``.

**Wishes.** Families do not rank structures in a crisis: they need a place near home or near
work, today. A child's wishes are therefore every place open that day within the period's
maximum distance of its home or of its parent's workplace (the nearer of the two counts), nearest
first.

**Priority.** At every place, children rank by their family's priority category (rank 1 first),
then by distance to that place (nearer first), then by the time the request was sent, then by
the allocation engine's lottery seeded with the day. The result is the stable matching that the
allocation engine's deferred acceptance (:mod:`sdsf.allocation.engine`) finds with these
priorities (see :func:`match_day` for how it is computed faster): no child could take a place
from a child of lower priority there, and no family gains by asking for fewer days or places.

Each child is matched on its own: siblings share their wishes and priority, so they land in the
same place whenever it has room for them, but this is not guaranteed (joint placement needs the
exact solver, too slow for a département's crisis each morning).
"""

import itertools
from dataclasses import dataclass

import numpy as np

from sdsf.allocation import engine

_KM_PER_DEGREE = 6371.0088 * np.pi / 180  # mean Earth radius (IUGG)
_CHUNK = 1024  # positions per block of the distance matrix (memory stays under ~40 MB)
_UNKNOWN = 1000.0  # an unknown workplace, as a coordinate no place has
_DISTANCE_STEPS = 2 * 10**8  # distances in µkm (mm), up to 200 km
_BANDS_KM = (0.5, 1, 2, 3, 5, 8, 12, 20, 35, 60)  # the walk's bands of distance


@dataclass(frozen=True)
class DayProblem:
    """One day: the children asking for it and the places open.

    Positions are (latitude, longitude) in degrees; a child's ``work`` is NaN when unknown.
    ``rank`` is the priority category's rank (1 first); ``submitted`` any increasing encoding
    of the request's time.
    """

    rank: np.ndarray
    submitted: np.ndarray
    home: np.ndarray
    work: np.ndarray
    offer_position: np.ndarray
    offer_places: np.ndarray
    max_km: float

    @property
    def size(self) -> int:
        return self.rank.size


@dataclass(frozen=True)
class DayResult:
    """Per child: the offer it gets (-1: none), its distance in km (NaN: none), and how many
    places within reach it had (0: nothing open near it that day)."""

    offer: np.ndarray
    distance_km: np.ndarray
    reachable: np.ndarray

    @property
    def matched(self) -> int:
        return int((self.offer >= 0).sum())


def distances_km(points: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """Distances from each point to each target, in km (a matrix)."""
    return _equirectangular(points[:, :1], points[:, 1:2], targets[None, :, 0], targets[None, :, 1])


def _equirectangular(lat1, lon1, lat2, lon2) -> np.ndarray:
    """The equirectangular distance in km, the longitude scaled at the first point's latitude:
    within 100 km it differs from the great-circle distance by less than 1 % (0.2 % within
    15 km), with no trigonometry per pair (millions of pairs each morning)."""
    scale = np.cos(np.radians(lat1))
    return _KM_PER_DEGREE * np.hypot((lon2 - lon1) * scale, lat2 - lat1)


def _reachable(problem: DayProblem):
    """Per distinct (home, workplace) pair, the open offers within the maximum distance of
    either: offsets, offers and distances, and each child's pair.

    Homes and workplaces are communes' centres (no address is asked in a crisis), so a day's
    thousands of children stand on a few hundred distinct pairs: distances are computed once per
    distinct pair.
    """
    pairs = np.nan_to_num(np.hstack((problem.home, problem.work)), nan=_UNKNOWN)
    distinct, child_pair = np.unique(pairs, axis=0, return_inverse=True)
    home, work = distinct[:, :2], distinct[:, 2:]
    work = np.where(work == _UNKNOWN, np.nan, work)
    open_offers = np.flatnonzero(problem.offer_places > 0)
    positions = problem.offer_position[open_offers]
    counts = np.zeros(distinct.shape[0], dtype=np.int64)
    offers, distances = [], []
    for start in range(0, distinct.shape[0] if open_offers.size else 0, _CHUNK):
        stop = min(start + _CHUNK, distinct.shape[0])
        near = distances_km(home[start:stop], positions)
        block_work = work[start:stop]
        known = ~np.isnan(block_work[:, 0])
        if known.any():
            near[known] = np.minimum(near[known], distances_km(block_work[known], positions))
        rows, columns = np.nonzero(near <= problem.max_km)  # by pair (row-major)
        counts[start:stop] = np.bincount(rows, minlength=stop - start)
        offers.append(open_offers[columns])
        distances.append(near[rows, columns])
    offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    offers = np.concatenate(offers) if offers else np.empty(0, dtype=np.int64)
    distances = np.concatenate(distances) if distances else np.empty(0)
    return offsets, offers.astype(np.int64), distances, child_pair.ravel()


def match_day(problem: DayProblem, seed: int) -> DayResult:
    """Matches the day's children to its places; same problem and seed, same result.

    The priorities are *globally ranked pairs*: a (child, place) pair ranks by the child's
    category, then its distance to the place, then the request's time and the lottery, and
    both sides order their options by that one rank (a child prefers the nearer place; a place
    prefers the better category, then the nearer child). Then the stable matching is unique and
    is what deferred acceptance (the allocation engine) finds; it is also what taking the pairs
    in rank order finds, each pair kept while both sides still have room (Abraham, Levavi,
    Manlove and O'Malley, 2008), which is done here: deferred acceptance would have each child
    propose to hundreds of places in a dense département. The tests compare both on random
    instances.

    Children of one category living and working in the same communes stand on the same
    pairs: they are taken as one group, served in the order of their requests then the
    lottery; between two groups at exactly the same distance of a place, the group whose next
    child asked first goes first.
    """
    n = problem.size
    lottery = engine.draw_lottery(n, seed)
    offsets, offers, distances, child_pair = _reachable(problem)
    reachable = np.diff(offsets)[child_pair]
    # groups: children of one category on one pair, in their order of service
    keys = np.column_stack((problem.rank, child_pair))
    _groups, child_group = np.unique(keys, axis=0, return_inverse=True)
    child_group = child_group.ravel()
    service = np.lexsort((lottery, problem.submitted, child_group))
    # each child's place in the order of requests (time, then lottery)
    turn = np.empty(n, dtype=np.int64)
    turn[np.lexsort((lottery, problem.submitted))] = np.arange(n)
    group_count = int(child_group.max(initial=-1)) + 1
    group_size = np.bincount(child_group, minlength=group_count)
    group_start = np.concatenate([[0], np.cumsum(group_size)[:-1]])
    head = service[group_start] if n else np.empty(0, dtype=np.int64)
    group_pair = child_pair[head]
    group_rank = problem.rank[head]
    # the pairs of each group, walked category by category and, within one, by bands of
    # distance: only the pairs whose group and place still have room are sorted
    counts = np.diff(offsets)[group_pair]
    edge_group = np.repeat(np.arange(group_count), counts)
    index = _gather(offsets, group_pair, counts)
    edge_place = offers[index]
    edge_distance = np.rint(distances[index] * 1e6).astype(np.int64)  # µkm: no float ties
    edge_turn = turn[head][edge_group]
    edge_category = group_rank[edge_group]
    state = _Walk(group_size, problem.offer_places)
    bands = [0, *(round(km * 1e6) for km in _BANDS_KM if km < problem.max_km)]
    bands.append(round(problem.max_km * 1e6) + 1)
    for category in np.unique(group_rank):
        mine = np.flatnonzero(edge_category == category)
        for low, high in itertools.pairwise(bands):
            band = mine[(edge_distance[mine] >= low) & (edge_distance[mine] < high)]
            band = band[(state.need[edge_group[band]] > 0) & (state.room[edge_place[band]] > 0)]
            order = _rank_order(
                edge_distance[band],
                edge_turn[band],
                edge_place[band],
                (n, problem.offer_places.size),
            )
            state.take(edge_group[band][order], edge_place[band][order])
    served = state.served
    got = np.full(n, -1, dtype=np.int64)
    distance = np.full(n, np.nan)
    for group, place, count, position in served:
        children = service[group_start[group] + position : group_start[group] + position + count]
        got[children] = place
    placed = np.flatnonzero(got >= 0)
    if placed.size:
        distance[placed] = _distance_of(problem, placed, got[placed])
    return DayResult(offer=got, distance_km=distance, reachable=reachable)


def _rank_order(distance, turn, place, bounds) -> np.ndarray:
    """Pairs of one category sorted by (distance, turn, place): one sort of a single integer
    key when it fits in 63 bits (several times faster than sorting on three keys)."""
    if _DISTANCE_STEPS * float(bounds[0]) * float(bounds[1]) < 2.0**62:
        return np.argsort((distance * bounds[0] + turn) * bounds[1] + place, kind="stable")
    return np.lexsort((place, turn, distance))


_BLOCK = 8192  # pairs looked at together: those already closed are dropped in bulk


class _Walk:
    """The pairs taken in rank order, each kept while both sides have room."""

    def __init__(self, need: np.ndarray, places: np.ndarray):
        self.need = need.astype(np.int64).copy()
        self.room = places.astype(np.int64).copy()
        self.taken = np.zeros(self.need.size, dtype=np.int64)
        # (group, place, children taken, position of the first in the group's queue)
        self.served: list[tuple[int, int, int, int]] = []

    def take(self, edge_group: np.ndarray, edge_place: np.ndarray) -> None:
        need, room, taken = self.need, self.room, self.taken
        for start in range(0, edge_group.size, _BLOCK):
            groups = edge_group[start : start + _BLOCK]
            places = edge_place[start : start + _BLOCK]
            alive = (need[groups] > 0) & (room[places] > 0)
            for group, place in zip(groups[alive].tolist(), places[alive].tolist(), strict=True):
                count = min(need[group], room[place])
                if count <= 0:
                    continue
                self.served.append((group, place, int(count), int(taken[group])))
                need[group] -= count
                room[place] -= count
                taken[group] += count


def _distance_of(problem: DayProblem, children: np.ndarray, places: np.ndarray) -> np.ndarray:
    """Distance of each child to its place (the nearer of home and workplace)."""
    targets = problem.offer_position[places]
    near = _pairwise(problem.home[children], targets)
    work = problem.work[children]
    known = ~np.isnan(work[:, 0])
    near[known] = np.minimum(near[known], _pairwise(work[known], targets[known]))
    return near


def _pairwise(points: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """Distance from each point to its own target, in km."""
    return _equirectangular(points[:, 0], points[:, 1], targets[:, 0], targets[:, 1])


def _gather(offsets: np.ndarray, owner: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Indices of the first ``counts`` entries of each owner's list, owner after owner."""
    starts = offsets[owner]
    before = np.concatenate([[0], np.cumsum(counts)[:-1]])
    return np.repeat(starts - before, counts) + np.arange(int(counts.sum()))
