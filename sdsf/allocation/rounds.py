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
from sdsf.allocation import answers, engine, explain, seats
from sdsf.allocation.models import AllocationRound, Answer, Application, Vacancy
from sdsf.audit.log import record
from sdsf.audit.models import AuditEvent
from sdsf.core import clock
from sdsf.offer.models import Capacity, Enrolment, Structure

SECTIONS = list(seats.AGE_SECTIONS)


class RoundError(Exception):
    """The action is not possible in the round's current state (message in French)."""


def publish(allocation_round: AllocationRound) -> None:
    if allocation_round.status != AllocationRound.Status.DRAFT:
        raise RoundError("Seule une commission en préparation peut publier sa grille.")
    AllocationRound.TRANSITIONS.check(allocation_round.status, AllocationRound.Status.PUBLISHED)
    allocation_round.status = AllocationRound.Status.PUBLISHED
    allocation_round.save(update_fields=["status"])


@dataclass(frozen=True)
class Places:
    """Places open in a round per wished structure, as the engine takes them (rows are the
    structures, columns the age sections), with each structure's figures (:mod:`seats`)."""

    structures: list[Structure]
    figures: list[seats.Offered]

    def _by_section(self, values) -> np.ndarray:
        return np.array(
            [[values(f)[s] for s in SECTIONS] for f in self.figures], dtype=np.int64
        ).reshape(len(self.figures), len(SECTIONS))

    @property
    def capacity(self) -> np.ndarray:
        return self._by_section(lambda f: f.caps)

    @property
    def reserved(self) -> np.ndarray:
        return self._by_section(lambda f: f.reserved if f.pool < 0 else dict.fromkeys(SECTIONS, 0))

    @property
    def reserved_benefit(self) -> np.ndarray:
        return self._by_section(
            lambda f: f.reserved_benefit if f.pool < 0 else dict.fromkeys(SECTIONS, 0)
        )

    @property
    def pool(self) -> np.ndarray:
        return np.array([f.pool for f in self.figures], dtype=np.int64)

    def _pool_value(self, values) -> np.ndarray:
        return np.array(
            [values(f).get(seats.POOL, 0) if f.pool >= 0 else 0 for f in self.figures],
            dtype=np.int64,
        )

    @property
    def pool_reserved(self) -> np.ndarray:
        return self._pool_value(lambda f: f.reserved)

    @property
    def pool_reserved_benefit(self) -> np.ndarray:
        return self._pool_value(lambda f: f.reserved_benefit)

    @property
    def half_days(self) -> np.ndarray:
        return np.array([s.half_days for s in self.structures], dtype=bool)

    def holders(self) -> list[tuple[int, int, int]]:
        """(structure, section, days) of each part-time child keeping its seat."""
        return [
            (i, SECTIONS.index(h.section), h.days)
            for i, f in enumerate(self.figures)
            for h in f.holders
        ]


