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

import re
from dataclasses import dataclass
from typing import BinaryIO

import numpy as np
import polars as pl

from sdsf.allocation import engine
from sdsf.allocation.engine import Allocation, Problem
from sdsf.core.translation import gettext_lazy as _

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


# The sentences families read, one template each, in French marked for translation
# (:mod:`sdsf.core.translation`): the command writes them in French with polars for all the
# applications at once (:func:`_sentence_templates`); a family page renders the same templates
# in the family's language from the stored wishes (:func:`message`). Placeholders: ``label``
# (the structure), ``rank``, ``day`` (:data:`DAY_TEXT`, or empty), ``section``, ``score``,
# ``cutoff`` and ``unit``.
ASSIGNED_SENTENCE = _("Une place vous est proposée à la structure {label} (votre vœu n° {rank}).")
NOT_NEEDED_SENTENCE = _(
    "Vos vœux suivants n'ont pas été examinés car une place vous a été attribuée sur un vœu "
    "préféré."
)
REFUSED_SENTENCES = {
    OUTRANKED: _(
        "La structure {label} (votre vœu n° {rank}) était complète{day} : la dernière famille "
        "admise avait {cutoff} {unit}, vous en aviez {score}."
    ),
    TIE_BROKEN_BY_DATE: _(
        "La structure {label} (votre vœu n° {rank}) était complète{day} : la dernière famille "
        "admise avait {cutoff} {unit}, comme vous ; à égalité, sa demande, déposée avant la "
        "vôtre, est passée en premier."
    ),
    TIE_BROKEN_BY_LOTTERY: _(
        "La structure {label} (votre vœu n° {rank}) était complète{day} : la dernière famille "
        "admise avait {cutoff} {unit}, comme vous ; à égalité de points et de date de dépôt, "
        "le tirage au sort l'a placée avant vous."
    ),
    NO_PLACE_IN_SECTION: _(
        "La structure {label} (votre vœu n° {rank}) n'avait aucune place dans la section de "
        "votre enfant."
    ),
    ONLY_RESERVED_SEATS: _(
        "La structure {label} (votre vœu n° {rank}) était complète{day} : ses places étaient "
        "réservées aux familles en parcours d'insertion professionnelle."
    ),
    ONLY_BENEFIT_SEATS: _(
        "La structure {label} (votre vœu n° {rank}) était complète{day} : ses places étaient "
        "réservées aux familles bénéficiaires d'un minimum social (article D214-7 du code de "
        "l'action sociale et des familles)."
    ),
    SECTION_CAP_FULL: _(
        "La structure {label} (votre vœu n° {rank}) avait attribué toutes ses places de la "
        "section « {section} » : la dernière famille admise dans cette section avait {cutoff} "
        "{unit}, vous en aviez {score}."
    ),
    HELD_BY_ENROLLED: _(
        "La structure {label} (votre vœu n° {rank}) était complète{day} : ses places restaient "
        "occupées par des enfants déjà inscrits."
    ),
    SIBLINGS_APART: _(
        "La structure {label} (votre vœu n° {rank}) n'avait pas assez de places pour accueillir "
        "vos enfants ensemble."
    ),
    NO_STABLE_ALLOCATION: _(
        "La structure {label} (votre vœu n° {rank}) : votre demande y avait la priorité, mais "
        "aucune répartition ne pouvait respecter tous les rangs de priorité à la fois ; celle "
        "qui est proposée s'en écarte le moins possible."
    ),
}
REASON_NAMES = {
    OUTRANKED: "outranked",
    TIE_BROKEN_BY_DATE: "tie_broken_by_date",
    TIE_BROKEN_BY_LOTTERY: "tie_broken_by_lottery",
    NO_PLACE_IN_SECTION: "no_place_in_section",
    ONLY_RESERVED_SEATS: "only_reserved_seats",
    ONLY_BENEFIT_SEATS: "only_benefit_seats",
    SECTION_CAP_FULL: "section_cap_full",
    HELD_BY_ENROLLED: "held_by_enrolled",
    SIBLINGS_APART: "siblings_apart",
    NO_STABLE_ALLOCATION: "no_stable_allocation",
}
DAY_TEXT = _(" le {weekday}")
DAY_LABELS = (_("lundi"), _("mardi"), _("mercredi"), _("jeudi"), _("vendredi"))
POINT, POINTS = _("point"), _("points")
NO_PLACE_SENTENCE = _("Aucune place n'a pu vous être proposée sur vos vœux.")
KEPT_PLACE_SENTENCE = _("Votre enfant garde sa place actuelle à la structure {label}.")
SEAT_SENTENCES = {
    "insertion": _(
        "Cette place relève des places réservées aux familles en parcours d'insertion "
        "professionnelle."
    ),
    "minimum_benefit": _(
        "Cette place relève des places réservées aux familles bénéficiaires d'un minimum social "
        "(article D214-7 du code de l'action sociale et des familles)."
    ),
}
STRUCTURE_LABEL = _("« {name} »")
_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def points_text(value: pl.Expr) -> pl.Expr:
    """French rendering of points: ``42``, ``42,5``."""
    return (
        pl.when(value == value.floor())
        .then(value.cast(pl.Int64).cast(pl.String))
        .otherwise(value.round(2).cast(pl.String).str.replace(".", ",", literal=True))
    )


