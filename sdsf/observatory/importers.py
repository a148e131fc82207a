"""Importers of the observatory's files: INSEE population and births, capacity, CNAF open data,
any per-commune indicator.

Each reads its file with :func:`sdsf.core.imports.read_table` under its published column names
(extra columns are ignored), reports every bad cell in French with line and column, and writes
all or nothing through :func:`sdsf.core.imports.apply` (``dry_run`` rolls back). Commune codes
of another COG vintage than the platform's (merged communes...) are not errors of the file:
they are skipped and listed in the report. A real import of a kind of figure removes the demo's
figures of that kind for the communes it covers, so demonstration data never mixes with real
data in one series.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import polars as pl
from django.db.models import Q
from django.utils.text import slugify

from sdsf.core.codes import normalise_departement_code, parse_commune_code
from sdsf.core.imports import (
    ImportFailed,
    ImportResult,
    Row,
    RowError,
    RowReader,
    Table,
    apply,
    parse_decimal,
    parse_int,
    read_table,
    upsert,
)
from sdsf.observatory.coverage import other_communes_residual
from sdsf.observatory.models import (
    BirthCount,
    CapacityCount,
    DataVersion,
    Indicator,
    IndicatorValue,
    PopulationCount,
    PublishedCoverage,
    PublishedLevel,
    PublishedPlaces,
)
from sdsf.territories.models import Commune

FIRST_YEAR, LAST_YEAR = 1960, 2100
MAX_LISTED_UNKNOWN = 10

CAPACITY_COLUMNS = {
    "places_eaje_psu": "eaje_psu_places",
    "places_eaje_hors_psu": "eaje_other_places",
    "places_am": "am_places",
    "places_garde_domicile": "home_care_places",
    "places_prescolarisation": "preschool_places",
}
# CNAF level suffix → level stored.
CNAF_LEVELS = {
    "com": PublishedLevel.COMMUNE,
    "epci": PublishedLevel.EPCI,
    "dep": PublishedLevel.DEPARTEMENT,
    "nat": PublishedLevel.FRANCE,
}
CAF_PLACES_COLUMNS = {
    "pl_eaje_{s}": "eaje_places",
    "pl_am_ind_{s}": "am_places",
    "pl_gad_ind_{s}": "home_care_places",
    "pl_prescol_{s}": "preschool_places",
    "tot_offre_{s}": "total_places",
}
CAF_COVERAGE_COLUMNS = {
    "txcouv_psu_col_{s}": "eaje_psu_rate",
    "txcouv_hors_psu_col_{s}": "eaje_other_rate",
    "txcouv_eaje_{s}": "eaje_rate",
    "txcouv_prescol_{s}": "preschool_rate",
    "txcouv_am_ind_{s}": "am_rate",
    "txcouv_gad_ind_{s}": "home_care_rate",
    "txcouv_ind_{s}": "individual_rate",
    "txcouv_{s}": "coverage_rate",
}
FRANCE_CODE = "FR"


# --- shared parsing -------------------------------------------------------------------------


def parse_year(text: str) -> int:
    year = parse_int(text)
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValueError(f"année entre {FIRST_YEAR} et {LAST_YEAR} attendue, reçu « {text} »")
    return year


def parse_count(text: str) -> float:
    """A count as published: non-negative, decimals allowed (INSEE estimates have some)."""
    return float(parse_decimal(text, minimum=0))


def parse_rate(text: str) -> float:
    return float(parse_decimal(text, minimum=0))


def _first_present(table: Table, *candidates: str) -> str:
    """The first of several accepted names for a column; fails on line 1 when none is there."""
    for column in candidates:
        if column in table.columns:
            return column
    raise ImportFailed(
        [RowError(f"colonne obligatoire absente ({' ou '.join(candidates)})", line=1)],
        table.source,
    )


@dataclass
class _Keys:
    """Detects repeated keys (e.g. commune and year) with the line of their first occurrence."""

    column: str
    seen: dict[tuple, int]

    def check(self, key: tuple, row: Row, errors: list[RowError]) -> None:
        if key in self.seen:
            errors.append(
                RowError(
                    f"{' '.join(map(str, key))} en double (déjà à la ligne {self.seen[key]})",
                    line=row.line,
                    column=self.column,
                )
            )
        else:
            self.seen[key] = row.line


class _CommuneFilter:
    """Keeps rows of communes the platform knows; counts the others for the report."""

    def __init__(self):
        self.known = set(Commune.objects.values_list("code", flat=True))
        self.unknown: set[str] = set()

    def accepts(self, code: str | None) -> bool:
        if code is None:
            return False
        if code not in self.known:
            self.unknown.add(code)
            return False
        return True

    def note(self, result: ImportResult) -> None:
        if not self.unknown:
            return
        listed = ", ".join(sorted(self.unknown)[:MAX_LISTED_UNKNOWN])
        more = "…" if len(self.unknown) > MAX_LISTED_UNKNOWN else ""
        result.notes.append(
            f"{len(self.unknown)} code(s) commune absent(s) du COG 2026 ignoré(s) "
            f"(commune fusionnée ou d'un autre millésime) : {listed}{more}"
        )


def _fail_if(errors: list[RowError], source: str) -> None:
    if errors:
        raise ImportFailed(errors, source)


def _save(model, objects: list, keys: tuple[str, ...], fields: list[str], result) -> None:
    """Upsert by natural key (e.g. commune and year): reuse the primary key of existing rows."""
    if not objects:
        return
    years = {obj.year for obj in objects}
    existing = {
        tuple(values[:-1]): values[-1]
        for values in model.objects.filter(year__in=years).values_list(*keys, "pk")
    }
    for obj in objects:
        obj.pk = existing.get(tuple(getattr(obj, key) for key in keys))
    upsert(model, objects, fields, result)


def _remove_demo(model, commune_codes: Iterable[str], result: ImportResult) -> None:
    removed, _ = model.objects.filter(is_demo=True, commune_id__in=list(commune_codes)).delete()
    if removed:
        result.notes.append(
            f"{removed} donnée(s) de démonstration remplacée(s) par les données importées."
        )


def _finish(result: ImportResult, communes: _CommuneFilter | None = None) -> ImportResult:
    if communes is not None:
        communes.note(result)
    DataVersion.bump()
    return result


# --- INSEE population and births ------------------------------------------------------------


def import_population(file: str | Path | IO[bytes], year: int, *, dry_run=False) -> ImportResult:
    """INSEE ``base-ic-evol-struct-pop-YYYY``: ``CODGEO``, ``PYY_POP0002`` (children aged 0-2)
    and, when present, ``PYY_POP`` (population), YY being the census year's last two digits."""
    table = read_table(file)
    yy = f"{year % 100:02d}"
    children_column, population_column = f"P{yy}_POP0002", f"P{yy}_POP"
    table.require("CODGEO", children_column)
    has_population = population_column in table.columns
    errors: list[RowError] = []
    communes = _CommuneFilter()
    keys = _Keys("CODGEO", {})
    objects = []
    for row in table.rows:
        cells = RowReader(row, errors)
        code = cells.cell("CODGEO", parse_commune_code)
        children = cells.cell(children_column, parse_count)
        population = (
            cells.cell(population_column, parse_count, required=False) if has_population else None
        )
        if code:
            keys.check((code,), row, errors)
        if communes.accepts(code):
            objects.append(
                PopulationCount(
                    commune_id=code,
                    year=year,
                    children_under_3=children,
                    population=population,
                    source=f"INSEE {table.source}",
                )
            )
    _fail_if(errors, table.source)

    def write() -> ImportResult:
        result = ImportResult()
        _remove_demo(PopulationCount, [o.commune_id for o in objects], result)
        fields = ["children_under_3", "population", "source", "is_demo"]
        _save(PopulationCount, objects, ("commune_id", "year"), fields, result)
        return _finish(result, communes)

    return apply(write, dry_run=dry_run)


