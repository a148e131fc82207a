"""The plan as JSON: what ``plan_export`` prints and ``plan_import`` reads (format ``sdsf-plan/1``).

One document holds a whole scheme: signatories, fields, markers, key figures, axes → objectives →
actions (pilots, partners, territories, markers, budget, milestones, indicators and their typed
yearly values), plan-level indicators and governance. Values bound to the observatory are not in
the file (they are computed); plan versions and yearly reviews are history, kept in the platform.

Import is all-or-nothing: the whole document is checked first, every problem reported in French
with its JSON path (``axes[0].actions[2].title``); then the scheme is created or updated by its
``reference``. Actions and indicators keep their identity by code, so their updates, review
comments and decisions survive a re-import; the other parts are replaced by the file's.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Any

from sdsf.accounts.models import Institution
from sdsf.core.choices import FileKeys
from sdsf.core.imports import ImportFailed, ImportResult, RowError, apply, decode_utf8
from sdsf.steering.models import (
    Action,
    ActionTerritory,
    Actor,
    Axis,
    Body,
    BudgetLine,
    Decision,
    Field,
    Indicator,
    IndicatorValue,
    KeyFigure,
    Marker,
    Meeting,
    Milestone,
    Objective,
    Scheme,
    Signatory,
)
from sdsf.territories.models import Departement, Level

FORMAT = "sdsf-plan/1"
# The file keeps the French keys it was published with (docs/imports.md); the stored keys are
# English (docs/decisions/0004-stored-choice-keys.md).
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


# --- export ------------------------------------------------------------------------------------


def _number(value: Decimal | None) -> int | float | None:
    """JSON number for a stored decimal: integral values as integers (``373``, not ``373.00``)."""
    if value is None:
        return None
    normalized = value.normalize()
    return int(normalized) if normalized == normalized.to_integral_value() else float(normalized)


def _date(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _indicator(indicator: Indicator) -> dict:
    return {
        "code": indicator.code,
        "label": indicator.label,
        "unit": indicator.unit,
        "baseline": {
            "value": _number(indicator.baseline_value),
            "year": indicator.baseline_year,
        },
        "target": {"value": _number(indicator.target_value), "year": indicator.target_year},
        "binding": indicator.binding or None,
        "source": indicator.source,
        "values": [
            {"year": v.year, "value": _number(v.value), "source": v.source}
            for v in indicator.values.all()
        ],
    }


def _actor(actor: Actor) -> dict:
    return {"label": actor.label, "kind": INSTITUTION_KEYS.public(actor.kind) or None}


def _action(action: Action) -> dict:
    actors = list(action.actors.all())
    return {
        "code": action.code,
        "title": action.title,
        "description": action.description,
        "status": STATUS_KEYS.public(action.status),
        "progress": action.progress,
        "start_year": action.start_year,
        "end_year": action.end_year,
        "pilots": [_actor(a) for a in actors if a.is_pilot],
        "partners": [_actor(a) for a in actors if not a.is_pilot],
        "territories": [{"level": t.level, "code": t.code} for t in action.territories.all()],
        "markers": sorted(m.code for m in action.markers.all()),
        "budget": [
            {"financer": b.financer, "year": b.year, "amount": _number(b.amount)}
            for b in action.budget.all()
        ],
        "milestones": [
            {"title": m.title, "due_on": _date(m.due_on), "done_on": _date(m.done_on)}
            for m in action.milestones.all()
        ],
        "indicators": [_indicator(i) for i in action.indicators.all()],
    }


def _prefetched_actions(scheme: Scheme) -> list[Action]:
    return list(
        scheme.actions.select_related("axis", "objective").prefetch_related(
            "actors", "territories", "markers", "budget", "milestones", "indicators__values"
        )
    )


def export_plan(scheme: Scheme) -> dict[str, Any]:
    """The whole plan of ``scheme`` as a JSON-ready dict (stable key and item order)."""
    actions = _prefetched_actions(scheme)

    def actions_of(axis: Axis, objective: Objective | None) -> list[dict]:
        return [
            _action(a)
            for a in actions
            if a.axis_id == axis.pk and a.objective_id == (objective.pk if objective else None)
        ]

    axes = []
    for axis in scheme.axes.prefetch_related("objectives"):
        axes.append(
            {
                "code": axis.code,
                "title": axis.title,
                "field": FIELD_KEYS.public(axis.field) or None,
                "objectives": [
                    {"code": o.code, "title": o.title, "actions": actions_of(axis, o)}
                    for o in axis.objectives.all()
                ],
                "actions": actions_of(axis, None),
            }
        )
    return {
        "format": FORMAT,
        "reference": scheme.reference,
        "departement": scheme.departement_id,
        "name": scheme.name,
        "short_name": scheme.short_name,
        "start_year": scheme.start_year,
        "end_year": scheme.end_year,
        "signed_on": _date(scheme.signed_on),
        "source": scheme.source,
        "fields": [FIELD_KEYS.public(f) for f in scheme.fields],
        "threads": list(scheme.threads),
        "signatories": [
            {
                "label": s.label,
                "kind": INSTITUTION_KEYS.public(s.kind) or None,
                "represented_by": s.represented_by,
                "signed_on": _date(s.signed_on),
            }
            for s in scheme.signatories.all()
        ],
        "markers": [{"code": m.code, "label": m.label} for m in scheme.markers.all()],
        "key_figures": [
            {
                "label": k.label,
                "value": _number(k.value),
                "unit": k.unit,
                "year": k.year,
                "source": k.source,
            }
            for k in scheme.key_figures.all()
        ],
        "axes": axes,
        "indicators": [
            _indicator(i)
            for i in scheme.indicators.filter(action__isnull=True).prefetch_related("values")
        ],
        "governance": [
            {
                "kind": BODY_KEYS.public(body.kind),
                "name": body.name,
                "chair": body.chair,
                "members": body.members,
                "meetings": [
                    {
                        "held_on": _date(m.held_on),
                        "title": m.title,
                        "participants": m.participants,
                        "families": m.families,
                        "minutes": m.minutes,
                        "decisions": [
                            {
                                "text": d.text,
                                "actions": sorted(a.code for a in d.actions.all()),
                            }
                            for d in m.decisions.all()
                        ],
                    }
                    for m in body.meetings.all()
                ],
            }
            for body in scheme.bodies.prefetch_related("meetings__decisions__actions")
        ],
    }


def dumps(plan: dict) -> str:
    return json.dumps(plan, ensure_ascii=False, indent=2) + "\n"


# --- reading and checking ----------------------------------------------------------------------


MAX_COUNT = 2_147_483_647  # the largest integer every database column of the plan holds


class _Reader:
    """Reads typed values out of the parsed JSON, collecting French errors with their path."""

    def __init__(self):
        self.errors: list[RowError] = []

    def error(self, path: str, message: str) -> None:
        self.errors.append(RowError(f"{path} : {message}"))

    def obj(self, data: Any, path: str) -> dict:
        if not isinstance(data, dict):
            self.error(path or "document", "objet JSON attendu")
            return {}
        return data

    def items(self, data: dict, key: str, path: str) -> list[tuple[str, dict]]:
        raw = data.get(key, [])
        where = f"{path}.{key}" if path else key
        if raw is None:
            return []
        if not isinstance(raw, list):
            self.error(where, "liste attendue")
            return []
        return [(f"{where}[{i}]", self.obj(item, f"{where}[{i}]")) for i, item in enumerate(raw)]

    def text(self, data: dict, key: str, path: str, *, required=False, max_length=300) -> str:
        raw = data.get(key)
        where = f"{path}.{key}" if path else key
        if raw is None or raw == "":
            if required:
                self.error(where, "valeur obligatoire manquante")
            return ""
        if not isinstance(raw, str):
            self.error(where, "texte attendu")
            return ""
        if len(raw) > max_length:
            self.error(where, f"texte trop long ({len(raw)} caractères, {max_length} au plus)")
        return raw

    def integer(self, data: dict, key: str, path: str, *, required=False, low=0, high=MAX_COUNT):
        raw = data.get(key)
        where = f"{path}.{key}" if path else key
        if raw is None:
            if required:
                self.error(where, "valeur obligatoire manquante")
            return None
        # compared as they are before int(): 1e999999999 would take a billion digits
        if (
            isinstance(raw, bool)
            or not isinstance(raw, int | Decimal)
            or (isinstance(raw, Decimal) and raw != raw.to_integral_value())
        ):
            self.error(where, f"nombre entier attendu, reçu « {raw} »")
            return None
        if raw < low or raw > high:
            self.error(where, f"nombre entre {low} et {high} attendu, reçu « {raw} »")
            return None
        return int(raw)

    def year(self, data: dict, key: str, path: str, *, required=False):
        return self.integer(data, key, path, required=required, low=1900, high=2100)

    def decimal(self, data: dict, key: str, path: str, *, required=False):
        raw = data.get(key)
        where = f"{path}.{key}" if path else key
        if raw is None:
            if required:
                self.error(where, "valeur obligatoire manquante")
            return None
        if isinstance(raw, bool) or not isinstance(raw, int | Decimal):
            self.error(where, f"nombre attendu, reçu « {raw} »")
            return None
        value = Decimal(raw)
        if abs(value) >= Decimal("1e12") or value != value.quantize(Decimal("0.01")):
            self.error(where, f"nombre avec au plus 2 décimales attendu, reçu « {raw} »")
            return None
        return value

    def day(self, data: dict, key: str, path: str, *, required=False):
        text = self.text(data, key, path, required=required)
        if not text:
            return None
        try:
            return date.fromisoformat(text)
        except ValueError:
            self.error(f"{path}.{key}", f"date AAAA-MM-JJ attendue, reçu « {text} »")
            return None

    def choice(self, data: dict, key: str, path: str, choices, *, required=False) -> str:
        """The stored key of a choice written in the file (its file key for a :class:`FileKeys`)."""
        text = self.text(data, key, path, required=required)
        keys = choices if isinstance(choices, FileKeys) else FileKeys(choices, {})
        if text and keys.stored(text) is None:
            allowed = ", ".join(keys.values)
            self.error(f"{path}.{key}", f"« {text} » inconnu (valeurs : {allowed})")
            return ""
        return keys.stored(text) if text else text

    def strings(self, data: dict, key: str, path: str) -> list[str]:
        raw = data.get(key) or []
        if not isinstance(raw, list) or not all(isinstance(x, str) for x in raw):
            self.error(f"{path}.{key}" if path else key, "liste de textes attendue")
            return []
        return raw

    def unique(self, seen: dict[str, str], key: str, path: str, what: str) -> None:
        if key and key in seen:
            self.error(path, f"{what} « {key} » en double (déjà en {seen[key]})")
        elif key:
            seen[key] = path


def _read_indicator(r: _Reader, d: dict, path: str, codes: dict) -> dict:
    code = r.text(d, "code", path, required=True, max_length=30)
    r.unique(codes, code, f"{path}.code", "code d'indicateur")
    baseline = r.obj(d.get("baseline") or {}, f"{path}.baseline")
    target = r.obj(d.get("target") or {}, f"{path}.target")
    binding = r.text(d, "binding", path, max_length=60)
    values, years = [], {}
    for vpath, v in r.items(d, "values", path):
        year = r.year(v, "year", vpath, required=True)
        r.unique(years, str(year) if year else "", f"{vpath}.year", "année")
        values.append(
            {
                "year": year,
                "value": r.decimal(v, "value", vpath, required=True),
                "source": r.text(v, "source", vpath),
            }
        )
    if binding and values:
        r.error(f"{path}.values", "un indicateur lié à l'observatoire n'a pas de valeurs saisies")
    return {
        "code": code,
        "label": r.text(d, "label", path, required=True),
        "unit": r.text(d, "unit", path, max_length=30),
        "baseline_value": r.decimal(baseline, "value", f"{path}.baseline"),
        "baseline_year": r.year(baseline, "year", f"{path}.baseline"),
        "target_value": r.decimal(target, "value", f"{path}.target"),
        "target_year": r.year(target, "year", f"{path}.target"),
        "binding": binding,
        "source": r.text(d, "source", path),
        "values": values,
    }


def _read_actors(r: _Reader, d: dict, key: str, path: str) -> list[dict]:
    return [
        {
            "label": r.text(a, "label", apath, required=True, max_length=200),
            "kind": r.choice(a, "kind", apath, INSTITUTION_KEYS),
        }
        for apath, a in r.items(d, key, path)
    ]


def _read_action(r: _Reader, d: dict, path: str, ctx: dict) -> dict:
    code = r.text(d, "code", path, required=True, max_length=20)
    r.unique(ctx["action_codes"], code, f"{path}.code", "code d'action")
    markers = r.strings(d, "markers", path)
    for marker in markers:
        if marker not in ctx["markers"]:
            r.error(f"{path}.markers", f"repère « {marker} » absent de la liste « markers »")
    territories = []
    for tpath, t in r.items(d, "territories", path):
        territories.append(
            {
                "level": r.choice(t, "level", tpath, Level.values, required=True),
                "code": r.text(t, "code", tpath, required=True, max_length=9),
            }
        )
    return {
        "code": code,
        "title": r.text(d, "title", path, required=True, max_length=400),
        "description": r.text(d, "description", path, max_length=10000),
        "status": r.choice(d, "status", path, STATUS_KEYS) or Action.Status.PLANNED,
        "progress": r.integer(d, "progress", path, high=100),
        "start_year": r.year(d, "start_year", path),
        "end_year": r.year(d, "end_year", path),
        "pilots": _read_actors(r, d, "pilots", path),
        "partners": _read_actors(r, d, "partners", path),
        "territories": territories,
        "markers": markers,
        "budget": [
            {
                "financer": r.text(b, "financer", bpath, required=True, max_length=200),
                "year": r.year(b, "year", bpath, required=True),
                "amount": r.decimal(b, "amount", bpath, required=True),
            }
            for bpath, b in r.items(d, "budget", path)
        ],
        "milestones": [
            {
                "title": r.text(m, "title", mpath, required=True, max_length=400),
                "due_on": r.day(m, "due_on", mpath),
                "done_on": r.day(m, "done_on", mpath),
            }
            for mpath, m in r.items(d, "milestones", path)
        ],
        "indicators": [
            _read_indicator(r, i, ipath, ctx["indicator_codes"])
            for ipath, i in r.items(d, "indicators", path)
        ],
    }


def _read_governance(r: _Reader, doc: dict, action_codes: dict) -> list[dict]:
    bodies = []
    for bpath, b in r.items(doc, "governance", ""):
        members = b.get("members") or []
        if not isinstance(members, list) or not all(isinstance(m, dict) for m in members):
            r.error(f"{bpath}.members", "liste d'objets attendue")
            members = []
        meetings = []
        for mpath, m in r.items(b, "meetings", bpath):
            decisions = []
            for dpath, d in r.items(m, "decisions", mpath):
                codes = r.strings(d, "actions", dpath)
                for code in codes:
                    if code not in action_codes:
                        r.error(f"{dpath}.actions", f"action « {code} » absente du plan")
                decisions.append(
                    {"text": r.text(d, "text", dpath, required=True), "actions": codes}
                )
            meetings.append(
                {
                    "held_on": r.day(m, "held_on", mpath, required=True),
                    "title": r.text(m, "title", mpath, required=True),
                    "participants": r.integer(m, "participants", mpath),
                    "families": r.integer(m, "families", mpath),
                    "minutes": r.text(m, "minutes", mpath, max_length=20000),
                    "decisions": decisions,
                }
            )
        bodies.append(
            {
                "kind": r.choice(b, "kind", bpath, BODY_KEYS, required=True),
                "name": r.text(b, "name", bpath, required=True),
                "chair": r.text(b, "chair", bpath, max_length=200),
                "members": members,
                "meetings": meetings,
            }
        )
    return bodies


def read_plan(data: Any, source: str = "") -> dict:
    """Checks a parsed document; returns the normalised plan or raises :class:`ImportFailed`."""
    r = _Reader()
    doc = r.obj(data, "")
    if doc and doc.get("format") != FORMAT:
        r.error("format", f"format « {FORMAT} » attendu, reçu « {doc.get('format')} »")
        raise ImportFailed(r.errors, source)
    departement = r.text(doc, "departement", "", required=True, max_length=3)
    if departement and not Departement.objects.filter(code=departement).exists():
        r.error("departement", f"département « {departement} » inconnu")
    markers: dict[str, str] = {}
    marker_rows = []
    for mpath, m in r.items(doc, "markers", ""):
        code = r.text(m, "code", mpath, required=True, max_length=10)
        r.unique(markers, code, f"{mpath}.code", "repère")
        marker_rows.append({"code": code, "label": r.text(m, "label", mpath, required=True)})
    ctx = {"markers": markers, "action_codes": {}, "indicator_codes": {}}
    axes, axis_codes = [], {}
    for apath, a in r.items(doc, "axes", ""):
        code = r.text(a, "code", apath, required=True, max_length=20)
        r.unique(axis_codes, code, f"{apath}.code", "code d'axe")
        axes.append(
            {
                "code": code,
                "title": r.text(a, "title", apath, required=True, max_length=400),
                "field": r.choice(a, "field", apath, FIELD_KEYS),
                "objectives": [
                    {
                        "code": r.text(o, "code", opath, max_length=20),
                        "title": r.text(o, "title", opath, required=True, max_length=400),
                        "actions": [
                            _read_action(r, x, xpath, ctx)
                            for xpath, x in r.items(o, "actions", opath)
                        ],
                    }
                    for opath, o in r.items(a, "objectives", apath)
                ],
                "actions": [
                    _read_action(r, x, xpath, ctx) for xpath, x in r.items(a, "actions", apath)
                ],
            }
        )
    written = r.strings(doc, "fields", "")
    fields = [FIELD_KEYS.stored(f) for f in written]
    for f in [f for f in written if FIELD_KEYS.stored(f) is None]:
        r.error("fields", f"champ « {f} » inconnu (valeurs : {', '.join(FIELD_KEYS.values)})")
    plan = {
        "reference": r.text(doc, "reference", "", required=True, max_length=60),
        "departement": departement,
        "name": r.text(doc, "name", "", required=True),
        "short_name": r.text(doc, "short_name", "", max_length=20),
        "start_year": r.year(doc, "start_year", "", required=True),
        "end_year": r.year(doc, "end_year", "", required=True),
        "signed_on": r.day(doc, "signed_on", ""),
        "source": r.text(doc, "source", "", max_length=5000),
        "fields": fields,
        "threads": r.strings(doc, "threads", ""),
        "signatories": [
            {
                "label": r.text(s, "label", spath, required=True, max_length=200),
                "kind": r.choice(s, "kind", spath, INSTITUTION_KEYS),
                "represented_by": r.text(s, "represented_by", spath),
                "signed_on": r.day(s, "signed_on", spath),
            }
            for spath, s in r.items(doc, "signatories", "")
        ],
        "markers": marker_rows,
        "key_figures": [
            {
                "label": r.text(k, "label", kpath, required=True),
                "value": r.decimal(k, "value", kpath, required=True),
                "unit": r.text(k, "unit", kpath, max_length=30),
                "year": r.year(k, "year", kpath),
                "source": r.text(k, "source", kpath),
            }
            for kpath, k in r.items(doc, "key_figures", "")
        ],
        "axes": axes,
        "indicators": [
            _read_indicator(r, i, ipath, ctx["indicator_codes"])
            for ipath, i in r.items(doc, "indicators", "")
        ],
        "governance": _read_governance(r, doc, ctx["action_codes"]),
    }
    start, end = plan["start_year"], plan["end_year"]
    if start and end and end < start:
        r.error("end_year", "la dernière année précède la première")
    if r.errors:
        raise ImportFailed(r.errors, source)
    return plan


def load_json(text: str | bytes, source: str = "") -> Any:
    """The parsed document; a file that is not UTF-8 JSON, or is nested too deep for the
    parser, is refused with a French error rather than a traceback."""
    if isinstance(text, bytes):
        text = decode_utf8(text, source)
    try:
        return json.loads(text, parse_float=Decimal)
    except json.JSONDecodeError as exc:
        raise ImportFailed(
            [RowError(f"JSON invalide : {exc.msg}", line=exc.lineno)], source
        ) from None
    except RecursionError:
        raise ImportFailed([RowError("JSON imbriqué trop profondément")], source) from None
    except ValueError:  # an integer of more than 4,300 digits
        raise ImportFailed([RowError("JSON invalide : nombre trop long")], source) from None


# --- writing -----------------------------------------------------------------------------------


def _pilot_institution(kind: str, departement: str) -> Institution | None:
    """The platform's institution of that kind serving the département, when there is one."""
    if not kind:
        return None
    found = list(
        Institution.objects.filter(
            kind=kind, territory_level=Level.DEPARTEMENT, territory_code=departement
        )[:2]
    )
    return found[0] if len(found) == 1 else None


