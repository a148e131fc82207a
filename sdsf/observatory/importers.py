"""Importers of the observatory's files: INSEE population and births, capacity, CNAF open data,
any per-commune indicator.

Each file is described once, as a :class:`Spec`: the model it fills, its columns (name, field,
parser), the values every row shares, the key a file may not repeat and the natural key a stored
row is matched on. :func:`_run` does the rest for all of them: it reads the file with
:func:`sdsf.core.imports.read_table` under its published column names (extra columns are
ignored), reports every bad cell in French with line and column, and writes all or nothing
through :func:`sdsf.core.imports.apply` (``dry_run`` rolls back). Commune codes of another COG
vintage than the platform's (merged communes...) are not errors of the file: they are skipped and
listed in the report. A real import of a kind of figure removes the demo's figures of that kind
for the communes it covers, so demonstration data never mixes with real data in one series.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import polars as pl
from django.db import models
from django.db.models import Q
from django.utils.text import slugify

from sdsf.core.codes import normalise_departement_code, parse_commune_code
from sdsf.core.imports import (
    Column,
    ImportFailed,
    ImportResult,
    Repeats,
    RowError,
    RowReader,
    Table,
    apply,
    parse_decimal,
    parse_int,
    read_table,
    require_columns,
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


# --- cell parsers ---------------------------------------------------------------------------


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


def parse_value(text: str) -> float:
    return float(parse_decimal(text))


def _counts(columns: Mapping[str, str]) -> list[Column]:
    """Optional cells of counts, ``{column: field}``."""
    return [Column(c, f, parse_count, required=False) for c, f in columns.items()]


# --- the spec and its reader ----------------------------------------------------------------


@dataclass(frozen=True)
class Spec:
    """What one kind of file holds and where it goes."""

    model: type[models.Model]
    columns: list[Column]
    unique_column: str  # where a repeated ``unique`` is reported
    unique: tuple[str, ...] = ("commune_id",)  # the fields whose values a file may not repeat
    keys: tuple[str, ...] = ("commune_id", "year")  # a stored row's natural key (upsert)
    fixed: dict[str, Any] = field(default_factory=dict)  # what every row shares (its year...)
    source: str | None = None  # "INSEE": every row's source is "INSEE <file name>"
    communes: bool = False  # rows of communes unknown to the platform are skipped and listed
    replaces_demo: bool = False  # the demo's rows of the file's communes are removed
    also_replaced: tuple[str, ...] = ()  # stored fields this file lacks, emptied on update
    check: Callable[[RowReader], None] | None = None  # a rule across the row's cells

    def fields(self) -> list[str]:
        """The stored fields a re-import compares and replaces."""
        read = [c.field for c in self.columns if c.field not in self.keys]
        extra = ["source", "is_demo"] if self.source else []
        return list(dict.fromkeys([*read, *self.also_replaced, *extra]))


@dataclass(frozen=True)
class WebImport:
    """An import from the web: only the rows of the uploader's territory are kept.

    National files are the norm (INSEE and CNAF publish every commune of France), so rows of
    other territories are not errors: they are skipped and counted in the report. Published
    national figures (CNAF ``_nat``) belong to no territory and are kept. ``on_written`` and
    ``progress`` as for the offer's web import (:func:`sdsf.core.imports.apply`).
    """

    communes: frozenset[str]
    epcis: frozenset[str]
    departements: frozenset[str]
    on_written: Callable[[ImportResult], None] | None = None
    progress: Any = None  # sdsf.offer.importers.common.Progress

    @classmethod
    def of_departements(cls, codes: Iterable[str], **options) -> WebImport:
        communes = Commune.objects.filter(departement__in=list(codes))
        return cls(
            communes=frozenset(communes.values_list("code", flat=True)),
            epcis=frozenset(
                communes.exclude(epci=None).values_list("epci_id", flat=True).distinct()
            ),
            departements=frozenset(codes),
            **options,
        )

    def accepts(self, values: dict) -> bool:
        level = values.get("level")
        if level is None or level == PublishedLevel.COMMUNE:
            return values.get("commune_id", values.get("code")) in self.communes
        if level == PublishedLevel.EPCI:
            return values["code"] in self.epcis
        if level == PublishedLevel.DEPARTEMENT:
            return values["code"] in self.departements
        return True


class _RowFilter:
    """Keeps rows of communes the platform knows, inside the uploader's territory on the web;
    counts the others for the report."""

    def __init__(self, communes: bool, web: WebImport | None):
        self.known = set(Commune.objects.values_list("code", flat=True)) if communes else None
        self.web = web
        self.unknown: set[str] = set()
        self.outside = 0

    def accepts(self, values: dict) -> bool:
        if self.known is not None:
            code = values["commune_id"]
            if code is None:
                return False
            if code not in self.known:
                self.unknown.add(code)
                return False
        if self.web is not None and not self.web.accepts(values):
            self.outside += 1
            return False
        return True

    def note(self, result: ImportResult) -> None:
        if self.outside:
            result.notes.append(
                f"{self.outside} ligne(s) d'autres territoires que les vôtres ignorée(s)."
            )
        if not self.unknown:
            return
        listed = ", ".join(sorted(self.unknown)[:MAX_LISTED_UNKNOWN])
        more = "…" if len(self.unknown) > MAX_LISTED_UNKNOWN else ""
        result.notes.append(
            f"{len(self.unknown)} code(s) commune absent(s) du COG 2026 ignoré(s) "
            f"(commune fusionnée ou d'un autre millésime) : {listed}{more}"
        )


PROGRESS_EVERY = 2000  # rows between two progress reports of a web import


def _read(spec: Spec, table: Table, web: WebImport | None) -> tuple[list[models.Model], _RowFilter]:
    """The file's rows as unsaved objects, or :class:`ImportFailed` with every bad cell."""
    require_columns(table, spec.columns)
    errors: list[RowError] = []
    kept = _RowFilter(spec.communes, web)
    repeats = Repeats(spec.unique_column)
    source = {"source": f"{spec.source} {table.source}"} if spec.source else {}
    progress = web.progress if web is not None else None
    objects = []
    for number, row in enumerate(table.rows):
        if progress is not None and number % PROGRESS_EVERY == 0:
            progress.rows(number, len(table.rows))
        cells = RowReader(row, errors)
        values = spec.fixed | {c.field: c.read(cells) for c in spec.columns}
        if spec.check is not None:
            spec.check(cells)
        key = tuple(values[name] for name in spec.unique)
        if all(key):
            repeats.check(key, row, errors)
        if kept.accepts(values):
            objects.append(spec.model(**values, **source))
    if errors:
        raise ImportFailed(errors, table.source)
    return objects, kept


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


