import json

from django.core.management.base import BaseCommand, CommandError

from sdsf.core import clock
from sdsf.core.downloads import write_csv
from sdsf.core.imports import parse_date
from sdsf.publicservice.authorities import commune_rows
from sdsf.publicservice.obligations import COLUMNS
from sdsf.territories.models import Departement


class Command(BaseCommand):
    help = (
        "Obligations de chaque commune d'un département comme autorité organisatrice de "
        "l'accueil du jeune enfant (article L214-1-3 CASF) : recensement, information, "
        "planification et qualité (plus de 3 500 habitants), schéma pluriannuel et relais petite "
        "enfance (plus de 10 000), selon la population de la commune ou de son EPCI quand la "
        "compétence lui a été transférée."
    )

    def add_arguments(self, parser):
        parser.add_argument("--departement", required=True, help="Code du département (93, 2A…).")
        parser.add_argument("--date", help="AAAA-MM-JJ (par défaut : aujourd'hui).")
        parser.add_argument("--format", choices=["csv", "json"], default="csv")

    def handle(self, *args, **options):
        code = options["departement"].strip().upper().zfill(2)
        if not Departement.objects.filter(pk=code).exists():
            raise CommandError(f"Département inconnu : « {options['departement']} ».")
        try:
            on = parse_date(options["date"]) if options["date"] else clock.today()
        except ValueError as exc:
            raise CommandError(f"--date : {exc}") from None
        rows = [{column: row[column] for column in COLUMNS} for row in commune_rows(code, on)]
        if options["format"] == "json":
            self.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2))
            return
        write_csv(self.stdout, COLUMNS, rows)
