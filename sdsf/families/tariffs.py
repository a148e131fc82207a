"""What childcare costs a family: the PSU crèche price and the CMG for an assistant maternel.

The families' one-stop shop must let parents compare a crèche place with a childminder before they
apply. Both estimates follow national rules, so they live here as pure functions (no Django, no
database) that the web views, the ``tariff`` command and the tests share. Every result carries the
lines that explain it: a family (and art. L311-3-1 CRPA) is owed the rule, not just a number.
The lines and errors are French texts marked for gettext (:mod:`sdsf.core.translation`, which
translates through Django's gettext in the running platform without this module importing Django),
read in the active language: French on the command line (the default language), English or Arabic
on the family pages.
Amounts keep the French format (``1 234,56 €``, :mod:`sdsf.core.formats`) in every language.

Data is read from the data directory (:func:`sdsf.core.datadir.data_dir`: ``settings.DATA_DIR``,
the repository's ``data/``) at first use and never from anywhere else:

- ``data/psu/bareme_participations_familiales_accueil_collectif.csv``: the CNAF barème of family
  participations in PSU crèches (accueil collectif), by period and number of dependent children.
- ``data/openfisca_paje_cmg/``: OpenFisca France's CMG parameters (amounts in BMAF by income
  bracket, income ceilings, BMAF values), used for the CMG rule in force before 1 September 2025.

Amounts are :class:`~decimal.Decimal`, rounded to the cent with ROUND_HALF_UP at the end of each
computation: the published PSU prices (``data/psu/published_examples.csv``) are the exact product
rounded to the nearest cent (truncation would miss 2 of the 8); half-up settles the ties, as
usual for money.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from enum import Enum
from functools import cache
from pathlib import Path

import yaml

from sdsf.core import formats
from sdsf.core.datadir import data_dir
from sdsf.core.translation import _, gettext_lazy, ngettext

PSU_SCALE_FILE = Path("psu") / "bareme_participations_familiales_accueil_collectif.csv"
CMG_PARAMETERS_DIR = Path("openfisca_paje_cmg")
"""Both relative to the data directory (``sdsf.core.datadir``), read when a tariff is computed
(not at import): an installation or a test that moves the data directory is obeyed."""

CENT = Decimal("0.01")
HUNDRED = Decimal(100)

ESTIMATE_NOTE = gettext_lazy(
    "Estimation indicative, sans valeur de décision : le montant réel est fixé par la CAF "
    "(ou la MSA) et par le gestionnaire, sur les ressources qu'ils retiennent."
)

CMG_REFORM_DATE = date(2025, 9, 1)
"""Décret 2025-515 (art. D531-18 CSS): the effort-rate CMG applies to care from this date."""

CMG_REFERENCE_HOURLY_COST = Decimal("4.85")
"""Reference hourly cost of the reformed CMG (EUR). Set at 4.85 for 2025; no later value found,
so it is held constant after 2025."""

CMG_HOURLY_COST_CAP = Decimal("8")
"""Cap on the hourly cost counted by the reformed CMG for an assistant maternel (EUR, D531-18 1°).
The decree revalues it with the SMIC each 1 January; no revalued amount found, held at 8."""

CMG_FIXED_AMOUNTS_START = date(2015, 1, 1)
"""First date of the OpenFisca income ceilings for children born after 1 April 2014, the only ones
modelled (every child under 6 cared for from 2020 on was born after that date)."""

CMG_MAX_COVERED_SHARE = Decimal("0.85")
"""Before the reform the CMG covered at most 85 % of the net wage and allowances, so the family paid
at least 15 % (décret 2012-666, art. D531-18 CSS; OpenFisca ``paje_cmg`` documentation)."""

_CMG_BRACKET_AMOUNTS = (
    "paje/paje_cmg/complement_libre_choix_mode_garde/revenus_inferieurs_45_plaf.yaml",
    "paje/paje_cmg/complement_libre_choix_mode_garde/revenus_superieurs_45_plaf.yaml",
    "paje/paje_cmg/complement_libre_choix_mode_garde/revenus_superieurs_plaf.yaml",
)
_CMG_REDUCED_RATE = "paje/paje_cmg/taux_reduit.yaml"
_BMAF = "bmaf/bmaf.yaml"
_CMG_CEILINGS = {
    "first": "paje/plaf_cmg/premier_plafond_ne_adopte_apres_04_2014",
    "second": "paje/plaf_cmg/deuxieme_plafond_ne_adopte_apres_04_2014",
}


class TariffError(ValueError):
    """A request the calculators cannot answer; the message is French, for the family or agent."""


# --- PSU barème -----------------------------------------------------------------------------


@dataclass(frozen=True)
class PsuScaleRow:
    """One line of the PSU barème: an hourly effort rate and resource bounds for a family size."""

    period_start: date
    period_end: date | None
    min_children: int
    max_children: int
    hourly_rate_pct: Decimal
    resources_floor: Decimal
    resources_ceiling: Decimal

    def in_force_on(self, on: date) -> bool:
        return self.period_start <= on and (self.period_end is None or on <= self.period_end)

    def covers(self, children: int) -> bool:
        return self.min_children <= children <= self.max_children

    @property
    def period_label(self) -> str:
        if self.period_end is None:
            return _("du %(start)s sans date de fin") % {"start": formats.date(self.period_start)}
        return _("du %(start)s au %(end)s") % {
            "start": formats.date(self.period_start),
            "end": formats.date(self.period_end),
        }


@dataclass(frozen=True)
class PsuScale:
    """The whole barème, so that a lookup can say why it failed (too early, gap, too many)."""

    rows: tuple[PsuScaleRow, ...]

    def row_for(self, on: date, counted_children: int) -> PsuScaleRow:
        in_force = [row for row in self.rows if row.in_force_on(on)]
        if not in_force:
            first_start = min(row.period_start for row in self.rows)
            if on < first_start:
                raise TariffError(
                    _(
                        "Le barème PSU commence le %(start)s : "
                        "aucun tarif n'est disponible pour le %(date)s."
                    )
                    % {"start": formats.date(first_start), "date": formats.date(on)}
                )
            raise TariffError(
                _("Aucun barème PSU n'est en vigueur le %(date)s.") % {"date": formats.date(on)}
            )
        for row in in_force:
            if row.covers(counted_children):
                return row
        most = max(row.max_children for row in in_force)
        raise TariffError(
            _(
                "Le barème PSU couvre au plus %(most)s enfants à charge ; "
                "%(counted)s enfants comptés ne sont pas couverts."
            )
            % {"most": most, "counted": counted_children}
        )


def load_psu_scale() -> PsuScale:
    """The barème of the data directory in force; brackets are written ``1`` or ``4-7``."""
    return _psu_scale(data_dir() / PSU_SCALE_FILE)


@cache
def _psu_scale(path: Path) -> PsuScale:
    """Read each barème file once."""
    with path.open(encoding="utf-8", newline="") as handle:
        rows = tuple(_psu_row_from_csv(record) for record in csv.DictReader(handle))
    return PsuScale(rows)


def _psu_row_from_csv(record: dict[str, str]) -> PsuScaleRow:
    low, _, high = record["nb_enfants_a_charge"].partition("-")
    return PsuScaleRow(
        period_start=date.fromisoformat(record["period_start"]),
        period_end=date.fromisoformat(record["period_end"]) if record["period_end"] else None,
        min_children=int(low),
        max_children=int(high or low),
        hourly_rate_pct=Decimal(record["taux_effort_horaire_pct"]),
        resources_floor=Decimal(record["plancher_ressources_mensuelles_eur"]),
        resources_ceiling=Decimal(record["plafond_ressources_mensuelles_eur"]),
    )


# --- PSU price ------------------------------------------------------------------------------


class ResourcesBound(Enum):
    """Which bound of the barème replaced the family's declared resources, if any."""

    NONE = "aucun"
    FLOOR = "plancher"
    CEILING = "plafond"