Hook = Callable[[list, ImportResult], None]


def _run(
    spec: Spec,
    table: Table,
    *,
    dry_run: bool,
    web: WebImport | None = None,
    before: Hook | None = None,
    after: Hook | None = None,
) -> ImportResult:
    """Reads the whole file, then writes it in one transaction: ``before`` and ``after`` run
    there, around the upsert, for what one kind of file adds (its indicator, a check)."""
    objects, kept = _read(spec, table, web)
    if web is not None and web.progress is not None:
        web.progress.writing()

    def write() -> ImportResult:
        result = ImportResult()
        if spec.replaces_demo:
            _remove_demo(spec.model, [o.commune_id for o in objects], result)
        if before is not None:
            before(objects, result)
        _save(spec.model, objects, spec.keys, spec.fields(), result)
        if after is not None:
            after(objects, result)
        kept.note(result)
        DataVersion.bump()
        return result

    return apply(write, dry_run=dry_run, on_written=web.on_written if web else None)


def _first_present(table: Table, *candidates: str) -> str:
    """The first of several accepted names for a column; fails on line 1 when none is there."""
    for column in candidates:
        if column in table.columns:
            return column
    raise ImportFailed(
        [RowError(f"colonne obligatoire absente ({' ou '.join(candidates)})", line=1)],
        table.source,
    )


# --- INSEE population and births ------------------------------------------------------------


