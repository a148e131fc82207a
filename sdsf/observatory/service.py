"""The observatory's one way from the database to figures: load counts, call the core, return rows.

Views, the API, commands, exports and PDFs all ask an :class:`Observatory` (one per request or
command), which loads only the communes a question needs and keeps what it loaded for the
other questions of the same request. The reference figures (départements, régions, France)
need every commune of France: they are computed once and kept in the cache until the next
import (:class:`~sdsf.observatory.models.DataVersion`) or ``SDSF_OBSERVATORY_CACHE_SECONDS``,
after which changes of the offer registry show too.

Where the figures come from, per commune, year and component (each figure keeps its source):

1. children under 3: the INSEE import (``import_population``) of that year;
2. places: the imported count (``import_capacity``) where the file gives the component;
3. otherwise, for EAJE and childminders, the offer registry's count on 1 January of the year
   (:func:`sdsf.offer.counts.commune_counts`), in départements where the registry holds that
   kind of offer (elsewhere its silence means "unknown", not "none");
4. otherwise unknown (null): the core leaves the commune out of the rate and says so.
"""

from __future__ import annotations

import datetime
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property

import polars as pl
from django.core.cache import cache
from django.db.models import QuerySet

from sdsf.core import formats
from sdsf.observatory import conf, coverage
from sdsf.observatory.coverage import CHILDREN, COMPONENTS, COVERAGE_RATE, TOTAL_PLACES
from sdsf.observatory.models import (
    CapacityCount,
    DataVersion,
    Indicator,
    IndicatorValue,
    PopulationCount,
    PublishedCoverage,
    PublishedLevel,
)
from sdsf.territories.models import Commune, Departement, Epci, Ept, Region
from sdsf.territories.queries import LEVEL_FILTER

FIELDS = (CHILDREN, *COMPONENTS)
# The command's, the API's and the exports' columns, in this order.
ROW_COLUMNS = (
    "level",
    "code",
    "name",
    "year",
    CHILDREN,
    *("eaje_psu_places", "eaje_other_places", "am_places", "home_care_places"),
    "preschool_places",
    TOTAL_PLACES,
    COVERAGE_RATE,
    "published_coverage_rate",
)
PAGE_LEVELS = ("commune", "epci", "ept", "departement")
REFERENCE_LEVELS = ("departement", "region", "france")
PUBLISHED_LEVEL = {
    "commune": PublishedLevel.COMMUNE,
    "epci": PublishedLevel.EPCI,
    "departement": PublishedLevel.DEPARTEMENT,
    "france": PublishedLevel.FRANCE,
}
REGISTRY_COMPONENTS = ("eaje_psu_places", "eaje_other_places", "am_places")
LEVEL_LABELS = {
    "commune": "Commune",
    "epci": "EPCI",
    "ept": "EPT",
    "departement": "Département",
    "region": "Région",
    "france": "France",
}
COMPONENT_LABELS = {
    "eaje_psu_places": "EAJE financés par la PSU",
    "eaje_other_places": "Autres EAJE (micro-crèches PAJE…)",
    "am_places": "Assistants maternels",
    "home_care_places": "Garde à domicile",
    "preschool_places": "Préscolarisation des enfants de 2 ans",
}
_MEMBERSHIP_FIELDS = {
    "commune_code": "code",
    "commune_name": "name",
    "epci_code": "epci_id",
    "epci_name": "epci__name",
    "ept_code": "ept_id",
    "ept_name": "ept__name",
    "departement_code": "departement_id",
    "departement_name": "departement__name",
    "region_code": "departement__region_id",
    "region_name": "departement__region__name",
}


@dataclass(frozen=True)
class Territory:
    level: str
    code: str
    name: str

    @property
    def label(self) -> str:
        if self.level == "france":
            return "France"
        return f"{LEVEL_LABELS[self.level]} {self.name}"

    def communes(self) -> QuerySet[Commune]:
        if self.level == "france":
            return Commune.objects.all()
        return Commune.objects.filter(**{LEVEL_FILTER[self.level]: self.code})


