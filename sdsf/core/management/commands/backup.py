from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from sdsf.core.backup import BackupError, backup


class Command(BaseCommand):
    help = (
        "Sauvegarde la base PostgreSQL (pg_dump) et les documents privés des familles dans un "
        "nouveau dossier sdsf-AAAAMMJJ-HHMMSS du dossier donné ; affiche son chemin."
    )

    def add_arguments(self, parser):
        parser.add_argument("destination", type=Path, help="Dossier des sauvegardes.")
        parser.add_argument(
            "--keep-days",
            type=int,
            choices=range(1, 3661),
            metavar="JOURS",
            help="Supprime ensuite les sauvegardes de plus de JOURS jours (1 à 3660).",
        )

    def handle(self, *args, **options):
        try:
            folder = backup(options["destination"], options["keep_days"])
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(str(folder))
