"""Import of assistants maternels and their PMI agrément, upserted by agrément number.

The file gives each childminder's agrément as it stands. When it differs from the current one
(status, number of children, ages, start or expiry), a new dated row is added to the history,
in force from ``Date d'effet`` (by default: the agrément's start for a grant or renewal, the
expiry for an expired agrément, the import date for a suspension or withdrawal).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sdsf.core import clock
from sdsf.core.imports import (
    ImportFailed,
    ImportResult,
    RowError,
    RowReader,
    Table,
    check_unique,
    parse_date,
    parse_int,
)
from sdsf.offer.history import (
    AGREMENT_FIELDS,
    agrement_state,
    before_latest,
    copy_current,
    current_state,
)
from sdsf.offer.importers.common import (
    Context,
    Upserts,
    bounded_int,
    by_line,
    choice,
    chunked,
    count_rows,
    existing_by,
    insert_rows,
    parse_email,
    update_rows,
)
from sdsf.offer.models import Agrement, AgrementStatus, AssistantMaternel, Civility, Structure

ID = "N° agrément"
START = "Date de début d'agrément"
EXPIRY = "Date de fin d'agrément"
EFFECTIVE = "Date d'effet"
MAX_CHILDREN = 6  # 4 at a time as a rule; the PMI may derogate up to 6
UPSERT_FIELDS = [
    "civility",
    "last_name",
    "first_name",
    "commune_id",
    "address",
    "latitude",
    "longitude",
    "location_approximate",
    "mam_id",
    "agrement_status",
    "agrement_places",
    "agrement_ages",
    "agrement_min_months",
    "agrement_max_months",
    "agrement_start",
    "agrement_expiry",
    "agrement_since",
    "available_places",
    "available_from",
    "email",
    "is_demo",
]

parse_agrement_status = choice(
    {
        "accordé": AgrementStatus.GRANTED,
        "renouvelé": AgrementStatus.RENEWED,
        "suspendu": AgrementStatus.SUSPENDED,
        "retiré": AgrementStatus.WITHDRAWN,
        "expiré": AgrementStatus.EXPIRED,
    }
)


CIVILITIES = {"mme": Civility.FEMALE, "madame": Civility.FEMALE, "m": Civility.MALE}
CIVILITIES |= {"m.": Civility.MALE, "monsieur": Civility.MALE}


def parse_civility(text: str) -> str:
    """« Mme » or « M. » (or in full): the pages then say « assistante maternelle »."""
    try:
        return CIVILITIES[text.strip().lower()]
    except KeyError:
        raise ValueError(f"civilité inconnue « {text} » : Mme ou M.") from None


@dataclass
class Parsed:
    line: int
    assistant: AssistantMaternel
    agrement: Agrement
    mam: str
    current: AssistantMaternel | None = None


@dataclass
class Plan:
    parsed: list[Parsed]
    history_create: list[Agrement] = field(default_factory=list)
    history_update: list[Agrement] = field(default_factory=list)
    history_changed: set[int] = field(default_factory=set)
    approximate: int = 0


def default_effective_date(status: str, start: date, expiry: date, today: date) -> date:
    if status in (AgrementStatus.GRANTED, AgrementStatus.RENEWED):
        return start
    if status == AgrementStatus.EXPIRED:
        return expiry
    return today


class AssistantImporter:
    required_columns = (ID, "Nom", "Code commune", START, EXPIRY, "Nombre d'enfants")

    def validate(self, table: Table, ctx: Context) -> Plan:
        errors: list[RowError] = []
        check_unique(table, ID, errors)
        parsed = []
        for row in ctx.rows(table.rows):
            item = self.parse_row(RowReader(row, errors), ctx)
            if item is not None:
                parsed.append(item)
        plan = Plan(parsed, approximate=sum(p.assistant.location_approximate for p in parsed))
        self.check_existing(plan, ctx, errors)
        if errors:
            raise ImportFailed(by_line(errors), table.source)
        return plan

    def parse_row(self, cells: RowReader, ctx: Context) -> Parsed | None:
        before = len(cells.errors)
        commune = ctx.commune(cells)
        lat, lon, approximate = ctx.position(cells, commune)
        start = cells.cell(START, parse_date)
        expiry = cells.cell(EXPIRY, parse_date)
        if start and expiry and expiry <= start:
            cells.error(EXPIRY, "la fin de l'agrément doit être postérieure à son début")
        places = cells.cell("Nombre d'enfants", bounded_int(1, MAX_CHILDREN))
        status = cells.cell(
            "Statut", parse_agrement_status, required=False, default=AgrementStatus.GRANTED
        )
        available = cells.cell("Places disponibles", parse_int, required=False)
        if available is not None and places is not None and available > places:
            cells.error(
                "Places disponibles", f"plus de places disponibles que d'agréées ({places})"
            )
        available_from = cells.cell("Disponible à partir du", parse_date, required=False)
        effective = cells.cell(EFFECTIVE, parse_date, required=False)
        if len(cells.errors) > before:
            return None
        effective = effective or default_effective_date(status, start, expiry, ctx.today)
        agrement = Agrement(
            effective_from=effective,
            status=status,
            places=places,
            ages=cells.cell("Âges", required=False, default=""),
            start=start,
            expiry=expiry,
        )
        assistant = AssistantMaternel(
            identifier=cells.cell(ID),
            civility=cells.cell("Civilité", parse_civility, required=False, default=""),
            last_name=cells.cell("Nom"),
            first_name=cells.cell("Prénom", required=False, default=""),
            commune_id=commune,
            address=cells.cell("Adresse", required=False, default=""),
            latitude=lat,
            longitude=lon,
            location_approximate=approximate,
            available_places=available,
            available_from=available_from,
            email=cells.cell("E-mail", parse_email, required=False, default=""),
        )
        copy_current(assistant, agrement)
        return Parsed(
            cells.row.line,
            assistant,
            agrement,
            cells.cell("Identifiant MAM", required=False, default=""),
        )

    def check_existing(self, plan: Plan, ctx: Context, errors: list[RowError]) -> None:
        existing = existing_by(
            AssistantMaternel, "identifier", [p.assistant.identifier for p in plan.parsed]
        )
        mams = {
            identifier: (pk, commune)
            for identifier, pk, commune in Structure.objects.filter(
                kind=Structure.Kind.MAM
            ).values_list("identifier", "pk", "commune_id")
        }
        same_day_keys = []
        for index, item in enumerate(plan.parsed):
            if item.mam:
                self.check_mam(item, mams.get(item.mam), ctx, errors)
                item.assistant.mam_id = mams[item.mam][0] if item.mam in mams else None
            current = item.current = existing.get(item.assistant.identifier)
            if current is None:
                plan.history_create.append(item.agrement)
                plan.history_changed.add(index)
                continue
            if not ctx.allows(current.commune_id):
                errors.append(
                    RowError(
                        "cet agrément est enregistré dans une commune hors de votre périmètre",
                        line=item.line,
                        column=ID,
                    )
                )
            if current_state(current) == agrement_state(item.agrement):
                # Unchanged agrément: keep its date of effect.
                item.assistant.agrement_since = current.agrement_since
                continue
            if item.agrement.effective_from < current.agrement_since:
                refused = before_latest(
                    "d'agrément", item.agrement.effective_from, current.agrement_since
                )
                errors.append(RowError(str(refused), line=item.line, column=EFFECTIVE))
                continue
            plan.history_changed.add(index)
            if item.agrement.effective_from == current.agrement_since:
                same_day_keys.append(current.pk)
            else:
                plan.history_create.append(item.agrement)
        # Same-day corrections update the existing history row.
        corrections = {}
        for chunk in chunked(same_day_keys):
            for row in Agrement.objects.filter(assistant_id__in=chunk):
                corrections[(row.assistant_id, row.effective_from)] = row
        for item in plan.parsed:
            key = (item.current.pk, item.agrement.effective_from) if item.current else None
            if key in corrections:
                row = corrections[key]
                for name in AGREMENT_FIELDS:
                    setattr(row, name, getattr(item.agrement, name))
                plan.history_update.append(row)

    @staticmethod
    def check_mam(item: Parsed, mam: tuple[int, str] | None, ctx: Context, errors) -> None:
        """The MAM a childminder works in must be known, and inside the importer's territory
        (its manager sees the childminders of its MAM)."""
        if mam is None:
            message = f"MAM inconnue « {item.mam} » (importez d'abord le fichier des MAM)"
        elif not ctx.allows(mam[1]):
            message = f"la MAM « {item.mam} » est dans une commune hors de votre périmètre"
        else:
            return
        errors.append(RowError(message, line=item.line, column="Identifiant MAM"))

    def write(self, plan: Plan) -> ImportResult:
        """Plain INSERT/UPDATE statements (see :func:`insert_rows`): files of 100,000 rows."""
        result = ImportResult()
        now = clock.now()
        upserts = Upserts(UPSERT_FIELDS)
        changed = [upserts.add(p.assistant, p.current) for p in plan.parsed]
        columns = [*UPSERT_FIELDS, "updated_at"]
        insert_rows(
            AssistantMaternel,
            ["identifier", *columns],
            ((a.identifier, *_values(a, UPSERT_FIELDS), now) for a in upserts.create),
        )
        update_rows(
            AssistantMaternel,
            columns,
            ((*_values(a, UPSERT_FIELDS), now, a.pk) for a in upserts.update),
        )
        ids = {}
        for chunk in chunked([a.identifier for a in upserts.create]):
            ids.update(
                AssistantMaternel.objects.filter(identifier__in=chunk).values_list(
                    "identifier", "pk"
                )
            )
        for item in plan.parsed:
            item.agrement.assistant_id = (
                item.current.pk if item.current else ids[item.assistant.identifier]
            )
        insert_rows(
            Agrement,
            ["assistant_id", "effective_from", *AGREMENT_FIELDS],
            (
                (a.assistant_id, a.effective_from, *_values(a, AGREMENT_FIELDS))
                for a in plan.history_create
            ),
        )
        update_rows(
            Agrement,
            list(AGREMENT_FIELDS),
            ((*_values(a, AGREMENT_FIELDS), a.pk) for a in plan.history_update),
        )
        for index, item in enumerate(plan.parsed):
            count_rows(
                result, item.current is None, changed[index] or index in plan.history_changed
            )
        if plan.history_create or plan.history_update:
            result.notes.append(
                f"{len(plan.history_create) + len(plan.history_update)} état(s) d'agrément "
                "enregistré(s) dans l'historique."
            )
        if plan.approximate:
            result.notes.append(
                f"{plan.approximate} assistant(s) maternel(s) sans coordonnées : position "
                "approchée au centre de la commune."
            )
        return result


def _values(obj, names) -> tuple:
    return tuple(getattr(obj, name) for name in names)