FRANCE = Territory("france", coverage.FRANCE_CODE, coverage.FRANCE_NAME)
_MODELS = {"commune": Commune, "epci": Epci, "ept": Ept, "departement": Departement}


def territory(level: str, code: str) -> Territory | None:
    """The territory of ``level`` named ``code``, or None when unknown."""
    if level == "france":
        return FRANCE if code == coverage.FRANCE_CODE else None
    model = _MODELS.get(level) or (Region if level == "region" else None)
    if model is None:
        return None
    found = model.objects.filter(pk=code).values_list("name", flat=True).first()
    return None if found is None else Territory(level, code, found)


def parent_of(place: Territory) -> Territory:
    """Whom a territory is compared with: commune → EPT, else EPCI, else département; EPCI and
    EPT → the département holding most of their communes; département → région → France."""
    if place.level == "commune":
        commune = Commune.objects.select_related("epci", "ept", "departement").get(pk=place.code)
        if commune.ept_id:
            return Territory("ept", commune.ept_id, commune.ept.name)
        if commune.epci_id:
            return Territory("epci", commune.epci_id, commune.epci.name)
        return Territory("departement", commune.departement_id, commune.departement.name)
    if place.level in ("epci", "ept"):
        codes = Counter(place.communes().values_list("departement_id", flat=True))
        departement = Departement.objects.get(pk=codes.most_common(1)[0][0])
        return Territory("departement", departement.code, departement.name)
    if place.level == "departement":
        region = Region.objects.get(departements__code=place.code)
        return Territory("region", region.code, region.name)
    return FRANCE


def membership(communes: QuerySet[Commune]) -> pl.DataFrame:
    """The core's membership frame: each commune with its EPCI, EPT, département and région."""
    rows = communes.order_by().values_list(*_MEMBERSHIP_FIELDS.values())
    return pl.DataFrame(
        list(rows), schema=dict.fromkeys(_MEMBERSHIP_FIELDS, pl.String), orient="row"
    )


def imported_years() -> list[int]:
    """Years with imported children or places: the years every page and export offers."""
    years = set(PopulationCount.objects.order_by().values_list("year", flat=True).distinct())
    years |= set(CapacityCount.objects.order_by().values_list("year", flat=True).distinct())
    return sorted(years)


def _frame(rows, columns: dict) -> pl.DataFrame:
    return pl.DataFrame(list(rows), schema=columns, orient="row")


def _registry_counts(codes: list[str], years: Iterable[int]) -> pl.DataFrame:
    """The registry's EAJE and childminder places on 1 January of each year, per commune.

    A commune the registry does not list has none of that offer, provided the registry holds
    that kind of offer in its département; elsewhere its figures stay unknown.
    """
    from sdsf.offer.counts import commune_counts
    from sdsf.offer.models import AssistantMaternel, Structure

    eaje_departements = set(
        Structure.objects.filter(kind=Structure.Kind.EAJE)
        .values_list("commune__departement_id", flat=True)
        .distinct()
    )
    am_departements = set(
        AssistantMaternel.objects.values_list("commune__departement_id", flat=True).distinct()
    )
    schema = {"commune_code": pl.String, "year": pl.Int64} | dict.fromkeys(
        REGISTRY_COMPONENTS, pl.Float64
    )
    if not (eaje_departements or am_departements) or not codes or not years:
        return pl.DataFrame(schema=schema)
    communes = _frame(
        Commune.objects.filter(code__in=codes).values_list("code", "departement_id")
        if len(codes) < 500
        else Commune.objects.values_list("code", "departement_id"),
        {"commune_code": pl.String, "departement": pl.String},
    ).filter(pl.col("commune_code").is_in(codes))
    frames = []
    for year in years:
        found = commune_counts(datetime.date(year, 1, 1), codes)
        frames.append(
            communes.join(found, on="commune_code", how="left").with_columns(
                pl.lit(year, dtype=pl.Int64).alias("year")
            )
        )
    eaje_known = pl.col("departement").is_in(list(eaje_departements))
    am_known = pl.col("departement").is_in(list(am_departements))
    return pl.concat(frames).select(
        "commune_code",
        "year",
        *(
            pl.when(eaje_known).then(pl.col(c).fill_null(0)).cast(pl.Float64).alias(c)
            for c in ("eaje_psu_places", "eaje_other_places")
        ),
        pl.when(am_known).then(pl.col("am_places").fill_null(0)).cast(pl.Float64),
    )


