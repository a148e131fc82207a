"""Why each family got (or did not get) each of its wishes.

Deferred acceptance is stable: a family that did not get a structure it
preferred was refused there because that structure was full of families with
a higher priority *in the seats it could take*. So every wish ranked above the
place obtained is explained by one cutoff, the last family admitted among
those seats (see :func:`sdsf.allocation.engine._cutoffs`):

- outside the insertion pathway: general seats, plus reserved seats released
  to families outside the pathway;
- inside it: every seat. Such a family is refused only if it ranks below
  both the last general-seat holder and the last reserved-seat holder, so its
  cutoff is the lower of the two.

Everything is computed on arrays for all wishes at once: the numbers with
numpy, the French sentences with polars string expressions.
"""

from dataclasses import dataclass
from typing import BinaryIO

import numpy as np
import polars as pl

from sdsf.allocation import engine
from sdsf.allocation.engine import Allocation, Problem

ASSIGNED = 0
FULL = 1
NOT_NEEDED = 2
OUTCOME_NAMES = ("assigned", "full", "not_needed")
SEAT_NAMES = (None, "general", "insertion", "minimum_benefit")

# Why a full structure refused the family (shared with the exact solver).
OUTRANKED = engine.OUTRANKED
TIE_BROKEN_BY_DATE = engine.TIE_BROKEN_BY_DATE
TIE_BROKEN_BY_LOTTERY = engine.TIE_BROKEN_BY_LOTTERY
NO_PLACE_IN_SECTION = engine.NO_PLACE_IN_SECTION
ONLY_RESERVED_SEATS = engine.ONLY_RESERVED_SEATS
SECTION_CAP_FULL = engine.SECTION_CAP_FULL
ONLY_BENEFIT_SEATS = engine.ONLY_BENEFIT_SEATS
HELD_BY_ENROLLED = engine.HELD_BY_ENROLLED
SIBLINGS_APART = engine.SIBLINGS_APART
NO_STABLE_ALLOCATION = engine.NO_STABLE_ALLOCATION
DAY_LABELS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi")


@dataclass(frozen=True, slots=True)
class Explanation:
    """Per wish, in the order of ``Problem.wish_structures``.

    ``score`` is the family's priority at the structure (points plus bonus);
    ``cutoff_score`` the priority of the cutoff family, NaN when there is
    none or the wish is not refused; ``reason`` is 0 unless refused; ``detail`` the section
    of a full cap, or the half-day slot when a part-time need found the structure full.
    """

    outcome: np.ndarray
    reason: np.ndarray
    score: np.ndarray
    cutoff_score: np.ndarray
    detail: np.ndarray


