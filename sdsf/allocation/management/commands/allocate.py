"""``sdsf allocate``: the allocation command, as a Django management command.

A thin wrapper: options and behaviour live in :mod:`sdsf.allocation.cli`,
which stays free of Django so it can also run as
``python -m sdsf.allocation.cli`` without Django's start-up time.
"""

from django.core.management.base import BaseCommand, CommandError

from sdsf.allocation import cli


class Command(BaseCommand):
    help = "Attribue les places en crèche (fichiers CSV)."
    # System checks import every URL and view, which this command never uses.
    requires_system_checks = []

    def add_arguments(self, parser):
        cli.add_arguments(parser)

    def handle(self, *args, **options):
        status = cli.run(
            places=options["places"],
            applications=options["applications"],
            bonuses=options["bonuses"],
            seed=options["seed"],
            out=options["out"],
            explain_to=options["explain"],
            summary_to=options["summary"],
            time_limit=options["time_limit"],
        )
        if status:
            raise CommandError("aucun fichier écrit.", returncode=status)