@dataclass(frozen=True)
class PsuEstimate:
    """The hourly (and monthly) price of a PSU crèche place, with what it was computed from."""

    on: date
    children: int
    disabled_child: bool
    declared_resources: Decimal
    resources_used: Decimal
    bound_applied: ResourcesBound
    scale_row: PsuScaleRow
    hourly_price: Decimal
    hours_per_month: Decimal | None
    monthly_price: Decimal | None

    @property
    def hourly_rate_pct(self) -> Decimal:
        return self.scale_row.hourly_rate_pct

    @property
    def counted_children(self) -> int:
        return self.children + int(self.disabled_child)

    @property
    def lines(self) -> tuple[str, ...]:
        row = self.scale_row
        floor, ceiling = formats.euros(row.resources_floor), formats.euros(row.resources_ceiling)
        rate, price = formats.percent(self.hourly_rate_pct), formats.euros(self.hourly_price)
        lines = [
            _(
                "Barème national des participations familiales (PSU, accueil collectif) "
                "en vigueur %(period)s."
            )
            % {"period": row.period_label},
            _("Enfants à charge : %(children)s.") % {"children": self.children},
        ]
        if self.disabled_child:
            lines.append(
                _(
                    "Un enfant en situation de handicap (AEEH) vit dans la famille : "
                    "le taux appliqué est celui de %(counted)s enfants."
                )
                % {"counted": self.counted_children}
            )
        lines.append(
            _("Ressources mensuelles déclarées : %(amount)s.")
            % {"amount": formats.euros(self.declared_resources)}
        )
        if self.bound_applied is ResourcesBound.FLOOR:
            lines.append(
                _("Elles sont inférieures au plancher : le plancher de %(floor)s est retenu.")
                % {"floor": floor}
            )
        elif self.bound_applied is ResourcesBound.CEILING:
            lines.append(
                _("Elles dépassent le plafond : le plafond de %(ceiling)s est retenu.")
                % {"ceiling": ceiling}
            )
        used = formats.euros(self.resources_used)
        lines += [
            _("Ressources retenues : %(used)s (plancher %(floor)s, plafond %(ceiling)s).")
            % {"used": used, "floor": floor, "ceiling": ceiling},
            _("Taux d'effort horaire : %(rate)s des ressources mensuelles.") % {"rate": rate},
            _("Prix horaire : %(used)s × %(rate)s = %(price)s (arrondi au centime).")
            % {"used": used, "rate": rate, "price": price},
        ]
        if self.hours_per_month is not None and self.monthly_price is not None:
            lines.append(
                _("Participation mensuelle : %(price)s × %(hours)s = %(monthly)s.")
                % {
                    "price": price,
                    "hours": _fr_hours(self.hours_per_month),
                    "monthly": formats.euros(self.monthly_price),
                }
            )
        lines.append(str(ESTIMATE_NOTE))
        return tuple(lines)


