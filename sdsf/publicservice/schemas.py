"""The schéma pluriannuel of a commune or EPCI, built from the data (service).

Sections 1° to 3° of article D214-10-1 CASF are prefilled, when the schéma is opened, with
sentences written from the offer registry and the observatory; the agent then edits them. The
tables and the map beside each section are recomputed from the data on every reading (the
figures of the day), and frozen in each adopted version's snapshot. Part h) of 4° binds
indicators to the observatory's figures for the authority's territory, year by year.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Count, Max

from sdsf.core import clock, formats
from sdsf.observatory import report
from sdsf.observatory.coverage import CHILDREN, COVERAGE_RATE, TOTAL_PLACES
from sdsf.observatory.models import BirthCount
from sdsf.observatory.service import Observatory, Territory
from sdsf.observatory.svgmap import choropleth
from sdsf.observatory.unmet_demand import unmet_demand
from sdsf.offer.counts import commune_counts
from sdsf.offer.models import Status, Structure
from sdsf.publicservice import timetable
from sdsf.publicservice.models import LocalSchema, Orientation, SchemaVersion
from sdsf.steering.models import Scheme
from sdsf.territories.models import Commune, Level

# Figures an indicator of part h) may be bound to: the observatory's rows for the territory.
BINDINGS = {
    COVERAGE_RATE: ("Taux de couverture global", "places pour 100 enfants"),
    CHILDREN: ("Enfants de moins de 3 ans", "enfants"),
    TOTAL_PLACES: ("Places d'accueil (toutes composantes)", "places"),
    "eaje_psu_places": ("Places en EAJE financés par la PSU", "places"),
    "am_places": ("Places chez les assistants maternels", "places"),
}
BELOW_COLOR, ABOVE_COLOR = "#ce614a", "#b8fec9"


class AlreadyAdopted(Exception):
    def __str__(self) -> str:
        return "Ce schéma est adopté : déclarez une mise à jour avant de le modifier."


def authority_communes(level: str, code: str):
    field_name = "epci_id" if level == Level.EPCI else "code"
    return Commune.objects.filter(kind=Commune.Kind.COMMUNE, **{field_name: code})


def territory_of(schema: LocalSchema) -> Territory:
    return Territory(schema.authority_level, schema.authority_code, schema.authority_name)


# ---- the data of sections 1° to 3° ---------------------------------------------------------


@dataclass
class Inventory:
    rows: list[dict]  # label, count, places
    is_demo: bool


def inventory(level: str, code: str, on: datetime.date | None = None) -> Inventory:
    """1°: the offer of the authority's communes on ``on``: structures by kind and places."""
    on = on or clock.today()
    codes = list(authority_communes(level, code).values_list("code", flat=True))
    structures = Structure.objects.filter(commune_id__in=codes, status=Status.OPEN)
    by_kind = dict(structures.values_list("kind").annotate(n=Count("pk")).order_by())
    relais = (
        Structure.objects.filter(
            kind=Structure.Kind.RPE,
            status=Status.OPEN,
            covered_communes__in=codes,
        )
        .distinct()
        .count()
    )
    counts = commune_counts(on, codes).sum()
    places = {c: int(counts[c][0] or 0) if counts.height else 0 for c in counts.columns[1:]}
    rows = [
        {
            "label": "EAJE financés par la PSU",
            "count": None,
            "places": places.get("eaje_psu_places", 0),
        },
        {
            "label": "Autres EAJE (micro-crèches PAJE…)",
            "count": None,
            "places": places.get("eaje_other_places", 0),
        },
        {
            "label": "EAJE (toutes catégories)",
            "count": by_kind.get(Structure.Kind.EAJE, 0),
            "places": places.get("eaje_psu_places", 0) + places.get("eaje_other_places", 0),
        },
        {
            "label": "Maisons d'assistants maternels",
            "count": by_kind.get(Structure.Kind.MAM, 0),
            "places": None,
        },
        {
            "label": "Assistants maternels en activité",
            "count": places.get("am_count", 0),
            "places": places.get("am_places", 0),
        },
        {"label": "Relais petite enfance couvrant le territoire", "count": relais, "places": None},
        {
            "label": "Lieux d'accueil enfants-parents",
            "count": by_kind.get(Structure.Kind.LAEP, 0),
            "places": None,
        },
    ]
    return Inventory(rows, structures.filter(is_demo=True).exists())


@dataclass
class Needs:
    year: int | None
    row: dict | None
    components: list[dict]
    births: float | None
    unmet: int | None
    last_round: datetime.date | None
    is_demo: bool