def _points(value) -> str:
    """:func:`points_text` for one number."""
    return (
        f"{value:g}".replace(".", ",")
        if value == int(value)
        else f"{value:.2f}".rstrip("0").replace(".", ",")
    )


def _text(*parts: str | pl.Expr) -> pl.Expr:
    """Concatenation of literal strings and columns, in one pass."""
    return pl.concat_str([pl.lit(part) if isinstance(part, str) else part for part in parts])


def _template(template, columns: dict[str, pl.Expr]) -> pl.Expr:
    """A sentence template (translated now) as one polars expression over ``columns``."""
    parts = _PLACEHOLDER.split(str(template))
    return _text(*(columns[part] if index % 2 else part for index, part in enumerate(parts)))


def _sentence_templates() -> list[tuple[pl.Expr, pl.Expr]]:
    """(which wishes, their sentence), over the columns of the wishes frame.

    Each template is applied to its own wishes only (a ``when/then`` chain
    would format every wish with every template), and is flat: nested
    formatting copies the text once per level. Parameters are columns: ``label`` (the
    structure), ``rank``, ``day`` (`` le mardi`` when a part-time need found it full that
    day, else empty), ``section_name``, ``score`` and ``cutoff_score``.
    """
    outcome, reason = pl.col("outcome"), pl.col("reason")
    cutoff = pl.col("cutoff_score")
    columns = {
        "label": pl.col("label"),
        "rank": pl.col("rank"),
        "day": pl.col("day"),
        "section": pl.col("section_name"),
        "score": points_text(pl.col("score")),
        "cutoff": points_text(cutoff),
        "unit": pl.when(cutoff.abs() >= 2).then(pl.lit(str(POINTS))).otherwise(pl.lit(str(POINT))),
    }
    return [
        (outcome == ASSIGNED, _template(ASSIGNED_SENTENCE, columns)),
        (
            (outcome == NOT_NEEDED) & (outcome.shift(1) == ASSIGNED),
            pl.lit(str(NOT_NEEDED_SENTENCE)),
        ),
        *((reason == code, _template(text, columns)) for code, text in REFUSED_SENTENCES.items()),
    ]