def estimate_psu_price(
    on: date,
    children: int,
    monthly_resources: Decimal | int,
    *,
    hours_per_month: Decimal | int | None = None,
    disabled_child: bool = False,
) -> PsuEstimate:
    """Price a PSU crèche place on ``on`` for a family with ``children`` dependent children.

    The price is the family's monthly resources, bounded by the barème's floor and ceiling, times
    the hourly effort rate for its number of children; a disabled child (AEEH) in the family earns
    the rate of one more child. The monthly price is the hourly price *as shown to the family*
    (rounded to the cent) times the hours: that is how a crèche bills its contract hours.

    Not covered: crèches familiales and parentales, whose own (lower) schedule since
    September 2019 is not in the data, and local choices of a manager (e.g. a lower rate).
    """
    _check_children(children)
    resources = _non_negative(
        monthly_resources, _("Les ressources mensuelles ne peuvent pas être négatives.")
    )
    hours = (
        None
        if hours_per_month is None
        else _non_negative(hours_per_month, _("Le nombre d'heures ne peut pas être négatif."))
    )
    row = load_psu_scale().row_for(on, children + int(disabled_child))
    resources_used, bound = _bounded(resources, row.resources_floor, row.resources_ceiling)
    hourly_price = _round_cent(resources_used * row.hourly_rate_pct / HUNDRED)
    return PsuEstimate(
        on=on,
        children=children,
        disabled_child=disabled_child,
        declared_resources=resources,
        resources_used=resources_used,
        bound_applied=bound,
        scale_row=row,
        hourly_price=hourly_price,
        hours_per_month=hours,
        monthly_price=None if hours is None else _round_cent(hourly_price * hours),
    )


def _bounded(
    resources: Decimal, floor: Decimal, ceiling: Decimal
) -> tuple[Decimal, ResourcesBound]:
    if resources < floor:
        return floor, ResourcesBound.FLOOR
    if resources > ceiling:
        return ceiling, ResourcesBound.CEILING
    return resources, ResourcesBound.NONE


# --- CMG for an assistant maternel ----------------------------------------------------------


class CmgRule(Enum):
    """The two CMG rules: which one applies depends only on the date of care."""

    FIXED_AMOUNTS = "montants forfaitaires par tranche de revenus"
    EFFORT_RATE = "taux d'effort horaire"