def commune_figures(communes: QuerySet[Commune] | None, years: Sequence[int]) -> pl.DataFrame:
    """Per commune and year: the counts, and for each of them its source and demo flag.

    ``communes`` None: every commune of France (no filter, which a database does faster).

    Columns ``commune_code, year``, then for each of :data:`FIELDS` the value, ``source_<f>``
    and ``demo_<f>``; one row per commune and year having at least one figure.
    """
    keys = {"commune_code": pl.String, "year": pl.Int64}
    meta = {"source": pl.String, "is_demo": pl.Boolean}
    population = _frame(
        _of(PopulationCount, communes, years).values_list(
            "commune_id", "year", CHILDREN, "source", "is_demo"
        ),
        keys | {CHILDREN: pl.Float64} | meta,
    ).rename({"source": f"source_{CHILDREN}", "is_demo": f"demo_{CHILDREN}"})
    capacity = _frame(
        _of(CapacityCount, communes, years).values_list(
            "commune_id", "year", *COMPONENTS, "source", "is_demo"
        ),
        keys | dict.fromkeys(COMPONENTS, pl.Float64) | meta,
    )
    codes = list((communes or Commune.objects).values_list("code", flat=True))
    registry = _registry_counts(codes, years).rename(
        {c: f"registry_{c}" for c in REGISTRY_COMPONENTS}
    )
    grid = (
        pl.concat([f.select(list(keys)) for f in (population, capacity, registry)])
        .unique()
        .join(population, on=list(keys), how="left")
        .join(capacity, on=list(keys), how="left")
        .join(registry, on=list(keys), how="left")
    )
    columns = []
    for component in COMPONENTS:
        imported = pl.col(component).is_not_null()
        value = pl.col(component)
        source = pl.when(imported).then(pl.col("source"))
        if component in REGISTRY_COMPONENTS:
            registry_value = pl.col(f"registry_{component}")
            value = pl.coalesce(value, registry_value)
            source = source.when(registry_value.is_not_null()).then(
                pl.lit("Registre de l'offre au 1er janvier ") + pl.col("year").cast(pl.String)
            )
        columns += [
            value.alias(component),
            source.alias(f"source_{component}"),
            (imported & pl.col("is_demo")).fill_null(False).alias(f"demo_{component}"),
        ]
    result = grid.with_columns(columns).with_columns(pl.col(f"demo_{CHILDREN}").fill_null(False))
    figures = [c for f in FIELDS for c in (f, f"source_{f}", f"demo_{f}")]
    return result.select(*keys, *figures).filter(
        pl.any_horizontal(pl.col(f).is_not_null() for f in FIELDS)
    )


def _of(model, communes: QuerySet[Commune] | None, years: Sequence[int]) -> QuerySet:
    rows = model.objects.order_by()
    if communes is not None:
        rows = rows.filter(commune__in=communes, year__in=years)
    return rows


def _with_demo_flag(
    rows: pl.DataFrame, figures: pl.DataFrame, members: pl.DataFrame, level: str
) -> pl.DataFrame:
    """``is_demo``: whether any figure of the row's communes and year is synthetic."""
    code_column = "code" if level == "france" else f"{level}_code"
    demo = figures.select(
        "commune_code", "year", pl.any_horizontal(f"demo_{f}" for f in FIELDS).alias("is_demo")
    ).filter("is_demo")
    if level == "france":
        flags = demo.group_by("year").agg(pl.lit(True).alias("is_demo"))
        return rows.join(flags, on="year", how="left").with_columns(
            pl.col("is_demo").fill_null(False)
        )
    flags = (
        demo.join(
            members.select("commune_code", pl.col(code_column).alias("__group")), on="commune_code"
        )
        .group_by("__group", "year")
        .agg(pl.lit(True).alias("is_demo"))
        .rename({"__group": "code"})
    )
    return rows.join(flags, on=["code", "year"], how="left").with_columns(
        pl.col("is_demo").fill_null(False)
    )


