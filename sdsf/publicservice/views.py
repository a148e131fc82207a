"""Pages of the communes' obligations and of their schémas pluriannuels.

Thin views: rights through :mod:`sdsf.accounts.scope` and the managers of
:mod:`sdsf.publicservice.models`, rules in :mod:`.authorities` and :mod:`.schemas`.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from sdsf.accounts import scope
from sdsf.accounts.scope import Permission, permission_required
from sdsf.audit.log import record
from sdsf.audit.models import AuditEvent
from sdsf.core import clock
from sdsf.core.downloads import file_response, pdf_response, table_file
from sdsf.observatory.report import UNKNOWN_COLOR
from sdsf.observatory.service import Observatory, Territory, parent_of, territory
from sdsf.observatory.svgmap import choropleth
from sdsf.publicservice import authorities, obligations, schemas
from sdsf.publicservice.forms import (
    AdoptionForm,
    OrientationForm,
    ReviewForm,
    SchemaForm,
    TransferForm,
)
from sdsf.publicservice.models import CompetenceTransfer, LocalSchema, Orientation
from sdsf.territories.models import Commune, Level

VIEW, EDIT = Permission.PUBLIC_SERVICE_VIEW, Permission.LOCAL_SCHEMA_EDIT
# Map colours of the obligations: schéma required and adopted / required and missing / other.
MAP_COLORS = {"ok": "#b8fec9", "missing": "#ce614a", "none": UNKNOWN_COLOR}
MAP_LEGEND = [
    ("Schéma requis et adopté", MAP_COLORS["ok"]),
    ("Schéma requis et non adopté", MAP_COLORS["missing"]),
    ("Pas de schéma requis", MAP_COLORS["none"]),
]


def _departement(request, code: str, permission: Permission = VIEW):
    return get_object_or_404(scope.departements(request.user, permission), code=code)


def _schema(request, pk) -> LocalSchema:
    return get_object_or_404(
        LocalSchema.objects.visible_to(request.user, VIEW).select_related("scheme"), pk=pk
    )


def _own(request, pk) -> LocalSchema:
    """A schéma the person writes (their commune's or EPCI's): 404 for anyone else."""
    return get_object_or_404(
        LocalSchema.objects.writable_by(request.user, EDIT).select_related("scheme"), pk=pk
    )


def _may_edit(request, schema: LocalSchema) -> bool:
    return LocalSchema.objects.writable_by(request.user, EDIT).filter(pk=schema.pk).exists()


@permission_required(Permission.PUBLIC_SERVICE_VIEW)
def index(request):
    departements = list(scope.departements(request.user, VIEW))
    if len(departements) == 1:
        return redirect("publicservice:obligations", code=departements[0].code)
    return render(request, "publicservice/index.html", {"departements": departements})


def _map(rows: list[dict]) -> str:
    state = {
        row["commune"]: "none"
        if not row["schema_required"]
        else ("ok" if row["schema_adopted_on"] else "missing")
        for row in rows
    }
    shapes = Commune.objects.filter(code__in=list(state)).exclude(geometry__isnull=True)
    return choropleth(
        (c.name, c.geometry, MAP_COLORS[state[c.code]])
        for c in shapes.only("code", "name", "geometry")
    )


@permission_required(Permission.PUBLIC_SERVICE_VIEW)
def obligations_page(request, code):
    departement = _departement(request, code)
    rows = authorities.commune_rows(departement.code)
    wanted = request.GET.get("afficher", "")
    if wanted not in authorities.FILTERS:
        wanted = next(iter(authorities.FILTERS))
    found = [e for e in obligations.authorities(rows) if obligations.lacking(e, wanted)]
    found = _with_needs(departement, _with_schemas(request, departement, found))
    counts = {
        "communes": len(rows),
        "planning": sum(r["planning"] for r in rows),
        "schema": sum(r["schema_required"] for r in rows),
        "schema_missing": sum(obligations.lacking(r, "schema") for r in rows),
        "rpe_missing": sum(obligations.lacking(r, "rpe") for r in rows),
    }
    return render(
        request,
        "publicservice/obligations.html",
        {
            "departement": departement,
            "authorities": found,
            "mine": _with_schemas(request, departement, _own_authorities(request, rows)),
            "filters": authorities.FILTERS,
            "wanted": wanted,
            "counts": counts,
            "svg": _map(rows),
            "legend": MAP_LEGEND,
            "transfers": CompetenceTransfer.objects.filter(departement=departement).select_related(
                "commune", "epci"
            ),
            "transfer_form": TransferForm(departement_code=departement.code),
            "records_transfers": scope.can(request.user, Permission.STEERING_COORDINATE),
            "committee_right": scope.can(request.user, Permission.COMMITTEE_VIEW),
            "year": clock.today().year,
        },
    )


def _with_needs(departement, found: list[dict]) -> list[dict]:
    """Each authority with the observatory's latest children under 3 and coverage rate (the
    census of needs; the pré-demandes waiting show in its schéma's 2°)."""
    observatory = Observatory()
    if not observatory.years:
        return found
    year = observatory.years[-1]
    place = Territory("departement", departement.code, departement.name)
    rows = observatory.commune_rows(place, [year]).to_dicts()
    epcis = [e["code"] for e in found if e["level"] == Level.EPCI]
    if epcis:
        rows += observatory.rows(Level.EPCI, epcis, [year]).to_dicts()
    figures = {(row.get("level", Level.COMMUNE), row["code"]): row for row in rows}
    return [
        entry | {"needs": figures.get((entry["level"], entry["code"])), "needs_year": year}
        for entry in found
    ]


