"""Aid schemes with a published rule, computed and explained line by line.

The funding ledger records aids that follow a rule (the CAF bonuses of a crèche, the exceptional
aid for closed places, a CAF's aid to structures in difficulty). Partners must be able to check
an amount, so each result carries its lines: a French label, the amount it yields (or none for a
line that only states a fact) and the rule with its published text. Nothing here imports Django:
the funding app, its pages and its commands call these functions.

Parameters are dated and live in ``data/funding/`` (one CSV per scheme, each row with its period,
the short French reference shown to users and the provenance of the figure); a rule applies the
parameters in force on the date asked, and a date outside every period is a French error.

- ``bonus_mixite_sociale.csv`` and ``bonus_inclusion_handicap.csv``: CNAF circulaire n° 2018-002
  of 21 November 2018, and for the disability bonus circulaire n° 2020-011 of 15 October 2020.
  The full texts could not be read; the figures are those the CNAF published, as quoted by the
  press and the CAF pages named in each row.
- ``aide_exceptionnelle_places_fermees.csv``: the CNAF's 2020-2022 aid for closed or unfilled
  places (decisions of 17 March and 7 April 2020, circulaire of 19 January 2022).
- ``aide_structures_fragilisees_caf29.csv``: the CAF du Finistère's aid to structures in
  difficulty (an undated page, so that row has no period and applies on any date).

Boundaries, exactly as the data files record them (column ``boundaries``):

- bonus mixité sociale: 0.75 EUR exactly is in the first tier (« inférieures ou égales à
  0,75 € », published); 1 EUR and 1.25 EUR exactly are read as in the lower tier (the texts
  found say « comprises entre »; the upper bound is included as in the first tier).
- bonus inclusion handicap: below 5 % → 15 %; 5 % to 7.5 %, both included (« de 5 à 7,5 % »,
  published) → 30 %; above 7.5 % → 45 %; a share of 0 gives nothing (« dès le premier enfant »).

Shares and averages are compared exactly (as fractions), never through floats, so a value on a
boundary always lands in its published tier. Amounts are :class:`~decimal.Decimal`, rounded to
the cent half up where the rule divides.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from functools import cache
from pathlib import Path
from typing import TypeVar

from sdsf.core import formats
from sdsf.core.datadir import data_dir

# Relative to the data directory (sdsf.core.datadir), read when a rule is applied.
MIXITE_FILE = "funding/bonus_mixite_sociale.csv"
INCLUSION_FILE = "funding/bonus_inclusion_handicap.csv"
EXCEPTIONAL_AID_FILE = "funding/aide_exceptionnelle_places_fermees.csv"
DIFFICULTY_AID_FILE = "funding/aide_structures_fragilisees_caf29.csv"

CENT = Decimal("0.01")
HUNDRED = Decimal(100)
ZERO = Decimal("0.00")

INCLUSION_COST_BASE = (
    "prix de revient par place = total des dépenses de l'année ÷ nombre de places de "
    "l'agrément (le plus élevé s'il a changé dans l'année, sans proratisation)"
)
"""The base of the disability bonus. The CNAF's communiqué of 2 October 2018 says the rate applies
« en tenant compte du coût par place »; Weka's sheet « Comprendre et calculer le bonus inclusion
handicap » (June 2024) defines that cost per place as above."""


class RuleError(ValueError):
    """A request the rules cannot answer; the message is French, for the agent who asked."""


@dataclass(frozen=True)
class Line:
    """One step of an explained computation."""

    label: str
    amount: Decimal | None
    rule: str


@dataclass(frozen=True)
class RuleResult:
    """An aid amount on a date, with the lines that explain it."""

    scheme: str
    on: date
    amount: Decimal
    lines: tuple[Line, ...]


# --- dated parameters -----------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """When a parameter row applies; ``None`` ends are open (no published start or end)."""

    start: date | None
    end: date | None

    def covers(self, on: date) -> bool:
        return (self.start is None or self.start <= on) and (self.end is None or on <= self.end)

    @property
    def label(self) -> str:
        if self.start is None and self.end is None:
            return "sans date de début ni de fin publiée"
        if self.end is None:
            return f"depuis le {formats.date(self.start)}"
        if self.start is None:
            return f"jusqu'au {formats.date(self.end)}"
        return f"du {formats.date(self.start)} au {formats.date(self.end)}"


@dataclass(frozen=True)
class Interval:
    """A tier's range; each bound is open or closed as the published text says."""

    lower: Decimal | None
    lower_inclusive: bool
    upper: Decimal | None
    upper_inclusive: bool

    def contains(self, value: Fraction) -> bool:
        if self.lower is not None:
            low = Fraction(self.lower)
            if value < low or (value == low and not self.lower_inclusive):
                return False
        if self.upper is not None:
            high = Fraction(self.upper)
            if value > high or (value == high and not self.upper_inclusive):
                return False
        return True

    def label(self, unit: str) -> str:
        parts = []
        if self.lower is not None:
            word = "au moins" if self.lower_inclusive else "plus de"
            parts.append(f"{word} {formats.number(self.lower)} {unit}")
        if self.upper is not None:
            word = "au plus" if self.upper_inclusive else "moins de"
            parts.append(f"{word} {formats.number(self.upper)} {unit}")
        return " et ".join(parts)