def import_births(file: str | Path | IO[bytes], year: int, *, dry_run=False) -> ImportResult:
    """INSEE births by commune of residence: ``CODGEO`` and ``NAISDYY`` for the year."""
    table = read_table(file)
    births_column = f"NAISD{year % 100:02d}"
    table.require("CODGEO", births_column)
    errors: list[RowError] = []
    communes = _CommuneFilter()
    keys = _Keys("CODGEO", {})
    objects = []
    for row in table.rows:
        cells = RowReader(row, errors)
        code = cells.cell("CODGEO", parse_commune_code)
        births = cells.cell(births_column, parse_count)
        if code:
            keys.check((code,), row, errors)
        if communes.accepts(code) and births is not None:
            objects.append(
                BirthCount(
                    commune_id=code, year=year, births=births, source=f"INSEE {table.source}"
                )
            )
    _fail_if(errors, table.source)

    def write() -> ImportResult:
        result = ImportResult()
        _remove_demo(BirthCount, [o.commune_id for o in objects], result)
        fields = ["births", "source", "is_demo"]
        _save(BirthCount, objects, ("commune_id", "year"), fields, result)
        return _finish(result, communes)

    return apply(write, dry_run=dry_run)


# --- capacity -------------------------------------------------------------------------------


def import_capacity(file: str | Path | IO[bytes], *, dry_run=False) -> ImportResult:
    """Places per commune and year by component; an empty cell leaves the registry's count."""
    table = read_table(file)
    table.require("code_commune", "annee", *CAPACITY_COLUMNS)
    errors: list[RowError] = []
    communes = _CommuneFilter()
    keys = _Keys("annee", {})
    objects = []
    for row in table.rows:
        cells = RowReader(row, errors)
        code = cells.cell("code_commune", parse_commune_code)
        year = cells.cell("annee", parse_year)
        places = {
            field: cells.cell(column, parse_count, required=False)
            for column, field in CAPACITY_COLUMNS.items()
        }
        if not any(row.get(column) for column in CAPACITY_COLUMNS):
            cells.error(None, "aucune place renseignée sur la ligne")
        if code and year:
            keys.check((code, year), row, errors)
        if communes.accepts(code) and year:
            objects.append(
                CapacityCount(commune_id=code, year=year, source=f"Import {table.source}", **places)
            )
    _fail_if(errors, table.source)

    def write() -> ImportResult:
        result = ImportResult()
        _remove_demo(CapacityCount, [o.commune_id for o in objects], result)
        fields = [*CAPACITY_COLUMNS.values(), "source", "is_demo"]
        _save(CapacityCount, objects, ("commune_id", "year"), fields, result)
        return _finish(result, communes)

    return apply(write, dry_run=dry_run)


