"""A structure's places in a round, as commissions count them (pure: no Django).

The places of a round are those free on its start date. When the structure declared them for
the round, its declaration is used; otherwise they are counted: the capacity in force that day
less the children who stay (enrolled, not leaving before that date) and less the places still
held by proposals of earlier rounds that the family has not answered yet.

A capacity ``all`` ("toutes sections") is a pool every section uses; section rows beside it
are caps inside the pool. A place is counted per day: a child who stays on Monday and Tuesday
only leaves the place free from Wednesday to Friday. The engine counts one capacity for every
half-day slot, so such a child is given to it as a *holder*: a child enrolled there, with no
wish, who keeps its seat on its own days (:mod:`engine`'s transfers). A place declared free on
some days only is, in the same way, one place and a holder on the other days.

A child asking a transfer holds its seat in the engine: the enrolment it comes from is not
subtracted (its seat is in the capacity, the engine gives it back when the child leaves). A
declaration counts the free places only, so each transfer adds its seat to it.
"""

from dataclasses import dataclass, field

from sdsf.offer.days import ALL_DAYS, whole_days

POOL = "all"
AGE_SECTIONS = ("babies", "middle", "older")
BENEFIT_EVERY = 20  # article D214-7 CASF: at least one child in twenty places


@dataclass(frozen=True)
class Child:
    """An enrolled child, a held place or a transfer: its section ("" when not split by age)
    and its days (bit per half-day)."""

    section: str
    days: int = ALL_DAYS


@dataclass(frozen=True)
class Declared:
    section: str  # an age section, or POOL
    places: int
    days: int = ALL_DAYS
    leaving: int = 0


@dataclass
class Source:
    """What the registry and the round know of one structure."""

    capacity: dict[str, int]  # in force on the round's start date, by section (POOL: a pool)
    staying: list[Child] = field(default_factory=list)
    leaving: int = 0
    held: list[Child] = field(default_factory=list)
    held_insertion: dict[str, int] = field(default_factory=dict)
    declared: list[Declared] = field(default_factory=list)
    transfers: list[Child] = field(default_factory=list)
    avip_share: int | None = None
    benefit_reserve: bool = False
    half_days: bool = False


@dataclass
class Offered:
    """The structure's places as the engine takes them, and the figures the commission sees.

    ``pool`` is the pooled capacity (-1: places by section); ``caps`` the places of each age
    section (inside the pool: its cap, the pool itself when uncapped); reserves are on the
    pool when pooled. ``holders`` are the part-time children who keep their seat.
    """

    pool: int
    caps: dict[str, int]
    reserved: dict[str, int]
    reserved_benefit: dict[str, int]
    holders: list[Child]
    capacity: int
    enrolled: int
    leaving: int
    declared: int | None
    offered: int

    @property
    def reserved_total(self) -> int:
        return sum(self.reserved.values())

    @property
    def benefit_total(self) -> int:
        return sum(self.reserved_benefit.values())

    @property
    def uses_declaration(self) -> bool:
        return self.declared is not None

    def open_for(self, section: str) -> bool:
        """Whether a child of ``section`` can be offered a place here."""
        return self.caps.get(section, 0) > 0


