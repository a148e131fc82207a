from pathlib import Path

from sdsf.core.commands import ImportCommand
from sdsf.observatory.importers import import_capacity


class Command(ImportCommand):
    help = (
        "Importe les places d'accueil par commune, année et mode d'accueil ; une cellule vide "
        "laisse le décompte du registre de l'offre au 1er janvier."
    )

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("file", type=Path, help="Fichier CSV ou XLSX.")

    def run_import(self, options):
        return import_capacity(options["file"], dry_run=options["dry_run"])