def explain(problem: Problem, allocation: Allocation) -> Explanation:
    """Outcome, scores and refusal reason of every wish.

    Where deferred acceptance decided, from its cutoffs: in a pool whose section cap is
    reached by families above the applicant, the cap's last holder; else the last holder of
    the seats the family could take (:func:`sdsf.allocation.engine._cutoffs`), a child
    keeping its current place when it is one. Where the exact solver decided, its own
    reasons (:mod:`sdsf.allocation.exact`).
    """
    pair_application = problem.pair_application()
    pair_school = problem.pair_school(pair_application)
    pair = allocation.wish_pair
    wish_index = np.arange(pair_application.size) - problem.wish_offsets[pair_application]
    obtained_index = allocation.wish_rank[pair_application].astype(np.int64) - 1
    refused = (obtained_index < 0) | (wish_index < obtained_index)
    outcome = np.where(
        refused, FULL, np.where(wish_index == obtained_index, ASSIGNED, NOT_NEEDED)
    ).astype(np.int8)

    insertion = problem.insertion[pair_application]
    benefit = problem.benefits()[pair_application]
    profile = insertion.astype(np.int64) + 2 * benefit
    cutoff_position = allocation.cutoff[profile, pair_school]
    section = problem.section[pair_application]
    by_section = np.zeros(pair.size, dtype=bool)
    if allocation.section_full is not None:
        section_cutoff = allocation.section_cutoff[pair_school, section]
        by_section = (
            allocation.section_full[pair_school, section]
            & (section_cutoff >= 0)
            & (allocation.pair_position[pair] > section_cutoff)
        )
        cutoff_position = np.where(by_section, section_cutoff, cutoff_position)
    has_cutoff = refused & (cutoff_position >= 0)
    position_pair = allocation.position_pair
    if position_pair.size == 0:  # every wish went to the exact solver
        position_pair = np.zeros(1, dtype=np.int64)
    cutoff_pair = position_pair[np.maximum(cutoff_position, 0)]
    is_current_place = np.ones(allocation.pair_priority.size, dtype=bool)
    is_current_place[pair] = False
    cutoff_score = np.where(has_cutoff, allocation.pair_priority[cutoff_pair], np.nan)
    score = allocation.wish_score
    cutoff_application = allocation.pair_application[cutoff_pair]
    earlier = problem.submitted[cutoff_application] < problem.submitted[pair_application]
    seats = engine.schools(problem)
    no_place = seats.capacity[pair_school] == 0
    if seats.section_cap is not None:
        no_place |= seats.section_cap[pair_school, section] == 0
    only_benefit = (seats.reserved[pair_school] == 0) | insertion
    reason = np.select(
        [
            ~refused,
            ~has_cutoff & no_place,
            ~has_cutoff & only_benefit,
            ~has_cutoff,
            is_current_place[cutoff_pair],
            by_section,
            cutoff_score > score,
            earlier,
        ],
        [
            0,
            NO_PLACE_IN_SECTION,
            ONLY_BENEFIT_SEATS,
            ONLY_RESERVED_SEATS,
            HELD_BY_ENROLLED,
            SECTION_CAP_FULL,
            OUTRANKED,
            TIE_BROKEN_BY_DATE,
        ],
        TIE_BROKEN_BY_LOTTERY,
    ).astype(np.int8)
    cutoff_score = np.where(reason == HELD_BY_ENROLLED, np.nan, cutoff_score)
    detail = np.where(reason == SECTION_CAP_FULL, section, -1).astype(np.int16)
    exact = allocation.wish_reason >= 0
    if exact.any():
        reason = np.where(exact, allocation.wish_reason, np.where(refused, reason, 0))
        reason = np.where(refused, reason, 0).astype(np.int8)
        cutoff_score = np.where(exact, allocation.wish_cutoff, cutoff_score)
        detail = np.where(exact, allocation.wish_detail, detail).astype(np.int16)
    return Explanation(
        outcome=outcome, reason=reason, score=score, cutoff_score=cutoff_score, detail=detail
    )


NOT_NEEDED_SENTENCE = (
    "Vos vœux suivants n'ont pas été examinés car une place vous a été "
    "attribuée sur un vœu préféré."
)
NO_PLACE_SENTENCE = "Aucune place n'a pu vous être proposée sur vos vœux."
KEPT_PLACE_SENTENCE = "Votre enfant garde sa place actuelle à la structure {}."
SEAT_SENTENCES = {
    "insertion": "Cette place relève des places réservées aux familles en parcours "
    "d'insertion professionnelle.",
    "minimum_benefit": "Cette place relève des places réservées aux familles bénéficiaires "
    "d'un minimum social (article D214-7 du code de l'action sociale et des familles).",
}
STABILITY_SENTENCE = (
    "Aucune répartition ne pouvait respecter tous les rangs de priorité à la fois ; "
    "celle qui est proposée s'en écarte le moins possible."
)


def points_text(value: pl.Expr) -> pl.Expr:
    """French rendering of points: ``42``, ``42,5``."""
    return (
        pl.when(value == value.floor())
        .then(value.cast(pl.Int64).cast(pl.String))
        .otherwise(value.round(2).cast(pl.String).str.replace(".", ",", literal=True))
    )


def _text(*parts: str | pl.Expr) -> pl.Expr:
    """Concatenation of literal strings and columns, in one pass."""
    return pl.concat_str([pl.lit(part) if isinstance(part, str) else part for part in parts])


