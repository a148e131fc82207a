"""Filters of the plan tree: pilot, marker, territory, status (choices read from the plan)."""

from django.db.models import QuerySet

from sdsf.steering.models import Action, ActionTerritory, Actor, Scheme
from sdsf.territories.queries import TerritoryRef, labels


class PlanFilter:
    """Reads the query string against the scheme's own choices; unknown values are ignored."""

    def __init__(self, scheme: Scheme, params):
        self.scheme = scheme
        actors = Actor.objects.filter(action__scheme=scheme, part=Actor.Part.PILOT)
        self.pilot_choices = sorted(set(actors.values_list("label", flat=True)))
        self.marker_choices = [(m.code, m.label) for m in scheme.markers.all()]
        places = ActionTerritory.objects.filter(action__scheme=scheme)
        refs = [TerritoryRef(*place) for place in sorted(set(places.values_list("level", "code")))]
        found = labels(refs)
        self.territory_choices = [(f"{ref.level}:{ref.code}", found[ref]) for ref in refs]
        self.status_choices = Action.Status.choices
        self.pilot = self._pick(params, "pilote", self.pilot_choices)
        self.marker = self._pick(params, "repere", [c for c, _ in self.marker_choices])
        self.territory = self._pick(params, "territoire", [c for c, _ in self.territory_choices])
        self.status = self._pick(params, "statut", [c for c, _ in self.status_choices])

    @staticmethod
    def _pick(params, name: str, allowed) -> str:
        value = params.get(name, "")
        return value if value in allowed else ""

    @property
    def active(self) -> bool:
        return any((self.pilot, self.marker, self.territory, self.status))

    def apply(self, actions: QuerySet[Action]) -> QuerySet[Action]:
        if self.pilot:
            actions = actions.filter(actors__part=Actor.Part.PILOT, actors__label=self.pilot)
        if self.marker:
            actions = actions.filter(markers__code=self.marker)
        if self.territory:
            level, code = self.territory.split(":", 1)
            actions = actions.filter(territories__level=level, territories__code=code)
        if self.status:
            actions = actions.filter(status=self.status)
        return actions.distinct()