@dataclass(frozen=True)
class MixiteTier:
    period: Period
    tier: int
    interval: Interval
    amount_per_place: Decimal
    reference: str


@dataclass(frozen=True)
class InclusionTier:
    period: Period
    tier: int
    interval: Interval
    funding_rate_pct: Decimal
    cap_per_place: Decimal
    children_counted: str
    reference: str


@dataclass(frozen=True)
class ExceptionalAidRate:
    period: Period
    category: str
    label: str
    amount_per_place_day: Decimal
    reference: str


@dataclass(frozen=True)
class DifficultyAidRule:
    period: Period
    max_share_of_plan_pct: Decimal
    reference: str


_Dated = TypeVar("_Dated", MixiteTier, InclusionTier, ExceptionalAidRate, DifficultyAidRule)


def _records(relative_path: str) -> tuple[dict[str, str], ...]:
    return _read_records(data_dir() / relative_path)


@cache
def _read_records(path: Path) -> tuple[dict[str, str], ...]:
    with path.open(encoding="utf-8", newline="") as handle:
        return tuple(csv.DictReader(handle))


def _money(text: str) -> Decimal:
    return Decimal(text).quantize(CENT)


def _period(record: dict[str, str]) -> Period:
    start, end = record["valid_from"], record["valid_to"]
    return Period(
        date.fromisoformat(start) if start else None, date.fromisoformat(end) if end else None
    )


def _interval(record: dict[str, str], lower: str, upper: str) -> Interval:
    return Interval(
        Decimal(record[lower]) if record[lower] else None,
        record["lower_inclusive"] == "true",
        Decimal(record[upper]) if record[upper] else None,
        record["upper_inclusive"] == "true",
    )


def load_mixite_tiers() -> tuple[MixiteTier, ...]:
    return tuple(
        MixiteTier(
            _period(r),
            int(r["tier"]),
            _interval(r, "lower_eur_per_hour", "upper_eur_per_hour"),
            _money(r["amount_per_place_eur"]),
            r["reference"],
        )
        for r in _records(MIXITE_FILE)
    )


def load_inclusion_tiers() -> tuple[InclusionTier, ...]:
    return tuple(
        InclusionTier(
            _period(r),
            int(r["tier"]),
            _interval(r, "lower_pct", "upper_pct"),
            Decimal(r["funding_rate_pct"]),
            _money(r["cap_per_place_eur"]),
            r["children_counted"],
            r["reference"],
        )
        for r in _records(INCLUSION_FILE)
    )


def load_exceptional_aid_rates() -> tuple[ExceptionalAidRate, ...]:
    return tuple(
        ExceptionalAidRate(
            _period(r),
            r["category"],
            r["label"],
            _money(r["amount_per_place_day_eur"]),
            r["reference"],
        )
        for r in _records(EXCEPTIONAL_AID_FILE)
    )


def load_difficulty_aid_rules() -> tuple[DifficultyAidRule, ...]:
    return tuple(
        DifficultyAidRule(_period(r), Decimal(r["max_share_of_plan_pct"]), r["reference"])
        for r in _records(DIFFICULTY_AID_FILE)
    )


