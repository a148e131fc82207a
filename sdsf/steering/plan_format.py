"""The plan's JSON document (format ``sdsf-plan/1``) as pydantic models, and its checks.

The models are the format's definition: the keys in the order :mod:`sdsf.steering.planio` writes
them, their types, lengths, bounds and choices. :func:`read_plan` validates a parsed document with
them, words pydantic's errors in French with their JSON path (``axes[0].actions[2].title``), and
adds what types cannot say (codes used once, references to markers and actions of the plan, a
known département). Every problem of the document is reported at once.
"""

import re
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal

import pydantic
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    PlainSerializer,
    Strict,
    StringConstraints,
    TypeAdapter,
    ValidationError,
    ValidationInfo,
    field_validator,
)
from pydantic_core import ErrorDetails, PydanticCustomError, PydanticKnownError

from sdsf.accounts.models import Institution
from sdsf.core.choices import FileKeys
from sdsf.core.imports import ImportFailed, RowError
from sdsf.steering.models import Action, Body, Field
from sdsf.territories.models import Departement, Level

FORMAT = "sdsf-plan/1"

# The file keeps the French keys it was published with (docs/imports.md); the stored keys are
# English (docs/decisions/0004-stored-choice-keys.md). The models below read the file's keys and
# hold the stored ones, and write the file's keys back: the mapping stays at the file's boundary.
FIELD_KEYS = FileKeys(
    Field.values,
    {
        Field.EARLY_CHILDHOOD: "petite_enfance",
        Field.PARENTING: "parentalite",
        Field.CHILDHOOD: "enfance",
        Field.YOUTH: "jeunesse",
        Field.SOCIAL_LIFE: "animation_vie_sociale",
    },
)
STATUS_KEYS = FileKeys(
    Action.Status.values,
    {
        Action.Status.PLANNED: "prevue",
        Action.Status.IN_PROGRESS: "en_cours",
        Action.Status.DONE: "realisee",
        Action.Status.DELAYED: "retardee",
        Action.Status.ENDED: "arretee",
    },
)
BODY_KEYS = FileKeys(
    Body.Kind.values,
    {
        Body.Kind.STEERING_COMMITTEE: "comite_pilotage",
        Body.Kind.WORKING_GROUP: "groupe_travail",
        Body.Kind.OTHER: "autre",
    },
)
INSTITUTION_KEYS = FileKeys(
    Institution.Kind.values,
    {Institution.Kind.STATE: "etat", Institution.Kind.MANAGER: "gestionnaire"},
)
LEVEL_KEYS = FileKeys(Level.values, {})


# --- the document's types --------------------------------------------------------------------
#
# Each type says how a JSON value is read (pydantic validates it) and written back (model_dump in
# JSON mode); the functions in CamelCase build such types. Pydantic's errors are worded in French
# in one place, :func:`_message`.

MAX_COUNT = 2_147_483_647  # the largest integer every database column of the plan holds
AMOUNT_PLACES = 2


