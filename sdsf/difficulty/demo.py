"""Synthetic activity and follow-up files for the demo registry: « Données de démonstration ».

Every demo EAJE gets four years of activity and accounts (the last four full years), most of
them healthy, some drifting into difficulty; the structures the demo manager runs get a FILOUÉ-
like month series; a few follow-up files go through their steps, one with a CAF aid granted and
paid in the funding ledger, one for a MAM asking for stabilisation. Deterministic per
département, flagged ``is_demo`` everywhere, relative to today.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from sdsf.core import clock
from sdsf.difficulty import aids, followup, service
from sdsf.difficulty.models import ActivityMonth, ActivityYear, Aid, FollowUp, Meeting, PlanAction
from sdsf.funding.models import Grant, Operator, Programme
from sdsf.offer.capacity import capacity_on
from sdsf.offer.models import Structure
from sdsf.territories.models import Departement

SOURCE = "Données de démonstration"
TROUBLED_SHARE = 0.2


def remove_difficulty(departement: Departement) -> list[str]:
    """Removes the demo files (before the demo registry they point to is recreated) and the
    ledger's rows their aids made."""
    files = FollowUp.objects.filter(structure__commune__departement=departement, is_demo=True)
    grants = list(
        Aid.objects.filter(file__in=files, grant__isnull=False).values_list("grant", flat=True)
    )
    files.delete()
    Grant.objects.filter(pk__in=grants).delete()
    Operator.objects.filter(
        structure__commune__departement=departement,
        structure__is_demo=True,
        grants__isnull=True,
        applications__isnull=True,
    ).delete()
    Programme.objects.filter(
        departement=departement, is_demo=True, kind=Programme.Kind.RULE, grants__isnull=True
    ).delete()
    return []


def create_difficulty(departement: Departement) -> list[str]:
    rng = random.Random(f"sdsf-difficulty-demo-{departement.code}")
    eaje = list(
        Structure.objects.filter(
            commune__departement=departement, kind=Structure.Kind.EAJE, is_demo=True
        )
        .prefetch_related("capacities")
        .order_by("identifier")
    )
    if not eaje:
        return []
    last = clock.today().year - 1
    years = range(last - 3, last + 1)
    rows = []
    troubled = set()
    for index, structure in enumerate(eaje):
        drift = index < 3 or rng.random() < TROUBLED_SHARE
        if drift:
            troubled.add(structure.pk)
        places = sum(capacity_on(structure, date(last, 12, 31)).values()) or 20
        for step, year in enumerate(years):
            rows.append(_year(rng, structure, year, places, step if drift else 0))
    ActivityYear.objects.bulk_create(rows, batch_size=2000)
    managed = [s for s in eaje if s.manager_id is not None][:3]
    ActivityMonth.objects.bulk_create(m for s in managed for m in _months(rng, s, last))
    files = _files(departement, [s for s in eaje if s.pk in troubled], managed)
    return [
        f"Structures en difficulté (données de démonstration) : activité {years[0]}-{last} de "
        f"{len(eaje)} EAJE, {files} dossiers de suivi."
    ]


def _year(rng, structure, year: int, places: int, drift: int) -> ActivityYear:
    """A plausible year; ``drift`` (0 to 3) lowers occupancy and deepens the deficit."""
    days = rng.randint(222, 235) - (8 * drift if drift > 2 else 0)
    hours_per_day = Decimal(rng.choice((10, 11, 11.5)))
    capacity = places * days * hours_per_day
    occupancy = Decimal(rng.uniform(0.66, 0.8)) - Decimal("0.06") * drift
    realised = (capacity * occupancy).quantize(Decimal(1))
    costs = Decimal(places * rng.randint(14_000, 17_000))
    staff = (costs * Decimal(rng.uniform(0.78, 0.86) + 0.02 * drift)).quantize(Decimal(1))
    income = (costs * Decimal(rng.uniform(0.97, 1.02) - 0.04 * drift)).quantize(Decimal(1))
    return ActivityYear(
        structure=structure,
        year=year,
        places=places,
        opening_days=days,
        opening_hours_per_day=hours_per_day,
        hours_realised=realised,
        hours_invoiced=(realised * Decimal(rng.uniform(1.08, 1.14))).quantize(Decimal(1)),
        children_enrolled=int(places * rng.uniform(1.6, 2.4)),
        staff_costs_eur=staff,
        total_costs_eur=costs,
        total_income_eur=income,
        source=SOURCE,
        is_demo=True,
    )