@dataclass(frozen=True)
class CmgEstimate:
    """The CMG 'rémunération' part for one child cared for by an assistant maternel, a month."""

    on: date
    rule: CmgRule
    monthly_cost: Decimal
    cmg: Decimal
    remaining_cost: Decimal
    lines: tuple[str, ...]


def estimate_cmg_assistant_maternel(
    on: date,
    children: int,
    monthly_resources: Decimal | int,
    hours_per_month: Decimal | int,
    hourly_wage: Decimal | int,
    *,
    disabled_child: bool = False,
    child_aged_3_to_6: bool = False,
) -> CmgEstimate:
    """Estimate the CMG for a child cared for by an assistant maternel the family employs.

    ``children`` is the number of dependent children of the family; ``hourly_wage`` is the net
    hourly cost paid to the childminder (net wage, plus maintenance and meal allowances if they
    are to be counted). The CMG also pays the employer's social contributions (Pajemploi); that
    part is not estimated here and the cost is the net cost only.

    From 1 September 2025 the effort-rate rule applies (see :func:`_cmg_effort_rate`), before it
    the fixed amounts by income bracket (see :func:`_cmg_fixed_amounts`). Eligibility (activity of
    the parents, age limits, the AM's approval) is assumed, not checked.
    """
    _check_children(children)
    resources = _non_negative(
        monthly_resources, _("Les ressources mensuelles ne peuvent pas être négatives.")
    )
    hours = _non_negative(hours_per_month, _("Le nombre d'heures ne peut pas être négatif."))
    wage = _non_negative(hourly_wage, _("Le salaire horaire ne peut pas être négatif."))
    if on >= CMG_REFORM_DATE:
        return _cmg_effort_rate(on, children, resources, hours, wage, disabled_child)
    return _cmg_fixed_amounts(on, children, resources, hours, wage, child_aged_3_to_6)


def _cmg_effort_rate(
    on: date,
    children: int,
    resources: Decimal,
    hours: Decimal,
    wage: Decimal,
    disabled_child: bool,
) -> CmgEstimate:
    """CMG = counted cost × (1 − resources × effort rate / reference hourly cost), art. D531-18.

    The effort rate is the PSU collective rate for the family's children (one more with a
    disabled child, L531-5 III 2°). The counted hourly cost is capped at 8 EUR; what the AM earns
    above it is paid by the family alone. There is no 15 % minimum any more, and no distinction
    between children under 3 and aged 3 to 6.

    Assumptions: the law bounds the resources by a floor and a ceiling of its own, which were not
    found (secondary pages cite a ceiling of 8,500 EUR/month, unverified), so the declared
    resources are used as they are; and a negative result (resources above the point where the
    family's effort exceeds the reference cost) gives no CMG rather than a negative one.
    """
    row = load_psu_scale().row_for(on, children + int(disabled_child))
    counted_hourly = min(wage, CMG_HOURLY_COST_CAP)
    monthly_cost = _round_cent(hours * wage)
    counted_cost = hours * counted_hourly
    # One division, last: the CNAF example lands on an exact half cent (374.125 EUR).
    divisor = HUNDRED * CMG_REFERENCE_HOURLY_COST
    family_part = counted_cost * resources * row.hourly_rate_pct / divisor
    cmg = _round_cent(max(Decimal(0), counted_cost - family_part))
    remaining = monthly_cost - cmg
    reference, rate = formats.euros(CMG_REFERENCE_HOURLY_COST), formats.percent(row.hourly_rate_pct)
    counted_children = _fr_children(children + int(disabled_child))
    rate_line = (
        _(
            "Taux d'effort horaire : %(rate)s, celui du barème PSU en vigueur %(period)s pour "
            "%(children)s (enfant en situation de handicap compté en plus)."
        )
        if disabled_child
        else _(
            "Taux d'effort horaire : %(rate)s, celui du barème PSU en vigueur %(period)s pour "
            "%(children)s."
        )
    )
    lines = [
        _(
            "Règle en vigueur le %(date)s : CMG = coût mensuel retenu × (1 − ressources × "
            "taux d'effort ÷ coût horaire de référence de %(reference)s) "
            "(art. D531-18 du code de la sécurité sociale, décret 2025-515)."
        )
        % {"date": formats.date(on), "reference": reference},
        rate_line % {"rate": rate, "period": row.period_label, "children": counted_children},
        _(
            "Ressources mensuelles : %(resources)s (le plancher et le plafond de ressources "
            "propres au CMG ne sont pas appliqués : leurs montants n'ont pas été trouvés)."
        )
        % {"resources": formats.euros(resources)},
        _(
            "Part du coût retenu laissée à la famille : %(resources)s × %(rate)s ÷ "
            "%(reference)s = %(share)s."
        )
        % {
            "resources": formats.euros(resources),
            "rate": rate,
            "reference": reference,
            "share": formats.percent(
                _round_cent(resources * row.hourly_rate_pct / divisor * HUNDRED)
            ),
        },
        _("Coût mensuel de la garde : %(hours)s × %(wage)s = %(cost)s.")
        % {
            "hours": _fr_hours(hours),
            "wage": formats.euros(wage),
            "cost": formats.euros(monthly_cost),
        },
    ]
    if wage > CMG_HOURLY_COST_CAP:
        lines.append(
            _(
                "Le coût horaire retenu est plafonné à %(cap)s : coût retenu %(hours)s × "
                "%(counted_hourly)s = %(counted_cost)s ; le dépassement reste à la charge de la "
                "famille."
            )
            % {
                "cap": formats.euros(CMG_HOURLY_COST_CAP),
                "hours": _fr_hours(hours),
                "counted_hourly": formats.euros(counted_hourly),
                "counted_cost": formats.euros(_round_cent(counted_cost)),
            }
        )
    lines += _cmg_closing_lines(cmg, remaining)
    return CmgEstimate(on, CmgRule.EFFORT_RATE, monthly_cost, cmg, remaining, tuple(lines))