def needs(place: Territory, observatory: Observatory | None = None) -> Needs:
    """2°: children under 3, births, coverage rate and its components, unmet demand."""
    found = report.build(observatory or Observatory(), place, None)
    births = None
    if found.year is not None:
        births = (
            sum(
                BirthCount.objects.filter(
                    commune__in=place.communes(), year=found.year
                ).values_list("births", flat=True)
            )
            or None
        )
    waiting = unmet_demand(place)
    return Needs(
        year=found.year,
        row=found.row,
        components=[{**c, "rate": c["rate"]} for c in found.components if c["places"] is not None],
        births=births,
        unmet=waiting.total,
        last_round=waiting.last_round,
        is_demo=found.is_demo,
    )


@dataclass
class Zones:
    threshold: int
    area_label: str
    year: int | None
    communes: list[dict] = field(default_factory=list)  # code, name, rate, below
    svg: str = ""


def zones(schema: LocalSchema, observatory: Observatory | None = None) -> Zones:
    """3°: the communes below the coverage threshold, on a map. A commune's schéma looks at
    the communes of its EPCI (its neighbours), an EPCI's at its own communes."""
    observatory = observatory or Observatory()
    if schema.authority_level == Level.EPCI:
        area = territory_of(schema)
    else:
        commune = Commune.objects.select_related("epci").get(pk=schema.authority_code)
        area = (
            Territory(Level.EPCI, commune.epci_id, commune.epci.name)
            if commune.epci_id
            else territory_of(schema)
        )
    years = observatory.years
    year = years[-1] if years else None
    result = Zones(schema.coverage_threshold, area.label, year)
    if year is None:
        return result
    rows = observatory.commune_rows(area, [year]).to_dicts()
    rates = {row["code"]: row.get(COVERAGE_RATE) for row in rows}
    result.communes = sorted(
        (
            {
                "code": row["code"],
                "name": row["name"],
                "rate": row.get(COVERAGE_RATE),
                "below": row.get(COVERAGE_RATE) is not None
                and row[COVERAGE_RATE] < schema.coverage_threshold,
            }
            for row in rows
        ),
        key=lambda r: (r["rate"] is None, r["rate"] or 0),
    )
    shapes = Commune.objects.filter(code__in=list(rates)).exclude(geometry__isnull=True)
    result.svg = choropleth(
        (
            c.name,
            c.geometry,
            report.UNKNOWN_COLOR
            if rates[c.code] is None
            else BELOW_COLOR
            if rates[c.code] < schema.coverage_threshold
            else ABOVE_COLOR,
        )
        for c in shapes.only("code", "name", "geometry")
    )
    return result


def indicator_rows(schema: LocalSchema, bindings: list[str], observatory=None) -> list[dict]:
    """Part h): each bound figure, for every year of the observatory, for the territory."""
    observatory = observatory or Observatory()
    if not bindings:
        return []
    trend = observatory.territory_rows(territory_of(schema)).to_dicts()
    return [
        {
            "key": key,
            "label": BINDINGS[key][0],
            "unit": BINDINGS[key][1],
            "values": [(row["year"], row.get(key)) for row in trend],
        }
        for key in bindings
        if key in BINDINGS
    ]


# ---- prefilled texts -----------------------------------------------------------------------


def _number(value) -> str:
    return "non disponible" if value is None else formats.number(value, 1, trim=True)


def inventory_text(found: Inventory, name: str) -> str:
    lines = [f"Offre d'accueil du jeune enfant de {name} au {formats.date(clock.today())} :"]
    for row in found.rows:
        parts = []
        if row["count"] is not None:
            parts.append(str(row["count"]))
        if row["places"] is not None:
            parts.append(f"{row['places']} places")
        lines.append(f"- {row['label']} : {', '.join(parts)}")
    return "\n".join(lines)


def needs_text(found: Needs, name: str) -> str:
    if found.row is None:
        return f"Aucun chiffre de l'observatoire n'est encore importé pour {name}."
    row = found.row
    lines = [
        f"En {found.year}, {name} compte {_number(row.get(CHILDREN))} enfants de moins de 3 ans"
        + (f" et {_number(found.births)} naissances." if found.births else "."),
        f"Le taux de couverture global est de {_number(row.get(COVERAGE_RATE))} places pour 100 "
        "enfants de moins de 3 ans, dont :",
        *(
            f"- {c['label']} : {_number(c['rate'])} ({_number(c['places'])} places)"
            for c in found.components
        ),
    ]
    if found.unmet is not None:
        lines.append(f"{found.unmet} enfant(s) attendaient une place après la dernière commission.")
    return "\n".join(lines)


