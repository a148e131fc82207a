from django.core.management.base import BaseCommand

from sdsf.offer.availability import send_reminders


class Command(BaseCommand):
    help = (
        "Envoie à chaque assistant maternel en activité et à chaque EAJE ou MAM ouvert ayant une "
        "adresse e-mail un lien signé (sans mot de passe) pour confirmer ou mettre à jour ses "
        "places disponibles. À lancer chaque mois (cron)."
    )

    def handle(self, *args, **options):
        sent = send_reminders()
        self.stdout.write(f"{sent} rappel(s) envoyé(s).")