def _write_indicator(scheme, action, position: int, data: dict, existing: dict) -> None:
    fields = {k: v for k, v in data.items() if k not in ("code", "values")}
    indicator = existing.pop(data["code"], None) or Indicator(scheme=scheme, code=data["code"])
    for name, value in {**fields, "action": action, "position": position}.items():
        setattr(indicator, name, value)
    indicator.save()
    indicator.values.all().delete()
    IndicatorValue.objects.bulk_create(
        IndicatorValue(indicator=indicator, **v) for v in data["values"]
    )


def _write_action(scheme, axis, objective, position, data, ctx) -> None:
    action = ctx["actions"].pop(data["code"], None)
    if action is None:
        action = Action(scheme=scheme, code=data["code"])
        ctx["result"].created += 1
    else:
        ctx["result"].updated += 1
    simple = ("title", "description", "status", "progress", "start_year", "end_year")
    for name in simple:
        setattr(action, name, data[name])
    action.axis, action.objective, action.position = axis, objective, position
    action.save()
    action.markers.set([ctx["markers"][code] for code in data["markers"]])
    action.actors.all().delete()
    Actor.objects.bulk_create(
        Actor(
            action=action,
            part=part,
            position=i,
            label=a["label"],
            kind=a["kind"],
            institution=_pilot_institution(a["kind"], scheme.departement_id),
        )
        for part, key in ((Actor.Part.PILOT, "pilots"), (Actor.Part.PARTNER, "partners"))
        for i, a in enumerate(data[key])
    )
    action.territories.all().delete()
    ActionTerritory.objects.bulk_create(
        ActionTerritory(action=action, **t) for t in data["territories"]
    )
    action.budget.all().delete()
    BudgetLine.objects.bulk_create(BudgetLine(action=action, **b) for b in data["budget"])
    action.milestones.all().delete()
    Milestone.objects.bulk_create(
        Milestone(action=action, position=i, **m) for i, m in enumerate(data["milestones"])
    )
    for i, indicator in enumerate(data["indicators"]):
        _write_indicator(scheme, action, i, indicator, ctx["indicators"])
    ctx["written"][data["code"]] = action