def _sentence_templates() -> list[tuple[pl.Expr, pl.Expr]]:
    """(which wishes, their sentence), over the columns of the wishes frame.

    Each template is applied to its own wishes only (a ``when/then`` chain
    would format every wish with every template), and is flat: nested
    formatting copies the text once per level. Parameters are columns: ``label`` (the
    structure), ``rank``, ``day`` (`` le mardi`` when a part-time need found it full that
    day, else empty), ``section_name``, ``score`` and ``cutoff_score``.
    """
    label, rank, outcome, reason, day = (
        pl.col("label"),
        pl.col("rank"),
        pl.col("outcome"),
        pl.col("reason"),
        pl.col("day"),
    )
    cutoff = pl.col("cutoff_score")
    unit = pl.when(cutoff.abs() >= 2).then(pl.lit("points")).otherwise(pl.lit("point"))
    subject = ("La structure ", label, " (votre vœu n° ", rank, ")")
    admitted = (
        *subject,
        " était complète",
        day,
        " : la dernière famille admise avait ",
        points_text(cutoff),
        " ",
        unit,
    )
    return [
        (
            outcome == ASSIGNED,
            _text(
                "Une place vous est proposée à la structure ", label, " (votre vœu n° ", rank, ")."
            ),
        ),
        ((outcome == NOT_NEEDED) & (outcome.shift(1) == ASSIGNED), pl.lit(NOT_NEEDED_SENTENCE)),
        (
            reason == OUTRANKED,
            _text(*admitted, ", vous en aviez ", points_text(pl.col("score")), "."),
        ),
        (
            reason == TIE_BROKEN_BY_DATE,
            _text(
                *admitted,
                ", comme vous ; à égalité, sa demande, déposée avant la vôtre, "
                "est passée en premier.",
            ),
        ),
        (
            reason == TIE_BROKEN_BY_LOTTERY,
            _text(
                *admitted,
                ", comme vous ; à égalité de points et de date de dépôt, "
                "le tirage au sort l'a placée avant vous.",
            ),
        ),
        (
            reason == NO_PLACE_IN_SECTION,
            _text(*subject, " n'avait aucune place dans la section de votre enfant."),
        ),
        (
            reason == ONLY_RESERVED_SEATS,
            _text(
                *subject,
                " était complète",
                day,
                " : ses places étaient réservées aux familles "
                "en parcours d'insertion professionnelle.",
            ),
        ),
        (
            reason == ONLY_BENEFIT_SEATS,
            _text(
                *subject,
                " était complète",
                day,
                " : ses places étaient réservées aux familles bénéficiaires d'un minimum "
                "social (article D214-7 du code de l'action sociale et des familles).",
            ),
        ),
        (
            reason == SECTION_CAP_FULL,
            _text(
                *subject,
                " avait attribué toutes ses places de la section « ",
                pl.col("section_name"),
                " » : la dernière famille admise dans cette section avait ",
                points_text(cutoff),
                " ",
                unit,
                ", vous en aviez ",
                points_text(pl.col("score")),
                ".",
            ),
        ),
        (
            reason == HELD_BY_ENROLLED,
            _text(
                *subject,
                " était complète",
                day,
                " : ses places restaient occupées par des enfants déjà inscrits.",
            ),
        ),
        (
            reason == SIBLINGS_APART,
            _text(*subject, " n'avait pas assez de places pour accueillir vos enfants ensemble."),
        ),
        (
            reason == NO_STABLE_ALLOCATION,
            _text(
                *subject,
                " : votre demande y avait la priorité, mais ",
                STABILITY_SENTENCE[0].lower(),
                STABILITY_SENTENCE[1:],
            ),
        ),
    ]


def _json_numbers(values: np.ndarray) -> pl.Series:
    """Integers when every value is whole (as points usually are), so JSON reads 42."""
    finite = values[np.isfinite(values)]
    series = pl.Series(values).fill_nan(None)
    return series.cast(pl.Int64) if np.array_equal(finite, np.floor(finite)) else series


@dataclass(frozen=True, slots=True)
class Labels:
    """Identifiers to write back (the engine only knows indexes)."""

    application_ids: pl.Series
    structure_ids: pl.Series
    structure_names: pl.Series
    section_names: pl.Series | None = None


