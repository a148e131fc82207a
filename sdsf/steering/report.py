"""The evaluation report of a scheme, as a PDF (WeasyPrint) and as an XLSX workbook.

Both are generated from the data: key figures (published ones and the observatory's bound
figures), progress by axis, indicator trajectories, the map of the territories the actions
target, and governance activity. Nothing here is typed by hand.
"""

from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet, Sum

from sdsf.core import clock, downloads
from sdsf.steering import bindings, charts
from sdsf.steering.indicators import Figures, trajectory, yearly_values
from sdsf.steering.models import Action, Axis, Indicator, Meeting, Scheme
from sdsf.territories.queries import TerritoryRef, communes_of


@dataclass
class AxisNode:
    axis: Axis
    groups: list[tuple[object, list[Action]]] = field(default_factory=list)

    @property
    def actions(self) -> list[Action]:
        return [a for _, actions in self.groups for a in actions]

    @property
    def progress(self) -> int | None:
        """Mean declared progress of the axis's actions that declare one."""
        known = [a.progress for a in self.actions if a.progress is not None]
        return round(sum(known) / len(known)) if known else None


def tree(scheme: Scheme, actions: QuerySet[Action]) -> list[AxisNode]:
    """Axes → objectives → actions, keeping only the given (possibly filtered) actions."""
    kept = list(actions.select_related("objective"))
    nodes = []
    for axis in scheme.axes.prefetch_related("objectives"):
        node = AxisNode(axis)
        for objective in [*axis.objectives.all(), None]:
            members = [
                a
                for a in kept
                if a.axis_id == axis.pk and a.objective_id == (objective.pk if objective else None)
            ]
            if members:
                node.groups.append((objective, members))
        nodes.append(node)
    return nodes


def status_counts(scheme: Scheme) -> list[tuple[str, dict[str, int]]]:
    counts = Counter(scheme.actions.values_list("axis_id", "status"))
    return [
        (f"{axis.code}. {axis.title}", {s: counts[axis.pk, s] for s in Action.Status.values})
        for axis in scheme.axes.all()
    ]


def governance_activity(scheme: Scheme) -> dict:
    meetings = Meeting.objects.filter(body__scheme=scheme)
    totals = meetings.aggregate(
        participants=Sum("participants"),
        families=Sum("families"),
        decisions=Count("decisions"),
    )
    return {
        "bodies": scheme.bodies.count(),
        "meetings": meetings.count(),
        "meetings_with_families": meetings.filter(Q(families__gt=0)).count(),
        **totals,
    }


def observatory_figures(scheme: Scheme) -> list[dict]:
    """The bound figures of the scheme's indicators, for each year where the observatory knows."""
    rows = []
    figures = Figures(scheme.departement_id)
    for indicator in scheme.indicators.exclude(binding=""):
        binding = bindings.get(indicator.binding)
        if binding is None:
            continue
        for year, value in yearly_values(indicator, scheme.years, figures).items():
            if value is not None:
                rows.append(
                    {"label": binding.label, "unit": binding.unit, "year": year, "value": value}
                )
    return rows


def action_map(scheme: Scheme) -> str:
    """Communes coloured by the number of actions whose territories include them."""
    counts: Counter[str] = Counter()
    actions = list(scheme.actions.prefetch_related("territories"))
    places = [TerritoryRef(p.level, p.code) for a in actions for p in a.territories.all()]
    communes = communes_of(places)
    for action in actions:
        codes = set()
        for place in action.territories.all():
            codes |= communes[TerritoryRef(place.level, place.code)]
        counts.update(codes)
    shapes = scheme.departement.communes.exclude(geometry__isnull=True).values_list(
        "code", "name", "geometry"
    )
    return charts.choropleth(
        list(shapes),
        counts,
        label=f"Carte des communes de {scheme.departement.name} selon le nombre d'actions "
        "territorialisées qui les concernent",
        legend="Nombre d'actions territorialisées concernant la commune (les autres actions "
        "concernent tout le département)",
    )


