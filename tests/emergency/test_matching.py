"""The daily matching core: nearest places, category first, stable, same seed same result."""

import numpy as np
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from sdsf.allocation import engine
from sdsf.emergency.matching import DayProblem, distances_km, match_day

NAN = [np.nan, np.nan]
BOBIGNY, PARIS, LYON = [48.908, 2.439], [48.857, 2.352], [45.764, 4.836]


def problem(rank, home, work=None, offers=(), places=(), max_km=15.0, submitted=None):
    n = len(rank)
    return DayProblem(
        rank=np.array(rank),
        submitted=np.array(submitted or list(range(n))),
        home=np.array(home, dtype=float).reshape(-1, 2),
        work=np.array(work or [NAN] * n, dtype=float).reshape(-1, 2),
        offer_position=np.array(offers, dtype=float).reshape(-1, 2),
        offer_places=np.array(places, dtype=np.int64),
        max_km=max_km,
    )


def test_distances_within_a_departement_are_great_circle_ones_within_a_fifth_of_a_percent():
    (lat1, lon1), (lat2, lon2) = np.radians(BOBIGNY), np.radians(PARIS)
    a = (
        np.sin((lat2 - lat1) / 2) ** 2
        + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    )
    great_circle = 2 * 6371.0088 * np.arcsin(np.sqrt(a))  # haversine: 8.3 km
    assert (
        abs(distances_km(np.array([BOBIGNY]), np.array([PARIS]))[0, 0] / great_circle - 1) < 0.002
    )


def test_first_category_goes_first_even_if_later():
    result = match_day(
        problem([2, 1], [BOBIGNY, BOBIGNY], offers=[BOBIGNY], places=[1], submitted=[1, 2]), 1
    )
    assert result.offer.tolist() == [-1, 0]


def test_nearer_child_wins_within_a_category():
    near, far = BOBIGNY, [48.95, 2.50]
    result = match_day(problem([1, 1], [far, near], offers=[BOBIGNY], places=[1]), 1)
    assert result.offer.tolist() == [-1, 0]
    assert result.distance_km[1] == 0


def test_workplace_counts_when_nearer_than_home():
    result = match_day(problem([1], [LYON], work=[PARIS], offers=[PARIS], places=[1]), 1)
    assert result.offer.tolist() == [0]
    assert result.reachable.tolist() == [1]


def test_nothing_beyond_the_maximum_distance():
    result = match_day(problem([1], [LYON], offers=[PARIS], places=[5]), 1)
    assert result.offer.tolist() == [-1]
    assert result.reachable.tolist() == [0]
    assert np.isnan(result.distance_km[0])


def test_a_child_goes_past_the_first_wishes_when_they_are_full():
    """Thirty children of one commune, thirty single places around it: all placed, though
    each child is first given only its ten nearest."""
    offers = [[48.90 + 0.001 * k, 2.44] for k in range(30)]
    result = match_day(problem([1] * 30, [BOBIGNY] * 30, offers=offers, places=[1] * 30), 1)
    assert sorted(result.offer.tolist()) == list(range(30))


def test_no_place_open_no_child_matched():
    result = match_day(problem([1, 1], [PARIS, PARIS], offers=[PARIS], places=[0]), 1)
    assert result.matched == 0


positions = st.tuples(st.floats(48.80, 48.95), st.floats(2.25, 2.55))


@settings(max_examples=60, deadline=None)
@given(
    children=st.lists(st.tuples(st.integers(1, 3), positions), min_size=1, max_size=12),
    offers=st.lists(st.tuples(positions, st.integers(0, 3)), min_size=1, max_size=5),
    seed=st.integers(0, 10),
)
def test_no_child_could_take_a_place_from_a_lower_priority_child(children, offers, seed):
    """Stability: a child without a place, or placed farther, never finds a place it could
    reach held by a child of a lower category (or of the same category, farther from it)."""
    prob = problem(
        [c[0] for c in children],
        [c[1] for c in children],
        offers=[o[0] for o in offers],
        places=[o[1] for o in offers],
    )
    result = match_day(prob, seed)
    assert result.offer.tolist() == match_day(prob, seed).offer.tolist()
    distance = distances_km(prob.home, prob.offer_position)
    counts = np.bincount(result.offer[result.offer >= 0], minlength=len(offers))
    assert (counts <= prob.offer_places).all()
    for child in range(prob.size):
        mine = result.distance_km[child] if result.offer[child] >= 0 else np.inf
        for offer in range(len(offers)):
            if prob.offer_places[offer] == 0 or distance[child, offer] > prob.max_km:
                continue
            if distance[child, offer] >= mine - 1e-9:
                continue  # not better for this child
            holders = np.flatnonzero(result.offer == offer)
            assert counts[offer] == prob.offer_places[offer]  # else it would have taken it
            for other in holders:
                # every holder ranks at least as high as the child at that place: a better
                # category, or the same and no farther from it
                assert prob.rank[other] < prob.rank[child] or (
                    prob.rank[other] == prob.rank[child]
                    and distance[other, offer] <= distance[child, offer] + 1e-9
                )


def engine_match(prob: DayProblem, seed: int) -> list[int]:
    """The allocation engine's deferred acceptance on the same day: every place within reach
    wished, nearest first; category as points, minus the distance as a bonus at each place."""
    n, m = prob.size, prob.offer_places.size
    near = distances_km(prob.home, prob.offer_position)
    known = ~np.isnan(prob.work[:, 0])
    near[known] = np.minimum(near[known], distances_km(prob.work[known], prob.offer_position))
    wishes = [
        [
            p
            for p in np.argsort(near[c], kind="stable")
            if near[c, p] <= prob.max_km and prob.offer_places[p] > 0
        ]
        for c in range(n)
    ]
    flat = np.array([p for w in wishes for p in w], dtype=np.int64)
    counts = np.array([len(w) for w in wishes])
    result = engine.allocate(
        engine.Problem(
            section=np.zeros(n, dtype=np.int64),
            score=(10 - prob.rank).astype(float) * 1000,
            submitted=prob.submitted,
            insertion=np.zeros(n, dtype=bool),
            wish_offsets=np.concatenate([[0], np.cumsum(counts)]).astype(np.int64),
            wish_structures=flat,
            capacity=prob.offer_places.reshape(m, 1),
            reserved=np.zeros((m, 1), dtype=np.int64),
            bonus_application=np.repeat(np.arange(n), counts),
            bonus_structure=flat,
            bonus_value=-near[np.repeat(np.arange(n), counts), flat],
        ),
        seed,
    )
    return result.structure.tolist()


@settings(max_examples=80, deadline=None)
@given(
    children=st.lists(
        st.tuples(st.integers(1, 3), positions, st.booleans(), positions, st.integers(0, 5)),
        min_size=1,
        max_size=15,
    ),
    offers=st.lists(st.tuples(positions, st.integers(0, 3)), min_size=1, max_size=6),
    seed=st.integers(0, 10),
)
def test_the_same_matching_as_the_allocation_engine(children, offers, seed):
    """Every child at a position of its own (no two at the same distance of a place): the
    pairs taken in rank order give exactly the engine's deferred acceptance."""
    homes = [c[1] for c in children]
    assume(len(set(homes)) == len(homes))
    prob = problem(
        [c[0] for c in children],
        homes,
        work=[c[3] if c[2] else NAN for c in children],
        offers=[o[0] for o in offers],
        places=[o[1] for o in offers],
        submitted=[c[4] for c in children],
    )
    assert match_day(prob, seed).offer.tolist() == engine_match(prob, seed)