def message(line: dict, names: dict[str, str]) -> str:
    """The explanation of one application (a line of :func:`write_explanations`), rendered in
    the active language from its wishes; ``names`` gives the structures' names by identifier."""

    def label(identifier: str) -> str:
        name = names.get(identifier)
        return str(STRUCTURE_LABEL).format(name=name) if name else identifier

    sentences, previous = [], None
    for wish in line.get("wishes", []):
        outcome, reason = wish["outcome"], wish.get("reason")
        cutoff = wish.get("cutoff_score")
        values = {
            "label": label(wish["structure_id"]),
            "rank": wish["rank"],
            "day": str(DAY_TEXT).format(weekday=DAY_LABELS[wish["day"] - 1])
            if wish.get("day")
            else "",
            "section": wish.get("section") or "",
            "score": _points(wish["score"]) if wish.get("score") is not None else "",
            "cutoff": _points(cutoff) if cutoff is not None else "",
            "unit": str(POINTS if cutoff is not None and abs(cutoff) >= 2 else POINT),
        }
        if outcome == OUTCOME_NAMES[ASSIGNED]:
            sentences.append(str(ASSIGNED_SENTENCE).format(**values))
        elif outcome == OUTCOME_NAMES[NOT_NEEDED] and previous == OUTCOME_NAMES[ASSIGNED]:
            sentences.append(str(NOT_NEEDED_SENTENCE))
        elif reason in _REASON_CODES:
            sentences.append(str(REFUSED_SENTENCES[_REASON_CODES[reason]]).format(**values))
        previous = outcome
    placed = line.get("structure_id")
    if placed is None:
        sentences.append(str(NO_PLACE_SENTENCE))
    elif not any(w["outcome"] == OUTCOME_NAMES[ASSIGNED] for w in line.get("wishes", [])):
        sentences.append(str(KEPT_PLACE_SENTENCE).format(label=label(placed)))
    if line.get("seat") in SEAT_SENTENCES:
        sentences.append(str(SEAT_SENTENCES[line["seat"]]))
    return " ".join(sentences)


_REASON_CODES = {name: code for code, name in REASON_NAMES.items()}


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
    of {rank, structure_id, outcome, score, cutoff_score, reason, day, section}: ``reason`` the
    name of why a refused wish was refused, ``day`` the weekday (1 = Monday) a part-time need
    found it full, ``section`` the section whose cap was reached) and ``message``. Every application
    must have a wish (the command rejects empty lists). Chunks bound the memory: a million
    lines make a gigabyte of text.
    """
    offsets = problem.wish_offsets
    if np.any(offsets[1:] == offsets[:-1]):
        raise ValueError("every application needs at least one wish to be explained")
    named = labels.structure_names != ""
    structure_labels = pl.select(
        pl.when(named)
        .then(_template(STRUCTURE_LABEL, {"name": labels.structure_names}))
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
    day_texts = pl.Series(
        ["", *(str(DAY_TEXT).format(weekday=day) for day in DAY_LABELS for _ in range(2))]
    )
    detail = explanation.detail.astype(np.int64)
    day = np.where((detail >= 0) & (explanation.reason != SECTION_CAP_FULL), detail + 1, 0)
    section_names = labels.section_names
    if section_names is None or section_names.len() == 0:
        section_names = pl.Series([""], dtype=pl.String)
    section = np.where(explanation.reason == SECTION_CAP_FULL, detail, 0)
    section = np.minimum(np.maximum(section, 0), section_names.len() - 1)
    reason_names = pl.Series(
        [REASON_NAMES.get(code) for code in range(max(REASON_NAMES) + 1)], dtype=pl.String
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
                "day": day_texts.gather(day[pairs]),
                "section_name": section_names.gather(section[pairs]),
                "reason_name": reason_names.gather(explanation.reason[pairs]),
                "day_number": pl.Series(day[pairs] + 1 >> 1).replace(0, None),
                "cap_section": pl.Series(section_names.gather(section[pairs])).set(
                    pl.Series(explanation.reason[pairs] != SECTION_CAP_FULL), None
                ),
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
            .then(pl.concat_str("message", pl.lit(str(NO_PLACE_SENTENCE)), separator=" "))
            .when(pl.col("kept"))
            .then(
                pl.concat_str(
                    "message",
                    _template(KEPT_PLACE_SENTENCE, {"label": pl.col("assigned_label")}),
                    separator=" ",
                )
            )
            .otherwise("message")
        ).with_columns(
            message=pl.when(pl.col("seat").is_in(list(SEAT_SENTENCES)))
            .then(
                pl.concat_str(
                    "message",
                    pl.col("seat").replace_strict(
                        {seat: str(text) for seat, text in SEAT_SENTENCES.items()}, default=""
                    ),
                    separator=" ",
                )
            )
            .otherwise("message")
        ).drop("kept", "assigned_label").write_ndjson(file)


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
        "rank",
        "structure_id",
        pl.col("outcome_name").alias("outcome"),
        "score",
        "cutoff_score",
        pl.col("reason_name").alias("reason"),
        pl.col("day_number").alias("day"),
        pl.col("cap_section").alias("section"),
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
