import json

from django.core.management.base import BaseCommand, CommandError

from sdsf.core.downloads import write_csv
from sdsf.territories.queries import commune_rows, get_departement

COLUMNS = ["code", "name", "epci_code", "epci_name", "ept_code", "population"]


class Command(BaseCommand):
    help = "Liste les communes d'un département (CSV ou JSON sur la sortie standard)."

    def add_arguments(self, parser):
        parser.add_argument("--departement", required=True, help="Code du département, ex. 93.")
        parser.add_argument("--format", choices=["csv", "json"], default="csv")

    def handle(self, *args, **options):
        departement = get_departement(options["departement"])
        if departement is None:
            raise CommandError(
                f"Département inconnu : « {options['departement']} ». "
                "Avez-vous lancé « sdsf import_territories » ?"
            )
        rows = commune_rows(departement)
        if options["format"] == "json":
            self.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2))
            return
        write_csv(self.stdout, COLUMNS, rows)