def zones_text(found: Zones) -> str:
    below = [c for c in found.communes if c["below"]]
    if not below:
        return (
            f"Aucune commune ({found.area_label}) n'est sous le seuil de {found.threshold} places "
            "pour 100 enfants, ou les chiffres ne sont pas disponibles."
        )
    names = ", ".join(f"{c['name']} ({_number(c['rate'])})" for c in below)
    return (
        f"Communes ({found.area_label}) dont le taux de couverture est inférieur à "
        f"{found.threshold} places pour 100 enfants en {found.year} : {names}."
    )


# ---- the schéma's life ---------------------------------------------------------------------


def current_scheme(departement_code: str) -> Scheme | None:
    year = clock.today().year
    schemes = Scheme.objects.filter(departement_id=departement_code)
    return (
        schemes.filter(start_year__lte=year, end_year__gte=year).order_by("-start_year").first()
        or schemes.order_by("-end_year").first()
    )


@transaction.atomic
def open_schema(level: str, code: str, name: str, departement_code: str) -> LocalSchema:
    """The authority's latest schéma, or a new draft prefilled from the data (six years from
    next year, the eight parts of 4° empty)."""
    existing = (
        LocalSchema.objects.filter(authority_level=level, authority_code=code)
        .order_by("-start_year")
        .first()
    )
    if existing:
        return existing
    start = clock.today().year + 1
    schema = LocalSchema(
        departement_id=departement_code,
        authority_level=level,
        authority_code=code,
        authority_name=name,
        scheme=current_scheme(departement_code),
        start_year=start,
        end_year=start + timetable.SCHEME_YEARS - 1,
    )
    prefill(schema)
    schema.save()
    Orientation.objects.bulk_create(
        Orientation(schema=schema, part=part, bindings=[COVERAGE_RATE] if part == "h" else [])
        for part in Orientation.Part.values
    )
    return schema


def prefill(schema: LocalSchema) -> None:
    """Writes sections 1° to 3° from the registry and the observatory of today (not saved)."""
    observatory = Observatory()
    level, code, name = schema.authority_level, schema.authority_code, schema.authority_name
    schema.inventory = inventory_text(inventory(level, code), name)
    schema.needs = needs_text(needs(territory_of(schema), observatory), name)
    schema.zones = zones_text(zones(schema, observatory))


def check_editable(schema: LocalSchema) -> None:
    if schema.status == LocalSchema.Status.ADOPTED:
        raise AlreadyAdopted


def snapshot(schema: LocalSchema) -> dict:
    return {
        "period": [schema.start_year, schema.end_year],
        "inventory": schema.inventory,
        "needs": schema.needs,
        "zones": schema.zones,
        "orientations": [
            {
                "part": o.part,
                "title": o.get_part_display(),
                "text": o.text,
                "actions": [f"{a.code}. {a.title}" for a in o.actions.all()],
                "bindings": o.bindings,
            }
            for o in schema.orientations.prefetch_related("actions")
        ],
    }


@transaction.atomic
def adopt(schema: LocalSchema, adopted_on: datetime.date, deliberation: str, user) -> SchemaVersion:
    """The council adopted the schéma (first time, or its update) on ``adopted_on``: a frozen
    version is recorded and the schéma is closed to changes until the next update."""
    schema = LocalSchema.objects.select_for_update().get(pk=schema.pk)
    check_editable(schema)
    kind = LocalSchema.Status.UPDATED if schema.versions.exists() else LocalSchema.Status.ADOPTED
    number = (schema.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    version = SchemaVersion.objects.create(
        schema=schema,
        number=number,
        status=kind,
        adopted_on=adopted_on,
        deliberation=deliberation,
        recorded_by=user,
        snapshot=snapshot(schema),
    )
    schema.status = LocalSchema.Status.ADOPTED
    schema.adopted_on = adopted_on
    schema.deliberation = deliberation
    schema.save(update_fields=["status", "adopted_on", "deliberation", "updated_at"])
    return version


def start_update(schema: LocalSchema) -> None:
    """The authority revises its adopted schéma: it can be edited again; the adopted version
    stays in force (and in the obligations) until the update is adopted."""
    schema.status = LocalSchema.Status.UPDATED
    schema.save(update_fields=["status", "updated_at"])
