"""The plan as JSON: what ``plan_export`` prints and ``plan_import`` reads (format ``sdsf-plan/1``).

One document holds a whole scheme: signatories, fields, markers, key figures, axes → objectives →
actions (pilots, partners, territories, markers, budget, milestones, indicators and their typed
yearly values), plan-level indicators and governance. Values bound to the observatory are not in
the file (they are computed); plan versions and yearly reviews are history, kept in the platform.

Import is all-or-nothing: the whole document is checked first by its models
(:mod:`sdsf.steering.plan_format`), every problem reported in French with its JSON path
(``axes[0].actions[2].title``); then the scheme is created or updated by its ``reference``.
Export fills the same models from the database and dumps them. Actions and indicators keep their
identity by code, so their updates, review comments and decisions survive a re-import; the other
parts are replaced by the file's.
"""

import json
from decimal import Decimal
from typing import Any

from pydantic import BaseModel

from sdsf.accounts.models import Institution
from sdsf.core.imports import ImportFailed, ImportResult, RowError, apply, decode_utf8
from sdsf.steering.models import (
    Action,
    ActionTerritory,
    Actor,
    Axis,
    Body,
    BudgetLine,
    Decision,
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
from sdsf.steering.plan_format import (
    FORMAT,
    ActionDoc,
    ActorDoc,
    AxisDoc,
    BodyDoc,
    BudgetDoc,
    DecisionDoc,
    IndicatorDoc,
    IndicatorValueDoc,
    KeyFigureDoc,
    MarkerDoc,
    Measure,
    MeetingDoc,
    MilestoneDoc,
    ObjectiveDoc,
    PlanDoc,
    SignatoryDoc,
    TerritoryDoc,
    read_plan,
)
from sdsf.territories.models import Level


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


# --- export ------------------------------------------------------------------------------------


def _doc(model: type[BaseModel], obj: Any, **parts: Any) -> Any:
    """``model`` filled with ``obj``'s attributes of the same names (``parts`` given), without
    validation: what the platform holds is exported as it is."""
    own = {name: getattr(obj, name) for name in model.model_fields if name not in parts}
    return model.model_construct(**own, **parts)


def _indicator(indicator: Indicator) -> IndicatorDoc:
    return _doc(
        IndicatorDoc,
        indicator,
        baseline=Measure.model_construct(
            value=indicator.baseline_value, year=indicator.baseline_year
        ),
        target=Measure.model_construct(value=indicator.target_value, year=indicator.target_year),
        values=[_doc(IndicatorValueDoc, v) for v in indicator.values.all()],
    )


def _action(action: Action) -> ActionDoc:
    actors = list(action.actors.all())
    return _doc(
        ActionDoc,
        action,
        pilots=[_doc(ActorDoc, a) for a in actors if a.is_pilot],
        partners=[_doc(ActorDoc, a) for a in actors if not a.is_pilot],
        territories=[_doc(TerritoryDoc, t) for t in action.territories.all()],
        markers=sorted(m.code for m in action.markers.all()),
        budget=[_doc(BudgetDoc, b) for b in action.budget.all()],
        milestones=[_doc(MilestoneDoc, m) for m in action.milestones.all()],
        indicators=[_indicator(i) for i in action.indicators.all()],
    )


def _body(body: Body) -> BodyDoc:
    def decision(d: Decision) -> DecisionDoc:
        return _doc(DecisionDoc, d, actions=sorted(a.code for a in d.actions.all()))

    meetings = [
        _doc(MeetingDoc, m, decisions=[decision(d) for d in m.decisions.all()])
        for m in body.meetings.all()
    ]
    return _doc(BodyDoc, body, meetings=meetings)


def export_plan(scheme: Scheme) -> dict[str, Any]:
    """The whole plan of ``scheme`` as a JSON-ready dict (stable key and item order)."""
    actions = list(
        scheme.actions.select_related("axis", "objective").prefetch_related(
            "actors", "territories", "markers", "budget", "milestones", "indicators__values"
        )
    )

    def actions_of(axis: Axis, objective: Objective | None) -> list[ActionDoc]:
        return [
            _action(a)
            for a in actions
            if a.axis_id == axis.pk and a.objective_id == (objective.pk if objective else None)
        ]

    def axis(a: Axis) -> AxisDoc:
        objectives = [_doc(ObjectiveDoc, o, actions=actions_of(a, o)) for o in a.objectives.all()]
        return _doc(AxisDoc, a, objectives=objectives, actions=actions_of(a, None))

    plan = _doc(
        PlanDoc,
        scheme,
        format=FORMAT,
        departement=scheme.departement_id,
        signatories=[_doc(SignatoryDoc, s) for s in scheme.signatories.all()],
        markers=[_doc(MarkerDoc, m) for m in scheme.markers.all()],
        key_figures=[_doc(KeyFigureDoc, k) for k in scheme.key_figures.all()],
        axes=[axis(a) for a in scheme.axes.prefetch_related("objectives")],
        indicators=[
            _indicator(i)
            for i in scheme.indicators.filter(action__isnull=True).prefetch_related("values")
        ],
        governance=[
            _body(b) for b in scheme.bodies.prefetch_related("meetings__decisions__actions")
        ],
    )
    return plan.model_dump(mode="json")


def dumps(plan: dict) -> str:
    return json.dumps(plan, ensure_ascii=False, indent=2) + "\n"


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


def _write_indicator(scheme, action, position: int, data: IndicatorDoc, existing: dict) -> None:
    indicator = existing.pop(data.code, None) or Indicator(scheme=scheme, code=data.code)
    fields = {
        "label": data.label,
        "unit": data.unit,
        "baseline_value": data.baseline.value,
        "baseline_year": data.baseline.year,
        "target_value": data.target.value,
        "target_year": data.target.year,
        "binding": data.binding,
        "source": data.source,
        "action": action,
        "position": position,
    }
    for name, value in fields.items():
        setattr(indicator, name, value)
    indicator.save()
    indicator.values.all().delete()
    IndicatorValue.objects.bulk_create(
        IndicatorValue(indicator=indicator, **v.model_dump()) for v in data.values
    )


def _write_action(scheme, axis, objective, position, data: ActionDoc, ctx) -> None:
    action = ctx["actions"].pop(data.code, None)
    if action is None:
        action = Action(scheme=scheme, code=data.code)
        ctx["result"].created += 1
    else:
        ctx["result"].updated += 1
    simple = ("title", "description", "status", "progress", "start_year", "end_year")
    for name in simple:
        setattr(action, name, getattr(data, name))
    action.axis, action.objective, action.position = axis, objective, position
    action.save()
    action.markers.set([ctx["markers"][code] for code in data.markers])
    action.actors.all().delete()
    Actor.objects.bulk_create(
        Actor(
            action=action,
            part=part,
            position=i,
            label=a.label,
            kind=a.kind,
            institution=_pilot_institution(a.kind, scheme.departement_id),
        )
        for part, actors in ((Actor.Part.PILOT, data.pilots), (Actor.Part.PARTNER, data.partners))
        for i, a in enumerate(actors)
    )
    action.territories.all().delete()
    ActionTerritory.objects.bulk_create(
        ActionTerritory(action=action, **t.model_dump()) for t in data.territories
    )
    action.budget.all().delete()
    BudgetLine.objects.bulk_create(BudgetLine(action=action, **b.model_dump()) for b in data.budget)
    action.milestones.all().delete()
    Milestone.objects.bulk_create(
        Milestone(action=action, position=i, **m.model_dump())
        for i, m in enumerate(data.milestones)
    )
    for i, indicator in enumerate(data.indicators):
        _write_indicator(scheme, action, i, indicator, ctx["indicators"])
    ctx["written"][data.code] = action


def _replace(manager, model, rows: list[BaseModel], **common) -> None:
    manager.all().delete()
    model.objects.bulk_create(
        model(position=i, **common, **row.model_dump()) for i, row in enumerate(rows)
    )


def write_plan(plan: PlanDoc) -> tuple[Scheme, ImportResult]:
    """Creates or updates the scheme described by a checked plan (see :func:`read_plan`)."""
    result = ImportResult()  # counts actions: what a person checks after an import
    scheme = Scheme.objects.filter(reference=plan.reference).first() or Scheme(
        reference=plan.reference
    )
    for name in ("name", "short_name", "start_year", "end_year", "signed_on", "source"):
        setattr(scheme, name, getattr(plan, name))
    scheme.fields, scheme.threads = plan.fields, plan.threads
    scheme.departement_id = plan.departement
    scheme.save()
    _replace(scheme.signatories, Signatory, plan.signatories, scheme=scheme)
    _replace(scheme.key_figures, KeyFigure, plan.key_figures, scheme=scheme)

    scheme.markers.exclude(code__in=[m.code for m in plan.markers]).delete()
    markers = {}
    for m in plan.markers:
        markers[m.code], _ = Marker.objects.update_or_create(
            scheme=scheme, code=m.code, defaults={"label": m.label}
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
    for position, axis_data in enumerate(plan.axes):
        axis = old_axes.pop(axis_data.code, None) or Axis(scheme=scheme, code=axis_data.code)
        axis.title, axis.field, axis.position = axis_data.title, axis_data.field, position
        axis.save()
        old_objectives = list(axis.objectives.all())
        in_order = []  # objectives' actions first, then the axis's own, as export_plan lists them
        for i, o in enumerate(axis_data.objectives):
            objective = old_objectives.pop(0) if old_objectives else Objective(axis=axis)
            objective.code, objective.title, objective.position = o.code, o.title, i
            objective.save()
            in_order += [(objective, a) for a in o.actions]
        in_order += [(None, a) for a in axis_data.actions]
        for j, (objective, action) in enumerate(in_order):
            _write_action(scheme, axis, objective, j, action, ctx)
        leftover_objectives += old_objectives
    removed = len(ctx["actions"])
    for action in ctx["actions"].values():
        action.delete()
    for stale in [*leftover_objectives, *old_axes.values()]:
        stale.delete()
    for i, indicator in enumerate(plan.indicators):
        _write_indicator(scheme, None, i, indicator, ctx["indicators"])
    for indicator in ctx["indicators"].values():
        indicator.delete()
    _write_governance(scheme, plan.governance, ctx["written"])
    if removed:
        result.notes.append(f"{removed} action(s) absente(s) du fichier retirée(s) du plan.")
    return scheme, result


def _write_governance(scheme: Scheme, bodies: list[BodyDoc], actions: dict[str, Action]) -> None:
    scheme.bodies.all().delete()
    for position, b in enumerate(bodies):
        body = Body.objects.create(
            scheme=scheme,
            position=position,
            **b.model_dump(exclude={"meetings"}),
        )
        for m in b.meetings:
            meeting = Meeting.objects.create(body=body, **m.model_dump(exclude={"decisions"}))
            for i, d in enumerate(m.decisions):
                decision = Decision.objects.create(meeting=meeting, position=i, text=d.text)
                decision.actions.set([actions[code] for code in d.actions])


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
