"""Registry pages. Thin: rows come from the gate's managers (``Structure.objects.visible_to``
and friends); logic lives in the plain modules (counts, coverage, alerts, importing, exports)."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET

from sdsf.accounts import scope
from sdsf.accounts.scope import Permission, permission_required
from sdsf.audit.log import read_personal, record
from sdsf.audit.models import AuditEvent
from sdsf.core import clock, formats
from sdsf.core.downloads import TABLE_FORMATS
from sdsf.offer.alerts import ALERT_MONTHS, expiring, horizon
from sdsf.offer.availability import declare
from sdsf.offer.capacity import capacity_on
from sdsf.offer.coverage import rpe_laep_coverage
from sdsf.offer.exports import export_response
from sdsf.offer.forms import AssistantFilter, AvailabilityForm, ImportForm, StructureFilter
from sdsf.offer.importing import KIND_LABELS
from sdsf.offer.models import (
    AssistantMaternel,
    ImportJob,
    ParentingAction,
    Section,
    Structure,
)
from sdsf.offer.tasks import queue_job, run_import

PAGE_SIZE = 50
MAP_LIMIT = 5000


def _filtered_structures(request):
    communes = scope.communes(request.user).order_by("name")
    form = StructureFilter(request.GET, communes)
    visible = Structure.objects.visible_to(request.user, Permission.OFFER_VIEW)
    structures = form.apply(visible).select_related("commune")
    return form, structures.order_by("name", "pk")


def _query_string(request) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    params.pop("format", None)
    return params.urlencode()


@permission_required(Permission.OFFER_VIEW)
def index(request):
    form, structures = _filtered_structures(request)
    page = Paginator(structures, PAGE_SIZE).get_page(request.GET.get("page"))
    today = clock.today()
    departements = list(scope.departements(request.user))
    coverage = [(d, rpe_laep_coverage(d.code, today)) for d in departements]
    query = _query_string(request)
    return render(
        request,
        "offer/index.html",
        {
            "form": form,
            "page": page,
            "total": page.paginator.count,
            "has_demo": structures.filter(is_demo=True).exists(),
            "geojson_url": f"{reverse('offer:structures_geojson')}?{query}",
            "query": query,
            "coverage": [(d, rows) for d, rows in coverage if rows],
            "departements": departements,  # their outlines under the map
            "can": {
                "export": scope.can(request.user, Permission.OFFER_EXPORT),
                "import": scope.can(request.user, Permission.OFFER_IMPORT),
                "edit": scope.can(request.user, Permission.OFFER_EDIT),
                "assistants": scope.can(request.user, Permission.OFFER_VIEW_AM),
                "alerts": scope.can(request.user, Permission.AGREMENT_ALERTS),
            },
        },
    )


@permission_required(Permission.OFFER_VIEW)
def structures_geojson(request):
    """The filtered structures as points (position from the file, else the commune's centre)."""
    _, structures = _filtered_structures(request)
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [s.longitude, s.latitude]},
            "properties": {
                "name": f"{s.name} ({s.get_kind_display()})",
                "url": reverse("offer:structure", args=[s.identifier]),
                "approximate": s.location_approximate,
            },
        }
        for s in structures.exclude(latitude__isnull=True)[:MAP_LIMIT]
    ]
    return JsonResponse({"type": "FeatureCollection", "features": features})


@permission_required(Permission.OFFER_EXPORT)
def structures_export(request):
    _, structures = _filtered_structures(request)
    today = clock.today()
    structures = list(structures.prefetch_related("capacities"))
    header = [
        "Identifiant",
        "Nom",
        "Type",
        "Catégorie",
        "Gestionnaire",
        "Adresse",
        "Code commune",
        "Commune",
        "Latitude",
        "Longitude",
        "Position approchée",
        "Financement",
        f"Places au {formats.date(today)}",
        "Label AVIP",
        "Statut",
        "Date d'ouverture",
        "Date de fermeture",
    ]
    rows = [
        [
            s.identifier,
            s.name,
            s.get_kind_display(),
            s.get_category_display(),
            s.manager_name,
            s.address,
            s.commune_id,
            s.commune.name,
            s.latitude,
            s.longitude,
            "oui" if s.location_approximate else "non",
            s.get_funding_display(),
            sum(capacity_on(s, today).values()) if s.kind == Structure.Kind.EAJE else "",
            "oui" if s.avip else "non",
            s.get_status_display(),
            s.opened_on,
            s.closed_on,
        ]
        for s in structures
    ]
    return export_response(
        "structures", _format(request), header, rows, [s.is_demo for s in structures]
    )