def _blank_as_none(value: Any) -> Any:
    """A choice or a date is text; left empty (null or "") it is absent."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise PydanticKnownError("string_type")
    return value


def _json_number(error: str) -> Callable[[Any], Decimal]:
    """JSON numbers only (read as ``int`` or ``Decimal``; a boolean is not one)."""

    def read(value: Any) -> Decimal:
        if isinstance(value, bool) or not isinstance(value, int | Decimal):
            raise PydanticKnownError(error)
        return Decimal(value)

    return read


def _within(low: int, high: int) -> Callable[[Decimal], int]:
    """Compared as decimals before ``int()``: 1e999999999 would take a billion digits."""

    def check(value: Decimal) -> int:
        if not low <= value <= high:
            raise PydanticCustomError(
                "number_range",
                "nombre entre {low} et {high} attendu, reçu « {input} »",
                {"low": low, "high": high, "input": str(value)},
            )
        return int(value)

    return check


def _list_of(kind: type, message: str) -> Callable[[Any], list]:
    def check(value: Any) -> list:
        value = value or []
        if not isinstance(value, list) or not all(isinstance(item, kind) for item in value):
            raise PydanticCustomError("list_of", message)
        return value

    return check


def _as_json_number(value: Decimal | int | None) -> int | float | None:
    """JSON number for a stored decimal: integral values as integers (``373``, not ``373.00``)."""
    if not isinstance(value, Decimal):
        return value
    normalized = value.normalize()
    return int(normalized) if normalized == normalized.to_integral_value() else float(normalized)


def Text(max_length: int = 300):
    """Optional text: null reads as ""."""
    return Annotated[
        str,
        BeforeValidator(lambda v: "" if v is None else v),
        StringConstraints(strict=True, max_length=max_length),
    ]


def RequiredText(max_length: int = 300):
    return Annotated[str, StringConstraints(strict=True, min_length=1, max_length=max_length)]


def NullText(max_length: int):
    """Optional text written ``null`` when empty."""
    return Annotated[Text(max_length), PlainSerializer(lambda v: v or None, when_used="json")]


def Choice(keys: FileKeys, *, required: bool = True):
    """One of the file's ``keys``, held as its stored key and written back as the file's key; an
    optional one is "" when absent, written ``null``."""
    allowed = Literal[tuple(keys.values)]
    if required:
        return Annotated[
            allowed,
            BeforeValidator(_blank_as_none),
            AfterValidator(keys.stored),
            PlainSerializer(keys.public, when_used="json"),
        ]
    return Annotated[
        allowed | None,
        BeforeValidator(_blank_as_none),
        AfterValidator(lambda v: keys.stored(v) if v else ""),
        PlainSerializer(lambda v: keys.public(v) or None, when_used="json"),
    ]


def Whole(low: int = 0, high: int = MAX_COUNT):
    return Annotated[
        Decimal,
        BeforeValidator(_json_number("int_type")),
        Strict(),
        pydantic.Field(decimal_places=0),
        AfterValidator(_within(low, high)),
        PlainSerializer(_as_json_number),  # an int stays one
    ]


Year = Whole(1900, 2100)
Amount = Annotated[
    Decimal,
    BeforeValidator(_json_number("decimal_type")),
    Strict(),
    pydantic.Field(max_digits=12 + AMOUNT_PLACES, decimal_places=AMOUNT_PLACES),
    PlainSerializer(_as_json_number, when_used="json"),
]
Day = Annotated[date, BeforeValidator(_blank_as_none)]
OptionalDay = Annotated[date | None, BeforeValidator(_blank_as_none)]
TextList = Annotated[list[str], BeforeValidator(_list_of(str, "liste de textes attendue"))]
ObjectList = Annotated[
    list[dict[str, Any]], BeforeValidator(_list_of(dict, "liste d'objets attendue"))
]


def Items(model: type[BaseModel]):
    """A list of objects; null reads as an empty list."""
    return Annotated[list[model], BeforeValidator(lambda v: [] if v is None else v)]


def Part(model: type[BaseModel]):
    """An object; null or {} reads as an empty one."""
    return Annotated[model, BeforeValidator(lambda v: v or {})]


# --- the document ----------------------------------------------------------------------------


class Measure(BaseModel):
    value: Amount | None = None
    year: Year | None = None


class IndicatorValueDoc(BaseModel):
    year: Year
    value: Amount
    source: Text() = ""


class IndicatorDoc(BaseModel):
    code: RequiredText(30)
    label: RequiredText()
    unit: Text(30) = ""
    baseline: Part(Measure) = Measure()
    target: Part(Measure) = Measure()
    binding: NullText(60) = ""
    source: Text() = ""
    values: Items(IndicatorValueDoc) = []


class ActorDoc(BaseModel):
    label: RequiredText(200)
    kind: Choice(INSTITUTION_KEYS, required=False) = ""


class TerritoryDoc(BaseModel):
    level: Choice(LEVEL_KEYS)
    code: RequiredText(9)


class BudgetDoc(BaseModel):
    financer: RequiredText(200)
    year: Year
    amount: Amount


class MilestoneDoc(BaseModel):
    title: RequiredText(400)
    due_on: OptionalDay = None
    done_on: OptionalDay = None


class ActionDoc(BaseModel):
    code: RequiredText(20)
    title: RequiredText(400)
    description: Text(10000) = ""
    status: Annotated[
        Choice(STATUS_KEYS),
        BeforeValidator(
            lambda v: STATUS_KEYS.public(Action.Status.PLANNED) if v is None or v == "" else v
        ),
    ] = Action.Status.PLANNED
    progress: Whole(0, 100) | None = None
    start_year: Year | None = None
    end_year: Year | None = None
    pilots: Items(ActorDoc) = []
    partners: Items(ActorDoc) = []
    territories: Items(TerritoryDoc) = []
    markers: TextList = []
    budget: Items(BudgetDoc) = []
    milestones: Items(MilestoneDoc) = []
    indicators: Items(IndicatorDoc) = []


class ObjectiveDoc(BaseModel):
    code: Text(20) = ""
    title: RequiredText(400)
    actions: Items(ActionDoc) = []


class AxisDoc(BaseModel):
    code: RequiredText(20)
    title: RequiredText(400)
    field: Choice(FIELD_KEYS, required=False) = ""
    objectives: Items(ObjectiveDoc) = []
    actions: Items(ActionDoc) = []


class SignatoryDoc(BaseModel):
    label: RequiredText(200)
    kind: Choice(INSTITUTION_KEYS, required=False) = ""
    represented_by: Text() = ""
    signed_on: OptionalDay = None


class MarkerDoc(BaseModel):
    code: RequiredText(10)
    label: RequiredText()


class KeyFigureDoc(BaseModel):
    label: RequiredText()
    value: Amount
    unit: Text(30) = ""
    year: Year | None = None
    source: Text() = ""


class DecisionDoc(BaseModel):
    text: RequiredText()
    actions: TextList = []


class MeetingDoc(BaseModel):
    held_on: Day
    title: RequiredText()
    participants: Whole() | None = None
    families: Whole() | None = None
    minutes: Text(20000) = ""
    decisions: Items(DecisionDoc) = []


class BodyDoc(BaseModel):
    kind: Choice(BODY_KEYS)
    name: RequiredText()
    chair: Text(200) = ""
    members: ObjectList = []
    meetings: Items(MeetingDoc) = []


class PlanDoc(BaseModel):
    """The whole document, its keys in the order :func:`dumps` writes them."""

    format: str = FORMAT
    reference: RequiredText(60)
    departement: RequiredText(3)
    name: RequiredText()
    short_name: Text(20) = ""
    start_year: Year
    end_year: Year
    signed_on: OptionalDay = None
    source: Text(5000) = ""
    fields: Annotated[
        TextList,
        AfterValidator(lambda fields: [FIELD_KEYS.stored(f) or f for f in fields]),
        PlainSerializer(lambda fields: [FIELD_KEYS.public(f) for f in fields], when_used="json"),
    ] = []
    threads: TextList = []
    signatories: Items(SignatoryDoc) = []
    markers: Items(MarkerDoc) = []
    key_figures: Items(KeyFigureDoc) = []
    axes: Items(AxisDoc) = []
    indicators: Items(IndicatorDoc) = []
    governance: Items(BodyDoc) = []

    @field_validator("end_year")
    @classmethod
    def _after_start(cls, end: int, info: ValidationInfo) -> int:
        start = info.data.get("start_year")
        if start is not None and end < start:
            raise PydanticCustomError("years", "la dernière année précède la première")
        return end


# --- reading and checking ----------------------------------------------------------------------

_DATE = "date AAAA-MM-JJ attendue, reçu « {input} »"
_AMOUNT = f"nombre avec au plus {AMOUNT_PLACES} décimales attendu, reçu « {{input}} »"
_MESSAGES = {  # pydantic's error types, as the file's author is told about them
    "missing": "valeur obligatoire manquante",
    "string_too_short": "valeur obligatoire manquante",  # an empty required text
    "string_type": "texte attendu",
    "string_too_long": "texte trop long ({length} caractères, {max_length} au plus)",
    "too_long": "texte trop long ({length} caractères, {max_length} au plus)",  # after null → ""
    "model_type": "objet JSON attendu",
    "list_type": "liste attendue",
    "int_type": "nombre entier attendu, reçu « {input} »",
    "decimal_type": "nombre attendu, reçu « {input} »",
    "decimal_max_places": _AMOUNT,  # an amount's (a whole number's reads as int_type)
    "decimal_max_digits": _AMOUNT,  # 1e12 or more
    "decimal_whole_digits": _AMOUNT,
    "literal_error": "« {input} » inconnu (valeurs : {expected})",
}


def _message(error: ErrorDetails) -> str:
    """One pydantic error in French. Errors raised by this module's own checks
    (``PydanticCustomError``) are French already."""
    kind, value = error["type"], error.get("input")
    ctx = {**error.get("ctx", {}), "input": value}
    if value is None and kind != "model_type":
        kind = "missing"  # null where a value is required
    elif kind == "decimal_max_places" and ctx["decimal_places"] == 0:
        kind = "int_type"
    elif kind in ("string_too_long", "too_long"):
        ctx["length"] = len(value)
    elif kind == "literal_error":
        ctx["expected"] = ", ".join(re.findall(r"'([^']*)'", ctx["expected"]))
    template = _DATE if kind.startswith("date_") else _MESSAGES.get(kind)
    return template.format(**ctx) if template else error["msg"]


def _path(loc: tuple) -> str:
    """``('axes', 0, 'actions', 2, 'title')`` → ``axes[0].actions[2].title``."""
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else part
    return path or "document"


def _objects(parent: Any, key: str, path: str) -> list[tuple[str, dict]]:
    """The objects listed under ``key`` with their paths (what is not an object, the types
    report)."""
    items = parent.get(key) if isinstance(parent, dict) else None
    where = f"{path}.{key}" if path else key
    if not isinstance(items, list):
        return []
    return [(f"{where}[{i}]", item) for i, item in enumerate(items) if isinstance(item, dict)]


def _texts(parent: dict, key: str) -> list[str]:
    items = parent.get(key) or []
    return items if isinstance(items, list) and all(isinstance(x, str) for x in items) else []


_YEAR = TypeAdapter(Year)


def _year(value: Any) -> str:
    try:
        return str(_YEAR.validate_python(value))
    except ValidationError:
        return ""


def _cross_checks(doc: dict) -> list[RowError]:
    """What types cannot say: the département exists, codes are used once, the markers and
    actions named are defined in the plan, the plan's fields are known."""
    errors: list[RowError] = []

    def error(path: str, message: str) -> None:
        errors.append(RowError(f"{path} : {message}"))

    def once(seen: dict[str, str], what: str, value: Any, path: str) -> None:
        if not isinstance(value, str) or not value:
            return
        if value in seen:
            error(path, f"{what} « {value} » en double (déjà en {seen[value]})")
        else:
            seen[value] = path

    departement = doc.get("departement")
    given = isinstance(departement, str) and departement
    if given and not Departement.objects.filter(code=departement).exists():
        error("departement", f"département « {departement} » inconnu")
    markers: dict[str, str] = {}
    for path, marker in _objects(doc, "markers", ""):
        once(markers, "repère", marker.get("code"), f"{path}.code")
    actions: dict[str, str] = {}
    indicators: dict[str, str] = {}

    def check_indicator(path: str, indicator: dict) -> None:
        once(indicators, "code d'indicateur", indicator.get("code"), f"{path}.code")
        years: dict[str, str] = {}
        for vpath, value in _objects(indicator, "values", path):
            once(years, "année", _year(value.get("year")), f"{vpath}.year")
        binding, values = indicator.get("binding"), indicator.get("values")
        if isinstance(binding, str) and binding and isinstance(values, list) and values:
            error(f"{path}.values", "un indicateur lié à l'observatoire n'a pas de valeurs saisies")

    def check_action(path: str, action: dict) -> None:
        once(actions, "code d'action", action.get("code"), f"{path}.code")
        for marker in _texts(action, "markers"):
            if marker not in markers:
                error(f"{path}.markers", f"repère « {marker} » absent de la liste « markers »")
        for ipath, indicator in _objects(action, "indicators", path):
            check_indicator(ipath, indicator)

    axes: dict[str, str] = {}
    for apath, axis in _objects(doc, "axes", ""):
        once(axes, "code d'axe", axis.get("code"), f"{apath}.code")
        for opath, objective in _objects(axis, "objectives", apath):
            for xpath, action in _objects(objective, "actions", opath):
                check_action(xpath, action)
        for xpath, action in _objects(axis, "actions", apath):
            check_action(xpath, action)
    for field in _texts(doc, "fields"):
        if FIELD_KEYS.stored(field) is None:
            error("fields", f"champ « {field} » inconnu (valeurs : {', '.join(FIELD_KEYS.values)})")
    for ipath, indicator in _objects(doc, "indicators", ""):
        check_indicator(ipath, indicator)
    for bpath, body in _objects(doc, "governance", ""):
        for mpath, meeting in _objects(body, "meetings", bpath):
            for dpath, decision in _objects(meeting, "decisions", mpath):
                for code in _texts(decision, "actions"):
                    if code not in actions:
                        error(f"{dpath}.actions", f"action « {code} » absente du plan")
    return errors


def read_plan(data: Any, source: str = "") -> PlanDoc:
    """Checks a parsed document; returns the plan or raises :class:`ImportFailed` with every
    problem, each with its JSON path."""
    if isinstance(data, dict) and data and data.get("format") != FORMAT:
        message = f"format : format « {FORMAT} » attendu, reçu « {data.get('format')} »"
        raise ImportFailed([RowError(message)], source)
    try:
        plan, errors = PlanDoc.model_validate(data), []
    except ValidationError as exc:
        plan, errors = None, [RowError(f"{_path(e['loc'])} : {_message(e)}") for e in exc.errors()]
    if isinstance(data, dict):
        errors += _cross_checks(data)
    if errors:
        raise ImportFailed(errors, source)
    return plan
