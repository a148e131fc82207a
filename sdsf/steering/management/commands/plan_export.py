from django.core.management.base import BaseCommand, CommandError

from sdsf.steering.models import Scheme
from sdsf.steering.planio import dumps, export_plan


class Command(BaseCommand):
    help = "Affiche le plan complet d'un schéma (axes, actions, repères, indicateurs) en JSON."

    def add_arguments(self, parser):
        parser.add_argument("--scheme", type=int, required=True, help="Identifiant du schéma.")
        parser.add_argument("--format", choices=["json"], default="json", help="Format (json).")

    def handle(self, *args, **options):
        scheme = Scheme.objects.filter(pk=options["scheme"]).first()
        if scheme is None:
            known = ", ".join(f"{s.pk} ({s})" for s in Scheme.objects.all()) or "aucun"
            raise CommandError(f"Schéma {options['scheme']} introuvable. Schémas : {known}.")
        self.stdout.write(dumps(export_plan(scheme)), ending="")
