"""``sdsf proposal_deadlines [--date YYYY-MM-DD]``: reminders, then expiry of proposals.

Run daily (cron). Idempotent: a reminder is sent once per proposal (``reminder_sent_at``) and
an expired proposal is no longer pending.
"""

import sys
from datetime import date

from django.conf import settings
from django.core.management.base import BaseCommand

from sdsf.allocation import answers
from sdsf.core import clock


class Command(BaseCommand):
    help = (
        "Rappelle aux familles les propositions à échéance proche, puis clôt les propositions "
        "sans réponse dans le délai (la place revient à la commission suivante)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--date", help="Jour de référence (AAAA-MM-JJ), aujourd'hui par défaut."
        )

    def handle(self, *args, **options):
        today = clock.today()
        if options["date"]:
            try:
                today = date.fromisoformat(options["date"])
            except ValueError:
                self.stderr.write(f"Date « {options['date']} » illisible : AAAA-MM-JJ attendu.")
                sys.exit(2)
        reminded = answers.send_reminders(today, settings.SDSF_PROPOSAL_REMINDER_DAYS)
        expired = answers.expire(today)
        self.stdout.write(
            f"{reminded} rappel(s) envoyé(s), {expired} proposition(s) expirée(s) sans réponse."
        )