def published_rates(level: str, codes: Iterable[str] | None) -> pl.DataFrame:
    """Published CNAF coverage rates (``code, year, published_coverage_rate``) for a level."""
    schema = {"code": pl.String, "year": pl.Int64, "published_coverage_rate": pl.Float64}
    if level not in PUBLISHED_LEVEL:
        return pl.DataFrame(schema=schema)
    rows = PublishedCoverage.objects.filter(level=PUBLISHED_LEVEL[level])
    if codes is not None:
        rows = rows.filter(code__in=list(codes))
    return _frame(rows.values_list("code", "year", "coverage_rate"), schema)


@dataclass
class Reference:
    """Figures of every département, région and France, kept in the cache between requests,
    with the imported years (asked by every page)."""

    years: list[int]
    coverage: pl.DataFrame
    indicators: pl.DataFrame


def _indicator_values(indicators: Sequence[Indicator], communes: QuerySet | None) -> pl.DataFrame:
    rows = IndicatorValue.objects.filter(indicator__in=indicators)
    if communes is not None:
        rows = rows.filter(commune__in=communes)
    return _frame(
        rows.values_list(
            "indicator__slug", "commune_id", "year", "value", "numerator", "denominator"
        ),
        {
            "slug": pl.String,
            "commune_code": pl.String,
            "year": pl.Int64,
            "value": pl.Float64,
            "numerator": pl.Float64,
            "denominator": pl.Float64,
        },
    )


def _pooled_indicators(
    indicators: Sequence[Indicator],
    values: pl.DataFrame,
    members: pl.DataFrame,
    level: str,
    codes: Iterable[str] | None,
) -> pl.DataFrame:
    """``slug, code, year, value`` of each indicator at ``level``: pooled from numerator and
    denominator where the file gave them; a value alone only for communes."""
    frames = []
    for indicator in indicators:
        mine = values.filter(pl.col("slug") == indicator.slug)
        if mine.height == 0:
            continue
        if mine["numerator"].is_not_null().any():
            pooled = coverage.aggregate_ratio(
                mine.select("commune_code", "year", "numerator", "denominator"),
                members,
                level,
                "numerator",
                "denominator",
                rate="value",
                scale=indicator.scale,
                codes=codes,
            ).select("code", "year", "value")
        elif level == "commune":
            pooled = mine.select(pl.col("commune_code").alias("code"), "year", "value")
            if codes is not None:
                pooled = pooled.filter(pl.col("code").is_in(list(codes)))
        else:
            continue
        frames.append(pooled.with_columns(pl.lit(indicator.slug).alias("slug")))
    schema = {"code": pl.String, "year": pl.Int64, "value": pl.Float64, "slug": pl.String}
    return pl.concat(frames) if frames else pl.DataFrame(schema=schema)


def _cache_key() -> str:
    return f"sdsf:observatory:reference:{DataVersion.current()}"