def _months(rng, structure, year: int) -> list[ActivityMonth]:
    months = []
    for month in range(1, 13):
        children = rng.randint(25, 40) if month != 8 else rng.randint(5, 10)
        realised = Decimal(children * rng.randint(95, 130))
        invoiced = (realised * Decimal("1.1")).quantize(Decimal("0.01"))
        months.append(
            ActivityMonth(
                structure=structure,
                month=date(year, month, 1),
                children=children,
                children_allocataires=int(children * 0.85),
                hours_invoiced=invoiced,
                hours_realised=realised,
                amount_invoiced_eur=(invoiced * Decimal("1.9")).quantize(Decimal("0.01")),
                source=SOURCE,
                is_demo=True,
            )
        )
    return months


def _files(departement, troubled: list[Structure], managed: list[Structure]) -> int:
    """A file at each step: stabilised with a paid CAF aid (a structure of the demo manager),
    supported, diagnosed, detected; and a MAM asking for stabilisation."""
    today = clock.today()
    chosen = [*managed[:1], *[s for s in troubled if s not in managed[:1]][:3]]
    created = 0
    for step, structure in enumerate(chosen):
        file = followup.open_file(structure, None, _signals(structure))
        opened = today - timedelta(days=400 - 80 * step)
        FollowUp.objects.filter(pk=file.pk).update(opened_on=opened, is_demo=True)
        file.refresh_from_db()
        created += 1
        if step >= 3:
            continue
        _diagnose(file, opened)
        if step >= 2:
            continue
        PlanAction.objects.bulk_create(
            [
                PlanAction(
                    file=file,
                    title="Relancer les inscriptions avec le relais petite enfance",
                    who="Commune et RPE",
                    due_on=opened + timedelta(days=120),
                    budget_eur=Decimal(4000),
                ),
                PlanAction(
                    file=file,
                    title="Revoir les contrats d'accueil (taux de facturation)",
                    who="Gestionnaire, conseillère CAF",
                    due_on=opened + timedelta(days=90),
                    budget_eur=Decimal(6000),
                ),
            ]
        )
        FollowUp.objects.filter(pk=file.pk).update(
            manager_signed_on=opened + timedelta(days=60),
            caf_signed_on=opened + timedelta(days=62),
            supported_on=opened + timedelta(days=62),
            status=FollowUp.Status.SUPPORTED,
        )
        file.refresh_from_db()
        if step == 0:
            aid = aids.request_aid(file, "caf", Decimal(8000))
            aid.is_demo = True
            aid.save(update_fields=["is_demo"])
            if aid.computed_eur:
                aids.grant(aid, aid.computed_eur)
                aids.pay(aid)
            followup.change_status(file, FollowUp.Status.STABILISED)
    mam = (
        Structure.objects.filter(
            commune__departement=departement, kind=Structure.Kind.MAM, is_demo=True
        )
        .order_by("identifier")
        .first()
    )
    if mam is not None:
        file = followup.open_file(mam, None, [])
        file.is_demo = True
        file.mam_childminders, file.mam_children, file.mam_places = 3, 14, 12
        file.causes = ["demand_fall", "governance"]
        file.causes_notes = "Départ d'une assistante maternelle ; locaux à partager à trois."
        file.save()
        created += 1
    return created


def _signals(structure: Structure) -> list[str]:
    rows = service.health_rows(Structure.objects.filter(pk=structure.pk))
    found = rows.get(structure.pk)
    return found[-1]["signals"] if found else []


def _diagnose(file: FollowUp, opened: date) -> None:
    Meeting.objects.create(
        file=file,
        kind=Meeting.Kind.MEETING,
        held_on=opened + timedelta(days=20),
        notes="Réunion CAF, PMI, commune et gestionnaire : diagnostic partagé.",
    )
    Meeting.objects.create(
        file=file,
        kind=Meeting.Kind.PMI_VISIT,
        held_on=opened + timedelta(days=35),
        notes="Visite de la PMI : accueil conforme, équipe fragilisée par les absences.",
    )
    FollowUp.objects.filter(pk=file.pk).update(
        diagnosed_on=opened + timedelta(days=40), status=FollowUp.Status.DIAGNOSED
    )
    file.refresh_from_db()
