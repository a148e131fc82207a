"""``sdsf decision_signature NAME``: what an institution's decision letters print (its postal
address, signatory, contact for families, competent tribunal administratif)."""

import sys

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand

from sdsf.accounts.models import Institution

FIELDS = {
    "address": "Adresse postale (une ligne par ligne de l'adresse, séparées par « | »).",
    "signatory": "Signataire des décisions : nom et qualité.",
    "contact": "Service, téléphone ou adresse e-mail qui répond aux familles.",
    "court": "Tribunal administratif compétent (« tribunal administratif de Montreuil »).",
}


class Command(BaseCommand):
    help = (
        "Renseigne ce que les lettres de décision d'une institution (commune ou Département) "
        "impriment : adresse, signataire, contact des familles, tribunal administratif."
    )

    def add_arguments(self, parser):
        parser.add_argument("name", help="Nom exact de l'institution.")
        for field, text in FIELDS.items():
            parser.add_argument(f"--{field}", help=text)

    def handle(self, *args, **options):
        institution = Institution.objects.filter(name=options["name"]).first()
        if institution is None:
            self.stderr.write(f"Institution « {options['name']} » inconnue.")
            sys.exit(1)
        changed = [field for field in FIELDS if options[field] is not None]
        for field in changed:
            value = options[field].strip()
            setattr(institution, field, value.replace("|", "\n") if field == "address" else value)
        try:
            institution.full_clean()
        except ValidationError as error:  # a value longer than its field
            self.stderr.write(f"Valeur refusée : {'; '.join(error.messages)}")
            sys.exit(1)
        institution.save(update_fields=changed)
        for field in FIELDS:
            value = getattr(institution, field) or "(vide)"
            self.stdout.write(f"{Institution._meta.get_field(field).verbose_name} : {value}")
