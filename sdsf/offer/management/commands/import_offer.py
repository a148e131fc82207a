from pathlib import Path

from sdsf.core import clock
from sdsf.core.commands import ImportCommand
from sdsf.offer.importing import IMPORTERS, KIND_LABELS, import_offer


class Command(ImportCommand):
    help = (
        "Importe un fichier du registre de l'offre (CSV ou XLSX, colonnes décrites dans "
        "docs/imports.md) : " + ", ".join(f"{k} = {v}" for k, v in KIND_LABELS.items()) + "."
    )

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--kind", required=True, choices=list(IMPORTERS))
        parser.add_argument("file", type=Path, help="Fichier CSV (; ou ,) ou XLSX.")

    def run_import(self, options):
        return import_offer(
            options["kind"],
            options["file"],
            dry_run=options["dry_run"],
            today=clock.today(),
        )