def _format(request) -> str:
    fmt = request.GET.get("format", "csv")
    return fmt if fmt in TABLE_FORMATS else "csv"


@permission_required(Permission.OFFER_VIEW)
def structure(request, identifier):
    item = get_object_or_404(
        Structure.objects.visible_to(request.user, Permission.OFFER_VIEW).select_related(
            "commune", "manager"
        ),
        identifier=identifier,
    )
    capacities = list(item.capacities.order_by("-start", "section"))
    history: dict = {}
    for row in capacities:
        history.setdefault(row.start, []).append(row)
    today = clock.today()
    sections = dict(Section.choices)
    return render(
        request,
        "offer/structure.html",
        {
            "item": item,
            "today": today,
            "capacity_now": [(sections[s], n) for s, n in sorted(capacity_on(item, today).items())],
            "history": list(history.items()),
            "sessions": item.sessions.all(),
            "covered": item.covered_communes.order_by("name"),
            "assistant_count": item.assistants_maternels.count(),
            "can_update": Structure.objects.writable_by(
                request.user, Permission.OFFER_UPDATE_AVAILABILITY
            )
            .filter(pk=item.pk)
            .exists(),
            "can_edit": Structure.objects.writable_by(request.user, Permission.OFFER_EDIT)
            .filter(pk=item.pk)
            .exists(),
            "changes": _changes(item),
        },
    )


CHANGES_SHOWN = 20


def _changes(item: Structure) -> list[AuditEvent]:
    """The latest changes made in the forms (the audit log keeps them all, dated, with the
    institution of whoever made them)."""
    return list(
        AuditEvent.objects.filter(
            object_type=Structure._meta.label_lower,
            object_id=str(item.pk),
            action=AuditEvent.Action.UPDATE,
        ).only("at", "institution", "detail")[:CHANGES_SHOWN]
    )


@permission_required(Permission.OFFER_UPDATE_AVAILABILITY)
def structure_availability(request, identifier):
    item = get_object_or_404(
        Structure.objects.writable_by(request.user, Permission.OFFER_UPDATE_AVAILABILITY),
        identifier=identifier,
    )
    form = AvailabilityForm(request.POST or None, instance=item)
    if request.method == "POST" and form.is_valid():
        declare(item, form.cleaned_data["available_places"], form.cleaned_data["available_from"])
        messages.success(request, "Disponibilités enregistrées.")
        return redirect("offer:structure", identifier=item.identifier)
    return render(request, "offer/availability.html", {"item": item, "form": form})


def _filtered_assistants(request):
    communes = scope.communes(request.user).order_by("name")
    form = AssistantFilter(request.GET, communes)
    assistants = form.apply(
        AssistantMaternel.objects.visible_to(request.user, Permission.OFFER_VIEW_AM)
    )
    return form, assistants.select_related("commune", "mam").order_by("last_name", "pk")


@permission_required(Permission.OFFER_VIEW_AM)
def assistants(request):
    form, rows = _filtered_assistants(request)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    read_personal(request, list(page.object_list))
    return render(
        request,
        "offer/assistants.html",
        {
            "form": form,
            "page": page,
            "has_demo": any(a.is_demo for a in page.object_list),
            "query": _query_string(request),
            "can_export": scope.can(request.user, Permission.OFFER_EXPORT),
        },
    )