def _in_force(rows: Sequence[_Dated], on: date, scheme: str) -> list[_Dated]:
    found = [row for row in rows if row.period.covers(on)]
    if not found:
        raise RuleError(f"Aucun paramètre de « {scheme} » n'est en vigueur le {formats.date(on)}.")
    return found


# --- CAF bonuses of an EAJE -----------------------------------------------------------------

MIXITE = "bonus « mixité sociale »"
INCLUSION = "bonus « inclusion handicap »"


def bonus_mixite_sociale(
    on: date, places: int, average_hourly_contribution: Decimal, *, psu_funded: bool = True
) -> RuleResult:
    """Simulate the bonus « mixité sociale » of an EAJE for the year that contains ``on``.

    ``average_hourly_contribution`` is the structure's average family contribution per hour
    (« montant horaire moyen des participations familiales perçues », as the CAF de la Loire
    words it), in euros; the bonus is a fixed amount per place of the tier it falls in, for every
    place of the structure. Only PSU-funded EAJE are eligible (not PAJE micro-crèches).
    """
    _check_places(places)
    contribution = _non_negative(average_hourly_contribution, "participation familiale moyenne")
    tiers = sorted(_in_force(load_mixite_tiers(), on, MIXITE), key=lambda t: t.tier)
    reference = tiers[0].reference
    lines = [
        Line(
            f"Paramètres en vigueur le {formats.date(on)} ({tiers[0].period.label}).",
            None,
            reference,
        )
    ]
    if not psu_funded:
        return _not_eligible(MIXITE, on, lines, reference)
    lines.append(
        Line(
            f"Participation familiale horaire moyenne : {formats.euros(contribution)}.",
            None,
            "Montant horaire moyen des participations familiales perçues par la structure.",
        )
    )
    tier = next((t for t in tiers if t.interval.contains(Fraction(contribution))), None)
    if tier is None:
        lines.append(
            Line(
                "Au-delà de la dernière tranche : pas de bonus.",
                ZERO,
                f"{reference} : bonus pour une participation moyenne d'au plus "
                f"{formats.number(tiers[-1].interval.upper)} € de l'heure.",
            )
        )
        return RuleResult(MIXITE, on, ZERO, tuple(lines))
    amount = tier.amount_per_place * places
    lines += [
        Line(
            f"Tranche {tier.tier} ({tier.interval.label('€ de l’heure')}) : "
            f"{formats.euros(tier.amount_per_place)} par place et par an.",
            tier.amount_per_place,
            reference,
        ),
        Line(
            f"Bonus : {formats.euros(tier.amount_per_place)} × {places} places = "
            f"{formats.euros(amount)}.",
            amount,
            f"{reference} : le bonus s'applique à toutes les places de la structure.",
        ),
    ]
    return RuleResult(MIXITE, on, amount, tuple(lines))