@dataclass
class Observatory:
    """Answers the questions of one request, loading each set of communes once."""

    _loaded: dict = field(default_factory=dict)

    @cached_property
    def years(self) -> list[int]:
        return self.reference.years

    @cached_property
    def indicators(self) -> list[Indicator]:
        return list(Indicator.objects.all())

    @cached_property
    def reference(self) -> Reference:
        key = _cache_key()
        found = cache.get(key)
        if found is None:
            found = self._compute_reference()
            cache.set(key, found, conf.cache_seconds())
        return found

    def _compute_reference(self) -> Reference:
        years = imported_years()
        members = membership(Commune.objects.all())
        figures = commune_figures(None, years)
        levels = coverage.aggregate_all_levels(_counts(figures), members, levels=REFERENCE_LEVELS)
        frames = [
            _with_demo_flag(levels.filter(pl.col("level") == level), figures, members, level)
            for level in REFERENCE_LEVELS
        ]
        values = _indicator_values(self.indicators, None)
        indicators = pl.concat(
            [
                _pooled_indicators(self.indicators, values, members, level, None).with_columns(
                    pl.lit(level).alias("level")
                )
                for level in REFERENCE_LEVELS
            ]
        )
        return Reference(years, pl.concat(frames), indicators)

    def _load(self, level: str, codes: Sequence[str] | None):
        """Membership, figures and indicator values of the communes of the territories of
        ``level`` named ``codes`` (all of France when None), loaded once per request."""
        key = (level, None if codes is None else tuple(sorted(codes)))
        if key not in self._loaded:
            communes = Commune.objects.all()
            if codes is not None:
                communes = communes.filter(**{f"{LEVEL_FILTER[level]}__in": list(codes)})
            self._loaded[key] = (
                membership(communes),
                commune_figures(communes, self.years),
                _indicator_values(self.indicators, communes),
            )
        return self._loaded[key]

    def rows(
        self, level: str, codes: Sequence[str] | None = None, years: Iterable[int] | None = None
    ) -> pl.DataFrame:
        """Coverage rows (core columns, ``is_demo``, ``published_coverage_rate``) of the
        territories of ``level`` named ``codes`` (all of them when None), sorted by code and
        year. A territory is always computed over all its communes."""
        years = list(self.years if years is None else years)
        if level in REFERENCE_LEVELS:
            rows = self.reference.coverage.filter(
                (pl.col("level") == level) & pl.col("year").is_in(years)
            )
            if codes is not None:
                rows = rows.filter(pl.col("code").is_in(list(codes)))
        else:
            members, figures, _ = self._load(level, codes)
            rows = coverage.aggregate(_counts(figures), members, level, years=years)
            rows = _complete(_with_demo_flag(rows, figures, members, level), members, level, years)
            if codes is not None:
                rows = rows.filter(pl.col("code").is_in(list(codes)))
        return _with_published(rows, level)

    def rows_within(
        self, level: str, within: Territory, years: Iterable[int] | None = None
    ) -> pl.DataFrame:
        """Rows of the territories of ``level`` having communes in ``within``."""
        if level == "commune":
            return self.commune_rows(within, years)
        codes = None if within.level == "france" else codes_within(level, within)
        return self.rows(level, codes, years)

    def commune_rows(self, place: Territory, years: Iterable[int] | None = None) -> pl.DataFrame:
        """Rows of the communes of a territory (their figures are loaded with it)."""
        years = list(self.years if years is None else years)
        scope = (place.level, [place.code]) if place.level != "france" else ("france", None)
        members, figures, _ = self._load(*scope)
        rows = coverage.aggregate(_counts(figures), members, "commune", years=years)
        rows = _complete(
            _with_demo_flag(rows, figures, members, "commune"), members, "commune", years
        )
        return _with_published(rows, "commune")

    def territory_rows(self, place: Territory, years: Iterable[int] | None = None) -> pl.DataFrame:
        """Coverage rows of one territory (every imported year unless ``years``)."""
        return self.rows(place.level, [place.code], years)

    def indicator_values(self, place: Territory, year: int) -> pl.DataFrame:
        """``slug, value`` of every imported indicator for one territory and year."""
        if place.level in REFERENCE_LEVELS:
            values = self.reference.indicators.filter(
                (pl.col("level") == place.level) & (pl.col("code") == place.code)
            )
        else:
            members, _, raw = self._load(place.level, [place.code])
            values = _pooled_indicators(self.indicators, raw, members, place.level, [place.code])
        return values.filter(pl.col("year") == year).select("slug", "value")

    def indicator_rows(self, slug: str, level: str, within: Territory, year: int) -> pl.DataFrame:
        """``code, value`` of one indicator for the territories of ``level`` in ``within``."""
        if level == "commune":
            scope = (within.level, [within.code])
            codes = None
        else:
            codes = codes_within(level, within)
            scope = (level, codes)
        members, _, raw = self._load(*scope)
        indicators = [i for i in self.indicators if i.slug == slug]
        values = _pooled_indicators(indicators, raw, members, level, codes)
        return values.filter(pl.col("year") == year).select("code", "value")

    def sources(self, place: Territory, year: int) -> dict[str, list[str]]:
        """For each count, the distinct sources of the territory's figures that year."""
        _, figures, _ = self._load(place.level, [place.code])
        mine = figures.filter(pl.col("year") == year)
        return {
            f: sorted(mine.get_column(f"source_{f}").drop_nulls().unique().to_list())
            for f in FIELDS
        }


