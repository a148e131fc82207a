import json

from django.core.management.base import BaseCommand, CommandError

from sdsf.core import clock
from sdsf.core.downloads import write_csv
from sdsf.core.imports import parse_date
from sdsf.offer.counts import COUNT_COLUMNS, LEVELS, offer_counts

COLUMNS = ["level", "code", "name", "date", *COUNT_COLUMNS]


class Command(BaseCommand):
    help = (
        "Places d'accueil par composante à une date (EAJE PSU, autres EAJE, assistants maternels "
        "actifs et leurs places), par commune, EPCI ou département."
    )

    def add_arguments(self, parser):
        parser.add_argument("--level", choices=LEVELS, required=True)
        parser.add_argument("--code", help="Code du territoire ; sans lui, tous ceux du niveau.")
        parser.add_argument("--date", help="AAAA-MM-JJ (par défaut : aujourd'hui).")
        parser.add_argument("--format", choices=["csv", "json"], default="csv")

    def handle(self, *args, **options):
        try:
            on = parse_date(options["date"]) if options["date"] else clock.today()
        except ValueError as exc:
            raise CommandError(f"--date : {exc}") from None
        rows = offer_counts(options["level"], options["code"], on)
        if options["code"] and not rows:
            raise CommandError(f"Territoire inconnu : {options['level']} « {options['code']} ».")
        if options["format"] == "json":
            self.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2))
            return
        write_csv(self.stdout, COLUMNS, rows)
