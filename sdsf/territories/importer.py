"""Loads the Code officiel géographique (COG 2026) and the shipped commune and département
boundaries.

The files are those of ``data/cog`` and ``data/geo`` (see ``data/SOURCES.md``). The import is
idempotent (upsert by official code) and atomic: one wrong line and nothing is written.
"""

import json
from dataclasses import replace
from pathlib import Path

from django.conf import settings

from sdsf.core.codes import parse_commune_code
from sdsf.core.imports import (
    ImportFailed,
    ImportResult,
    RowError,
    RowReader,
    Table,
    apply,
    check_unique,
    parse_int,
    read_table,
    upsert,
)
from sdsf.territories.geometry import centroid
from sdsf.territories.models import Commune, Departement, DepartementOutline, Epci, Ept, Region


def cog_dir() -> Path:
    """The shipped COG files, under ``settings.DATA_DIR`` as it is when the import runs."""
    return settings.DATA_DIR / "cog"


def _read(path: Path, *columns: str) -> Table:
    table = read_table(path)
    table.require(*columns)
    return table


def _departement_geometries() -> dict[str, dict]:
    """The départements' outlines (simplified), drawn under the maps."""
    path = settings.DATA_DIR / "geo" / "departements-avec-outre-mer.geojson"
    features = json.loads(path.read_text(encoding="utf-8"))["features"]
    return {feature["properties"]["code"]: feature["geometry"] for feature in features}


def _regions_and_departements(table: Table, errors: list[RowError]):
    regions: dict[str, Region] = {}
    departements = []
    check_unique(table, "code_departement", errors)
    for row in table.rows:
        cells = RowReader(row, errors)
        region_code = cells.cell("code_region")
        regions.setdefault(region_code, Region(code=region_code, name=cells.cell("nom_region")))
        departements.append(
            Departement(
                code=cells.cell("code_departement"),
                name=cells.cell("nom_departement"),
                region_id=region_code,
                chef_lieu=cells.cell("chef_lieu"),
                zone=cells.cell("zone"),
            )
        )
    return list(regions.values()), departements


def _epcis(table: Table, errors: list[RowError]) -> list[Epci]:
    check_unique(table, "code_epci", errors)
    kinds = set(Epci.Kind.values)
    epcis = []
    for row in table.rows:
        cells = RowReader(row, errors)
        kind = cells.cell("type_epci")
        if kind and kind not in kinds:
            cells.error("type_epci", f"type d'EPCI inconnu « {kind} »")
        epcis.append(
            Epci(
                code=cells.cell("code_epci"),
                name=cells.cell("nom_epci"),
                kind=kind,
                financing=cells.cell("mode_financement", required=False, default=""),
                population=cells.cell("population_municipale", parse_int, default=0),
            )
        )
    return epcis


def _epts(table: Table, errors: list[RowError]) -> tuple[list[Ept], dict[str, str]]:
    epts: dict[str, Ept] = {}
    ept_of_commune: dict[str, str] = {}
    for row in table.rows:
        cells = RowReader(row, errors)
        code = cells.cell("code_ept")
        epts.setdefault(code, Ept(code=code, name=cells.cell("nom_ept")))
        ept_of_commune[cells.cell("code_commune", parse_commune_code)] = code
    return list(epts.values()), ept_of_commune


def _geometries() -> dict[str, dict]:
    geometries = {}
    for path in sorted((settings.DATA_DIR / "geo").glob("communes-*.geojson")):
        for feature in json.loads(path.read_text(encoding="utf-8"))["features"]:
            geometries[feature["properties"]["code"]] = feature["geometry"]
    return geometries


def _communes(
    table: Table,
    errors: list[RowError],
    departements: set[str],
    epcis: set[str],
    ept_of_commune: dict[str, str],
) -> list[Commune]:
    check_unique(table, "code_commune", errors)
    geometries = _geometries()
    communes = []
    for row in table.rows:
        cells = RowReader(row, errors)
        code = cells.cell("code_commune", parse_commune_code)
        departement = cells.cell("code_departement")
        if departement and departement not in departements:
            cells.error("code_departement", f"département inconnu « {departement} »")
        epci = cells.cell("code_epci", required=False, default=None)
        if epci and epci not in epcis:
            cells.error("code_epci", f"EPCI inconnu « {epci} »")
        geometry = geometries.get(code)
        lat, lon = centroid(geometry) if geometry else (None, None)
        communes.append(
            Commune(
                code=code,
                name=cells.cell("nom_commune"),
                kind=cells.cell("type"),
                departement_id=departement,
                epci_id=epci,
                ept_id=ept_of_commune.get(code),
                population=cells.cell("population", parse_int, required=False),
                postal_codes=cells.cell("codes_postaux", required=False, default=""),
                geometry=geometry,
                centroid_lat=lat,
                centroid_lon=lon,
            )
        )
    return communes


def import_territories(directory: Path | None = None, *, dry_run: bool = False) -> ImportResult:
    """Validates every file first, then writes everything in one transaction. ``directory``
    holds the COG files (by default :func:`cog_dir`)."""
    cog = directory or cog_dir()
    tables = {
        "departements": _read(
            cog / "departements_cog2026.csv",
            "code_departement",
            "nom_departement",
            "code_region",
            "nom_region",
            "chef_lieu",
            "zone",
        ),
        "epci": _read(
            cog / "epci_cog2026.csv",
            "code_epci",
            "nom_epci",
            "type_epci",
            "population_municipale",
        ),
        "ept": _read(cog / "ept_grand_paris_communes.csv", "code_ept", "nom_ept", "code_commune"),
        "communes": _read(
            cog / "communes_cog2026_epci.csv",
            "code_commune",
            "nom_commune",
            "type",
            "code_departement",
            "code_epci",
            "population",
            "codes_postaux",
        ),
    }
    errors: list[RowError] = []

    def build(name: str, builder, *args):
        found: list[RowError] = []
        built = builder(tables[name], found, *args)
        errors.extend(replace(error, source=tables[name].source) for error in found)
        return built

    regions, departements = build("departements", _regions_and_departements)
    geometries = _departement_geometries()
    outlines = [
        DepartementOutline(departement_id=d.code, geometry=geometries[d.code])
        for d in departements
        if d.code in geometries
    ]
    epcis = build("epci", _epcis)
    epts, ept_of_commune = build("ept", _epts)
    communes = build(
        "communes",
        _communes,
        {d.code for d in departements},
        {e.code for e in epcis},
        ept_of_commune,
    )
    if errors:
        raise ImportFailed(errors)

    def write() -> ImportResult:
        result = ImportResult()
        upsert(Region, regions, ["name"], result)
        upsert(Departement, departements, ["name", "region_id", "chef_lieu", "zone"], result)
        upsert(DepartementOutline, outlines, ["geometry"], result)
        upsert(Epci, epcis, ["name", "kind", "financing", "population"], result)
        upsert(Ept, epts, ["name"], result)
        upsert(
            Commune,
            communes,
            [
                "name",
                "kind",
                "departement_id",
                "epci_id",
                "ept_id",
                "population",
                "postal_codes",
                "geometry",
                "centroid_lat",
                "centroid_lon",
            ],
            result,
        )
        return result

    return apply(write, dry_run=dry_run)
