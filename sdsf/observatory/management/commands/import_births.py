from pathlib import Path

from sdsf.core.commands import ImportCommand
from sdsf.observatory.importers import import_births


class Command(ImportCommand):
    help = "Importe les naissances domiciliées par commune (INSEE, colonnes CODGEO et NAISDAA)."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("file", type=Path, help="Fichier CSV ou XLSX de l'INSEE.")
        parser.add_argument("--year", type=int, required=True, help="Année des naissances.")

    def run_import(self, options):
        return import_births(options["file"], options["year"], dry_run=options["dry_run"])
