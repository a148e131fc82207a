"""Observatory pages, downloads and PDFs; every figure comes from :mod:`.service` via
:mod:`.report` or :mod:`.priority`."""

from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from sdsf.accounts import scope
from sdsf.accounts.scope import Permission, permission_required
from sdsf.core.downloads import file_response, pdf_response, table_file
from sdsf.observatory import exports, pdf, report, unmet_demand
from sdsf.observatory.priority import COLUMNS as PRIORITY_COLUMNS
from sdsf.observatory.priority import PRIORITY_LEVELS, priority_list
from sdsf.observatory.service import PAGE_LEVELS, Observatory, Territory, territory
from sdsf.territories.models import Commune
from sdsf.territories.queries import LEVEL_FILTER


def _year(request) -> int | None:
    text = request.GET.get("annee", "")
    return int(text) if text.isdigit() else None


def _observed_communes(user):
    """Communes whose figures the person sees: every commune of the départements of their
    roles allowed to consult the observatory. It shows only aggregates of public or
    institutional counts, so a role scoped to one commune sees its whole département, like the
    territory pages."""
    departements = scope.departements(user, Permission.OBSERVATORY_VIEW)
    return Commune.objects.filter(departement__in=departements)


def _place(request, level: str, code: str) -> Territory:
    """The territory, if it has communes in the person's départements; 404 otherwise."""
    if level not in PAGE_LEVELS:
        raise Http404
    visible = _observed_communes(request.user).filter(**{LEVEL_FILTER[level]: code})
    place = territory(level, code) if visible.exists() else None
    if place is None:
        raise Http404
    return place


def _departement(request, code: str) -> Territory:
    departement = get_object_or_404(scope.departements(request.user), code=code)
    return Territory("departement", departement.code, departement.name)


@permission_required(Permission.OBSERVATORY_VIEW)
def index(request):
    departements = list(scope.departements(request.user))
    if len(departements) == 1:
        return redirect("observatory:territory", level="departement", code=departements[0].code)
    return render(request, "observatory/index.html", {"departements": departements})


@permission_required(Permission.OBSERVATORY_VIEW)
def territory_page(request, level, code):
    place = _place(request, level, code)
    built = report.cached_build(place, _year(request))
    query = f"?annee={built.year}" if built.year else ""
    return render(
        request,
        "observatory/territory.html",
        {
            "report": built,
            "legend": report.legend(),
            "breaks": ",".join(map(str, report.COVERAGE_BREAKS)),
            "colors": ",".join(report.COVERAGE_COLORS),
            "geojson_url": reverse("observatory:territory_geojson", args=[level, code]) + query,
            "download": {
                fmt: reverse("observatory:territory_export", args=[level, code, fmt]) + query
                for fmt in exports.FORMATS
            },
            "pdf_url": reverse("observatory:territory_pdf", args=[level, code]) + query,
            "key_figures_url": (
                reverse("observatory:key_figures_pdf", args=[code]) + query
                if level == "departement"
                else ""
            ),
            "priority_url": (
                reverse("observatory:priority", args=[code]) if level == "departement" else ""
            ),
            "import_url": (
                reverse("observatory:import")
                if scope.can(request.user, Permission.OBSERVATORY_IMPORT)
                else ""
            ),
            "unmet": unmet_demand.unmet_demand(place),
            "unmet_url": reverse("observatory:unmet_demand_export", args=[level, code]),
        },
    )


@permission_required(Permission.OBSERVATORY_VIEW)
def unmet_demand_export(request, level, code):
    """Unmet demand (aggregates, small counts hidden) as CSV."""
    found = unmet_demand.unmet_demand(_place(request, level, code))
    content = table_file(unmet_demand.LABELS, unmet_demand.csv_rows(found), "csv", sheet="")
    return file_response(content, f"demande-non-satisfaite-{level}-{code}", "csv")


@permission_required(Permission.OBSERVATORY_VIEW)
def territory_geojson(request, level, code):
    """The territory's communes with their coverage rate, for the choropleth."""
    place = _place(request, level, code)
    observatory = Observatory()
    year = _year(request)
    if year not in observatory.years:
        year = observatory.years[-1] if observatory.years else None
    rows = observatory.commune_rows(place, [year]).to_dicts() if year else []
    return JsonResponse(_features(place, {row["code"]: row for row in rows}))