def _cmg_fixed_amounts(
    on: date,
    children: int,
    resources: Decimal,
    hours: Decimal,
    wage: Decimal,
    child_aged_3_to_6: bool,
) -> CmgEstimate:
    """The CMG before 1 September 2025: a monthly amount in BMAF by income bracket, capped.

    The bracket compares the family's annual income with two ceilings depending on the number of
    dependent children (OpenFisca ``plaf_cmg``, children born after 1 April 2014), with the
    OpenFisca comparison: below the first ceiling, below the second, or above. The amount
    (``complement_libre_choix_mode_garde``: the direct-employment table of art. D531-18) is
    halved for a child aged 3 to 6 and is at most 85 % of the monthly cost.

    Assumptions: the annual income is the monthly resources × 12 (the CAF uses the income of
    year N-2); the 40 % higher ceilings of a single parent, the 30 % increase for a parent
    receiving the AAH and the former cap of 5 × SMIC per day and child are not modelled.
    """
    if on < CMG_FIXED_AMOUNTS_START:
        raise TariffError(
            _("Le calcul du CMG n'est disponible qu'à partir du %(start)s.")
            % {"start": formats.date(CMG_FIXED_AMOUNTS_START)}
        )
    annual_income = resources * 12
    first_ceiling = _cmg_ceiling("first", on, children)
    second_ceiling = _cmg_ceiling("second", on, children)
    if annual_income < first_ceiling:
        bracket = 1
    elif annual_income < second_ceiling:
        bracket = 2
    else:
        bracket = 3
    bracket_coefficient = _parameter_on(_CMG_BRACKET_AMOUNTS[bracket - 1], on)
    age_factor = _parameter_on(_CMG_REDUCED_RATE, on) if child_aged_3_to_6 else Decimal(1)
    bmaf = _parameter_on(_BMAF, on)
    amount = _round_cent(bracket_coefficient * age_factor * bmaf)
    monthly_cost = _round_cent(hours * wage)
    cap = _round_cent(monthly_cost * CMG_MAX_COVERED_SHARE)
    cmg = min(amount, cap)
    remaining = monthly_cost - cmg
    amount_values = {
        "coefficient": formats.number(bracket_coefficient),
        "factor": formats.number(age_factor),
        "bmaf": formats.euros(bmaf),
        "amount": formats.euros(amount),
    }
    amount_line = (
        _(
            "Montant de la tranche : %(coefficient)s BMAF × %(factor)s (enfant de 3 à 6 ans), "
            "avec une BMAF de %(bmaf)s : %(amount)s."
        )
        if child_aged_3_to_6
        else _(
            "Montant de la tranche : %(coefficient)s BMAF, avec une BMAF de %(bmaf)s : %(amount)s."
        )
    )
    lines = [
        _(
            "Règle en vigueur le %(date)s : montants forfaitaires du CMG par tranche de "
            "revenus (art. D531-18 du code de la sécurité sociale avant le décret 2025-515)."
        )
        % {"date": formats.date(on)},
        _(
            "Revenus annuels retenus : %(resources)s × 12 = %(income)s "
            "(hypothèse : la CAF retient les revenus de l'année N-2)."
        )
        % {"resources": formats.euros(resources), "income": formats.euros(annual_income)},
        _(
            "Plafonds de revenus pour %(children)s à charge : %(first)s et %(second)s ; "
            "tranche %(bracket)s."
        )
        % {
            "children": _fr_children(children),
            "first": formats.euros(first_ceiling),
            "second": formats.euros(second_ceiling),
            "bracket": bracket,
        },
        amount_line % amount_values,
        _(
            "Coût mensuel de la garde : %(hours)s × %(wage)s = %(cost)s ; au moins 15 %% restent "
            "à la charge de la famille, le CMG ne peut dépasser %(cap)s."
        )
        % {
            "hours": _fr_hours(hours),
            "wage": formats.euros(wage),
            "cost": formats.euros(monthly_cost),
            "cap": formats.euros(cap),
        },
    ]
    lines += _cmg_closing_lines(cmg, remaining)
    return CmgEstimate(on, CmgRule.FIXED_AMOUNTS, monthly_cost, cmg, remaining, tuple(lines))