def held_places(structures: list[Structure], on, *, exclude_round=None, today=None):
    """Places still held on ``on`` by children admitted in earlier validated rounds and not
    yet in the registry's enrolments.

    A child holds its place (in the section it was admitted to) when its round, starting on or
    before ``on``, was validated with a final structure for it (the commission's decision when
    it overrode the proposal), the family has not answered yet (deadline not past) or accepted
    before acceptances were enrolled, and no agent marked the place vacated on or before
    ``on``. An accepted place is an enrolment (:func:`answers.enrol`), counted as such. Refused
    and expired proposals hold nothing. Returns, by structure pk, the held places as
    ``(section, insertion)``.
    """
    today = today or clock.today()
    rows = (
        Application.objects.filter(
            round__status=AllocationRound.Status.VALIDATED,
            round__starts_on__lte=on,
            enrolment__isnull=True,
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
    held: dict[int, list[tuple[str, bool]]] = {}
    for proposed, decided, reason, section, is_insertion in rows.values_list(
        "proposed_structure_id", "decided_structure_id", "override_reason", "section", "insertion"
    ):
        held.setdefault(decided if reason else proposed, []).append((section, is_insertion))
    return held


def places_on(
    structures: list[Structure], on, *, exclude_round=None, today=None, transfers=()
) -> Places:
    """Places open on ``on`` in each structure (:func:`seats.offered`): the round's declared
    vacancies when the structure declared some for ``exclude_round`` (the round being
    prepared), else the registry's capacity in force that day (its latest row per section)
    less the enrolled children who stay and the places children of earlier validated rounds
    still hold (:func:`held_places`).

    ``transfers`` are the round's children asking to change structure, as
    ``(structure pk, section, days)``: they hold their seat where they are.
    """
    today = today or clock.today()
    pks = [s.pk for s in structures]
    capacity: dict[int, dict[str, int]] = {pk: {} for pk in pks}
    for structure_id, section, places in (
        Capacity.objects.filter(structure__in=pks, start__lte=on)
        .order_by("structure", "section", "-start")
        .values_list("structure_id", "section", "places")
    ):
        capacity[structure_id].setdefault(section, places)
    staying: dict[int, list[seats.Child]] = {pk: [] for pk in pks}
    leaving: dict[int, int] = dict.fromkeys(pks, 0)
    enrolments = Enrolment.objects.filter(structure__in=pks, start__lte=on).filter(
        Q(planned_end__isnull=True) | Q(planned_end__gte=min(today, on))
    )
    for structure_id, section, days, end in enrolments.values_list(
        "structure_id", "section", "days", "planned_end"
    ):
        if end is None or end >= on:
            staying[structure_id].append(seats.Child(section, days))
        else:
            leaving[structure_id] += 1
    declared: dict[int, list[seats.Declared]] = {pk: [] for pk in pks}
    if exclude_round is not None:
        for row in Vacancy.objects.filter(round=exclude_round, structure__in=pks):
            declared[row.structure_id].append(
                seats.Declared(row.section, row.places, row.days, row.leaving)
            )
    moving: dict[int, list[seats.Child]] = {pk: [] for pk in pks}
    for structure_id, section, days in transfers:
        if structure_id in moving:  # the transfers from the structures asked about
            moving[structure_id].append(seats.Child(section, days))
    held = held_places(structures, on, exclude_round=exclude_round, today=today)
    figures = []
    for structure in structures:
        pk = structure.pk
        kept = held.get(pk, [])
        insertion: dict[str, int] = {}
        for section, is_insertion in kept:
            insertion[section] = insertion.get(section, 0) + is_insertion
        figures.append(
            seats.offered(
                seats.Source(
                    capacity=capacity[pk],
                    staying=staying[pk],
                    leaving=leaving[pk],
                    held=[seats.Child(section) for section, _ in kept],
                    held_insertion=insertion,
                    declared=declared[pk],
                    transfers=moving[pk],
                    avip_share=structure.avip_share if structure.avip else None,
                    benefit_reserve=structure.benefit_reserve,
                    half_days=structure.half_days,
                )
            )
        )
    return Places(structures, figures)


def round_places(
    allocation_round: AllocationRound, structures: list[Structure], applications=None
) -> Places:
    """The places of ``structures`` in a round (:func:`places_on` on its start date), with the
    seats its transfers hold."""
    rows = (
        [(a.current_structure_id, a.section, a.days) for a in applications]
        if applications is not None
        else allocation_round.applications.values_list("current_structure_id", "section", "days")
    )
    return places_on(
        structures,
        allocation_round.starts_on,
        exclude_round=allocation_round,
        transfers=[row for row in rows if row[0] is not None],
    )


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
    structures = _structures(applications)
    places = round_places(allocation_round, structures, applications)
    progress(20, f"Calcul de l'attribution ({len(applications)} demandes)")
    problem = _problem(applications, places)
    allocation = engine.allocate(problem, allocation_round.seed)
    progress(40, "Rédaction des explications")
    lines = _explanations(applications, places, problem, allocation)
    position = {s.pk: i for i, s in enumerate(structures)}
    for application, structure, rank in zip(
        applications,
        allocation.structure[: len(applications)].tolist(),
        allocation.wish_rank[: len(applications)].tolist(),
        strict=True,
    ):
        kept = position.get(application.current_structure_id) == structure
        placed = structure >= 0 and not kept
        application.proposed_structure = structures[structure] if placed else None
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
        allocation_round.progress_note = f"Proposition calculée : {_method(allocation.summary)}"
        allocation_round.run_error = ""
        AllocationRound.TRANSITIONS.change(
            allocation_round,
            AllocationRound.Status.RUN,
            fields=["progress", "progress_note", "run_error"],
        )
    return sum(1 for a in applications if a.proposed_structure is not None)


def _method(summary: engine.Summary) -> str:
    """What the commission is told of how the proposal was found."""
    if summary.method == "deferred_acceptance":
        return "acceptation différée, stable (aucune famille ne peut réclamer une place prise)."
    if summary.stable:
        proof = "prouvée" if summary.proven else "vérifiée"
        return f"calcul exact (fratries, temps partiel), répartition stable {proof}."
    proof = "minimal prouvé" if summary.proven else "meilleur trouvé dans le temps imparti"
    return (
        f"calcul exact : aucune répartition stable n'existe ; {summary.blocking_groups} "
        f"réclamation(s) possible(s) ({proof})."
    )


def _structures(applications: list[Application]) -> list[Structure]:
    """The structures the round's children wish, then those some of them leave (transfers)."""
    identifiers = sorted({w for a in applications for w in a.wishes})
    by_identifier = Structure.objects.in_bulk(identifiers, field_name="identifier")
    missing = [i for i in identifiers if i not in by_identifier]
    if missing:
        raise RoundError(f"Structure(s) absente(s) du registre : {', '.join(missing[:5])}.")
    structures = [by_identifier[i] for i in identifiers]
    wished = {s.pk for s in structures}
    current = {a.current_structure_id for a in applications} - {None} - wished
    return structures + list(Structure.objects.filter(pk__in=current).order_by("identifier"))


def _groups(applications: list[Application]) -> np.ndarray:
    """Group number of each application: siblings of one joint application share theirs,
    which the engine requires to be equal in points, date, wishes and categories."""
    numbers: dict[str, int] = {}
    members: dict[str, list[Application]] = {}
    group = np.arange(len(applications), dtype=np.int64)
    for index, application in enumerate(applications):
        if application.group:
            group[index] = numbers.setdefault(application.group, index)
            members.setdefault(application.group, []).append(application)
    for name, siblings in members.items():
        keys = {
            (a.points, a.submitted_on, tuple(a.wishes), a.insertion, a.benefit) for a in siblings
        }
        if len(keys) > 1:
            references = ", ".join(a.reference for a in siblings)
            raise RoundError(
                f"La fratrie « {name} » ({references}) doit avoir les mêmes points, date de "
                "demande, vœux et situation pour être placée ensemble."
            )
    return group


def _problem(applications: list[Application], places: Places):
    """The engine's instance: the round's applications, then one holder per part-time child
    who keeps its seat (:mod:`seats`). A holder wishes a structure of its own without places
    (an explanation needs a wish), so it never links two structures' problems."""
    structures = places.structures
    position = {s.identifier: i for i, s in enumerate(structures)}
    index = {s.pk: i for i, s in enumerate(structures)}
    holders = places.holders()
    first_dummy = len(structures)
    dummies = {s: first_dummy + n for n, s in enumerate(sorted({h[0] for h in holders}))}
    current = [index.get(a.current_structure_id, -1) for a in applications]
    wishes = [
        [position[w] for w in a.wishes if position[w] != c]
        for a, c in zip(applications, current, strict=True)
    ] + [[dummies[h[0]]] for h in holders]
    sections = [SECTIONS.index(a.section) for a in applications] + [h[1] for h in holders]
    days = [a.days for a in applications] + [h[2] for h in holders]
    current += [h[0] for h in holders]
    size = len(sections)
    extra = len(dummies)

    def widen(values: np.ndarray) -> np.ndarray:
        return np.concatenate([values, np.zeros((extra, *values.shape[1:]), dtype=values.dtype)])

    pool = np.concatenate([places.pool, np.full(extra, -1, dtype=np.int64)])
    lengths = [len(w) for w in wishes]
    optional = {}
    if any(d != engine.ALL_DAYS for d in days):
        optional["days"] = np.array(days, dtype=np.int64)
        optional["half_days"] = widen(places.half_days)
    if any(c >= 0 for c in current):
        optional["current"] = np.array(current, dtype=np.int64)
    if any(a.group for a in applications):
        optional["group"] = np.concatenate(
            [_groups(applications), np.arange(len(applications), size, dtype=np.int64)]
        )
    if (
        any(a.benefit for a in applications)
        or places.reserved_benefit.any()
        or any(places.pool_reserved_benefit)
    ):
        optional["benefit"] = np.array(
            [a.benefit for a in applications] + [False] * len(holders), dtype=bool
        )
        optional["reserved_benefit"] = widen(places.reserved_benefit)
        optional["pool_reserved_benefit"] = widen(places.pool_reserved_benefit)
    if (pool >= 0).any():
        optional["pool"] = pool
        optional["pool_reserved"] = widen(places.pool_reserved)
    return engine.Problem(
        section=np.array(sections, dtype=np.int64),
        score=np.array([float(a.points) for a in applications] + [0.0] * len(holders)),
        submitted=np.array(
            [a.submitted_on.toordinal() for a in applications] + [0] * len(holders),
            dtype=np.int64,
        ),
        insertion=np.array([a.insertion for a in applications] + [False] * len(holders)),
        wish_offsets=np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64),
        wish_structures=np.array([w for ws in wishes for w in ws], dtype=np.int64),
        capacity=widen(places.capacity),
        reserved=widen(places.reserved),
        **optional,
    )


def _explanations(applications, places: Places, problem, allocation) -> dict[str, dict]:
    """The engine's JSON line of each application, by reference (holders' lines dropped)."""
    holders = problem.size - len(applications)
    extra = problem.structure_count - len(places.structures)
    labels = explain.Labels(
        application_ids=pl.Series(
            [a.reference for a in applications] + [""] * holders, dtype=pl.String
        ),
        structure_ids=pl.Series(
            [s.identifier for s in places.structures] + [""] * extra, dtype=pl.String
        ),
        structure_names=pl.Series(
            [s.name for s in places.structures] + [""] * extra, dtype=pl.String
        ),
    )
    buffer = io.BytesIO()
    explain.write_explanations(
        buffer, problem, allocation, explain.explain(problem, allocation), labels
    )
    lines = (json.loads(line) for line in buffer.getvalue().splitlines())
    return {line.pop("application_id"): line for line in lines}  # holders share "", unused


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