# --- CNAF open data -------------------------------------------------------------------------


def _cnaf_suffix(table: Table, patterns: Iterable[str], suffixes: Iterable[str]) -> str:
    """The level suffix (com, epci, dep, nat) whose columns the file has."""
    for suffix in suffixes:
        if any(pattern.format(s=suffix) in table.columns for pattern in patterns):
            return suffix
    expected = ", ".join(p.format(s="com|epci|dep") for p in list(patterns)[:2])
    raise ImportFailed(
        [RowError(f"colonnes CNAF introuvables (attendu par exemple {expected})", line=1)],
        table.source,
    )


def _published_code(cells: RowReader, column: str, level: str) -> str | None:
    if level == PublishedLevel.FRANCE:
        return FRANCE_CODE
    if level == PublishedLevel.COMMUNE:
        return cells.cell(column, parse_commune_code)
    code = cells.cell(column)
    if code and level == PublishedLevel.DEPARTEMENT:
        code = normalise_departement_code(code)
    return code


def import_caf_places(file: str | Path | IO[bytes], *, dry_run=False) -> ImportResult:
    """CNAF ``nbpla_pe_com|epci|dep``: places by kind of care, per territory and year.

    Commune rows exist only for communes above 10,000 inhabitants; the report points out EPCI
    whose listed communes hold more places than the EPCI itself (files that disagree).
    """
    table = read_table(file)
    suffix = _cnaf_suffix(table, CAF_PLACES_COLUMNS, ("com", "epci", "dep"))
    level = CNAF_LEVELS[suffix]
    key_column, name_column = f"num{suffix}", f"nom{suffix}"
    table.require("annee", key_column, *(c.format(s=suffix) for c in CAF_PLACES_COLUMNS))
    errors: list[RowError] = []
    keys = _Keys(key_column, {})
    objects = []
    for row in table.rows:
        cells = RowReader(row, errors)
        code = _published_code(cells, key_column, level)
        year = cells.cell("annee", parse_year)
        counts = {
            field: cells.cell(column.format(s=suffix), parse_count, required=False)
            for column, field in CAF_PLACES_COLUMNS.items()
        }
        if code and year:
            keys.check((code, year), row, errors)
        parent = cells.cell("numepci", required=False, default="") if suffix == "com" else ""
        objects.append(
            PublishedPlaces(
                level=level,
                code=code,
                year=year,
                name=cells.cell(name_column, required=False, default=""),
                parent_code=parent,
                source=f"CNAF {table.source}",
                **counts,
            )
        )
    _fail_if(errors, table.source)

    def write() -> ImportResult:
        result = ImportResult()
        fields = ["name", "parent_code", *CAF_PLACES_COLUMNS.values(), "source", "is_demo"]
        _save(PublishedPlaces, objects, ("level", "code", "year"), fields, result)
        _note_inconsistent_residuals({o.year for o in objects}, result)
        return _finish(result)

    return apply(write, dry_run=dry_run)