def _features(place: Territory, rows: dict[str, dict], extra=None) -> dict:
    features = []
    for commune in place.communes().exclude(geometry__isnull=True).order_by("code"):
        row = rows.get(commune.code, {})
        properties = {
            "code": commune.code,
            "name": commune.name,
            "coverage_rate": row.get("coverage_rate"),
            "url": reverse("observatory:territory", args=["commune", commune.code]),
        }
        if extra:
            properties |= extra(row)
        features.append({"type": "Feature", "geometry": commune.geometry, "properties": properties})
    return {"type": "FeatureCollection", "features": features}


@permission_required(Permission.OBSERVATORY_VIEW)
def territory_export(request, level, code, fmt):
    place = _place(request, level, code)
    built = report.cached_build(place, _year(request))
    filename = f"observatoire-{level}-{code}-{built.year or 'sans-donnees'}"
    return exports.table_response(built.export_rows(), filename, fmt)


@permission_required(Permission.OBSERVATORY_VIEW)
def territory_pdf(request, level, code):
    """The "fiche territoire" for the commission's files."""
    place = _place(request, level, code)
    built = report.cached_build(place, _year(request))
    context = {"report": built, "legend": report.legend(), "map_svg": pdf.commune_map(built)}
    return pdf_response(
        "observatory/pdf/territory.html", context, f"fiche-{level}-{code}-{built.year}"
    )


@permission_required(Permission.OBSERVATORY_VIEW)
def key_figures_pdf(request, code):
    """The département's "chiffres clés": key figures, its EPCI/EPT and communes, the map."""
    place = _departement(request, code)
    observatory = Observatory()
    built = report.build(observatory, place, _year(request))
    groups = []
    if built.year is not None:
        for level in ("ept", "epci"):
            rows = observatory.rows_within(level, place, [built.year]).to_dicts()
            groups += [row | {"level_label": level.upper()} for row in rows]
    context = {
        "report": built,
        "legend": report.legend(),
        "map_svg": pdf.commune_map(built),
        "groups": groups,
    }
    return pdf_response(
        "observatory/pdf/key_figures.html", context, f"chiffres-cles-{code}-{built.year}"
    )


def _priority(request, code):
    place = _departement(request, code)
    level = request.GET.get("niveau", "commune")
    if level not in PRIORITY_LEVELS:
        level = "commune"
    return place, priority_list(Observatory(), place, level, _year(request))


@permission_required(Permission.OBSERVATORY_VIEW)
def priority(request, code):
    place, found = _priority(request, code)
    query = f"?niveau={found.level}" + (f"&annee={found.year}" if found.year else "")
    return render(
        request,
        "observatory/priority.html",
        {
            "departement": place,
            "priority": found,
            "is_demo": any(row.get("is_demo") for row in found.rows),
            "geojson_url": reverse("observatory:priority_geojson", args=[code]) + query,
            "download": {
                fmt: reverse("observatory:priority_export", args=[code, fmt]) + query
                for fmt in exports.FORMATS
            },
            "levels": [("commune", "Communes"), ("epci", "EPCI")],
        },
    )


@permission_required(Permission.OBSERVATORY_VIEW)
def priority_geojson(request, code):
    """The département's communes, ``priority`` 1 where the commune is a priority territory."""
    place, found = _priority(request, code)
    if found.level != "commune":
        found.rows = []
    rows = {row["code"]: row for row in found.rows}
    return JsonResponse(
        _features(place, rows, lambda row: {"priority": 1 if row.get("is_priority") else 0})
    )


@permission_required(Permission.OBSERVATORY_VIEW)
def priority_export(request, code, fmt):
    _, found = _priority(request, code)
    filename = f"territoires-prioritaires-{code}-{found.level}-{found.year or 'sans-donnees'}"
    return exports.table_response(found.rows, filename, fmt, columns=PRIORITY_COLUMNS)
