"""What every command shares: the import base (``--dry-run``, French report, non-zero exit) and
the one-line French error, instead of a traceback, when the database cannot be reached."""

import sys
from collections.abc import Callable

from django.core.management.base import BaseCommand
from django.db import InterfaceError, OperationalError

from sdsf.core.imports import ImportFailed, ImportResult

DATABASE_UNREACHABLE_EXIT = 3
DATABASE_UNREACHABLE = (
    "Base de données injoignable : vérifiez DATABASE_URL et que le serveur de base de données "
    "est démarré ; rien n'a été fait."
)


def run_reporting_database_errors(command: Callable[[], object]) -> None:
    """Runs ``command`` (a whole ``sdsf …`` invocation); an unreachable database ends it with
    one French line on standard error and exit code 3, which scripts and cron can test."""
    try:
        command()
    except (OperationalError, InterfaceError):
        sys.stderr.write(f"{DATABASE_UNREACHABLE}\n")
        sys.exit(DATABASE_UNREACHABLE_EXIT)


class ImportCommand(BaseCommand):
    """Subclasses implement :meth:`run_import`; errors never leave a traceback to the user."""

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Vérifie le fichier sans rien enregistrer.",
        )

    def run_import(self, options: dict) -> ImportResult:
        raise NotImplementedError

    def handle(self, *args, **options):
        try:
            result = self.run_import(options)
        except ImportFailed as failure:
            self.stderr.write(failure.report())
            sys.exit(1)
        self.stdout.write(result.summary())
