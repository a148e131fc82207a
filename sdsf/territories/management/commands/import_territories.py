from pathlib import Path

from sdsf.core.commands import ImportCommand
from sdsf.territories.importer import import_territories


class Command(ImportCommand):
    help = (
        "Importe le Code officiel géographique 2026 (régions, départements, EPCI, EPT, communes)."
    )

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--cog-dir",
            type=Path,
            help="Dossier des fichiers COG (par défaut, ceux livrés dans data/cog).",
        )

    def run_import(self, options):
        return import_territories(options["cog_dir"], dry_run=options["dry_run"])
