"""``sdsf funding_summary --level commune|epci|departement [--code X] --year AAAA
[--by funder|programme] [--format csv|json]``: committed and paid sums per territory and funder
(or programme), on standard output. Amounts are exact (text with two decimals in JSON)."""

import json

from django.core.management.base import BaseCommand, CommandError

from sdsf.core.codes import normalise_commune_code, normalise_departement_code
from sdsf.core.downloads import write_csv
from sdsf.funding.models import MAX_YEAR, MIN_YEAR
from sdsf.funding.queries import LEVEL_MODELS, summary
from sdsf.funding.summary import GROUPINGS, LEVELS

FORMATS = ("csv", "json")
NORMALISE = {
    "commune": normalise_commune_code,
    "epci": str.strip,
    "departement": normalise_departement_code,
}


def _refuse(message: str):
    raise CommandError(message, returncode=2)


class Command(BaseCommand):
    help = (
        "Sommes engagées et versées par territoire (commune, EPCI, département) et par financeur "
        "ou programme, pour une année (CSV ou JSON sur la sortie standard)."
    )

    def add_arguments(self, parser):
        # Checked by hand, not by argparse's choices: the errors are French, with exit code 2.
        parser.add_argument("--level", required=True, help="commune, epci ou departement.")
        parser.add_argument("--code", help="Code d'un territoire du niveau (sinon tous).")
        parser.add_argument("--year", required=True, help="Année (AAAA).")
        parser.add_argument("--by", default="funder", help="funder (défaut) ou programme.")
        parser.add_argument("--format", default="csv", help="csv (défaut) ou json.")

    def handle(self, *args, **options):
        level, by, fmt = options["level"], options["by"], options["format"]
        if level not in LEVELS:
            _refuse(f"Niveau « {level} » inconnu : commune, epci ou departement attendu.")
        if by not in GROUPINGS:
            _refuse(f"Regroupement « {by} » inconnu : funder ou programme attendu.")
        if fmt not in FORMATS:
            _refuse(f"Format « {fmt} » inconnu : csv ou json attendu.")
        text = options["year"].strip()
        if not (text.isdigit() and MIN_YEAR <= int(text) <= MAX_YEAR):
            _refuse(f"Année « {text} » invalide : une année entre {MIN_YEAR} et {MAX_YEAR}.")
        code = options["code"]
        if code is not None:
            code = NORMALISE[level](code)
            if not LEVEL_MODELS[level].objects.filter(code=code).exists():
                _refuse(f"Code « {options['code']} » inconnu au niveau {level} (COG).")
        frame = summary(level, int(text), by=by, code=code)
        columns = ["level", "code", "year", by, "committed_eur", "paid_eur"]
        rows = [
            {
                **row,
                "committed_eur": f"{row['committed_eur']:.2f}",
                "paid_eur": f"{row['paid_eur']:.2f}",
            }
            for row in frame.iter_rows(named=True)
        ]
        if fmt == "json":
            self.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2))
            return
        write_csv(self.stdout, columns, rows)
