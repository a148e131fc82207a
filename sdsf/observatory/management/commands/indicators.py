import json

from django.core.management.base import BaseCommand, CommandError

from sdsf.core.downloads import write_csv
from sdsf.observatory.coverage import LEVELS
from sdsf.observatory.models import DEMO_LABEL
from sdsf.observatory.service import ROW_COLUMNS, indicator_table, territory, text_row


class Command(BaseCommand):
    help = (
        "Taux de couverture des besoins d'accueil des moins de 3 ans et ses composantes, "
        "une ligne par territoire (CSV ou JSON sur la sortie standard)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--level", choices=LEVELS, required=True, help="Niveau territorial.")
        parser.add_argument("--code", help="Code d'un territoire (tous ceux du niveau sinon).")
        parser.add_argument("--year", type=int, required=True, help="Année.")
        parser.add_argument("--format", choices=["csv", "json"], default="csv")

    def handle(self, *args, **options):
        level, code = options["level"], options["code"]
        if code is not None and territory(level, code) is None:
            raise CommandError(f"Territoire inconnu : {level} « {code} ».")
        rows = indicator_table(level, options["year"], code)
        if not rows:
            self.stderr.write(f"Aucune donnée importée pour {options['year']}.")
        if any(row["is_demo"] for row in rows):
            self.stderr.write(f"Attention : {DEMO_LABEL} dans ces chiffres.")
        if options["format"] == "json":
            data = [{c: row[c] for c in ROW_COLUMNS} for row in rows]
            self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2))
            return
        write_csv(self.stdout, ROW_COLUMNS, (text_row(row) for row in rows))
