"""Intake of the families' online pré-demandes into a commune's round.

A round of commune C takes every active pré-demande (``ACTIVE_STATUSES``: an accepted place
closes it for every other round) that wishes a place in C. Its wishes are kept in the family's
order, restricted to C's EAJE; a wish for "any crèche in commune C" is expanded, at its rank,
to C's EAJE with places open in the child's section in this round, in the registry's order by
name (then identifier), so the expansion is the same for every family and can be published.
Points come from the round's grid and the situation the family declared; the reference is the
pré-demande's. The days come from the need (weekdays and hours); twins or triplets of one joint
application are one application each, placed together unless the family accepts separate
structures; a child already enrolled in one of C's crèches asks a transfer there. The
waiting-list import (:mod:`waiting_list`) and the intake coexist in a round: each replaces only
its own applications, and references stay unique.
"""

from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_noop

from sdsf.allocation import rounds
from sdsf.allocation.grids import commissions_passed, family_questions, points_lines, total
from sdsf.allocation.models import AllocationRound, Application
from sdsf.core import clock, formats
from sdsf.families import history
from sdsf.families.models import ACTIVE_STATUSES, Event, PreApplication, Wish
from sdsf.offer import days
from sdsf.offer.models import Structure
from sdsf.offer.sections import child_section

# Statuses that become "en commission" when a round takes the pré-demande; a place proposed by
# another commune's round stays "place proposée" until the family answers it.
WAITING_STATUSES = (
    PreApplication.Status.RECEIVED,
    PreApplication.Status.COMPLETE,
    PreApplication.Status.REFUSED,
)


READ_FIELDS = (
    "reference",
    "status",
    "child_birth_date",
    "expected_birth_date",
    "situation",
    "insertion",
    "submitted_at",
    "created_at",
    "days",
    "starts_at",
    "ends_at",
    "siblings",
    "siblings_apart",
    "current_structure",
)


class IntakeError(Exception):
    """The intake is not possible (message in French); nothing was written."""


@dataclass
class IntakeResult:
    taken: int = 0
    skipped: list[str] = field(default_factory=list)

    def summary(self) -> str:
        lines = [f"{self.taken} pré-demande(s) en ligne prise(s) en compte."]
        if self.skipped:
            lines.append(f"{len(self.skipped)} écartée(s) : " + " ; ".join(self.skipped))
        return "\n".join(lines)


def _commune_creches(allocation_round: AllocationRound) -> tuple[dict[int, str], dict]:
    """C's EAJE (pk → identifier) and, per section, those with places open in the round, in
    registry order by name."""
    eaje = list(
        Structure.objects.filter(
            commune=allocation_round.commune, kind=Structure.Kind.EAJE
        ).order_by("name", "identifier")
    )
    places = rounds.places_on(eaje, allocation_round.starts_on, exclude_round=allocation_round)
    open_in = {
        section: [
            s.identifier for s, f in zip(eaje, places.figures, strict=True) if f.open_for(section)
        ]
        for section in rounds.SECTIONS
    }
    return {s.pk: s.identifier for s in eaje}, open_in


def _wishes(ranked: list[tuple], commune_code: str, eaje: dict, open_in: list[str]) -> list[str]:
    """The family's wishes (``(structure_id, commune_id)`` by rank) as C's structures."""
    wished: list[str] = []
    for structure_id, commune_id in ranked:
        if structure_id in eaje:
            candidates = [eaje[structure_id]]
        elif commune_id == commune_code:
            candidates = open_in
        else:
            continue
        wished += [c for c in candidates if c not in wished]
    return wished


def child_references(pre: PreApplication) -> list[str]:
    """One application per child: the pré-demande's reference, then ``-2``, ``-3`` for the
    twins or triplets of a joint application."""
    return [pre.reference] + [f"{pre.reference}-{n}" for n in range(2, pre.siblings + 2)]


