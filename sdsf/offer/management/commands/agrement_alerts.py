from django.conf import settings
from django.core.mail import send_mail
from django.core.management.base import BaseCommand

from sdsf.accounts.models import Role, User
from sdsf.accounts.scope import Permission
from sdsf.core import clock
from sdsf.offer.alerts import ALERT_MONTHS, Digest, digests, expiring
from sdsf.offer.models import AssistantMaternel


class Command(BaseCommand):
    help = (
        f"Liste, par département, les agréments d'assistants maternels arrivant à échéance dans "
        f"les {ALERT_MONTHS} mois ; avec --email, envoie à chaque agent de PMI ceux de son "
        "périmètre (résumé hebdomadaire)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--departement", help="Limiter à un département (code).")
        parser.add_argument(
            "--email", action="store_true", help="Envoyer par e-mail aux agents de PMI."
        )

    def handle(self, *args, **options):
        today = clock.today()
        if options["email"]:
            self._send(today)
            return
        found = digests(today, options["departement"])
        if not found:
            self.stdout.write("Aucun agrément n'arrive à échéance dans les 6 prochains mois.")
        for digest in found:
            self.stdout.write(digest.text(today) + "\n")

    def _send(self, today):
        """One message per PMI agent, listing only the agréments of their own scope."""
        agents = User.objects.filter(is_active=True, assignments__role=Role.PMI_AGENT).distinct()
        sent = 0
        for agent in agents:
            visible = AssistantMaternel.objects.visible_to(agent, Permission.AGREMENT_ALERTS)
            assistants = list(expiring(visible, today))
            if not assistants:
                continue
            digest = Digest("Votre territoire", assistants)
            send_mail(
                f"[SDSF] {len(assistants)} agrément(s) arrivant à échéance",
                digest.text(today),
                settings.DEFAULT_FROM_EMAIL,
                [agent.email],
            )
            sent += 1
        self.stdout.write(f"{sent} message(s) envoyé(s).")