def _replace(manager, model, rows: list[dict], **common) -> None:
    manager.all().delete()
    model.objects.bulk_create(model(position=i, **common, **row) for i, row in enumerate(rows))


def write_plan(plan: dict) -> tuple[Scheme, ImportResult]:
    """Creates or updates the scheme described by a checked plan (see :func:`read_plan`)."""
    result = ImportResult()  # counts actions: what a person checks after an import
    scheme = Scheme.objects.filter(reference=plan["reference"]).first() or Scheme(
        reference=plan["reference"]
    )
    for name in ("name", "short_name", "start_year", "end_year", "signed_on", "source"):
        setattr(scheme, name, plan[name])
    scheme.fields, scheme.threads = plan["fields"], plan["threads"]
    scheme.departement_id = plan["departement"]
    scheme.save()
    _replace(scheme.signatories, Signatory, plan["signatories"], scheme=scheme)
    _replace(scheme.key_figures, KeyFigure, plan["key_figures"], scheme=scheme)

    scheme.markers.exclude(code__in=[m["code"] for m in plan["markers"]]).delete()
    markers = {}
    for m in plan["markers"]:
        markers[m["code"]], _ = Marker.objects.update_or_create(
            scheme=scheme, code=m["code"], defaults={"label": m["label"]}
        )
    ctx = {
        "markers": markers,
        "actions": {a.code: a for a in scheme.actions.all()},
        "indicators": {i.code: i for i in scheme.indicators.all()},
        "written": {},
        "result": result,
    }
    old_axes = {a.code: a for a in scheme.axes.all()}
    leftover_objectives = []
    for position, axis_data in enumerate(plan["axes"]):
        axis = old_axes.pop(axis_data["code"], None) or Axis(scheme=scheme, code=axis_data["code"])
        axis.title, axis.field, axis.position = axis_data["title"], axis_data["field"], position
        axis.save()
        old_objectives = list(axis.objectives.all())
        in_order = []  # objectives' actions first, then the axis's own, as export_plan lists them
        for i, o in enumerate(axis_data["objectives"]):
            objective = old_objectives.pop(0) if old_objectives else Objective(axis=axis)
            objective.code, objective.title, objective.position = o["code"], o["title"], i
            objective.save()
            in_order += [(objective, a) for a in o["actions"]]
        in_order += [(None, a) for a in axis_data["actions"]]
        for j, (objective, action) in enumerate(in_order):
            _write_action(scheme, axis, objective, j, action, ctx)
        leftover_objectives += old_objectives
    removed = len(ctx["actions"])
    for action in ctx["actions"].values():
        action.delete()
    for stale in [*leftover_objectives, *old_axes.values()]:
        stale.delete()
    for i, indicator in enumerate(plan["indicators"]):
        _write_indicator(scheme, None, i, indicator, ctx["indicators"])
    for indicator in ctx["indicators"].values():
        indicator.delete()
    _write_governance(scheme, plan["governance"], ctx["written"])
    if removed:
        result.notes.append(f"{removed} action(s) absente(s) du fichier retirée(s) du plan.")
    return scheme, result


def _write_governance(scheme: Scheme, bodies: list[dict], actions: dict[str, Action]) -> None:
    scheme.bodies.all().delete()
    for position, b in enumerate(bodies):
        body = Body.objects.create(
            scheme=scheme,
            position=position,
            kind=b["kind"],
            name=b["name"],
            chair=b["chair"],
            members=b["members"],
        )
        for m in b["meetings"]:
            fields = {k: v for k, v in m.items() if k != "decisions"}
            meeting = Meeting.objects.create(body=body, **fields)
            for i, d in enumerate(m["decisions"]):
                decision = Decision.objects.create(meeting=meeting, position=i, text=d["text"])
                decision.actions.set([actions[code] for code in d["actions"]])


def import_plan(text: str | bytes, source: str = "", *, dry_run: bool = False):
    """Parses, checks and writes a plan in one transaction. Returns (scheme id, result)."""
    plan = read_plan(load_json(text, source), source)
    written: list[Scheme] = []

    def write() -> ImportResult:
        scheme, result = write_plan(plan)
        written.append(scheme)
        return result

    result = apply(write, dry_run=dry_run)
    return written[0].pk, result