def _note_inconsistent_residuals(years: set[int], result: ImportResult) -> None:
    """EPCI whose listed communes hold more places than the EPCI: the files disagree."""
    residuals = caf_residuals(years=years)
    wrong = residuals.filter(~pl.col("is_consistent"))
    if wrong.height:
        listed = ", ".join(
            f"{code} ({year})" for code, year in wrong.select("epci_code", "year").rows()
        )
        result.notes.append(
            "Attention : les communes listées comptent plus de places que leur EPCI pour "
            f"{wrong.height} EPCI et année(s) : {listed}"
        )


def caf_residuals(years: Iterable[int] | None = None, epci_codes=None) -> pl.DataFrame:
    """The CNAF "other communes" residual of each EPCI and year (``other_communes_residual``)."""
    columns = list(CAF_PLACES_COLUMNS.values())
    rows = PublishedPlaces.objects.filter(level__in=[PublishedLevel.EPCI, PublishedLevel.COMMUNE])
    if years is not None:
        rows = rows.filter(year__in=list(years))
    if epci_codes is not None:
        codes = list(epci_codes)
        rows = rows.filter(
            Q(level=PublishedLevel.EPCI, code__in=codes)
            | Q(level=PublishedLevel.COMMUNE, parent_code__in=codes)
        )
    values = list(rows.values("level", "code", "parent_code", "year", *columns))
    schema = {"code": pl.String, "parent_code": pl.String, "level": pl.String, "year": pl.Int64}
    frame = pl.DataFrame(values, schema=schema | dict.fromkeys(columns, pl.Float64))
    groups = frame.filter(pl.col("level") == PublishedLevel.EPCI).select(
        pl.col("code").alias("epci_code"), "year", *columns
    )
    listed = frame.filter(
        (pl.col("level") == PublishedLevel.COMMUNE) & (pl.col("parent_code") != "")
    ).select(
        pl.col("code").alias("commune_code"),
        pl.col("parent_code").alias("epci_code"),
        "year",
        *columns,
    )
    return other_communes_residual(groups, listed, columns)


_OLD_COVERAGE_FILE = re.compile(r"(?i)tauxcouv_?(\d{4})")


def import_caf_coverage(
    file: str | Path | IO[bytes], *, year: int | None = None, dry_run=False
) -> ImportResult:
    """CNAF ``txcouv_pe_com|epci|dep|nat`` files, and the older yearly ``TAUXCOUV20xx.csv``.

    The older files have no ``annee`` column: the year comes from ``year`` or the file name.
    """
    table = read_table(file)
    if "txcouv_com" in table.columns or any(c.startswith("txcouv_") for c in table.columns):
        suffix = _cnaf_suffix(table, ["txcouv_{s}"], CNAF_LEVELS)
        key_column, name_column = f"num{suffix}", f"nom{suffix}"
        rate_columns = {c.format(s=suffix): f for c, f in CAF_COVERAGE_COLUMNS.items()}
    else:
        suffix = _cnaf_suffix(table, ["tauxcouv_{s}"], ("com", "epci", "dep"))
        key_column, name_column = f"NUM_{suffix.upper()}", f"NOM_{suffix.upper()}"
        rate_columns = {f"tauxcouv_{suffix}": "coverage_rate"}
    level = CNAF_LEVELS[suffix]
    global_column = next(c for c, f in rate_columns.items() if f == "coverage_rate")
    required = [global_column] if level == PublishedLevel.FRANCE else [key_column, global_column]
    table.require(*required)
    file_year = _coverage_year(table, year)
    errors: list[RowError] = []
    keys = _Keys(key_column if level != PublishedLevel.FRANCE else "annee", {})
    objects = []
    for row in table.rows:
        cells = RowReader(row, errors)
        code = _published_code(cells, key_column, level)
        row_year = cells.cell("annee", parse_year) if file_year is None else file_year
        rates = {
            field: cells.cell(column, parse_rate, required=False)
            for column, field in rate_columns.items()
            if column in table.columns
        }
        if code and row_year:
            keys.check((code, row_year), row, errors)
        objects.append(
            PublishedCoverage(
                level=level,
                code=code,
                year=row_year,
                name=cells.cell(name_column, required=False, default=""),
                source=f"CNAF {table.source}",
                **rates,
            )
        )
    _fail_if(errors, table.source)

    def write() -> ImportResult:
        result = ImportResult()
        fields = ["name", *CAF_COVERAGE_COLUMNS.values(), "source", "is_demo"]
        _save(PublishedCoverage, objects, ("level", "code", "year"), fields, result)
        return _finish(result)

    return apply(write, dry_run=dry_run)


