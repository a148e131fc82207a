from pathlib import Path

from sdsf.core.commands import ImportCommand
from sdsf.observatory.importers import import_indicator


class Command(ImportCommand):
    help = (
        "Importe un indicateur par commune (taux de pauvreté, familles monoparentales…), "
        "en colonnes numerateur et denominateur (agrégeable) ou valeur."
    )

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("file", type=Path, help="Fichier CSV ou XLSX.")
        parser.add_argument("--name", required=True, help="Nom, ex. « Taux de pauvreté ».")
        parser.add_argument("--unit", required=True, help="Unité : % ou ‰.")
        parser.add_argument("--source", required=True, help="Source, ex. « INSEE Filosofi ».")
        parser.add_argument("--year", type=int, required=True, help="Année des valeurs.")

    def run_import(self, options):
        return import_indicator(
            options["file"],
            name=options["name"],
            unit=options["unit"],
            source=options["source"],
            year=options["year"],
            dry_run=options["dry_run"],
        )