def _with_schemas(request, departement, found: list[dict]) -> list[dict]:
    """Each authority with its latest schéma (or None) and whether the person may open it."""
    latest = {}
    for s in LocalSchema.objects.filter(departement=departement).order_by("start_year"):
        latest[(s.authority_level, s.authority_code)] = s
    editable = _editable_authorities(request, found)
    return [
        entry
        | {
            "schema": latest.get((entry["level"], entry["code"])),
            "editable": (entry["level"], entry["code"]) in editable,
        }
        for entry in found
    ]


def _own_authorities(request, rows: list[dict]) -> list[dict]:
    """The authorities of the département the person writes the schéma of (filtered out or
    not)."""
    every = obligations.authorities(rows)
    editable = _editable_authorities(request, every)
    return [entry for entry in every if (entry["level"], entry["code"]) in editable]


def _editable_authorities(request, found: list[dict]) -> set[tuple[str, str]]:
    """(level, code) of the authorities whose schéma the person may open: their commune, or
    the EPCI their role is scoped to."""
    held = scope.holding(request.user, EDIT)
    if not held:
        return set()
    mine = set(scope.communes(request.user, EDIT).values_list("code", flat=True))
    epcis = {a.scope_code for a in held if a.scope_level == Level.EPCI}
    return {
        (e["level"], e["code"])
        for e in found
        if (e["level"] == Level.COMMUNE and e["code"] in mine)
        or (e["level"] == Level.EPCI and e["code"] in epcis)
    }


@permission_required(Permission.PUBLIC_SERVICE_VIEW)
def obligations_export(request, code, fmt):
    if fmt not in ("csv", "xlsx"):
        raise Http404
    departement = _departement(request, code)
    rows = authorities.commune_rows(departement.code)
    record(request, AuditEvent.Action.EXPORT, detail=f"obligations des communes {code}")
    return file_response(
        table_file(
            obligations.COLUMNS,
            ([row[c] for c in obligations.COLUMNS] for row in rows),
            fmt,
            sheet="Obligations",
        ),
        f"obligations-communes-{departement.code}",
        fmt,
    )


@permission_required(Permission.STEERING_COORDINATE)
@require_POST
def transfer_add(request, code):
    departement = _departement(request, code, Permission.STEERING_COORDINATE)
    form = TransferForm(request.POST, departement_code=departement.code)
    if form.is_valid():
        commune = form.cleaned_data["commune"]
        CompetenceTransfer.objects.update_or_create(
            commune=commune,
            defaults={
                "departement": departement,
                "epci_id": commune.epci_id,
                "effective_from": form.cleaned_data["effective_from"],
            },
        )
        messages.success(request, f"Transfert de {commune.name} à son EPCI enregistré.")
    else:
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    return redirect("publicservice:obligations", code=departement.code)


@permission_required(Permission.LOCAL_SCHEMA_EDIT)
@require_POST
def schema_open(request):
    """Opens (creating it prefilled when needed) the schéma of an authority the person serves."""
    level, code = request.POST.get("level", ""), request.POST.get("authority", "")
    if (level, code) not in _editable_authorities(request, [{"level": level, "code": code}]):
        raise PermissionDenied
    place = territory(level, code)
    if place is None:
        raise Http404
    if level == Level.EPCI:  # the département holding most of its communes
        departement = parent_of(place).code
    else:
        departement = Commune.objects.values_list("departement_id", flat=True).get(pk=code)
    schema = schemas.open_schema(level, code, place.name, departement)
    return redirect("publicservice:schema", schema=schema.pk)


