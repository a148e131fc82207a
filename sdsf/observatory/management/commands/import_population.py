from pathlib import Path

from sdsf.core.commands import ImportCommand
from sdsf.observatory.importers import import_population


class Command(ImportCommand):
    help = (
        "Importe le fichier INSEE de population par âge (base-ic-evol-struct-pop) : "
        "enfants de moins de 3 ans (PAA_POP0002) et population par commune."
    )

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("file", type=Path, help="Fichier CSV ou XLSX de l'INSEE.")
        parser.add_argument("--year", type=int, required=True, help="Année du recensement.")

    def run_import(self, options):
        return import_population(options["file"], options["year"], dry_run=options["dry_run"])
