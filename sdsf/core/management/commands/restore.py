from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from sdsf.core.backup import BackupError, restore


class Command(BaseCommand):
    help = (
        "Restaure une sauvegarde (sdsf backup) dans une base PostgreSQL vide du même serveur et "
        "les documents dans un dossier vide, puis vérifie que chaque table a le même nombre de "
        "lignes et chaque document le même contenu que dans la sauvegarde."
    )

    def add_arguments(self, parser):
        parser.add_argument("source", type=Path, help="Dossier sdsf-AAAAMMJJ-HHMMSS.")
        parser.add_argument("--database", required=True, help="Base vide (createdb).")
        parser.add_argument(
            "--documents", type=Path, required=True, help="Dossier (absent ou vide)."
        )

    def handle(self, *args, **options):
        try:
            result = restore(options["source"], options["database"], options["documents"])
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(result.summary())
