"""``sdsf purge_personal_data [--dry-run]``: deletes the families' data whose retention period
is over (``SDSF_FAMILY_RETENTION``, see :mod:`sdsf.families.retention`). Run daily (cron)."""

from django.core.management.base import BaseCommand

from sdsf.families import retention


class Command(BaseCommand):
    help = (
        "Supprime les pré-demandes closes, les brouillons jamais déposés et les pièces des "
        "pré-demandes closes dont la durée de conservation (SDSF_FAMILY_RETENTION) est passée."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Compte sans rien supprimer.")

    def handle(self, *args, **options):
        result = retention.purge(dry_run=options["dry_run"])
        verb = "à supprimer" if options["dry_run"] else "supprimé(e)s"
        for kind in retention.KINDS:
            self.stdout.write(f"{retention.LABELS[kind]} {verb} : {result.counts[kind]}")
        self.stdout.write(f"fichiers {verb} : {result.files}")
