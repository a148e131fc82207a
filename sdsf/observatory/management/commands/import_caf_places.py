from pathlib import Path

from sdsf.core.commands import ImportCommand
from sdsf.observatory.importers import import_caf_places


class Command(ImportCommand):
    help = "Importe les places publiées par la CNAF (nbpla_pe_com, nbpla_pe_epci, nbpla_pe_dep)."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("file", type=Path, help="Fichier CSV ou XLSX de la CNAF.")

    def run_import(self, options):
        return import_caf_places(options["file"], dry_run=options["dry_run"])
