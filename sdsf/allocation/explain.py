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

from sdsf.allocation.engine import Allocation, Problem

ASSIGNED = 0
FULL = 1
NOT_NEEDED = 2
OUTCOME_NAMES = ("assigned", "full", "not_needed")

# Why a full structure refused the family.
OUTRANKED = 1
TIE_BROKEN_BY_DATE = 2
TIE_BROKEN_BY_LOTTERY = 3
NO_PLACE_IN_SECTION = 4
ONLY_RESERVED_SEATS = 5


@dataclass(frozen=True, slots=True)
class Explanation:
    """Per wish, in the order of ``Problem.wish_structures``.

    ``score`` is the family's priority at the structure (points plus bonus);
    ``cutoff_score`` the priority of the cutoff family, NaN when there is
    none or the wish is not refused; ``reason`` is 0 unless refused.
    """

    outcome: np.ndarray
    reason: np.ndarray
    score: np.ndarray
    cutoff_score: np.ndarray


def explain(problem: Problem, allocation: Allocation) -> Explanation:
    """Outcome, scores and refusal reason of every wish."""
    pair_application = problem.pair_application()
    pair_school = problem.pair_school(pair_application)
    wish_index = np.arange(pair_application.size) - problem.wish_offsets[pair_application]
    obtained_index = allocation.wish_rank[pair_application].astype(np.int64) - 1
    refused = (obtained_index < 0) | (wish_index < obtained_index)
    outcome = np.where(
        refused, FULL, np.where(wish_index == obtained_index, ASSIGNED, NOT_NEEDED)
    ).astype(np.int8)

    insertion = problem.insertion[pair_application]
    cutoff_position = np.where(
        insertion,
        allocation.cutoff_insertion[pair_school],
        allocation.cutoff_regular[pair_school],
    )
    has_cutoff = refused & (cutoff_position >= 0)
    cutoff_pair = allocation.position_pair[np.maximum(cutoff_position, 0)]
    cutoff_score = np.where(has_cutoff, allocation.pair_priority[cutoff_pair], np.nan)
    score = allocation.pair_priority
    earlier = problem.submitted[pair_application[cutoff_pair]] < problem.submitted[pair_application]
    no_place = problem.capacity.ravel()[pair_school] == 0
    reason = np.select(
        [
            ~refused,
            ~has_cutoff & no_place,
            ~has_cutoff,
            cutoff_score > score,
            earlier,
        ],
        [0, NO_PLACE_IN_SECTION, ONLY_RESERVED_SEATS, OUTRANKED, TIE_BROKEN_BY_DATE],
        TIE_BROKEN_BY_LOTTERY,
    ).astype(np.int8)
    return Explanation(outcome=outcome, reason=reason, score=score, cutoff_score=cutoff_score)


NOT_NEEDED_SENTENCE = (
    "Vos vœux suivants n'ont pas été examinés car une place vous a été "
    "attribuée sur un vœu préféré."
)
NO_PLACE_SENTENCE = "Aucune place n'a pu vous être proposée sur vos vœux."


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
    formatting copies the text once per level.
    """
    label, rank, outcome, reason = (
        pl.col("label"),
        pl.col("rank"),
        pl.col("outcome"),
        pl.col("reason"),
    )
    cutoff = pl.col("cutoff_score")
    unit = pl.when(cutoff.abs() >= 2).then(pl.lit("points")).otherwise(pl.lit("point"))
    subject = ("La structure ", label, " (votre vœu n° ", rank, ")")
    admitted = (
        *subject,
        " était complète : la dernière famille admise avait ",
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
                " était complète : ses places étaient réservées aux familles "
                "en parcours d'insertion professionnelle.",
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
    place), ``wishes`` (list of {rank, structure_id, outcome, score,
    cutoff_score}) and ``message``. Every application must have a wish (the
    command rejects empty lists). Chunks bound the memory: a million lines
    make a gigabyte of text.
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
    assigned_ids = labels.structure_ids.gather(
        pl.Series(allocation.structure).set(pl.Series(allocation.structure < 0), None)
    )
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
            }
        ).with_columns(pl.col("application").set_sorted())
        pl.DataFrame(
            {
                "application_id": labels.application_ids[first:last],
                "structure_id": assigned_ids[first:last],
                "wishes": _wish_lists(wishes),
                "message": _messages(wishes),
            }
        ).with_columns(
            message=pl.when(pl.col("structure_id").is_null())
            .then(pl.concat_str("message", pl.lit(NO_PLACE_SENTENCE), separator=" "))
            .otherwise("message")
        ).write_ndjson(file)


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