def _coverage_year(table: Table, year: int | None) -> int | None:
    """None when rows carry their year (``annee``); else the given or file-name year."""
    if "annee" in table.columns:
        return None
    if year is not None:
        return year
    match = _OLD_COVERAGE_FILE.search(table.source)
    if match:
        return int(match.group(1))
    raise ImportFailed(
        [
            RowError(
                "colonne « annee » absente : indiquez l'année avec --year "
                "(ou nommez le fichier TAUXCOUVAAAA.csv)",
                line=1,
            )
        ],
        table.source,
    )


# --- any per-commune indicator --------------------------------------------------------------


def import_indicator(
    file: str | Path | IO[bytes],
    *,
    name: str,
    unit: str,
    source: str,
    year: int,
    dry_run=False,
) -> ImportResult:
    """A per-commune indicator, as ``valeur`` or, better, ``numerateur`` and ``denominateur``.

    Numerator and denominator let the platform pool the indicator at every level; a value
    alone can only be shown for communes. The indicator is named by ``slugify(name)``.
    """
    slug = slugify(name)
    if not slug:
        raise ImportFailed([RowError("nom d'indicateur vide")])
    table = read_table(file)
    code_column = _first_present(table, "code_commune", "CODGEO")
    pooled = "numerateur" in table.columns or "denominateur" in table.columns
    if pooled:
        table.require("numerateur", "denominateur")
    else:
        _first_present(table, "valeur", "numerateur")
    errors: list[RowError] = []
    communes = _CommuneFilter()
    keys = _Keys(code_column, {})
    rows = []
    for row in table.rows:
        cells = RowReader(row, errors)
        code = cells.cell(code_column, parse_commune_code)
        if pooled:
            figures = {
                "numerator": cells.cell("numerateur", parse_count),
                "denominator": cells.cell("denominateur", parse_count),
            }
        else:
            figures = {"value": cells.cell("valeur", lambda t: float(parse_decimal(t)))}
        if code:
            keys.check((code,), row, errors)
        if communes.accepts(code):
            rows.append((code, figures))
    _fail_if(errors, table.source)

    def write() -> ImportResult:
        result = ImportResult()
        indicator, created = Indicator.objects.get_or_create(
            slug=slug, defaults={"name": name, "unit": unit, "source": source}
        )
        if indicator.is_demo:
            removed, _ = indicator.values.all().delete()
            result.notes.append(
                f"{removed} valeur(s) de démonstration de l'indicateur remplacée(s)."
            )
        Indicator.objects.filter(pk=indicator.pk).update(
            name=name, unit=unit, source=source, is_demo=False
        )
        objects = [
            IndicatorValue(indicator=indicator, commune_id=code, year=year, **figures)
            for code, figures in rows
        ]
        existing = dict(
            IndicatorValue.objects.filter(indicator=indicator, year=year).values_list(
                "commune_id", "pk"
            )
        )
        for obj in objects:
            obj.pk = existing.get(obj.commune_id)
        upsert(IndicatorValue, objects, ["value", "numerator", "denominator"], result)
        if created:
            result.notes.append(f"Nouvel indicateur « {name} » (identifiant {slug}).")
        return _finish(result, communes)

    return apply(write, dry_run=dry_run)