def import_population(
    file: str | Path | IO[bytes], year: int, *, dry_run=False, web: WebImport | None = None
) -> ImportResult:
    """INSEE ``base-ic-evol-struct-pop-YYYY``: ``CODGEO``, ``PYY_POP0002`` (children aged 0-2)
    and, when present, ``PYY_POP`` (population), YY being the census year's last two digits."""
    yy = f"{year % 100:02d}"
    spec = Spec(
        PopulationCount,
        [
            Column("CODGEO", "commune_id", parse_commune_code),
            Column(f"P{yy}_POP0002", "children_under_3", parse_count),
            Column(f"P{yy}_POP", "population", parse_count, required=False, in_file=False),
        ],
        unique_column="CODGEO",
        fixed={"year": year},
        source="INSEE",
        communes=True,
        replaces_demo=True,
    )
    return _run(spec, read_table(file), dry_run=dry_run, web=web)


def import_births(
    file: str | Path | IO[bytes], year: int, *, dry_run=False, web: WebImport | None = None
) -> ImportResult:
    """INSEE births by commune of residence: ``CODGEO`` and ``NAISDYY`` for the year."""
    spec = Spec(
        BirthCount,
        [
            Column("CODGEO", "commune_id", parse_commune_code),
            Column(f"NAISD{year % 100:02d}", "births", parse_count),
        ],
        unique_column="CODGEO",
        fixed={"year": year},
        source="INSEE",
        communes=True,
        replaces_demo=True,
    )
    return _run(spec, read_table(file), dry_run=dry_run, web=web)


# --- capacity -------------------------------------------------------------------------------


def _some_places(cells: RowReader) -> None:
    if not any(cells.row.get(column) for column in CAPACITY_COLUMNS):
        cells.error(None, "aucune place renseignée sur la ligne")


CAPACITY = Spec(
    CapacityCount,
    [
        Column("code_commune", "commune_id", parse_commune_code),
        Column("annee", "year", parse_year),
        *_counts(CAPACITY_COLUMNS),
    ],
    unique_column="annee",
    unique=("commune_id", "year"),
    source="Import",
    communes=True,
    replaces_demo=True,
    check=_some_places,
)


def import_capacity(
    file: str | Path | IO[bytes], *, dry_run=False, web: WebImport | None = None
) -> ImportResult:
    """Places per commune and year by component; an empty cell leaves the registry's count."""
    return _run(CAPACITY, read_table(file), dry_run=dry_run, web=web)


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


def _published_code(column: str, level: str) -> list[Column]:
    """The territory's code cell, checked as the level's codes are (none for France)."""
    if level == PublishedLevel.FRANCE:
        return []
    parse = {
        PublishedLevel.COMMUNE: parse_commune_code,
        PublishedLevel.DEPARTEMENT: normalise_departement_code,
    }.get(level, str)
    return [Column(column, "code", parse)]


def _optional_text(column: str, name: str) -> Column:
    return Column(column, name, required=False, in_file=False, default="")


def _cnaf_spec(
    model, level: str, columns: list[Column], unique_column: str, *, year=None, **options
) -> Spec:
    """A CNAF file of one level: its rows keyed by territory code and year (``year`` when the
    file gives it for every row)."""
    fixed = {"level": level}
    if level == PublishedLevel.FRANCE:
        fixed["code"] = FRANCE_CODE
    if year is not None:
        fixed["year"] = year
    return Spec(
        model,
        columns,
        unique_column=unique_column,
        unique=("code", "year"),
        keys=("level", "code", "year"),
        fixed=fixed,
        source="CNAF",
        **options,
    )


