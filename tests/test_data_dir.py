"""Shipped data files are found under ``settings.DATA_DIR`` as it is when they are read, not
when a module is imported: an installation (or a test) that moves the data directory is obeyed."""

import json
import shutil
from datetime import date

import pytest
from django.conf import settings
from django.test import override_settings

from sdsf.allocation.demo import create_round
from sdsf.allocation.models import PointsGrid
from sdsf.families.tariffs import load_psu_scale
from sdsf.offer.models import Capacity, Section
from sdsf.territories.importer import import_territories
from sdsf.territories.models import Commune, Departement
from tests.factories import make_structure


@pytest.fixture
def moved_data(tmp_path):
    """An empty data directory; a test copies into it the files it changes."""
    target = tmp_path / "data"
    target.mkdir()
    return target


def _copy(moved_data, name: str):
    shutil.copytree(settings.DATA_DIR / name, moved_data / name)
    return moved_data / name


@pytest.mark.django_db
def test_territories_import_reads_the_moved_cog(moved_data):
    communes = _copy(moved_data, "cog") / "communes_cog2026_epci.csv"
    communes.write_text(
        communes.read_text(encoding="utf-8").replace("Aubervilliers", "Auber"), encoding="utf-8"
    )
    (moved_data / "geo").symlink_to(settings.DATA_DIR / "geo")
    with override_settings(DATA_DIR=moved_data):
        result = import_territories(dry_run=True)
    assert result.updated == 1
    assert Commune.objects.get(code="93001").name == "Aubervilliers"


def test_psu_scale_is_read_from_the_moved_data(moved_data):
    scale = _copy(moved_data, "psu") / "bareme_participations_familiales_accueil_collectif.csv"
    header, first, *others = scale.read_text(encoding="utf-8").splitlines()
    assert others  # the shipped barème has several rows
    scale.write_text(f"{header}\n{first}\n", encoding="utf-8")
    shipped = len(load_psu_scale().rows)
    with override_settings(DATA_DIR=moved_data):
        assert len(load_psu_scale().rows) == 1
    assert len(load_psu_scale().rows) == shipped


@pytest.mark.django_db
def test_demo_round_reads_the_moved_grid(moved_data):
    grid = _copy(moved_data, "grids") / "pessac-2022.json"
    published = json.loads(grid.read_text(encoding="utf-8"))
    grid.write_text(json.dumps(published | {"name": "Grille déplacée"}), encoding="utf-8")
    structure = make_structure(is_demo=True)
    Capacity.objects.create(
        structure=structure, section=Section.BABIES, places=4, start=date(2025, 1, 1)
    )
    with override_settings(DATA_DIR=moved_data):
        create_round(Departement.objects.get(code="93"))
    assert PointsGrid.objects.filter(name="Grille de démonstration (Grille déplacée)").exists()
