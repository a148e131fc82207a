from pathlib import Path

from sdsf.core.commands import ImportCommand
from sdsf.funding.importer import import_grants


class Command(ImportCommand):
    help = (
        "Importe les subventions d'un financeur (CSV ou XLSX, une ligne par subvention et "
        "financeur : programme, operator_siren, operator_name, commune, year, funder, "
        "committed_eur, paid_eur)."
    )

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("file", type=Path, help="Fichier CSV ou XLSX des subventions.")

    def run_import(self, options):
        return import_grants(options["file"], dry_run=options["dry_run"])
