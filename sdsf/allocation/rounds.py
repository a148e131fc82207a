"""A round's life: publish its grid, run the engine on its applications, override, validate.

The engine (:mod:`sdsf.allocation.engine`) and its explanations (:mod:`explain`) are used
as they are; this module only turns the database rows into the engine's arrays and back.
"""

import io
import json
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import polars as pl
from django.db import connection, transaction
from django.db.models import Q

from sdsf.accounts.scope import Permission
from sdsf.allocation import answers, engine, explain
from sdsf.allocation.models import AllocationRound, Answer, Application
from sdsf.audit.log import record
from sdsf.audit.models import AuditEvent
from sdsf.core import clock
from sdsf.offer.models import Capacity, Section, Structure

SECTIONS = list(Section.values)


class RoundError(Exception):
    """The action is not possible in the round's current state (message in French)."""


def publish(allocation_round: AllocationRound) -> None:
    if allocation_round.status != AllocationRound.Status.DRAFT:
        raise RoundError("Seule une commission en préparation peut publier sa grille.")
    AllocationRound.TRANSITIONS.check(allocation_round.status, AllocationRound.Status.PUBLISHED)
    allocation_round.status = AllocationRound.Status.PUBLISHED
    allocation_round.save(update_fields=["status"])


def reserved_places(capacity: int, avip_share: int | None) -> int:
    """Places kept for insertion families: at least the AVIP share of the capacity."""
    if not avip_share:
        return 0
    return min(capacity, -(-capacity * avip_share // 100))


@dataclass(frozen=True)
class Places:
    """Places open in a round per wished structure (rows) and section (columns)."""

    structures: list[Structure]
    capacity: np.ndarray
    reserved: np.ndarray


def held_places(structures: list[Structure], on, *, exclude_round=None, today=None):
    """Places still held on ``on`` by children admitted in earlier validated rounds.

    A child holds its place (in the section it was admitted to) when its round, starting on or
    before ``on``, was validated with a final structure for it (the commission's decision when
    it overrode the proposal), the family accepted or has not answered yet (deadline not
    past), and no agent marked the place vacated on or before ``on``. Refused and expired
    proposals hold nothing. Returns two arrays shaped like the capacity: the held places, and
    those held by insertion families.
    """
    today = today or clock.today()
    index = {s.pk: i for i, s in enumerate(structures)}
    rows = (
        Application.objects.filter(
            round__status=AllocationRound.Status.VALIDATED, round__starts_on__lte=on
        )
        .filter(
            Q(override_reason="", proposed_structure__in=structures)
            | (~Q(override_reason="") & Q(decided_structure__in=structures))
        )
        .filter(Q(answer=Answer.ACCEPTED) | Q(answer=Answer.PENDING, answer_deadline__gte=today))
        .filter(Q(vacated_on__isnull=True) | Q(vacated_on__gt=on))
    )
    if exclude_round is not None:
        rows = rows.exclude(round=exclude_round)
    held = np.zeros((len(structures), len(SECTIONS)), dtype=np.int64)
    insertion = np.zeros_like(held)
    for proposed, decided, reason, section, is_insertion in rows.values_list(
        "proposed_structure_id", "decided_structure_id", "override_reason", "section", "insertion"
    ):
        cell = (index[decided if reason else proposed], SECTIONS.index(section))
        held[cell] += 1
        insertion[cell] += is_insertion
    return held, insertion


def places_on(structures: list[Structure], on, *, exclude_round=None, today=None) -> Places:
    """Places open on ``on``: the registry's capacity in force that day (its latest row per
    section) minus the places children of earlier validated rounds still hold
    (:func:`held_places`).

    The insertion reserve is the AVIP share of the registry capacity, less the places insertion
    families already hold there, within the places left.
    """
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
    held, held_insertion = held_places(structures, on, exclude_round=exclude_round, today=today)
    available = np.maximum(capacity - held, 0)
    reserved = np.zeros_like(capacity)
    for i, structure in enumerate(structures):
        share = structure.avip_share if structure.avip else None
        for j in range(len(SECTIONS)):
            kept = reserved_places(int(capacity[i, j]), share) - int(held_insertion[i, j])
            reserved[i, j] = min(max(kept, 0), int(available[i, j]))
    return Places(structures, available, reserved)


RUNNABLE = (AllocationRound.Status.PUBLISHED, AllocationRound.Status.RUN)


def _check_runnable(allocation_round: AllocationRound, statuses=RUNNABLE) -> None:
    if allocation_round.status not in statuses:
        raise RoundError(
            "La grille doit être publiée avant le calcul, et la commission non validée."
        )
    applications = allocation_round.applications
    if not applications.exists():
        raise RoundError("La commission n'a aucune demande.")
    if applications.exclude(override_reason="").exists():
        raise RoundError(
            "La proposition a déjà des modifications motivées : elle ne peut plus être recalculée."
        )


def start_run(allocation_round: AllocationRound) -> str:
    """Marks the round as running before its background task is queued; returns the state to go
    back to if the run fails. One run at a time: a second click finds the round running."""
    _check_runnable(allocation_round)
    previous = allocation_round.status
    started = AllocationRound.TRANSITIONS.change_all(
        AllocationRound.objects.filter(pk=allocation_round.pk, status=previous),
        AllocationRound.Status.RUNNING,
        progress=0,
        progress_note="En attente de démarrage",
        run_error="",
    )
    if not started:
        raise RoundError("Le calcul de cette commission est déjà en cours.")
    allocation_round.status = AllocationRound.Status.RUNNING
    return previous


def no_progress(percent: int, note: str) -> None:
    """The progress callback of a run nobody watches (demo, tests, shell)."""


SAVE_BATCH = 2000
SAVED_FIELDS = [
    "proposed_structure",
    "wish_rank",
    "explanation",
    "decided_structure",
    "override_reason",
]


def _save(applications: list[Application]) -> None:
    """Writes the proposals with one prepared UPDATE per row, in batches.

    ``bulk_update`` builds a CASE expression per field and row through the ORM, which costs
    about 3 ms per row (90 s for a round of 30,000); the values are prepared by the model's
    own fields, so the database sees exactly what ``save`` would write.
    """
    fields = [Application._meta.get_field(name) for name in SAVED_FIELDS]
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(f.column)} = %s" for f in fields)
    # Only model metadata (table and column names) enters the text; values are parameters.
    sql = f"UPDATE {quote(Application._meta.db_table)} SET {assignments} WHERE id = %s"  # noqa: S608
    rows = [
        [f.get_db_prep_save(getattr(a, f.attname), connection) for f in fields] + [a.pk]
        for a in applications
    ]
    with connection.cursor() as cursor:
        for start in range(0, len(rows), SAVE_BATCH):
            cursor.executemany(sql, rows[start : start + SAVE_BATCH])


def run(
    allocation_round: AllocationRound, progress: Callable[[int, str], None] = no_progress
) -> int:
    """Runs the engine, stores each proposal and explanation; returns the places proposed.

    ``progress(percent, note)`` is told each stage (loading, computing, explaining, saving).
    Everything is written in one transaction at the end, in batches: a failure leaves the
    round's applications as they were. The background task (:mod:`sdsf.allocation.tasks`)
    calls this function on a round that :func:`start_run` marked running.
    """
    _check_runnable(allocation_round, (*RUNNABLE, AllocationRound.Status.RUNNING))
    progress(5, "Chargement des demandes et des places")
    applications = list(allocation_round.applications.order_by("pk"))
    identifiers = sorted({w for a in applications for w in a.wishes})
    by_identifier = Structure.objects.in_bulk(identifiers, field_name="identifier")
    missing = [i for i in identifiers if i not in by_identifier]
    if missing:
        raise RoundError(f"Structure(s) absente(s) du registre : {', '.join(missing[:5])}.")
    structures = [by_identifier[i] for i in identifiers]
    places = places_on(structures, allocation_round.starts_on, exclude_round=allocation_round)
    progress(20, f"Calcul de l'attribution ({len(applications)} demandes)")
    problem = _problem(applications, identifiers, places)
    allocation = engine.allocate(problem, allocation_round.seed)
    progress(40, "Rédaction des explications")
    lines = _explanations(applications, places, problem, allocation)
    for application, structure, rank in zip(
        applications, allocation.structure.tolist(), allocation.wish_rank.tolist(), strict=True
    ):
        application.proposed_structure = structures[structure] if structure >= 0 else None
        application.wish_rank = rank or None
        application.explanation = lines[application.reference]
        application.decided_structure = None
        application.override_reason = ""
    # Progress written inside the transaction would stay invisible until its end: the save is
    # announced once, with its size.
    progress(60, f"Enregistrement de {len(applications)} propositions, en une seule fois")
    with transaction.atomic():
        _save(applications)
        allocation_round.progress = 100
        allocation_round.progress_note = "Proposition calculée"
        allocation_round.run_error = ""
        AllocationRound.TRANSITIONS.change(
            allocation_round,
            AllocationRound.Status.RUN,
            fields=["progress", "progress_note", "run_error"],
        )
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
    """The commission replaces one proposal; the written reason is mandatory and audited. The
    place decided must be one the person may allocate (a structure of their territory)."""
    if application.round.status != AllocationRound.Status.RUN:
        raise RoundError("Seule une proposition calculée et non validée peut être modifiée.")
    if not reason.strip():
        raise RoundError("Le motif de la modification est obligatoire.")
    allowed = Structure.objects.writable_by(request.user, Permission.ALLOCATION_MANAGE)
    if structure is not None and not allowed.filter(pk=structure.pk).exists():
        raise RoundError(f"La structure « {structure.name} » est hors de votre périmètre.")
    application.decided_structure = structure
    application.override_reason = reason.strip()
    application.save(update_fields=["decided_structure", "override_reason"])
    target = structure.name if structure else "aucune place"
    record(
        request,
        AuditEvent.Action.UPDATE,
        [application],
        detail=f"Proposition modifiée ({target}) : {reason.strip()}",
    )


def validate(request, allocation_round: AllocationRound, today=None) -> int:
    """Validates the round and issues its proposals (:func:`answers.issue_proposals`); returns
    how many places were proposed."""
    if allocation_round.status != AllocationRound.Status.RUN:
        raise RoundError("Seule une proposition calculée peut être validée.")
    today = today or clock.today()
    with transaction.atomic():
        allocation_round.validated_on = today
        AllocationRound.TRANSITIONS.change(
            allocation_round, AllocationRound.Status.VALIDATED, fields=["validated_on"]
        )
        proposed = answers.issue_proposals(allocation_round, today, request.user)
        record(request, AuditEvent.Action.UPDATE, [allocation_round], detail="Commission validée")
    return proposed
