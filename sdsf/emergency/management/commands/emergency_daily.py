"""``sdsf emergency_daily [--date AAAA-MM-JJ] [--dry-run]``: each morning, for every open
emergency period, matches the day's children to the places declared and sends the proposals;
closes the periods whose last day has passed and deletes the personal data of closed periods
past ``SDSF_EMERGENCY_RETENTION_DAYS``. Run daily (deploy/sdsf-daily.service)."""

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from sdsf.core import clock
from sdsf.emergency import retention, service
from sdsf.emergency.models import EmergencyPeriod


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"Date invalide : {text!r} (attendu AAAA-MM-JJ).") from None


class Command(BaseCommand):
    help = (
        "Apparie les demandes d'accueil d'urgence du jour aux places déclarées et envoie les "
        "propositions ; clôt les périodes terminées et supprime leurs données personnelles "
        "après SDSF_EMERGENCY_RETENTION_DAYS jours."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--date", type=_date, help="Jour à apparier (par défaut : aujourd'hui)."
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Compte sans apparier ni supprimer."
        )

    def handle(self, *args, **options):
        day = options["date"] or clock.today()
        dry_run = options["dry_run"]
        for period in EmergencyPeriod.objects.open_on(day).order_by("pk"):
            if dry_run:
                self.stdout.write(f"{period.title} : appariement du {day:%d/%m/%Y} à lancer")
                continue
            figure = service.run_day(period, day)
            sent = service.notify_day(period, day)
            self.stdout.write(
                f"{period.title} : {figure.matched} enfant(s) sur {figure.children_requested} "
                f"avec une place le {day:%d/%m/%Y}, {sent} famille(s) prévenue(s) par e-mail"
            )
        if not dry_run:
            closed = retention.close_ended(day)
            self.stdout.write(f"périodes closes (dernier jour passé) : {closed}")
        verb = "à supprimer" if dry_run else "supprimées"
        purged = retention.purge(day, dry_run=dry_run)
        self.stdout.write(f"demandes d'accueil d'urgence {verb} (durée de conservation) : {purged}")
