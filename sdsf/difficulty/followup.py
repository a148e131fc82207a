"""The follow-up file's life (opening, co-signature, status), the scheme's yearly view and the
territory's structures at risk.

Views check the gate (the file's structure is writable by the person with the permission);
these functions apply the rules: who signs for whom, which status change exists and the date
it sets (aids: :mod:`sdsf.difficulty.aids`).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sdsf.accounts.models import Role
from sdsf.accounts.scope import Permission, holding
from sdsf.core import clock
from sdsf.difficulty.models import ActivityYear, Cause, FollowUp
from sdsf.difficulty.service import health_rows
from sdsf.funding.models import Funder
from sdsf.offer.capacity import capacity_on
from sdsf.offer.models import Structure


class FollowUpError(ValueError):
    """A change the file's rules refuse, worded for the user (French)."""


def places_of(structure: Structure, on: date) -> int:
    """The structure's places agréées on ``on`` (capacities prefetched or not)."""
    return sum(capacity_on(structure, on).values())


def open_file(structure: Structure, user, signals: list[str]) -> FollowUp:
    """A new file, detected today, with the signals of the structure's latest year."""
    if structure.follow_ups.exclude(status=FollowUp.Status.CLOSED).exists():
        raise FollowUpError("Un dossier de suivi est déjà ouvert pour cette structure.")
    causes = [cause for signal, cause in SIGNAL_CAUSES.items() if signal in signals]
    return FollowUp.objects.create(
        structure=structure,
        opened_on=clock.today(),
        opened_by=user,
        signals="|".join(signals)[:300],
        causes=list(dict.fromkeys(causes)),
        places=places_of(structure, clock.today()),
    )


# The cause a signal suggests when a file is opened from it (the partners confirm or change it).
SIGNAL_CAUSES = {
    "occupancy_low": Cause.LOW_OCCUPANCY,
    "occupancy_falling": Cause.DEMAND_FALL,
    "invoicing_low": Cause.INVOICING,
    "invoicing_high": Cause.INVOICING,
    "staff_costs_high": Cause.STAFF_COSTS,
    "deficit_high": Cause.DEFICIT,
    "deficit_growing": Cause.DEFICIT,
    "children_per_place_low": Cause.LOW_OCCUPANCY,
}


def signing_party(user) -> str | None:
    """``manager`` or ``caf``: whom the person signs for (a structure manager, a CAF advisor)."""
    roles = {Role(a.role) for a in holding(user, Permission.DIFFICULTY_FOLLOW)}
    if Role.CAF_ADVISOR in roles:
        return "caf"
    if Role.STRUCTURE_MANAGER in roles:
        return "manager"
    return None


def sign(file: FollowUp, user) -> str:
    """Co-signs the action plan for the person's institution; returns the party."""
    party = signing_party(user)
    if party is None:
        raise FollowUpError("Seuls le gestionnaire de la structure et la CAF co-signent le plan.")
    if not file.actions.exists():
        raise FollowUpError("Le plan d'action n'a encore aucune action : rien à signer.")
    setattr(file, f"{party}_signed_by", user)
    setattr(file, f"{party}_signed_on", clock.today())
    file.save(update_fields=[f"{party}_signed_by", f"{party}_signed_on"])
    return party


def change_status(file: FollowUp, target: str) -> None:
    """Moves the file (declared moves only) and dates the step it reaches."""
    field_name = FollowUp.STATUS_DATES[target]
    setattr(file, field_name, clock.today())
    FollowUp.TRANSITIONS.change(file, target, fields=[field_name])


def next_statuses(file: FollowUp) -> list[tuple[str, str]]:
    return [
        (value, label)
        for value, label in FollowUp.Status.choices
        if value != file.status and FollowUp.TRANSITIONS.allows(file.status, value)
    ]


# --- the scheme's yearly view ----------------------------------------------------------------


@dataclass
class YearFigures:
    """What the action « structures in difficulty » did in one year, in one territory."""

    year: int
    detected: int = 0
    supported: int = 0
    stabilised: int = 0
    closed: int = 0
    places_kept: int = 0
    paid_by_funder: dict[str, Decimal] = field(default_factory=dict)
    has_demo: bool = False

    @property
    def paid_total(self) -> Decimal:
        return sum(self.paid_by_funder.values(), Decimal(0))


def _in(year: int, day: date | None) -> bool:
    return day is not None and day.year == year


def yearly_figures(files, years: list[int]) -> list[YearFigures]:
    """Files opened (detected), supported, stabilised and closed in each year, places of the
    structures stabilised that year, and aid paid that year per funder."""
    files = list(files.prefetch_related("aids").select_related("structure"))
    figures = []
    labels = dict(Funder.Kind.choices)
    for year in years:
        row = YearFigures(year)
        paid: Counter = Counter()
        for f in files:
            row.detected += _in(year, f.opened_on)
            row.supported += _in(year, f.supported_on)
            row.closed += _in(year, f.closed_on)
            if _in(year, f.stabilised_on):
                row.stabilised += 1
                row.places_kept += (f.mam_places or 0) if f.is_mam else f.places
            for aid in f.aids.all():
                if _in(year, aid.paid_on):
                    paid[str(labels[aid.funder])] += aid.granted_eur or Decimal(0)
            row.has_demo |= f.is_demo
        row.paid_by_funder = dict(sorted(paid.items()))
        figures.append(row)
    return figures


# --- the territory's view --------------------------------------------------------------------


@dataclass
class AtRisk:
    """Structures of a commune with at least one signal in the year, and their places."""

    commune: str
    structures: int = 0
    at_risk: int = 0
    places: int = 0
    places_at_risk: int = 0
    signals: Counter = field(default_factory=Counter)


def at_risk(structures, year: int) -> tuple[list[AtRisk], AtRisk]:
    """Per commune and in total: structures with activity that year, those with a signal,
    their places (the year's activity, or the registry's when the activity has none)."""
    listed = list(structures.select_related("commune").prefetch_related("capacities"))
    health = health_rows(structures, [year])
    places_in_year = _activity_places(listed, year)
    communes: dict[str, AtRisk] = defaultdict(lambda: AtRisk(""))
    total = AtRisk("Total")
    on = date(year, 12, 31)
    for s in listed:
        rows = health.get(s.pk)
        if not rows:
            continue
        signals = rows[0]["signals"]
        places = places_in_year.get(s.pk) or places_of(s, on)
        for bucket in (communes[s.commune.name], total):
            bucket.structures += 1
            bucket.places += places
            if signals:
                bucket.at_risk += 1
                bucket.places_at_risk += places
                bucket.signals.update(signals)
    for name, bucket in communes.items():
        bucket.commune = name
    return sorted(communes.values(), key=lambda b: (-b.at_risk, b.commune)), total


def _activity_places(structures, year: int) -> dict[int, int]:
    rows = ActivityYear.objects.filter(
        structure__in=[s.pk for s in structures], year=year, places__isnull=False
    )
    return dict(rows.values_list("structure_id", "places"))


def record_mam_figures(file: FollowUp, childminders, children, places) -> None:
    file.mam_childminders, file.mam_children, file.mam_places = childminders, children, places
    file.save(update_fields=["mam_childminders", "mam_children", "mam_places"])
