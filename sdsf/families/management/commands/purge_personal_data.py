"""``sdsf purge_personal_data [--dry-run]``: deletes the personal data whose retention period is
over: the families' data (``SDSF_FAMILY_RETENTION``, see :mod:`sdsf.families.retention`) and the
audit events (``SDSF_AUDIT_RETENTION_MONTHS``, see :mod:`sdsf.audit.retention`), with the login
lockout's expired rows. Run daily (cron)."""

from django.core.management.base import BaseCommand

from sdsf.audit import retention as audit_retention
from sdsf.families import retention


class Command(BaseCommand):
    help = (
        "Supprime les pré-demandes closes, les brouillons jamais déposés, les pièces des "
        "pré-demandes closes (SDSF_FAMILY_RETENTION) et les événements du journal d'audit "
        "(SDSF_AUDIT_RETENTION_MONTHS) dont la durée de conservation est passée."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Compte sans rien supprimer.")

    def handle(self, *args, **options):
        result = retention.purge(dry_run=options["dry_run"])
        audit = audit_retention.purge(dry_run=options["dry_run"])
        verb = "à supprimer" if options["dry_run"] else "supprimé(e)s"
        for kind in retention.KINDS:
            self.stdout.write(f"{retention.LABELS[kind]} {verb} : {result.counts[kind]}")
        self.stdout.write(f"fichiers {verb} : {result.files}")
        self.stdout.write(f"événements du journal d'audit {verb} : {audit.events}")
