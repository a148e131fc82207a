"""``sdsf import_activity FILE [--dry-run]``: the yearly activity and accounts of EAJE."""

from sdsf.core.commands import ImportCommand
from sdsf.difficulty.importers import import_activity
from sdsf.offer.models import Structure


class Command(ImportCommand):
    help = (
        "Importe l'activité et les comptes annuels des structures (CSV ou XLSX, colonnes "
        "structure_id, year, places, opening_days, opening_hours_per_day, hours_realised, "
        "hours_invoiced, children_enrolled, staff_costs_eur, total_costs_eur, total_income_eur)."
    )
    failure_exit_code = 2

    def add_arguments(self, parser):
        parser.add_argument("file")
        super().add_arguments(parser)

    def run_import(self, options):
        return import_activity(options["file"], Structure.objects.all(), dry_run=options["dry_run"])
