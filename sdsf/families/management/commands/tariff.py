"""``sdsf tariff psu|cmg``: the childcare cost calculators from the command line.

A thin shell over :mod:`sdsf.families.tariffs`, for agents checking a family's estimate and for
scripts (``--format json``). A request the calculators refuse exits with code 2 and the French
reason on stderr, like any other usage error.
"""

from __future__ import annotations

import json
from argparse import ArgumentTypeError
from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.management.base import BaseCommand, CommandError, CommandParser

from sdsf.families.tariffs import (
    TariffError,
    estimate_cmg_assistant_maternel,
    estimate_psu_price,
)

USAGE_ERROR = 2


def _iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ArgumentTypeError(f"date invalide « {text} » (format attendu : AAAA-MM-JJ)") from None


def _count(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise ArgumentTypeError(f"nombre entier invalide « {text} »") from None


def _amount(text: str) -> Decimal:
    try:
        return Decimal(text.replace(",", "."))
    except InvalidOperation:
        raise ArgumentTypeError(f"nombre invalide « {text} »") from None


def _euros(amount: Decimal) -> float:
    """JSON has no decimal type; amounts already rounded to the cent survive the float."""
    return float(amount)


class Command(BaseCommand):
    help = "Estime le prix d'une place en crèche PSU ou le CMG pour un assistant maternel."
    requires_system_checks = []  # pure arithmetic on files in data/: no model, no database

    def add_arguments(self, parser: CommandParser) -> None:
        calculators = parser.add_subparsers(dest="calculator", required=True)
        psu = calculators.add_parser("psu", help="prix horaire et mensuel d'une crèche PSU")
        self._add_family_arguments(psu)
        psu.add_argument("--hours", type=_amount, help="heures d'accueil par mois")
        cmg = calculators.add_parser("cmg", help="CMG pour un assistant maternel (emploi direct)")
        self._add_family_arguments(cmg)
        cmg.add_argument("--hours", type=_amount, required=True, help="heures d'accueil par mois")
        cmg.add_argument(
            "--hourly-wage", type=_amount, required=True, help="coût horaire net (EUR)"
        )
        cmg.add_argument(
            "--child-aged-3-to-6",
            action="store_true",
            help="enfant de 3 à 6 ans (règle d'avant le 1er septembre 2025)",
        )

    @staticmethod
    def _add_family_arguments(parser: CommandParser) -> None:
        parser.add_argument("--date", type=_iso_date, required=True, help="AAAA-MM-JJ")
        parser.add_argument("--children", type=_count, required=True, help="enfants à charge")
        parser.add_argument(
            "--resources", type=_amount, required=True, help="ressources mensuelles (EUR)"
        )
        parser.add_argument(
            "--disabled-child",
            action="store_true",
            help="un enfant de la famille bénéficie de l'AEEH",
        )
        parser.add_argument("--format", choices=("text", "json"), default="text")

    def handle(self, *args, **options) -> None:
        try:
            if options["calculator"] == "psu":
                lines, payload = self._psu(options)
            else:
                lines, payload = self._cmg(options)
        except TariffError as error:
            raise CommandError(str(error), returncode=USAGE_ERROR) from error
        if options["format"] == "json":
            self.stdout.write(json.dumps(payload, ensure_ascii=False))
        else:
            self.stdout.write("\n".join(lines))

    @staticmethod
    def _psu(options: dict) -> tuple[tuple[str, ...], dict[str, float]]:
        estimate = estimate_psu_price(
            options["date"],
            options["children"],
            options["resources"],
            hours_per_month=options["hours"],
            disabled_child=options["disabled_child"],
        )
        payload = {
            "hourly_rate_pct": float(estimate.hourly_rate_pct),
            "resources_used_eur": _euros(estimate.resources_used),
            "hourly_price_eur": _euros(estimate.hourly_price),
        }
        if estimate.monthly_price is not None:
            payload["monthly_price_eur"] = _euros(estimate.monthly_price)
        return estimate.lines, payload

    @staticmethod
    def _cmg(options: dict) -> tuple[tuple[str, ...], dict[str, float]]:
        estimate = estimate_cmg_assistant_maternel(
            options["date"],
            options["children"],
            options["resources"],
            options["hours"],
            options["hourly_wage"],
            disabled_child=options["disabled_child"],
            child_aged_3_to_6=options["child_aged_3_to_6"],
        )
        payload = {
            "cmg_eur": _euros(estimate.cmg),
            "remaining_cost_eur": _euros(estimate.remaining_cost),
        }
        return estimate.lines, payload