def indicator_sections(scheme: Scheme) -> list[dict]:
    sections = []
    figures = Figures(scheme.departement_id)
    for indicator in scheme.indicators.select_related("action").prefetch_related("values"):
        target = (
            (indicator.target_year, indicator.target_value)
            if indicator.target_value is not None and indicator.target_year
            else None
        )
        points = trajectory(indicator, scheme.years, figures)
        sections.append(
            {
                "indicator": indicator,
                "points": points,
                "chart": charts.trajectory(points, target, scheme.years, indicator.label),
            }
        )
    return sections


def context(scheme: Scheme) -> dict:
    nodes = tree(scheme, scheme.actions.prefetch_related("actors", "markers"))
    return {
        "scheme": scheme,
        "generated_at": clock.local_now(),
        "tree": nodes,
        "status_chart": charts.status_bars(status_counts(scheme), "Actions par axe et par statut"),
        "status_counts": status_counts(scheme),
        "statuses": Action.Status.choices,
        "status_colours": charts.STATUS_COLOURS,
        "key_figures": scheme.key_figures.all(),
        "observatory": observatory_figures(scheme),
        "indicators": indicator_sections(scheme),
        "map": action_map(scheme),
        "activity": governance_activity(scheme),
        "bodies": scheme.bodies.prefetch_related("meetings__decisions__actions"),
        "reviews": scheme.reviews.exclude(validated_at=None),
    }


def render_pdf(scheme: Scheme) -> bytes:
    return downloads.render_pdf("steering/report_pdf.html", context(scheme))


def render_xlsx(scheme: Scheme) -> bytes:
    sheets = {
        "Actions": (
            [
                "Axe",
                "Objectif",
                "Code",
                "Action",
                "Statut",
                "Avancement (%)",
                "Pilotes",
                "Partenaires",
                "Repères",
            ],
            [
                [
                    f"{a.axis.code}. {a.axis.title}",
                    a.objective.title if a.objective else "",
                    a.code,
                    a.title,
                    a.get_status_display(),
                    a.progress,
                    ", ".join(x.label for x in a.actors.all() if x.is_pilot),
                    ", ".join(x.label for x in a.actors.all() if not x.is_pilot),
                    ", ".join(m.code for m in a.markers.all()),
                ]
                for a in scheme.actions.select_related("axis", "objective").prefetch_related(
                    "actors", "markers"
                )
            ],
        ),
        "Indicateurs": _indicator_rows(scheme),
        "Chiffres clés": (
            ["Libellé", "Valeur", "Unité", "Année", "Source"],
            [[k.label, k.value, k.unit, k.year, k.source] for k in scheme.key_figures.all()],
        ),
        "Gouvernance": (
            ["Instance", "Date", "Objet", "Participants", "Dont familles", "Décisions"],
            [
                [
                    m.body.name,
                    m.held_on,
                    m.title,
                    m.participants,
                    m.families,
                    " | ".join(d.text for d in m.decisions.all()),
                ]
                for m in Meeting.objects.filter(body__scheme=scheme)
                .select_related("body")
                .prefetch_related("decisions")
            ],
        ),
    }
    return downloads.workbook_file(
        (title, header, rows) for title, (header, rows) in sheets.items()
    )


def _indicator_rows(scheme: Scheme) -> tuple[list, list]:
    years = list(scheme.years)
    header = [
        "Action",
        "Code",
        "Indicateur",
        "Unité",
        "Valeur de départ",
        "Année de départ",
        "Cible",
        "Année cible",
        "Origine",
        *[str(y) for y in years],
    ]
    rows = []
    figures = Figures(scheme.departement_id)
    indicators: QuerySet[Indicator] = scheme.indicators.select_related("action").prefetch_related(
        "values"
    )
    for i in indicators:
        values = yearly_values(i, years, figures)
        rows.append(
            [
                i.action.code if i.action else "(schéma)",
                i.code,
                i.label,
                i.unit,
                i.baseline_value,
                i.baseline_year,
                i.target_value,
                i.target_year,
                "observatoire" if i.binding else (i.source or "saisie"),
                *[values[y] for y in years],
            ]
        )
    return header, rows
