"""What every import command shares: ``--dry-run``, the French report and a non-zero exit."""

import sys

from django.core.management.base import BaseCommand

from sdsf.core.imports import ImportFailed, ImportResult


class ImportCommand(BaseCommand):
    """Subclasses implement :meth:`run_import`; errors never leave a traceback to the user."""

    failure_exit_code = 1  # a refused file; some commands' users expect another code

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
            sys.exit(self.failure_exit_code)
        self.stdout.write(result.summary())
