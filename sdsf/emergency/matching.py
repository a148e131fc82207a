"""The daily emergency matching: each child asking for a day, to the nearest place open that day.

A pure core (numpy and the allocation engine, no Django), called once per day of an emergency
period by :mod:`sdsf.emergency.service` and measured by ``bench/emergency.py``.

**Wishes.** Families do not rank structures in a crisis: they need a place near home or near
work, today. A child's wishes are therefore the places open that day within the period's
maximum distance of its home or of its parent's workplace (the nearer of the two counts), nearest
first, at most :data:`MAX_WISHES`.

**Priority.** At every place, children rank by their family's priority category (rank 1 first),
then by distance to that place (nearer first: a bonus of minus the distance in km, smaller than
the gap between two categories), then by the time the request was sent, then by a lottery seeded
with the day. This is the allocation engine's deferred acceptance (:mod:`sdsf.allocation.engine`):
no child could take a place from a child of lower priority there, and no family gains by asking
for fewer places.

Each child is matched on its own: siblings share their wishes and priority, so they land in the
same place whenever it has room for them, but this is not guaranteed (joint placement goes to the
exact solver, too slow for a département's crisis each morning).
"""

from dataclasses import dataclass

import numpy as np

from sdsf.allocation import engine

MAX_WISHES = 10
CATEGORY_GAP = 1000.0  # points between two categories: more than any distance bonus (km)
EARTH_RADIUS_KM = 6371.0088
_CHUNK = 2048  # children per block of the distance matrix (memory stays under ~40 MB)


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
    """Great-circle distances (haversine) from each point to each target, in km."""
    lat1, lon1 = np.radians(points[:, :1]), np.radians(points[:, 1:2])
    lat2, lon2 = np.radians(targets[:, 0])[None, :], np.radians(targets[:, 1])[None, :]
    a = (
        np.sin((lat2 - lat1) / 2) ** 2
        + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def _wishes(problem: DayProblem) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each child's wished offers (nearest first) as engine offsets, offers and distances."""
    open_offers = np.flatnonzero(problem.offer_places > 0)
    positions = problem.offer_position[open_offers]
    keep = min(MAX_WISHES, open_offers.size)
    counts = np.zeros(problem.size, dtype=np.int64)
    chosen, lengths = [], []
    for start in range(0, problem.size, _CHUNK):
        stop = min(start + _CHUNK, problem.size)
        if keep == 0:
            break
        near = distances_km(problem.home[start:stop], positions)
        work = problem.work[start:stop]
        known = ~np.isnan(work[:, 0])
        if known.any():
            near[known] = np.minimum(near[known], distances_km(work[known], positions))
        nearest = np.argpartition(near, keep - 1, axis=1)[:, :keep]
        near_kept = np.take_along_axis(near, nearest, axis=1)
        order = np.argsort(near_kept, axis=1, kind="stable")
        nearest = np.take_along_axis(nearest, order, axis=1)
        near_kept = np.take_along_axis(near_kept, order, axis=1)
        within = near_kept <= problem.max_km
        counts[start:stop] = within.sum(axis=1)
        chosen.append(open_offers[nearest[within]])
        lengths.append(near_kept[within])
    offers = np.concatenate(chosen) if chosen else np.empty(0, dtype=np.int64)
    distance = np.concatenate(lengths) if lengths else np.empty(0)
    offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    return offsets, offers.astype(np.int64), distance


def match_day(problem: DayProblem, seed: int) -> DayResult:
    """Matches the day's children to its places; same problem and seed, same result."""
    n, m = problem.size, problem.offer_places.size
    offsets, offers, distance = _wishes(problem)
    counts = np.diff(offsets)
    score = (problem.rank.max(initial=0) + 1 - problem.rank).astype(np.float64) * CATEGORY_GAP
    engine_problem = engine.Problem(
        section=np.zeros(n, dtype=np.int64),
        score=score,
        submitted=problem.submitted.astype(np.int64),
        insertion=np.zeros(n, dtype=bool),
        wish_offsets=offsets,
        wish_structures=offers,
        capacity=problem.offer_places.astype(np.int64).reshape(m, 1),
        reserved=np.zeros((m, 1), dtype=np.int64),
        bonus_application=np.repeat(np.arange(n, dtype=np.int64), counts),
        bonus_structure=offers,
        bonus_value=-distance,
    )
    allocation = engine.allocate(engine_problem, seed)
    got = allocation.structure.astype(np.int64)
    result_distance = np.full(n, np.nan)
    placed = np.flatnonzero(got >= 0)
    if placed.size:
        pair = offsets[placed] + allocation.wish_rank[placed] - 1
        result_distance[placed] = distance[pair]
    return DayResult(offer=got, distance_km=result_distance, reachable=counts)