def _counts(figures: pl.DataFrame) -> pl.DataFrame:
    return figures.select("commune_code", "year", *FIELDS)


def _complete(
    rows: pl.DataFrame, members: pl.DataFrame, level: str, years: Sequence[int]
) -> pl.DataFrame:
    """One row per territory and requested year, even for territories whose communes have no
    figure at all (the core only knows the years present in the counts it is given)."""
    territories = (
        members.select(pl.col(f"{level}_code").alias("code"), pl.col(f"{level}_name").alias("name"))
        .drop_nulls("code")
        .unique("code")
    )
    grid = territories.join(
        pl.DataFrame({"year": list(years)}, schema={"year": pl.Int64}), how="cross"
    )
    missing = grid.join(rows.select("code", "year"), on=["code", "year"], how="anti")
    if missing.height == 0:
        return rows
    filler = missing.with_columns(
        pl.lit(level).alias("level"),
        pl.lit(0, dtype=pl.Int64).alias("communes"),
        pl.lit(False).alias("is_demo"),
    )
    return pl.concat([rows, filler], how="diagonal_relaxed").sort("code", "year")


def _with_published(rows: pl.DataFrame, level: str) -> pl.DataFrame:
    published = published_rates(level, rows["code"].unique().to_list())
    return rows.join(published, on=["code", "year"], how="left").sort("code", "year")


def codes_within(level: str, within: Territory) -> list[str]:
    """Codes of the territories of ``level`` having communes in ``within``."""
    if level == "france":
        return [coverage.FRANCE_CODE]
    return codes_of(level, within.communes())


def codes_of(level: str, communes: QuerySet[Commune]) -> list[str]:
    """Codes of the territories of ``level`` (commune to région) having one of ``communes``,
    in one query."""
    key = LEVEL_FILTER[level]
    rows = communes.exclude(**{f"{key}__isnull": True}).order_by()
    return sorted(rows.values_list(key, flat=True).distinct())


def indicator_table(
    level: str, year: int, code: str | None = None, observatory: Observatory | None = None
) -> list[dict]:
    """The rows of ``sdsf indicators`` and ``/api/indicators``: one per territory of ``level``
    (or the one named ``code``) for ``year``, with ``is_demo``."""
    observatory = observatory or Observatory()
    codes = None if code is None or level == "france" else [code]
    return export_rows(observatory.rows(level, codes, [year]))


def export_rows(frame: pl.DataFrame) -> list[dict]:
    """Rows in the contract's columns (see :data:`ROW_COLUMNS`), plus ``is_demo``."""
    return frame.select(*ROW_COLUMNS, "is_demo").to_dicts()


def text_row(row: dict) -> dict[str, str]:
    """A row of :func:`export_rows` as the command prints it, empty if unknown: rates with one
    decimal, counts whole when whole (else one decimal)."""
    text = {}
    for column in ROW_COLUMNS:
        value = row[column]
        if value is None:
            text[column] = ""
        elif column in (COVERAGE_RATE, "published_coverage_rate"):
            text[column] = formats.plain(value, 1)
        elif column in (CHILDREN, *COMPONENTS, TOTAL_PLACES):
            text[column] = formats.plain(value, 1, trim=True)
        else:
            text[column] = str(value)
    return text


def warm_cache() -> None:
    """Computes the reference figures of the data as it is now and caches them (the end of an
    import: otherwise the first page asked afterwards waits for them)."""
    Observatory().reference  # noqa: B018 (computed for its cache)
