"""The registry's dated history, written the same way by the importers and the forms.

A change of capacity or of agrément is a new row in force from its date (or corrects the row of
that same date); a date before the latest change is refused, so the history never gets rewritten
behind the reader's back (:mod:`sdsf.offer.counts` answers for any past date from these rows).
"""

from dataclasses import dataclass, field
from datetime import date

from django.db import transaction

from sdsf.core import formats
from sdsf.offer.models import Agrement, AssistantMaternel, Capacity, Structure

AGREMENT_FIELDS = ("status", "places", "ages", "start", "expiry")


class BeforeLatest(ValueError):
    """A change dated before the latest one recorded (French message)."""


def before_latest(what: str, start: date, last: date) -> BeforeLatest:
    return BeforeLatest(
        f"changement {what} daté du {formats.date(start)}, antérieur au dernier changement "
        f"enregistré ({formats.date(last)})"
    )


@dataclass
class CapacityChange:
    create: list[Capacity] = field(default_factory=list)
    update: list[Capacity] = field(default_factory=list)


def capacity_change(
    structure: Structure, rows: list[Capacity], wanted: dict[str, int], start: date
) -> CapacityChange | None:
    """The rows that give ``structure`` (whose capacity rows are ``rows``) the places by
    section ``wanted`` from ``start``; None when they are already in force."""
    latest: dict[str, Capacity] = {}
    for row in sorted(rows, key=lambda r: r.start):
        latest[row.section] = row
    current = {s: r.places for s, r in latest.items() if r.places}
    wanted = {s: n for s, n in wanted.items() if n}
    if current == wanted:
        return None
    last = max((r.start for r in rows), default=None)
    if last and start < last:
        raise before_latest("de places", start, last)
    same_day = {r.section: r for r in rows if r.start == start}
    change = CapacityChange()
    for section in sorted(set(current) | set(wanted)):
        places = wanted.get(section, 0)
        if places == current.get(section, 0):
            continue
        if section in same_day:
            same_day[section].places = places
            change.update.append(same_day[section])
        else:
            change.create.append(
                Capacity(structure=structure, section=section, places=places, start=start)
            )
    return change


@transaction.atomic
def set_capacity(structure: Structure, wanted: dict[str, int], start: date) -> bool:
    """Records the places by section in force from ``start``; False when nothing changed."""
    rows = list(Capacity.objects.select_for_update().filter(structure=structure))
    change = capacity_change(structure, rows, wanted, start)
    if change is None:
        return False
    Capacity.objects.bulk_create(change.create)
    Capacity.objects.bulk_update(change.update, ["places"])
    return True


def agrement_state(agrement: Agrement) -> tuple:
    return tuple(getattr(agrement, name) for name in AGREMENT_FIELDS)


def current_state(assistant: AssistantMaternel) -> tuple:
    return (
        assistant.agrement_status,
        assistant.agrement_places,
        assistant.agrement_ages,
        assistant.agrement_start,
        assistant.agrement_expiry,
    )


def copy_current(assistant: AssistantMaternel, agrement: Agrement) -> None:
    """The childminder's row keeps the latest state of the history (lists and alerts read it)."""
    assistant.agrement_status = agrement.status
    assistant.agrement_places = agrement.places
    assistant.agrement_ages = agrement.ages
    assistant.read_agrement_ages()  # the importers' plain INSERT/UPDATE bypass save()
    assistant.agrement_start = agrement.start
    assistant.agrement_expiry = agrement.expiry
    assistant.agrement_since = agrement.effective_from


@transaction.atomic
def record_agrement(assistant: AssistantMaternel, agrement: Agrement) -> Agrement:
    """Adds a state of the agrément in force from its ``effective_from`` (a decision of the
    same date corrects that day's row), and makes it the current one."""
    assistant = AssistantMaternel.objects.select_for_update().get(pk=assistant.pk)
    if agrement.effective_from < assistant.agrement_since:
        raise before_latest("d'agrément", agrement.effective_from, assistant.agrement_since)
    agrement.assistant = assistant
    same_day = assistant.agrements.filter(effective_from=agrement.effective_from).first()
    if same_day is not None:
        agrement.pk = same_day.pk
    agrement.save()
    copy_current(assistant, agrement)
    assistant.save()
    return agrement