def _cmg_closing_lines(cmg: Decimal, remaining: Decimal) -> list[str]:
    """The last lines of both CMG rules: the result, what it leaves out, the estimate warning."""
    return [
        _("CMG estimé : %(cmg)s ; reste à la charge de la famille : %(remaining)s.")
        % {"cmg": formats.euros(cmg), "remaining": formats.euros(remaining)},
        _("Les cotisations sociales, prises en charge à part par le CMG, ne sont pas comptées."),
        str(ESTIMATE_NOTE),
    ]


def _cmg_ceiling(which: str, on: date, children: int) -> Decimal:
    """A CMG income ceiling: the amount for 1 or 2 children, plus an increase per extra child."""
    folder = _CMG_CEILINGS[which]
    base = _parameter_on(f"{folder}/{'enfant' if children == 1 else 'deux_enfants'}.yaml", on)
    extra = _parameter_on(f"{folder}/majoration_enfant_supp.yaml", on)
    return base + max(children - 2, 0) * extra


def _openfisca_series(relative_path: str) -> tuple[tuple[date, Decimal | None], ...]:
    """An OpenFisca parameter as (start date, value) pairs; a null value means 'not in force'."""
    return _read_openfisca_series(data_dir() / CMG_PARAMETERS_DIR / relative_path)


@cache
def _read_openfisca_series(path: Path) -> tuple[tuple[date, Decimal | None], ...]:
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    series = []
    for start, entry in document["values"].items():
        start_date = start if isinstance(start, date) else date.fromisoformat(str(start))
        value = entry["value"]
        series.append((start_date, None if value is None else Decimal(str(value))))
    return tuple(sorted(series, key=lambda pair: pair[0]))


def _parameter_on(relative_path: str, on: date) -> Decimal:
    value = None
    for start, start_value in _openfisca_series(relative_path):
        if start > on:
            break
        value = start_value
    if value is None:
        raise TariffError(
            _("Aucun paramètre du CMG n'est en vigueur le %(date)s.") % {"date": formats.date(on)}
        )
    return value


# --- checks and French formatting -----------------------------------------------------------


def _check_children(children: int) -> None:
    if isinstance(children, bool) or not isinstance(children, int) or children < 1:
        raise TariffError(_("Le nombre d'enfants à charge doit être un entier d'au moins 1."))


def _non_negative(value: Decimal | int, message: str) -> Decimal:
    amount = Decimal(value)
    if not amount.is_finite():
        raise TariffError(_("« %(value)s » n'est pas un nombre.") % {"value": value})
    if amount < 0:
        raise TariffError(message)
    return amount


def _round_cent(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def _fr_children(count: int) -> str:
    return ngettext("%(count)s enfant", "%(count)s enfants", count) % {"count": count}


def _fr_hours(hours: Decimal) -> str:
    return f"{formats.number(hours)} h"
