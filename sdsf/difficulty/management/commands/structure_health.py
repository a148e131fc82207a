"""``sdsf structure_health --departement D --year AAAA [--format csv|json]``."""

import json
from decimal import Decimal

import polars as pl
from django.core.management.base import BaseCommand, CommandError

from sdsf.core.downloads import safe_cell
from sdsf.difficulty.health import OUTPUT_COLUMNS
from sdsf.difficulty.service import departement_health
from sdsf.territories.models import Departement


class Command(BaseCommand):
    help = (
        "Indicateurs et signaux de chaque EAJE d'un département pour une année (taux en "
        "pourcentage arrondis au dixième ; signaux séparés par « | » ; case vide si inconnu)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--departement", required=True, help="Code du département (93, 2A…)")
        parser.add_argument("--year", required=True, type=int, help="Année (AAAA)")
        parser.add_argument("--format", choices=("csv", "json"), default="csv")

    def handle(self, *args, **options):
        code = options["departement"].strip().upper()
        if not Departement.objects.filter(code=code).exists():
            raise CommandError(f"Département inconnu : « {options['departement']} ».")
        year = options["year"]
        if not 2000 <= year <= 2100:
            raise CommandError(f"Année entre 2000 et 2100 attendue, reçu {year}.")
        rows = departement_health(code, year)
        if options["format"] == "json":
            objects = [{c: _json(row[c]) for c in OUTPUT_COLUMNS} for row in rows.to_dicts()]
            self.stdout.write(json.dumps(objects, ensure_ascii=False, indent=1))
        else:
            # Only the identifier is text a person typed: escaped like every download's cells.
            safe = rows.with_columns(
                pl.col("structure_id").map_elements(safe_cell, return_dtype=pl.String)
            )
            self.stdout.write(safe.write_csv(), ending="")


def _json(value):
    """Numbers as JSON numbers: a Decimal of one or two decimals prints back exactly."""
    return float(value) if isinstance(value, Decimal) else value