def take_pre_applications(allocation_round: AllocationRound, actor=None) -> IntakeResult:
    """Replaces the round's applications from pré-demandes by the active ones wishing C whose
    wished start falls before the end of the round's period."""
    if allocation_round.status not in (
        AllocationRound.Status.DRAFT,
        AllocationRound.Status.PUBLISHED,
    ):
        raise IntakeError("Les demandes ne peuvent être prises qu'avant le calcul.")
    commune = allocation_round.commune
    criteria = list(allocation_round.grid.criteria.all())
    family_keys = {c.key for c in family_questions(criteria)}
    passed, _ = commissions_passed(allocation_round)
    # What the commission set on an application taken before (its criteria, a range's points)
    # stays when the pré-demandes are taken again.
    kept = {
        pre_id: (situation, chosen)
        for pre_id, situation, chosen in allocation_round.applications.filter(
            pre_application__isnull=False
        ).values_list("pre_application_id", "criteria", "chosen_points")
    }
    eaje, open_in = _commune_creches(allocation_round)
    wishing = Wish.objects.filter(Q(structure__in=list(eaje)) | Q(commune=commune))
    # A family whose wished start falls after the round's period waits for a later round.
    candidates = PreApplication.objects.filter(
        status__in=ACTIVE_STATUSES,
        pk__in=wishing.values("pre_application_id"),
        wished_start__lte=allocation_round.ends_on,
    )
    ranked: dict[int, list[tuple]] = {}
    for pre_id, structure_id, commune_id in (
        Wish.objects.filter(pre_application__in=candidates)
        .order_by("pre_application", "rank")
        .values_list("pre_application_id", "structure_id", "commune_id")
    ):
        ranked.setdefault(pre_id, []).append((structure_id, commune_id))
    result = IntakeResult()
    applications = []
    for pre in candidates.order_by("pk").only(*READ_FIELDS):
        birth = pre.child_date
        section = child_section(birth, allocation_round.starts_on) if birth else None
        if section is None:
            result.skipped.append(f"{pre.reference} (enfant pas encore né à l'entrée)")
            continue
        wishes = _wishes(ranked.get(pre.pk, []), commune.code, eaje, open_in[section])
        current = eaje.get(pre.current_structure_id)
        wishes = [w for w in wishes if w != current]  # a transfer keeps its place anyway
        if not wishes:
            result.skipped.append(f"{pre.reference} (aucune crèche de la commune avec des places)")
            continue
        earlier, chosen = kept.get(pre.pk, ([], {}))
        declared = set(pre.situation) & family_keys
        situation = [
            c.key for c in criteria if c.key in declared or c.key in set(earlier) - family_keys
        ]
        applications += [
            Application(
                round=allocation_round,
                pre_application=pre,
                reference=reference,
                section=section,
                submitted_on=timezone.localdate(pre.submitted_at or pre.created_at),
                insertion=pre.insertion,
                criteria=situation,
                chosen_points=chosen,
                commissions_passed=passed[pre.pk],
                wishes=wishes,
                points=total(points_lines(criteria, situation, chosen, passed[pre.pk])),
                days=days.from_weekdays(pre.days, pre.starts_at, pre.ends_at),
                group=pre.reference if pre.siblings and not pre.siblings_apart else "",
                current_structure_id=pre.current_structure_id if current else None,
            )
            for reference in child_references(pre)
        ]
    imported = set(
        allocation_round.applications.filter(pre_application__isnull=True).values_list(
            "reference", flat=True
        )
    )
    clashes = imported & {a.reference for a in applications}
    if clashes:
        raise IntakeError(
            "Référence(s) déjà présente(s) dans la liste d'attente importée : "
            + ", ".join(sorted(clashes))
        )
    with transaction.atomic():
        allocation_round.applications.filter(pre_application__isnull=False).delete()
        Application.objects.bulk_create(applications, batch_size=2000)
        _mark_in_commission(allocation_round, [a.pre_application for a in applications], actor)
    result.taken = len(applications)
    return result


def _mark_in_commission(allocation_round: AllocationRound, taken: list, actor) -> None:
    moving = [pre for pre in taken if pre.status in WAITING_STATUSES]
    note, params = (
        gettext_noop("Demande examinée par la commission « %(commission)s »."),
        {"commission": allocation_round.name},
    )
    if allocation_round.meets_on:
        note = gettext_noop("Demande examinée par la commission « %(commission)s » du %(date)s.")
        params["date"] = formats.date(allocation_round.meets_on)
    PreApplication.TRANSITIONS.change_all(
        PreApplication.objects.filter(
            pk__in=allocation_round.applications.values("pre_application_id"),
            status__in=WAITING_STATUSES,
        ),
        PreApplication.Status.IN_COMMISSION,
        updated_at=clock.now(),
    )
    for pre in moving:  # as in the database now, for the events' status
        pre.status = PreApplication.Status.IN_COMMISSION
    Event.objects.bulk_create(
        history.events(
            moving,
            Event.Kind.STATUS,
            note=note,
            note_params=params,
            actor=actor,
            by_agent=actor is not None,
        )
    )
