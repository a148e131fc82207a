"""Plan versions: each yearly adjustment publishes a frozen copy of the plan.

The live tables always hold the current plan; a :class:`PlanVersion` keeps the plan as published
(the same JSON as ``plan_export``), so any version can be shown as it was and two versions
compared: actions added, changed, ended (status « arrêtée ») or removed.
"""

from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Max

from sdsf.steering.models import Action, PlanVersion, Scheme
from sdsf.steering.plan_format import STATUS_KEYS
from sdsf.steering.planio import export_plan

ENDED = STATUS_KEYS.public(Action.Status.ENDED)  # versions hold plan files, with their keys

# What a yearly adjustment may change on an action, with the French name shown in the diff.
COMPARED = {
    "title": "intitulé",
    "description": "description",
    "status": "statut",
    "pilots": "pilotes",
    "partners": "partenaires",
    "territories": "territoires",
    "markers": "repères",
    "budget": "budget",
    "milestones": "jalons",
    "start_year": "début",
    "end_year": "fin",
}


def flat_actions(snapshot: dict) -> dict[str, dict]:
    """Actions of a plan snapshot by code, each with the code and title of its axis."""
    found = {}
    for axis in snapshot["axes"]:
        groups = [*(o["actions"] for o in axis["objectives"]), axis["actions"]]
        for actions in groups:
            for action in actions:
                found[action["code"]] = {**action, "axis": f"{axis['code']}. {axis['title']}"}
    return found


@dataclass
class Diff:
    added: list[dict] = field(default_factory=list)
    ended: list[dict] = field(default_factory=list)
    removed: list[dict] = field(default_factory=list)
    changed: list[tuple[dict, list[str]]] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.added or self.ended or self.removed or self.changed)


def compare(before: dict | None, after: dict) -> Diff:
    """What changed in the plan's actions from ``before`` (None: nothing yet) to ``after``."""
    old = flat_actions(before) if before else {}
    new = flat_actions(after)
    diff = Diff()
    for code, action in new.items():
        previous = old.get(code)
        if previous is None:
            diff.added.append(action)
            continue
        if action["status"] == ENDED and previous["status"] != ENDED:
            diff.ended.append(action)
        changes = [label for key, label in COMPARED.items() if previous[key] != action[key]]
        if changes:
            diff.changed.append((action, changes))
    diff.removed = [a for code, a in old.items() if code not in new]
    return diff


@transaction.atomic
def publish(scheme: Scheme, year: int, label: str, note: str, user) -> PlanVersion:
    """Freezes the current plan as the next version of the scheme."""
    Scheme.objects.select_for_update().filter(pk=scheme.pk).first()
    last = scheme.versions.aggregate(n=Max("number"))["n"] or 0
    return PlanVersion.objects.create(
        scheme=scheme,
        number=last + 1,
        year=year,
        label=label,
        note=note,
        published_by=user,
        snapshot=export_plan(scheme),
    )


def previous(version: PlanVersion) -> PlanVersion | None:
    return version.scheme.versions.filter(number__lt=version.number).order_by("-number").first()


def pending_changes(scheme: Scheme) -> Diff:
    """The adjustments made to the live plan since the last published version."""
    last = scheme.versions.order_by("-number").first()
    return compare(last.snapshot if last else None, export_plan(scheme))
