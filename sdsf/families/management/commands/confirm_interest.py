"""``sdsf confirm_interest [--dry-run]``: asks families to confirm their pré-demande, archives
those that did not answer in time, lists those the guichet unique must call.

Run daily (cron). Idempotent (see :mod:`sdsf.families.interest`).
"""

from django.core.management.base import BaseCommand

from sdsf.families import interest


class Command(BaseCommand):
    help = (
        "Demande aux familles de confirmer leur pré-demande (SDSF_FAMILY_CONFIRMATION_MONTHS), "
        "archive celles restées sans réponse après SDSF_FAMILY_CONFIRMATION_NOTICE_DAYS jours, et "
        "liste les familles sans adresse e-mail que le guichet unique doit appeler."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="Compte sans rien envoyer ni modifier."
        )

    def handle(self, *args, **options):
        dry_run = options["dry_run"]
        result = interest.run(dry_run=dry_run)
        prefix = "[simulation] " if dry_run else ""
        self.stdout.write(
            f"{prefix}{len(result.asked)} demande(s) de confirmation envoyée(s), "
            f"{len(result.archived)} pré-demande(s) archivée(s), "
            f"{len(result.to_call)} famille(s) sans e-mail à appeler par le guichet unique."
        )
        for reference in result.to_call:
            self.stdout.write(f"  à appeler : {reference}")