def bonus_inclusion_handicap(
    on: date,
    places: int,
    children_enrolled: int,
    children_with_disability: int,
    annual_costs: Decimal,
    *,
    psu_funded: bool = True,
) -> RuleResult:
    """Simulate the bonus « inclusion handicap » of an EAJE for the year that contains ``on``.

    The share is the children with a disability (as counted on that date: AEEH only in 2019,
    wider criteria from 2020) over all children enrolled in the year; the tier's funding rate
    applies to the structure's cost per place (see :data:`INCLUSION_COST_BASE`), capped per
    place, for every place. The amount per place is rounded to the cent, then multiplied.
    ``places`` is the agrément's number of places (the highest in the year if it changed).
    """
    _check_places(places)
    if children_enrolled < 1:
        raise RuleError("Le nombre d'enfants inscrits doit être au moins 1.")
    if not 0 <= children_with_disability <= children_enrolled:
        raise RuleError(
            "Le nombre d'enfants porteurs de handicap doit être compris entre 0 et le nombre "
            "d'enfants inscrits."
        )
    costs = _non_negative(annual_costs, "dépenses de l'année")
    tiers = sorted(_in_force(load_inclusion_tiers(), on, INCLUSION), key=lambda t: t.tier)
    first = tiers[0]
    lines = [
        Line(
            f"Paramètres en vigueur le {formats.date(on)} ({first.period.label}).",
            None,
            first.reference,
        )
    ]
    if not psu_funded:
        return _not_eligible(INCLUSION, on, lines, first.reference)
    share = Fraction(children_with_disability, children_enrolled) * 100
    lines.append(
        Line(
            f"Enfants comptés : {children_with_disability} sur {children_enrolled} inscrits, "
            f"soit {formats.percent(_round(Decimal(share.numerator) / share.denominator, CENT))}.",
            None,
            f"{first.reference} : {first.children_counted}.",
        )
    )
    tier = next((t for t in tiers if t.interval.contains(share)), None)
    if tier is None:
        lines.append(
            Line(
                "Aucun enfant porteur de handicap inscrit : pas de bonus.",
                ZERO,
                f"{first.reference} : le bonus s'applique dès le premier enfant.",
            )
        )
        return RuleResult(INCLUSION, on, ZERO, tuple(lines))
    cost_per_place = _round(costs / places, CENT)
    uncapped = _round(costs / places * tier.funding_rate_pct / HUNDRED, CENT)
    per_place = min(uncapped, tier.cap_per_place)
    amount = per_place * places
    lines += [
        Line(
            f"Prix de revient par place : {formats.euros(costs)} ÷ {places} places = "
            f"{formats.euros(cost_per_place)}.",
            cost_per_place,
            INCLUSION_COST_BASE,
        ),
        Line(
            f"Tranche {tier.tier} ({tier.interval.label('%')} d'enfants) : taux de "
            f"{formats.percent(tier.funding_rate_pct)}, soit {formats.euros(uncapped)} par place.",
            uncapped,
            tier.reference,
        ),
    ]
    if uncapped > tier.cap_per_place:
        lines.append(
            Line(
                f"Plafonné à {formats.euros(tier.cap_per_place)} par place et par an.",
                tier.cap_per_place,
                tier.reference,
            )
        )
    lines.append(
        Line(
            f"Bonus : {formats.euros(per_place)} × {places} places = {formats.euros(amount)}.",
            amount,
            f"{tier.reference} : le bonus s'applique à toutes les places de la structure.",
        )
    )
    return RuleResult(INCLUSION, on, amount, tuple(lines))


# --- exceptional aid for closed or unfilled places ------------------------------------------

EXCEPTIONAL_AID = "aide exceptionnelle aux places fermées ou non pourvues"


def exceptional_aid_categories(on: date) -> dict[str, str]:
    """The categories (code → French label) the aid knows on ``on``, for a form's choices."""
    rates = _in_force(load_exceptional_aid_rates(), on, EXCEPTIONAL_AID)
    return {rate.category: rate.label for rate in rates}


def exceptional_closure_aid(on: date, category: str, closed_places: int, days: int) -> RuleResult:
    """The CNAF's exceptional aid for ``closed_places`` closed or unfilled during ``days`` days.

    ``on`` is a day of the closure; the caller splits a closure that crosses a change of rate.
    ``category`` is ``public`` (staff of public agents: 27 EUR per place and day in 2020),
    ``private`` (private-law staff, micro-crèches included: 17 EUR) or ``mam`` (3 EUR). Which
    days and places count (closure, children « cas contact »...) is the CAF's check, not this one.
    """
    _check_places(closed_places)
    if isinstance(days, bool) or not isinstance(days, int) or days < 1:
        raise RuleError("Le nombre de jours doit être un entier d'au moins 1.")
    rates = _in_force(load_exceptional_aid_rates(), on, EXCEPTIONAL_AID)
    rate = next((r for r in rates if r.category == category), None)
    if rate is None:
        known = ", ".join(sorted(r.category for r in rates))
        raise RuleError(
            f"Catégorie « {category} » inconnue le {formats.date(on)} (catégories : {known})."
        )
    amount = rate.amount_per_place_day * closed_places * days
    lines = (
        Line(
            f"{rate.label} : {formats.euros(rate.amount_per_place_day)} par place et par jour "
            f"(en vigueur {rate.period.label}).",
            rate.amount_per_place_day,
            rate.reference,
        ),
        Line(
            f"Aide : {formats.euros(rate.amount_per_place_day)} × {closed_places} places × "
            f"{days} jours = {formats.euros(amount)}.",
            amount,
            rate.reference,
        ),
    )
    return RuleResult(EXCEPTIONAL_AID, on, amount, lines)