@permission_required(Permission.OFFER_VIEW_AM)
def assistant(request, identifier):
    item = get_object_or_404(
        AssistantMaternel.objects.visible_to(request.user, Permission.OFFER_VIEW_AM).select_related(
            "commune", "mam"
        ),
        identifier=identifier,
    )
    read_personal(request, item)
    return render(
        request,
        "offer/assistant.html",
        {
            "item": item,
            "history": item.agrements.order_by("-effective_from"),
            "can_edit": AssistantMaternel.objects.writable_by(
                request.user, Permission.AGREMENT_EDIT
            )
            .filter(pk=item.pk)
            .exists(),
        },
    )


@permission_required(Permission.OFFER_EXPORT)
def assistants_export(request):
    """Export of personal data: needs both rights, and every row exported is audited."""
    scope.require(request.user, Permission.OFFER_VIEW_AM)
    _, rows = _filtered_assistants(request)
    rows = list(rows)
    record(request, AuditEvent.Action.EXPORT, rows, detail=f"export {_format(request)}")
    header = [
        "N° agrément",
        "Nom",
        "Prénom",
        "Code commune",
        "Commune",
        "MAM",
        "Statut",
        "Nombre d'enfants",
        "Âges",
        "Date de début d'agrément",
        "Date de fin d'agrément",
        "Places disponibles",
        "Disponible à partir du",
    ]
    table = [
        [
            a.identifier,
            a.last_name,
            a.first_name,
            a.commune_id,
            a.commune.name,
            a.mam.name if a.mam else "",
            a.get_agrement_status_display(),
            a.agrement_places,
            a.agrement_ages,
            a.agrement_start,
            a.agrement_expiry,
            a.available_places,
            a.available_from,
        ]
        for a in rows
    ]
    return export_response(
        "assistants_maternels", _format(request), header, table, [a.is_demo for a in rows]
    )


@permission_required(Permission.AGREMENT_ALERTS)
def alerts(request):
    today = clock.today()
    visible = AssistantMaternel.objects.visible_to(request.user, Permission.AGREMENT_ALERTS)
    rows = list(expiring(visible, today))
    read_personal(request, rows)
    return render(
        request,
        "offer/alerts.html",
        {
            "rows": rows,
            "months": ALERT_MONTHS,
            "horizon": horizon(today),
            "has_demo": any(a.is_demo for a in rows),
        },
    )


@permission_required(Permission.OFFER_VIEW)
def parenting(request):
    actions = (
        ParentingAction.objects.visible_to(request.user, Permission.OFFER_VIEW)
        .select_related("commune")
        .prefetch_related("fundings")
        .order_by("title", "pk")
    )
    page = Paginator(actions, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "offer/parenting.html",
        {"page": page, "has_demo": any(a.is_demo for a in page.object_list)},
    )


@permission_required(Permission.OFFER_IMPORT)
def import_file(request):
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        job = queue_job(
            run_import,
            user=request.user,
            kind=form.cleaned_data["kind"],
            file_name=upload.name[:200],
            content=upload.read(),
            dry_run=form.cleaned_data["dry_run"],
        )
        return redirect("offer:import_job", job=job.pk)
    jobs = ImportJob.objects.visible_to(request.user).filter(kind__in=KIND_LABELS).defer("content")
    jobs = jobs[:10]
    return render(request, "offer/import.html", {"form": form, "jobs": jobs})


def _job(request, job):
    return get_object_or_404(
        ImportJob.objects.visible_to(request.user).defer("content"), pk=job, kind__in=KIND_LABELS
    )


def _job_context(request, job) -> dict:
    job = _job(request, job)
    return {"job": job, "poll_url": reverse("offer:import_progress", args=[job.pk])}


@permission_required(Permission.OFFER_IMPORT)
def import_job(request, job):
    return render(request, "offer/import_job.html", _job_context(request, job))


@require_GET
@permission_required(Permission.OFFER_IMPORT)
def import_progress(request, job):
    """The progress block, polled by htmx until the import is finished."""
    return render(request, "offer/_import_progress.html", _job_context(request, job))
