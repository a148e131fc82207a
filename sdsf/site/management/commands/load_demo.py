from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from sdsf.site.demo import load_demo
from sdsf.territories.queries import get_departement


class Command(BaseCommand):
    help = "Charge le département de démonstration (comptes et données synthétiques signalées)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--departement", default="93", help="Code du département (93 par défaut)."
        )

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError(
                "La démonstration crée des comptes au mot de passe connu : "
                "elle ne se charge qu'avec DEBUG activé (réglages de développement)."
            )
        departement = get_departement(options["departement"])
        if departement is None:
            raise CommandError(
                f"Département inconnu : « {options['departement']} ». "
                "Lancez d'abord « sdsf import_territories »."
            )
        self.stdout.write("\n".join(load_demo(departement)))