# --- the CAF du Finistère's aid to structures in difficulty ---------------------------------

DIFFICULTY_AID = "aide aux structures fragilisées (CAF du Finistère)"


def structures_in_difficulty_aid(
    on: date,
    plan_budget: Decimal,
    *,
    psu_funded: bool,
    micro_creche: bool,
    plan_cosigned: bool,
    destabilising_factors: Sequence[str],
    requested: Decimal | None = None,
) -> RuleResult:
    """The most the aid can give for an action plan, or the requested amount when lower.

    Conditions (CAF du Finistère): an EAJE funded by the PSU, not a micro-crèche; at least one
    destabilising factor identified (``destabilising_factors``: their French labels, e.g. the
    structure's health signals); a budgeted action plan co-signed by the manager and the CAF.
    The aid cannot exceed 80 % of the plan's budget. An unmet condition gives 0 with its line.
    """
    budget = _non_negative(plan_budget, "budget du plan d'action")
    wanted = None if requested is None else _non_negative(requested, "montant demandé")
    rule = _in_force(load_difficulty_aid_rules(), on, DIFFICULTY_AID)[0]
    reference = rule.reference
    lines = [Line(f"Règle {rule.period.label}.", None, reference)]
    unmet = []
    if not psu_funded:
        unmet.append("la structure n'est pas financée par la prestation de service unique (PSU)")
    if micro_creche:
        unmet.append("les micro-crèches sont exclues de cette aide")
    if not destabilising_factors:
        unmet.append("aucun facteur de déstabilisation n'est identifié")
    if not plan_cosigned:
        unmet.append("le plan d'action n'est pas co-signé par le gestionnaire et la CAF")
    if unmet:
        lines += [Line(f"Condition non remplie : {reason}.", None, reference) for reason in unmet]
        lines.append(Line("Aide : 0,00 €.", ZERO, reference))
        return RuleResult(DIFFICULTY_AID, on, ZERO, tuple(lines))
    lines.append(
        Line(
            "Facteurs de déstabilisation identifiés : " + " ; ".join(destabilising_factors) + ".",
            None,
            reference,
        )
    )
    ceiling = _round(budget * rule.max_share_of_plan_pct / HUNDRED, CENT)
    lines.append(
        Line(
            f"Plafond : {formats.percent(rule.max_share_of_plan_pct)} du budget du plan d'action "
            f"({formats.euros(budget)}) = {formats.euros(ceiling)}.",
            ceiling,
            reference,
        )
    )
    amount = ceiling if wanted is None else min(wanted, ceiling)
    if wanted is not None:
        lines.append(
            Line(
                f"Montant demandé : {formats.euros(wanted)} ; "
                f"aide retenue : {formats.euros(amount)}.",
                amount,
                reference,
            )
        )
    return RuleResult(DIFFICULTY_AID, on, amount, tuple(lines))


# --- checks and French formatting -----------------------------------------------------------


def _not_eligible(scheme: str, on: date, lines: list[Line], reference: str) -> RuleResult:
    lines.append(
        Line(
            "Seuls les EAJE financés par la prestation de service unique (PSU) y ont droit "
            "(pas les micro-crèches PAJE) : pas de bonus.",
            ZERO,
            reference,
        )
    )
    return RuleResult(scheme, on, ZERO, tuple(lines))


def _check_places(places: int) -> None:
    if isinstance(places, bool) or not isinstance(places, int) or places < 1:
        raise RuleError("Le nombre de places doit être un entier d'au moins 1.")


def _non_negative(value: Decimal | int, what: str) -> Decimal:
    if isinstance(value, float):
        raise RuleError(f"Le montant « {what} » doit être un nombre décimal exact.")
    amount = Decimal(value)
    if not amount.is_finite():
        raise RuleError(f"« {value} » n'est pas un nombre ({what}).")
    if amount < 0:
        raise RuleError(f"Le montant « {what} » ne peut pas être négatif.")
    return amount


def _round(amount: Decimal, quantum: Decimal) -> Decimal:
    return amount.quantize(quantum, rounding=ROUND_HALF_UP)