def write_explanations(
    file: BinaryIO,
    problem: Problem,
    allocation: Allocation,
    explanation: Explanation,
    labels: Labels,
    chunk: int = 200_000,
) -> None:
    """JSON lines, one per application in input order, written by chunks.

    Each line has ``application_id``, ``structure_id`` (null without a
    place), ``seat`` (``general``, ``insertion`` or ``minimum_benefit`` when the place is one
    of the seats reserved for the family's category, null without a place), ``wishes`` (list
    of {rank, structure_id, outcome, score, cutoff_score}) and ``message``. Every application
    must have a wish (the command rejects empty lists). Chunks bound the memory: a million
    lines make a gigabyte of text.
    """
    offsets = problem.wish_offsets
    if np.any(offsets[1:] == offsets[:-1]):
        raise ValueError("every application needs at least one wish to be explained")
    named = labels.structure_names != ""
    structure_labels = pl.select(
        pl.when(named)
        .then(pl.format("« {} »", labels.structure_names))
        .otherwise(labels.structure_ids)
    ).to_series()
    scores = _json_numbers(explanation.score)
    cutoffs = _json_numbers(explanation.cutoff_score)
    outcome_names = pl.Series(OUTCOME_NAMES).gather(explanation.outcome)
    placed = pl.Series(allocation.structure).set(pl.Series(allocation.structure < 0), None)
    assigned_ids = labels.structure_ids.gather(placed)
    assigned_labels = structure_labels.gather(placed)
    seat = _seat_names(problem, allocation)
    kept = (allocation.structure >= 0) & (allocation.wish_rank == 0)
    day_texts = pl.Series(["", *(f" le {day}" for day in DAY_LABELS for _ in range(2))])
    detail = explanation.detail.astype(np.int64)
    day = np.where((detail >= 0) & (explanation.reason != SECTION_CAP_FULL), detail + 1, 0)
    section_names = labels.section_names
    if section_names is None or section_names.len() == 0:
        section_names = pl.Series([""], dtype=pl.String)
    section = np.where(explanation.reason == SECTION_CAP_FULL, detail, 0)
    section = np.minimum(np.maximum(section, 0), section_names.len() - 1)
    application_count = labels.application_ids.len()
    for first in range(0, application_count, chunk):
        last = min(first + chunk, application_count)
        pairs = slice(int(offsets[first]), int(offsets[last]))
        application = np.repeat(np.arange(first, last), np.diff(offsets[first : last + 1]))
        structures = problem.wish_structures[pairs]
        wishes = pl.DataFrame(
            {
                "application": application,
                "rank": np.arange(pairs.start, pairs.stop) - offsets[application] + 1,
                "structure_id": labels.structure_ids.gather(structures),
                "label": structure_labels.gather(structures),
                "outcome": explanation.outcome[pairs],
                "outcome_name": outcome_names[pairs],
                "reason": explanation.reason[pairs],
                "score": scores[pairs],
                "cutoff_score": cutoffs[pairs],
                "day": day_texts.gather(day[pairs]),
                "section_name": section_names.gather(section[pairs]),
            }
        ).with_columns(pl.col("application").set_sorted())
        pl.DataFrame(
            {
                "application_id": labels.application_ids[first:last],
                "structure_id": assigned_ids[first:last],
                "seat": seat[first:last],
                "wishes": _wish_lists(wishes),
                "message": _messages(wishes),
                "kept": kept[first:last],
                "assigned_label": assigned_labels[first:last],
            }
        ).with_columns(
            message=pl.when(pl.col("structure_id").is_null())
            .then(pl.concat_str("message", pl.lit(NO_PLACE_SENTENCE), separator=" "))
            .when(pl.col("kept"))
            .then(
                pl.concat_str(
                    "message",
                    _text(*_split_template(KEPT_PLACE_SENTENCE, pl.col("assigned_label"))),
                    separator=" ",
                )
            )
            .otherwise("message")
        ).with_columns(
            message=pl.when(pl.col("seat").is_in(list(SEAT_SENTENCES)))
            .then(
                pl.concat_str(
                    "message",
                    pl.col("seat").replace_strict(SEAT_SENTENCES, default=""),
                    separator=" ",
                )
            )
            .otherwise("message")
        ).drop("kept", "assigned_label").write_ndjson(file)


def _split_template(template: str, value: pl.Expr) -> tuple[str | pl.Expr, ...]:
    """A one-parameter template (``{}``) as parts for :func:`_text`."""
    before, after = template.split("{}")
    return before, value, after


def _seat_names(problem: Problem, allocation: Allocation) -> pl.Series:
    """``general``, or the reserve whose seat the family holds when it is of its category
    (a released reserved seat held by another family is a general one for it)."""
    seat = allocation.seat.astype(np.int64)
    category = np.where(
        seat == engine.RESERVED_SEAT,
        problem.insertion,
        np.where(seat == engine.BENEFIT_SEAT, problem.benefits(), True),
    )
    seat = np.where((seat != engine.NO_SEAT) & ~category, engine.GENERAL_SEAT, seat)
    return pl.Series(SEAT_NAMES, dtype=pl.String).gather(seat)


def _wish_lists(wishes: pl.DataFrame) -> pl.Series:
    """The JSON list of wishes of each application, in wish order."""
    fields = pl.struct(
        "rank", "structure_id", pl.col("outcome_name").alias("outcome"), "score", "cutoff_score"
    )
    return wishes.group_by("application", maintain_order=True).agg(wishes=fields)["wishes"]


def _messages(wishes: pl.DataFrame) -> pl.Series:
    """The sentences of each application's wishes, joined in wish order."""
    numbered = wishes.with_row_index("wish")
    sentences = pl.concat(
        [
            numbered.filter(which).select("wish", "application", sentence=text)
            for which, text in _sentence_templates()
        ]
    )
    return (
        sentences.sort("wish")
        .group_by("application", maintain_order=True)
        .agg("sentence")["sentence"]
        .list.join(" ")
    )
