"""``sdsf load_grid FILE``: creates or replaces a published points grid (see data/grids/)."""

import sys
from pathlib import Path

from django.core.management.base import BaseCommand

from sdsf.allocation.grids import load_grid
from sdsf.core.imports import ImportFailed


class Command(BaseCommand):
    help = "Charge une grille de points publiée (fichier JSON, voir data/grids/)."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="Fichier JSON de la grille.")

    def handle(self, *args, **options):
        try:
            grid = load_grid(options["file"])
        except ImportFailed as failure:
            self.stderr.write(failure.report())
            sys.exit(1)
        self.stdout.write(f"Grille « {grid.name} » chargée : {grid.criteria.count()} critère(s).")
