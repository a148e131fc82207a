from pathlib import Path

from sdsf.core.commands import ImportCommand
from sdsf.core.imports import ImportFailed, ImportResult, RowError
from sdsf.steering.planio import import_plan


class Command(ImportCommand):
    help = (
        "Crée ou met à jour un schéma à partir d'un plan JSON (format de plan_export) ; "
        "affiche l'identifiant du schéma seul sur la dernière ligne."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="Fichier JSON du plan.")
        super().add_arguments(parser)

    def run_import(self, options) -> ImportResult:
        path = Path(options["file"])
        if not path.is_file():
            raise ImportFailed([RowError(f"fichier introuvable : {path}")], path.name)
        scheme_id, result = import_plan(path.read_bytes(), path.name, dry_run=options["dry_run"])
        if not result.dry_run:
            result.notes.append(str(scheme_id))
        return result