def _schema_context(schema: LocalSchema) -> dict:
    observatory = Observatory()
    orientations = list(schema.orientations.prefetch_related("actions"))
    return {
        "schema": schema,
        "inventory": schemas.inventory(schema.authority_level, schema.authority_code),
        "needs": schemas.needs(schemas.territory_of(schema), observatory),
        "zones": schemas.zones(schema, observatory),
        "orientations": [
            {
                "orientation": o,
                "indicators": schemas.indicator_rows(schema, o.bindings, observatory),
            }
            for o in orientations
        ],
        "versions": schema.versions.all(),
        "reviews": schema.reviews.all(),
    }


@permission_required(Permission.PUBLIC_SERVICE_VIEW)
def schema(request, schema):
    schema = _schema(request, schema)
    editable = _may_edit(request, schema)
    return render(
        request,
        "publicservice/schema.html",
        _schema_context(schema)
        | {
            "editable": editable,
            "open_for_changes": schema.status != LocalSchema.Status.ADOPTED,
            "adoption_form": AdoptionForm(),
            "review_form": ReviewForm(),
        },
    )


@permission_required(Permission.PUBLIC_SERVICE_VIEW)
def schema_pdf(request, schema):
    schema = _schema(request, schema)
    return pdf_response(
        "publicservice/schema_pdf.html",
        _schema_context(schema),
        f"schema-pluriannuel-{schema.authority_code}-{schema.start_year}",
    )


def _editable(request, pk) -> LocalSchema | None:
    """The person's own schéma when it is open to changes (None, with a message, once
    adopted)."""
    schema = _own(request, pk)
    try:
        schemas.check_editable(schema)
    except schemas.AlreadyAdopted as exc:
        messages.error(request, str(exc))
        return None
    return schema


@permission_required(Permission.LOCAL_SCHEMA_EDIT)
def schema_edit(request, schema):
    found = _editable(request, schema)
    if found is None:
        return redirect("publicservice:schema", schema=schema)
    form = SchemaForm(request.POST or None, instance=found)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Schéma enregistré.")
        return redirect("publicservice:schema", schema=found.pk)
    return render(request, "publicservice/schema_form.html", {"schema": found, "form": form})


@permission_required(Permission.LOCAL_SCHEMA_EDIT)
@require_POST
def schema_refill(request, schema):
    """Writes sections 1° to 3° again from the data of today (the agent's text is replaced)."""
    found = _editable(request, schema)
    if found is not None:
        schemas.prefill(found)
        found.save(update_fields=["inventory", "needs", "zones", "updated_at"])
        messages.success(request, "Parties 1° à 3° réécrites à partir des données du jour.")
    return redirect("publicservice:schema", schema=schema)


@permission_required(Permission.LOCAL_SCHEMA_EDIT)
def orientation_edit(request, schema, part):
    found = _editable(request, schema)
    if found is None:
        return redirect("publicservice:schema", schema=schema)
    orientation = get_object_or_404(Orientation, schema=found, part=part)
    form = OrientationForm(request.POST or None, instance=orientation)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, f"Partie {orientation.get_part_display()} enregistrée.")
        return redirect("publicservice:schema", schema=found.pk)
    return render(
        request,
        "publicservice/orientation_form.html",
        {"schema": found, "orientation": orientation, "form": form},
    )


@permission_required(Permission.LOCAL_SCHEMA_EDIT)
@require_POST
def schema_adopt(request, schema):
    found = _own(request, schema)
    form = AdoptionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Indiquez la date de la délibération (AAAA-MM-JJ).")
        return redirect("publicservice:schema", schema=found.pk)
    try:
        version = schemas.adopt(
            found, form.cleaned_data["adopted_on"], form.cleaned_data["deliberation"], request.user
        )
        messages.success(request, f"Version {version.number} adoptée et enregistrée.")
    except schemas.AlreadyAdopted as exc:
        messages.error(request, str(exc))
    return redirect("publicservice:schema", schema=found.pk)


@permission_required(Permission.LOCAL_SCHEMA_EDIT)
@require_POST
def schema_update(request, schema):
    found = _own(request, schema)
    schemas.start_update(found)
    messages.success(request, "Le schéma est ouvert à la mise à jour.")
    return redirect("publicservice:schema", schema=found.pk)


@permission_required(Permission.LOCAL_SCHEMA_EDIT)
@require_POST
def schema_review(request, schema):
    found = _own(request, schema)
    form = ReviewForm(request.POST)
    if form.is_valid():
        found.reviews.update_or_create(
            year=form.cleaned_data["year"], defaults={"summary": form.cleaned_data["summary"]}
        )
        messages.success(request, f"Bilan {form.cleaned_data['year']} enregistré.")
    else:
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    return redirect("publicservice:schema", schema=found.pk)
