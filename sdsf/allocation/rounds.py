"""A round's life: publish its grid, run the engine on its applications, override, validate.

The engine (:mod:`sdsf.allocation.engine`) and its explanations (:mod:`explain`) are used
as they are; this module only turns the database rows into the engine's arrays and back.
"""

import io
import json
from dataclasses import dataclass

import numpy as np
import polars as pl
from django.db import transaction

from sdsf.allocation import engine, explain
from sdsf.allocation.models import AllocationRound, Application
from sdsf.audit.log import record
from sdsf.audit.models import AuditEvent
from sdsf.offer.models import Capacity, Section, Structure

SECTIONS = list(Section.values)


class RoundError(Exception):
    """The action is not possible in the round's current state (message in French)."""


def publish(allocation_round: AllocationRound) -> None:
    if allocation_round.status != AllocationRound.Status.DRAFT:
        raise RoundError("Seule une commission en préparation peut publier sa grille.")
    allocation_round.status = AllocationRound.Status.PUBLISHED
    allocation_round.save(update_fields=["status"])


def reserved_places(capacity: int, avip_share: int | None) -> int:
    """Places kept for insertion families: at least the AVIP share of the capacity."""
    if not avip_share:
        return 0
    return min(capacity, -(-capacity * avip_share // 100))


@dataclass(frozen=True)
class Places:
    """Capacity and reserved places per wished structure (rows) and section (columns)."""

    structures: list[Structure]
    capacity: np.ndarray
    reserved: np.ndarray


def places_on(structures: list[Structure], on) -> Places:
    """Capacity of each structure and section in force on ``on`` (the registry's latest row)."""
    index = {s.pk: i for i, s in enumerate(structures)}
    capacity = np.zeros((len(structures), len(SECTIONS)), dtype=np.int64)
    rows = Capacity.objects.filter(structure__in=structures, start__lte=on).order_by(
        "structure", "section", "-start"
    )
    seen = set()
    for row in rows:
        if (row.structure_id, row.section) not in seen:
            seen.add((row.structure_id, row.section))
            capacity[index[row.structure_id], SECTIONS.index(row.section)] = row.places
    reserved = np.zeros_like(capacity)
    for i, structure in enumerate(structures):
        share = structure.avip_share if structure.avip else None
        for j in range(len(SECTIONS)):
            reserved[i, j] = reserved_places(int(capacity[i, j]), share)
    return Places(structures, capacity, reserved)


def run(allocation_round: AllocationRound) -> int:
    """Runs the engine, stores each proposal and explanation; returns the places proposed."""
    if allocation_round.status not in (
        AllocationRound.Status.PUBLISHED,
        AllocationRound.Status.RUN,
    ):
        raise RoundError(
            "La grille doit être publiée avant le calcul, et la commission non validée."
        )
    applications = list(allocation_round.applications.order_by("pk"))
    if not applications:
        raise RoundError("La commission n'a aucune demande.")
    if any(a.overridden for a in applications):
        raise RoundError(
            "La proposition a déjà des modifications motivées : elle ne peut plus être recalculée."
        )
    identifiers = sorted({w for a in applications for w in a.wishes})
    by_identifier = Structure.objects.in_bulk(identifiers, field_name="identifier")
    structures = [by_identifier[i] for i in identifiers]
    places = places_on(structures, allocation_round.starts_on)
    problem = _problem(applications, identifiers, places)
    allocation = engine.allocate(problem, allocation_round.seed)
    lines = _explanations(applications, places, problem, allocation)
    for application, structure, rank in zip(
        applications, allocation.structure.tolist(), allocation.wish_rank.tolist(), strict=True
    ):
        application.proposed_structure = structures[structure] if structure >= 0 else None
        application.wish_rank = rank or None
        application.explanation = lines[application.reference]
        application.decided_structure = None
        application.override_reason = ""
    with transaction.atomic():
        Application.objects.bulk_update(
            applications,
            [
                "proposed_structure",
                "wish_rank",
                "explanation",
                "decided_structure",
                "override_reason",
            ],
            batch_size=2000,
        )
        allocation_round.status = AllocationRound.Status.RUN
        allocation_round.save(update_fields=["status"])
    return int((allocation.structure >= 0).sum())


def _problem(applications: list[Application], identifiers: list[str], places: Places):
    position = {identifier: i for i, identifier in enumerate(identifiers)}
    lengths = [len(a.wishes) for a in applications]
    return engine.Problem(
        section=np.array([SECTIONS.index(a.section) for a in applications], dtype=np.int64),
        score=np.array([float(a.points) for a in applications], dtype=np.float64),
        submitted=np.array([a.submitted_on.toordinal() for a in applications], dtype=np.int64),
        insertion=np.array([a.insertion for a in applications], dtype=bool),
        wish_offsets=np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64),
        wish_structures=np.array(
            [position[w] for a in applications for w in a.wishes], dtype=np.int64
        ),
        capacity=places.capacity,
        reserved=places.reserved,
    )


def _explanations(applications, places: Places, problem, allocation) -> dict[str, dict]:
    """The engine's JSON line of each application, by reference."""
    labels = explain.Labels(
        application_ids=pl.Series([a.reference for a in applications], dtype=pl.String),
        structure_ids=pl.Series([s.identifier for s in places.structures], dtype=pl.String),
        structure_names=pl.Series([s.name for s in places.structures], dtype=pl.String),
    )
    buffer = io.BytesIO()
    explain.write_explanations(
        buffer, problem, allocation, explain.explain(problem, allocation), labels
    )
    lines = (json.loads(line) for line in buffer.getvalue().splitlines())
    return {line.pop("application_id"): line for line in lines}


def override(request, application: Application, structure: Structure | None, reason: str) -> None:
    """The commission replaces one proposal; the written reason is mandatory and audited."""
    if application.round.status != AllocationRound.Status.RUN:
        raise RoundError("Seule une proposition calculée et non validée peut être modifiée.")
    if not reason.strip():
        raise RoundError("Le motif de la modification est obligatoire.")
    application.decided_structure = structure
    application.override_reason = reason.strip()
    application.save(update_fields=["decided_structure", "override_reason"])
    target = structure.identifier if structure else "aucune place"
    record(
        request,
        AuditEvent.Action.UPDATE,
        [application],
        detail=f"Proposition modifiée ({target}) : {reason.strip()}",
    )


def validate(request, allocation_round: AllocationRound) -> None:
    if allocation_round.status != AllocationRound.Status.RUN:
        raise RoundError("Seule une proposition calculée peut être validée.")
    allocation_round.status = AllocationRound.Status.VALIDATED
    allocation_round.save(update_fields=["status"])
    record(request, AuditEvent.Action.UPDATE, [allocation_round], detail="Commission validée")
