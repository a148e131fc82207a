from pathlib import Path

from sdsf.core.commands import ImportCommand
from sdsf.observatory.importers import import_caf_coverage


class Command(ImportCommand):
    help = (
        "Importe les taux de couverture publiés par la CNAF (txcouv_pe_com, _epci, _dep, _nat, "
        "ou les anciens fichiers TAUXCOUVAAAA.csv)."
    )

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("file", type=Path, help="Fichier CSV ou XLSX de la CNAF.")
        parser.add_argument(
            "--year",
            type=int,
            help="Année des taux, pour les anciens fichiers sans colonne « annee ».",
        )

    def run_import(self, options):
        return import_caf_coverage(
            options["file"], year=options["year"], dry_run=options["dry_run"]
        )