def reserved_places(capacity: int, avip_share: int | None) -> int:
    """Places kept for insertion families: at least the AVIP share of the capacity."""
    if not avip_share:
        return 0
    return min(capacity, -(-capacity * avip_share // 100))


def _schools(capacity: dict[str, int]) -> tuple[int, dict[str, int | None]]:
    """(pool or -1, places per age section) from capacity rows; inside a pool, a section
    without a row of its own is uncapped (None)."""
    if POOL in capacity:
        return capacity[POOL], {s: capacity.get(s) for s in AGE_SECTIONS}
    return -1, {s: capacity.get(s, 0) for s in AGE_SECTIONS}


def _unmatched(staying: list[Child], transfers: list[Child]) -> list[Child]:
    """The staying children less one per transfer (same section and days first, then same
    section, then any): the transfer is that child, held in the engine."""
    left = list(staying)
    for transfer in transfers:
        for test in (
            lambda c, t=transfer: c == t,
            lambda c, t=transfer: c.section == t.section,
            lambda c: True,
        ):
            match = next((c for c in left if test(c)), None)
            if match is not None:
                left.remove(match)
                break
    return left


class _Count:
    """Places left in a pool and its section caps (None: uncapped) while children take them."""

    def __init__(self, pool: int, caps: dict[str, int | None]):
        self.pooled = pool >= 0
        self.pool, self.caps = pool, dict(caps)

    def limits(self) -> dict[str, int]:
        """Places of each age section as the engine takes them (a cap never above its pool)."""
        if not self.pooled:
            return {s: max(c, 0) for s, c in self.caps.items()}
        return {
            s: max(min(self.pool if c is None else c, self.pool), 0) for s, c in self.caps.items()
        }

    def section_of(self, child: Child) -> str:
        if child.section in self.caps:
            return child.section
        limits = self.limits()  # not split by age: the widest section
        return max(AGE_SECTIONS, key=lambda s: limits[s])

    def take(self, section: str, count: int = 1) -> None:
        self._change(section, -count)

    def add(self, section: str, count: int = 1) -> None:
        self._change(section, count)

    def _change(self, section: str, count: int) -> None:
        if self.pooled:
            self.pool += count
        if self.caps[section] is not None:
            self.caps[section] += count

    def clamp(self) -> None:
        if self.pooled:
            self.pool = max(self.pool, 0)
        self.caps = {s: None if c is None else max(c, 0) for s, c in self.caps.items()}

    def free(self) -> int:
        return max(self.pool, 0) if self.pooled else sum(self.limits().values())


def _fit(count: _Count, holders: list[tuple[str, int]]) -> list[Child]:
    """The holders the places can carry: on every half-day, no more holders than places in
    their section cap and pool. A holder that does not fit takes a whole place instead (an
    over-full structure offers nothing on those days rather than a seat it does not have)."""
    kept = list(holders)
    while True:
        over = None
        for slot in range(10):
            present = [h for h in kept if h[1] >> slot & 1]
            limits = count.limits()
            if count.pooled and len(present) > count.pool:
                over = present[-1]
            for section in AGE_SECTIONS:
                if len([h for h in present if h[0] == section]) > limits[section]:
                    over = next(h for h in reversed(present) if h[0] == section)
            if over:
                break
        if over is None:
            return [Child(section, days) for section, days in kept]
        kept.remove(over)
        count.take(over[0])
        count.clamp()


def offered(source: Source) -> Offered:
    """The places of one structure in a round (see the module's docstring)."""
    agreed_pool, agreed_caps = _schools(source.capacity)
    capacity = agreed_pool if agreed_pool >= 0 else sum(c or 0 for c in agreed_caps.values())
    widen = (lambda d: d) if source.half_days else whole_days
    partial: list[tuple[str, int]] = []
    if source.declared:
        count = _Count(*_schools({d.section: d.places for d in source.declared}))
        for row in source.declared:
            days = widen(row.days)
            if days != ALL_DAYS and row.places:
                section = count.section_of(Child(row.section))
                partial += [(section, ALL_DAYS & ~days)] * row.places
        for transfer in source.transfers:
            count.add(count.section_of(transfer))
        leaving = sum(d.leaving for d in source.declared)
        declared_total = count.free() - len(source.transfers)
    else:
        count = _Count(agreed_pool, agreed_caps)
        for child in [*_unmatched(source.staying, source.transfers), *source.held]:
            section = count.section_of(child)
            days = widen(child.days)
            if days == ALL_DAYS:
                count.take(section)
            else:
                partial.append((section, days))
        count.clamp()
        leaving = source.leaving
        declared_total = None
    holders = _fit(count, partial)
    return _with_reserves(source, count, holders, capacity, leaving, declared_total)


def _with_reserves(source, count: _Count, holders, capacity, leaving, declared) -> Offered:
    """The AVIP share (less the places insertion families already hold) and the D214-7
    reserve, within the places left, on the pool or on each section."""
    schools = [POOL] if count.pooled else list(AGE_SECTIONS)
    agreed_pool, agreed_caps = _schools(source.capacity)
    limits = count.limits()
    reserved, benefit = {}, {}
    for school in schools:
        free = count.pool if school == POOL else limits[school]
        agreed = agreed_pool if school == POOL else agreed_caps[school] or 0
        held = (
            sum(source.held_insertion.values())
            if school == POOL
            else source.held_insertion.get(school, 0)
        )
        kept = reserved_places(agreed, source.avip_share) - held
        reserved[school] = min(max(kept, 0), free)
        law = agreed // BENEFIT_EVERY if source.benefit_reserve else 0
        benefit[school] = min(law, free - reserved[school])
    transfers = len(source.transfers)
    return Offered(
        pool=count.pool if count.pooled else -1,
        caps=limits,
        reserved=reserved,
        reserved_benefit=benefit,
        holders=holders,
        capacity=capacity,
        enrolled=len(source.staying) + source.leaving,
        leaving=leaving,
        declared=declared,
        offered=max(count.free() - transfers, 0),
    )
