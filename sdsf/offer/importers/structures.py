"""Imports of structures: EAJE (with dated capacity by age section), MAM, RPE, LAEP, centres
sociaux / EVS. One row per structure, upserted by the file's ``Identifiant``."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, time

from sdsf.accounts.models import Institution
from sdsf.core.codes import normalise_commune_code
from sdsf.core.imports import (
    ImportFailed,
    ImportResult,
    RowError,
    RowReader,
    Table,
    check_unique,
    parse_bool,
    parse_date,
    parse_int,
)
from sdsf.offer.history import BeforeLatest, capacity_change
from sdsf.offer.importers.common import (
    Context,
    Upserts,
    bounded_int,
    by_line,
    check_dates,
    choice,
    chunked,
    count_rows,
    existing_by,
    outside,
    parse_email,
    parse_status,
    parse_time,
    parse_website,
)
from sdsf.offer.models import WEEKDAYS, Capacity, LaepSession, Section, Status, Structure
from sdsf.offer.roles import follow_structures

Kind = Structure.Kind
Category = Structure.Category

COMMON_REQUIRED = ("Identifiant", "Nom", "Code commune")
UPSERT_FIELDS = [
    "name",
    "category",
    "manager_id",
    "manager_name",
    "address",
    "commune_id",
    "latitude",
    "longitude",
    "location_approximate",
    "funding",
    "opening_days",
    "opens_at",
    "closes_at",
    "avip",
    "avip_share",
    "benefit_reserve",
    "half_days",
    "pmi_authorised_on",
    "status",
    "opened_on",
    "closed_on",
    "phone",
    "email",
    "website",
    "is_demo",
]
MICRO_CRECHE_MAX_PLACES = 12
SECTION_COLUMNS = {
    Section.BABIES: "Places bébés",
    Section.MIDDLE: "Places moyens",
    Section.OLDER: "Places grands",
}
CAPACITY_DATE = "Date d'effet des places"

parse_eaje_type = choice(
    {
        "crèche collective": Category.COLLECTIVE,
        "multi-accueil": Category.MULTI,
        "halte-garderie": Category.HALTE,
        "crèche familiale": Category.FAMILIALE,
        "crèche parentale": Category.PARENTALE,
        "micro-crèche": Category.MICRO,
        "jardin d'enfants": Category.JARDIN,
    }
)
parse_funding = choice(
    {
        "PSU": Structure.Funding.PSU,
        "PAJE": Structure.Funding.PAJE,
        "autre": Structure.Funding.OTHER,
        "hors PSU": Structure.Funding.OTHER,
    }
)
parse_social_type = choice(
    {
        "centre social": Category.CENTRE_SOCIAL,
        "EVS": Category.EVS,
        "espace de vie sociale": Category.EVS,
    }
)
_SESSION = re.compile(r"^(\w+)\s+(\S+)\s*-\s*(\S+)$")


def parse_sessions(text: str) -> list[tuple[int, time, time]]:
    """``lundi 9:00-11:30, mercredi 14h-17h`` → [(0, 09:00, 11:30), (2, 14:00, 17:00)]."""
    sessions = []
    for part in filter(None, (p.strip() for p in re.split(r"[;,]", text))):
        match = _SESSION.match(part.lower())
        if not match or match[1] not in WEEKDAYS:
            raise ValueError(f"séance illisible « {part} » (attendu : « lundi 9:00-11:30 »)")
        starts, ends = parse_time(match[2]), parse_time(match[3])
        if ends <= starts:
            raise ValueError(f"séance « {part} » : la fin précède le début")
        sessions.append((WEEKDAYS.index(match[1]), starts, ends))
    return sessions


@dataclass
class Parsed:
    """One valid row: the structure as the file describes it, and what goes with it."""

    line: int
    structure: Structure
    capacity: dict[str, int] | None = None
    capacity_from: date | None = None
    covered: list[str] | None = None
    sessions: list[tuple[int, time, time]] | None = None
    current: Structure | None = None


@dataclass
class Plan:
    parsed: list[Parsed]
    approximate: int = 0
    capacity_create: list[Capacity] = field(default_factory=list)
    capacity_update: list[Capacity] = field(default_factory=list)
    capacity_changed: set[int] = field(default_factory=set)  # indexes into parsed


class StructureImporter:
    """MAM and the common part of every structure kind; subclasses add their columns."""

    kind = Kind.MAM
    required: tuple[str, ...] = ()

    @property
    def required_columns(self) -> tuple[str, ...]:
        return COMMON_REQUIRED + self.required

    # --- validation ---------------------------------------------------------------------

    def validate(self, table: Table, ctx: Context) -> Plan:
        errors: list[RowError] = []
        check_unique(table, "Identifiant", errors)
        parsed = []
        for row in ctx.rows(table.rows):
            cells = RowReader(row, errors)
            item = self.parse_row(cells, ctx)
            if item is not None:
                parsed.append(item)
        plan = Plan(parsed, approximate=sum(p.structure.location_approximate for p in parsed))
        self.check_existing(plan, ctx, errors)
        if not errors:
            self.plan_history(plan, ctx, errors)
        if errors:
            raise ImportFailed(by_line(errors), table.source)
        return plan

    def parse_row(self, cells: RowReader, ctx: Context) -> Parsed | None:
        before = len(cells.errors)
        commune = ctx.commune(cells)
        lat, lon, approximate = ctx.position(cells, commune)
        status = cells.cell("Statut", parse_status, required=False, default=Status.OPEN)
        opened_on = cells.cell("Date d'ouverture", parse_date, required=False)
        closed_on = cells.cell("Date de fermeture", parse_date, required=False)
        check_dates(cells, opened_on, closed_on, status)
        structure = Structure(
            identifier=cells.cell("Identifiant"),
            kind=self.kind,
            name=cells.cell("Nom"),
            manager_name=cells.cell("Gestionnaire", required=False, default=""),
            address=cells.cell("Adresse", required=False, default=""),
            commune_id=commune,
            latitude=lat,
            longitude=lon,
            location_approximate=approximate,
            status=status,
            opened_on=opened_on,
            closed_on=closed_on,
            phone=cells.cell("Téléphone", required=False, default="")[:30],
            email=cells.cell("E-mail", parse_email, required=False, default=""),
            website=cells.cell("Site internet", parse_website, required=False, default=""),
        )
        item = Parsed(cells.row.line, structure)
        self.parse_extra(cells, ctx, item)
        return item if len(cells.errors) == before else None

    def parse_extra(self, cells: RowReader, ctx: Context, item: Parsed) -> None:
        """Kind-specific columns (none for a MAM)."""

    def check_existing(self, plan: Plan, ctx: Context, errors: list[RowError]) -> None:
        existing = existing_by(
            Structure, "identifier", [p.structure.identifier for p in plan.parsed]
        )
        managers = _managers({p.structure.manager_name for p in plan.parsed} - {""})
        for item in plan.parsed:
            item.structure.manager_id = managers.get(item.structure.manager_name)
            current = existing.get(item.structure.identifier)
            if current is None:
                continue
            if current.kind != self.kind:
                errors.append(
                    RowError(
                        f"identifiant déjà utilisé par une structure de type "
                        f"« {current.get_kind_display()} »",
                        line=item.line,
                        column="Identifiant",
                    )
                )
            elif not ctx.allows(current.commune_id):
                errors.append(
                    RowError(
                        "cette structure est enregistrée dans une commune hors de votre périmètre",
                        line=item.line,
                        column="Identifiant",
                    )
                )
            item.current = current

    def plan_history(self, plan: Plan, ctx: Context, errors: list[RowError]) -> None:
        """Dated rows to add (capacity for an EAJE); nothing for the other kinds."""

    # --- writing ------------------------------------------------------------------------

    def write(self, plan: Plan) -> ImportResult:
        result = ImportResult()
        upserts = Upserts(UPSERT_FIELDS)
        changed = [upserts.add(p.structure, p.current) for p in plan.parsed]
        upserts.write(Structure)
        for item in plan.parsed:
            item.structure = item.current or item.structure  # the saved row, with its pk
        follow_structures(p.structure for p in plan.parsed)
        changed_extra = self.write_extra(plan)
        for index, item in enumerate(plan.parsed):
            count_rows(result, item.current is None, changed[index] or index in changed_extra)
        if plan.approximate:
            result.notes.append(
                f"{plan.approximate} structure(s) sans coordonnées : position approchée au centre "
                "de la commune."
            )
        return result

    def write_extra(self, plan: Plan) -> set[int]:
        """Writes what goes with the structures; returns the indexes of rows it changed."""
        return set()


def _managers(names: set[str]) -> dict[str, int]:
    """Institutions named as managers in the file (exact name), so their staff see them."""
    found: dict[str, int] = {}
    for name, pk in (
        Institution.objects.filter(name__in=names).order_by("-pk").values_list("name", "pk")
    ):
        found[name] = pk
    return found


class EajeImporter(StructureImporter):
    kind = Kind.EAJE
    required = ("Type d'accueil", "Financement", "Places agréées")

    def parse_extra(self, cells, ctx, item):
        structure = item.structure
        structure.category = cells.cell("Type d'accueil", parse_eaje_type, default="")
        structure.funding = cells.cell("Financement", parse_funding, default="")
        total = cells.cell("Places agréées", parse_int)
        sections = {
            section: cells.cell(column, parse_int, required=False)
            for section, column in SECTION_COLUMNS.items()
        }
        sections = {s: n for s, n in sections.items() if n is not None}
        if total is not None and sections and sum(sections.values()) != total:
            cells.error(
                "Places agréées",
                f"le total ({total}) diffère de la somme des places par section "
                f"({sum(sections.values())})",
            )
        if structure.category == Category.MICRO and total and total > MICRO_CRECHE_MAX_PLACES:
            cells.error(
                "Places agréées",
                f"une micro-crèche accueille au plus {MICRO_CRECHE_MAX_PLACES} enfants",
            )
        item.capacity = sections or ({Section.ALL: total} if total is not None else None)
        item.capacity_from = cells.cell(CAPACITY_DATE, parse_date, required=False)
        structure.opening_days = cells.cell("Jours d'ouverture", required=False, default="")
        structure.opens_at = cells.cell("Heure d'ouverture", parse_time, required=False)
        structure.closes_at = cells.cell("Heure de fermeture", parse_time, required=False)
        if structure.opens_at and structure.closes_at and structure.closes_at <= structure.opens_at:
            cells.error("Heure de fermeture", "l'heure de fermeture précède l'heure d'ouverture")
        structure.avip = cells.cell("Label AVIP", parse_bool, required=False, default=False)
        structure.avip_share = cells.cell(
            "Part de places AVIP (%)", bounded_int(0, 100), required=False
        )
        if structure.avip_share and not structure.avip:
            cells.error("Part de places AVIP (%)", "part de places AVIP sans label AVIP")
        structure.benefit_reserve = cells.cell(
            "Réserve D214-7", parse_bool, required=False, default=False
        )
        structure.half_days = cells.cell(
            "Accueil à la demi-journée", parse_bool, required=False, default=False
        )
        structure.pmi_authorised_on = cells.cell(
            "Date d'autorisation PMI", parse_date, required=False
        )

    def plan_history(self, plan, ctx, errors):
        """Compares each structure's capacity with its latest rows; a change is a new dated row
        (or corrects the row of the same date)."""
        rows_of: dict[int, list[Capacity]] = {}
        known = [p.current.pk for p in plan.parsed if p.current is not None]
        for chunk in chunked(known):
            for row in Capacity.objects.filter(structure_id__in=chunk):
                rows_of.setdefault(row.structure_id, []).append(row)
        for index, item in enumerate(plan.parsed):
            structure = item.current or item.structure
            rows = rows_of.get(structure.pk, []) if item.current else []
            start = item.capacity_from or (
                ctx.today
                if rows
                else (structure.opened_on or structure.pmi_authorised_on or ctx.today)
            )
            try:
                change = capacity_change(structure, rows, item.capacity or {}, start)
            except BeforeLatest as refused:
                errors.append(RowError(str(refused), line=item.line, column=CAPACITY_DATE))
                continue
            if change is not None:
                plan.capacity_create += change.create
                plan.capacity_update += change.update
                plan.capacity_changed.add(index)

    def write_extra(self, plan):
        # New structures got their pk from bulk_create; Django copies it into structure_id here.
        Capacity.objects.bulk_create(plan.capacity_create, batch_size=1000)
        Capacity.objects.bulk_update(plan.capacity_update, ["places"], batch_size=1000)
        return plan.capacity_changed


class RpeImporter(StructureImporter):
    kind = Kind.RPE

    def parse_extra(self, cells, ctx, item):
        text = cells.cell("Communes couvertes", required=False, default="")
        codes = [normalise_commune_code(c) for c in re.split(r"[\s,;|]+", text) if c]
        unknown = [c for c in codes if c not in ctx.centroids]
        if unknown:
            cells.error("Communes couvertes", f"commune(s) inconnue(s) : {', '.join(unknown)}")
        # A relais serves the families of the communes it covers (the guichet unique): an
        # importer may open to it only communes of their own territory.
        for code in sorted(set(codes) - set(unknown)):
            if not ctx.allows(code):
                cells.error("Communes couvertes", outside(code))
        item.covered = sorted(set(codes) or {item.structure.commune_id})

    def write_extra(self, plan):
        through = Structure.covered_communes.through
        ids = [p.structure.pk for p in plan.parsed]
        current: dict[int, set[str]] = {}
        for chunk in chunked(ids):
            for structure_id, commune_id in through.objects.filter(
                structure_id__in=chunk
            ).values_list("structure_id", "commune_id"):
                current.setdefault(structure_id, set()).add(commune_id)
        changed, stale, links = set(), [], []
        for index, item in enumerate(plan.parsed):
            pk = item.structure.pk
            if current.get(pk, set()) == set(item.covered):
                continue
            changed.add(index)
            stale.append(pk)
            links += [through(structure_id=pk, commune_id=code) for code in item.covered]
        for chunk in chunked(stale):
            through.objects.filter(structure_id__in=chunk).delete()
        through.objects.bulk_create(links, batch_size=1000)
        return changed


class LaepImporter(StructureImporter):
    kind = Kind.LAEP

    def parse_extra(self, cells, ctx, item):
        item.sessions = cells.cell("Séances", parse_sessions, required=False, default=[])

    def write_extra(self, plan):
        ids = [p.structure.pk for p in plan.parsed]
        current: dict[int, list] = {}
        for chunk in chunked(ids):
            for session in LaepSession.objects.filter(structure_id__in=chunk):
                current.setdefault(session.structure_id, []).append(
                    (session.weekday, session.starts_at, session.ends_at)
                )
        changed, stale, sessions = set(), [], []
        for index, item in enumerate(plan.parsed):
            pk = item.structure.pk
            if sorted(current.get(pk, [])) == sorted(item.sessions):
                continue
            changed.add(index)
            stale.append(pk)
            sessions += [
                LaepSession(structure_id=pk, weekday=d, starts_at=s, ends_at=e)
                for d, s, e in item.sessions
            ]
        for chunk in chunked(stale):
            LaepSession.objects.filter(structure_id__in=chunk).delete()
        LaepSession.objects.bulk_create(sessions, batch_size=1000)
        return changed


class SocialImporter(StructureImporter):
    kind = Kind.SOCIAL
    required = ("Type",)

    def parse_extra(self, cells, ctx, item):
        item.structure.category = cells.cell("Type", parse_social_type, default="")