def import_caf_places(
    file: str | Path | IO[bytes], *, dry_run=False, web: WebImport | None = None
) -> ImportResult:
    """CNAF ``nbpla_pe_com|epci|dep``: places by kind of care, per territory and year.

    Commune rows exist only for communes above 10,000 inhabitants; the report points out EPCI
    whose listed communes hold more places than the EPCI itself (files that disagree).
    """
    table = read_table(file)
    suffix = _cnaf_suffix(table, CAF_PLACES_COLUMNS, ("com", "epci", "dep"))
    key_column = f"num{suffix}"
    places = {c.format(s=suffix): f for c, f in CAF_PLACES_COLUMNS.items()}
    parent = [_optional_text("numepci", "parent_code")] if suffix == "com" else []
    columns = [
        *_published_code(key_column, CNAF_LEVELS[suffix]),
        Column("annee", "year", parse_year),
        *_counts(places),
        *parent,
        _optional_text(f"nom{suffix}", "name"),
    ]
    spec = _cnaf_spec(
        PublishedPlaces, CNAF_LEVELS[suffix], columns, key_column, also_replaced=("parent_code",)
    )
    return _run(spec, table, dry_run=dry_run, web=web, after=_note_inconsistent_residuals)


def _note_inconsistent_residuals(objects: list[PublishedPlaces], result: ImportResult) -> None:
    """EPCI whose listed communes hold more places than the EPCI: the files disagree."""
    residuals = caf_residuals(years={o.year for o in objects})
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
    file: str | Path | IO[bytes],
    *,
    year: int | None = None,
    dry_run=False,
    web: WebImport | None = None,
) -> ImportResult:
    """CNAF ``txcouv_pe_com|epci|dep|nat`` files, and the older yearly ``TAUXCOUV20xx.csv``.

    The older files have no ``annee`` column: the year comes from ``year`` or the file name.
    They give the global rate only; a file with any ``txcouv_`` column is of the newer kind.
    """
    table = read_table(file)
    if "txcouv_com" in table.columns or any(c.startswith("txcouv_") for c in table.columns):
        suffix = _cnaf_suffix(table, ["txcouv_{s}"], CNAF_LEVELS)
        key_column, name_column = f"num{suffix}", f"nom{suffix}"
        global_column = f"txcouv_{suffix}"
    else:
        suffix = _cnaf_suffix(table, ["tauxcouv_{s}"], ("com", "epci", "dep"))
        key_column, name_column = f"NUM_{suffix.upper()}", f"NOM_{suffix.upper()}"
        global_column = f"tauxcouv_{suffix}"
    level = CNAF_LEVELS[suffix]
    rates = [
        Column(global_column, f, parse_rate, required=False)
        if f == "coverage_rate"
        else Column(c.format(s=suffix), f, parse_rate, required=False, in_file=False)
        for c, f in CAF_COVERAGE_COLUMNS.items()
    ]
    code = _published_code(key_column, level)
    require_columns(table, [*code, *rates])  # before the year: a wrong file says so first
    file_year = _coverage_year(table, year)
    year_cell = [Column("annee", "year", parse_year)] if file_year is None else []
    columns = [*code, *year_cell, *rates, _optional_text(name_column, "name")]
    unique_column = key_column if level != PublishedLevel.FRANCE else "annee"
    spec = _cnaf_spec(PublishedCoverage, level, columns, unique_column, year=file_year)
    return _run(spec, table, dry_run=dry_run, web=web)


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
                "colonne « annee » absente : indiquez l'année du fichier (champ « Année », "
                "--year en ligne de commande) ou nommez le fichier TAUXCOUVAAAA.csv",
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
    web: WebImport | None = None,
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
    if "numerateur" in table.columns or "denominateur" in table.columns:
        figures = [
            Column("numerateur", "numerator", parse_count),
            Column("denominateur", "denominator", parse_count),
        ]
    else:
        _first_present(table, "valeur", "numerateur")
        figures = [Column("valeur", "value", parse_value)]
    spec = Spec(
        IndicatorValue,
        [Column(code_column, "commune_id", parse_commune_code), *figures],
        unique_column=code_column,
        keys=("indicator_id", "commune_id", "year"),
        fixed={"year": year},
        communes=True,
        also_replaced=("value", "numerator", "denominator"),
    )

    def attach(objects: list[IndicatorValue], result: ImportResult) -> None:
        """The indicator, created or renamed, its demo values replaced by the file's."""
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
        for value in objects:
            value.indicator = indicator
        if created:
            result.notes.append(f"Nouvel indicateur « {name} » (identifiant {slug}).")

    return _run(spec, table, dry_run=dry_run, web=web, before=attach)
