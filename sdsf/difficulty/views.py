"""Pages of the structures in difficulty. Thin: rows come through the gate's managers
(``Structure.objects.visible_to`` / ``writable_by``, the files' ``visible_to``), the figures
from :mod:`sdsf.difficulty.service`, the file's rules from :mod:`sdsf.difficulty.followup`."""

from datetime import date

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from sdsf.accounts import scope
from sdsf.accounts.scope import Permission, permission_required
from sdsf.audit.log import read_personal, record
from sdsf.audit.models import AuditEvent
from sdsf.core import clock
from sdsf.core.transitions import TransitionError
from sdsf.difficulty import aids, charts, followup, service
from sdsf.difficulty.forms import (
    ActivityForm,
    AidDecisionForm,
    AidRequestForm,
    CausesForm,
    FiloueForm,
    ListFilter,
    MamFiguresForm,
    MeetingForm,
    PlanActionForm,
    StatusForm,
    ThresholdsForm,
)
from sdsf.difficulty.health import PSU_DEGRESSIVE_FROM, psu_ceiling
from sdsf.difficulty.importers import FIRST_YEAR, LAST_YEAR
from sdsf.difficulty.models import ActivityMonth, ActivityYear, FollowUp, ThresholdSet
from sdsf.difficulty.tasks import FILOUE, queue_filoue_import
from sdsf.offer.models import ImportJob, Structure
from sdsf.territories.models import Departement

PAGE_SIZE = 50
KINDS = (Structure.Kind.EAJE, Structure.Kind.MAM)


# --- the list, its map, the territory -----------------------------------------------------------


def _listing(request):
    """The filter form, the year, and the visible EAJE and MAM with that year's health."""
    communes = scope.communes(request.user, Permission.DIFFICULTY_VIEW).order_by("name")
    form = ListFilter(request.GET, communes)
    form.is_valid()
    wanted = form.cleaned_data if form.is_bound else {}
    structures = Structure.objects.visible_to(request.user, Permission.DIFFICULTY_VIEW).filter(
        kind__in=[wanted["kind"]] if wanted.get("kind") else KINDS
    )
    if wanted.get("commune"):
        structures = structures.filter(commune_id=wanted["commune"])
    listed = list(structures.select_related("commune").order_by("name", "pk"))
    year = wanted.get("year") or service.latest_year(s.pk for s in listed)
    health = service.health_rows(structures, [year])
    rows = [{"structure": s, "health": (health.get(s.pk) or [None])[0]} for s in listed]
    form.fields["year"].widget.attrs["placeholder"] = str(year)
    form.summary = (len(rows), sum(1 for r in rows if r["health"] and r["health"]["signals"]))
    signal = wanted.get("signal")
    if signal:
        rows = [
            r
            for r in rows
            if r["health"]
            and (signal in r["health"]["signals"] or (signal == "any" and r["health"]["signals"]))
        ]
    return form, year, rows


@permission_required(Permission.DIFFICULTY_VIEW)
def index(request):
    form, year, rows = _listing(request)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "difficulty/index.html",
        {
            "form": form,
            "year": year,
            "page": page,
            "total": len(rows),
            "summary": form.summary,
            "has_demo": any(r["structure"].is_demo for r in rows),
            "labels": service.SIGNAL_LABELS,
            "query": params.urlencode(),
            "departements": scope.departements(request.user, Permission.DIFFICULTY_VIEW),
        },
    )


@permission_required(Permission.DIFFICULTY_VIEW)
def structures_geojson(request):
    _, year, rows = _listing(request)
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [s.longitude, s.latitude]},
            "properties": {
                "name": s.name,
                "signals": len(r["health"]["signals"]) if r["health"] else None,
                "url": reverse("difficulty:structure", args=[s.identifier]),
            },
        }
        for r in rows
        if (s := r["structure"]).latitude is not None and s.longitude is not None
    ]
    return JsonResponse({"type": "FeatureCollection", "year": year, "features": features})


def _departement(request, code: str, permission: Permission) -> Departement:
    departement = get_object_or_404(Departement, code=code)
    if not scope.departements(request.user, permission).filter(code=code).exists():
        raise Http404
    return departement


@permission_required(Permission.DIFFICULTY_VIEW)
def territory(request, code):
    """How many structures and places are at risk, and what the action did year by year."""
    departement = _departement(request, code, Permission.DIFFICULTY_VIEW)
    structures = Structure.objects.visible_to(request.user, Permission.DIFFICULTY_VIEW).filter(
        commune__departement=departement, kind__in=KINDS
    )
    year = service.latest_year(structures.values_list("pk", flat=True))
    communes, total = followup.at_risk(structures, year)
    files = FollowUp.objects.visible_to(request.user, Permission.DIFFICULTY_VIEW).filter(
        structure__commune__departement=departement
    )
    this_year = clock.today().year
    years = followup.yearly_figures(files, list(range(this_year - 4, this_year + 1)))
    thresholds = ThresholdSet.objects.filter(departement=departement).first()
    return render(
        request,
        "difficulty/territory.html",
        {
            "departement": departement,
            "year": year,
            "communes": communes,
            "total": total,
            "years": years,
            "funders": sorted({f for row in years for f in row.paid_by_funder}),
            "has_demo": any(row.has_demo for row in years)
            or structures.filter(is_demo=True).exists(),
            "labels": service.SIGNAL_LABELS,
            "thresholds": thresholds.thresholds() if thresholds else service.CAF_FINISTERE,
            "own_thresholds": thresholds is not None,
            "can_decide": scope.can(request.user, Permission.DIFFICULTY_DECIDE),
        },
    )


@permission_required(Permission.DIFFICULTY_DECIDE)
def thresholds(request, code):
    """A département's thresholds: the partners who decide set them for the whole département."""
    departement = _departement(request, code, Permission.DIFFICULTY_DECIDE)
    current = ThresholdSet.objects.filter(departement=departement).first()
    form = ThresholdsForm(request.POST or None, instance=current or ThresholdSet())
    if request.method == "POST" and form.is_valid():
        form.instance.departement = departement
        form.save()
        record(request, AuditEvent.Action.UPDATE, detail=f"seuils des signaux {code}")
        messages.success(request, "Seuils enregistrés : les signaux sont recalculés.")
        return redirect("difficulty:territory", code=code)
    return render(request, "difficulty/thresholds.html", {"departement": departement, "form": form})


# --- a structure's health sheet and activity ------------------------------------------------


def _structure(request, identifier: str, permission: Permission, write: bool = False):
    rows = Structure.objects.filter(kind__in=KINDS).select_related("commune")
    gate = rows.writable_by if write else rows.visible_to
    return get_object_or_404(gate(request.user, permission), identifier=identifier)


INDICATORS = (
    ("occupancy_rate", "Taux d'occupation", " %"),
    ("invoicing_rate", "Taux de facturation", " %"),
    ("cost_per_hour_eur", "Coût par heure réalisée", " €"),
    ("children_per_place", "Enfants par place", ""),
    ("staff_costs_share", "Part des charges de personnel", " %"),
    ("deficit_share", "Part du déficit", " %"),
    ("opening_days", "Jours d'ouverture", ""),
)


@permission_required(Permission.DIFFICULTY_VIEW)
def structure(request, identifier):
    s = _structure(request, identifier, Permission.DIFFICULTY_VIEW)
    code = s.commune.departement_id
    years = service.health_rows(Structure.objects.filter(pk=s.pk)).get(s.pk, [])
    activity = list(ActivityYear.objects.filter(structure=s).order_by("year"))
    months = list(ActivityMonth.objects.filter(structure=s).order_by("month"))
    limits = service.thresholds_by_departement([code])[code]
    latest = years[-1] if years else None
    psu = None
    if (
        latest
        and latest["invoicing_rate"] is not None
        and latest["year"] >= PSU_DEGRESSIVE_FROM.year
    ):
        psu = psu_ceiling(date(latest["year"], 1, 1), latest["invoicing_rate"])
    occupancy = [(str(y["year"]), y["occupancy_rate"]) for y in years]
    invoicing = [(str(y["year"]), y["invoicing_rate"]) for y in years]
    user = request.user
    files = list(s.follow_ups.order_by("-opened_on"))
    return render(
        request,
        "difficulty/structure.html",
        {
            "structure": s,
            "years": years,
            "activity": activity,
            "months": months,
            "indicators": [
                (label, unit, [y[key] for y in years]) for key, label, unit in INDICATORS
            ],
            "labels": service.SIGNAL_LABELS,
            "latest": latest,
            "psu": psu,
            "national": service.NATIONAL_OCCUPANCY,
            "national_source": service.NATIONAL_SOURCE,
            "occupancy_chart": charts.bars(
                occupancy,
                [(limits.occupancy_low_pct, "seuil"), *service.NATIONAL_OCCUPANCY],
                "Taux d'occupation par année, avec le seuil et les références nationales",
                alert=lambda v: v < limits.occupancy_low_pct,
            ),
            "invoicing_chart": charts.bars(
                invoicing,
                [
                    (limits.invoicing_low_pct, "seuil bas"),
                    (limits.invoicing_high_pct, "seuil haut"),
                ],
                "Taux de facturation par année, avec les seuils",
                alert=lambda v: not limits.invoicing_low_pct <= v <= limits.invoicing_high_pct,
            ),
            "months_chart": charts.bars(
                [(f"{m.month:%m/%y}", m.hours_realised / 1000) for m in months[-12:]],
                [],
                "Heures réalisées par mois (milliers), fichier FILOUÉ",
                unit="",
            )
            if months
            else None,
            "files": files,
            "has_open_file": any(f.status != FollowUp.Status.CLOSED for f in files),
            "has_demo": s.is_demo or any(a.is_demo for a in activity),
            "jobs": ImportJob.objects.visible_to(user, Permission.DIFFICULTY_ACTIVITY).filter(
                kind=FILOUE, target=s.pk
            )[:3],
            "can": {
                "activity": Structure.objects.writable_by(user, Permission.DIFFICULTY_ACTIVITY)
                .filter(pk=s.pk)
                .exists(),
                "follow": Structure.objects.writable_by(user, Permission.DIFFICULTY_FOLLOW)
                .filter(pk=s.pk)
                .exists(),
            },
        },
    )


def _year(text: str) -> int | None:
    """A year asked in the URL or the form, None unless between 2000 and 2100."""
    if not (text.isdigit() and len(text) == 4):
        return None
    return int(text) if FIRST_YEAR <= int(text) <= LAST_YEAR else None


@permission_required(Permission.DIFFICULTY_ACTIVITY)
def activity(request, identifier):
    """The manager's form for one year (the year in ``?annee=``, last year by default)."""
    s = _structure(request, identifier, Permission.DIFFICULTY_ACTIVITY, write=True)
    year = _year(request.POST.get("year") or request.GET.get("annee") or "")
    year = year or clock.today().year - 1
    current = ActivityYear.objects.filter(structure=s, year=year).first()
    form = ActivityForm(
        request.POST or None,
        instance=current or ActivityYear(structure=s),
        initial={"year": year},
    )
    if request.method == "POST" and form.is_valid():
        # ``current`` is the row of the year posted: entering a year again replaces it.
        form.instance.structure = s
        form.instance.source = "Saisie du gestionnaire"
        form.instance.is_demo = False
        form.save()
        messages.success(request, f"Activité {form.cleaned_data['year']} enregistrée.")
        return redirect("difficulty:structure", identifier=s.identifier)
    return render(request, "difficulty/activity.html", {"structure": s, "form": form})


@permission_required(Permission.DIFFICULTY_ACTIVITY)
def filoue(request, identifier):
    s = _structure(request, identifier, Permission.DIFFICULTY_ACTIVITY, write=True)
    form = FiloueForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        queue_filoue_import(
            request.user, s, form.cleaned_data["file"], form.cleaned_data["dry_run"]
        )
        messages.info(
            request, "Fichier reçu : il est vérifié en arrière-plan, le compte rendu s'affiche ici."
        )
        return redirect("difficulty:structure", identifier=s.identifier)
    return render(request, "difficulty/filoue.html", {"structure": s, "form": form})


# --- the follow-up file ---------------------------------------------------------------------


@permission_required(Permission.DIFFICULTY_FOLLOW)
@require_POST
def file_open(request, identifier):
    s = _structure(request, identifier, Permission.DIFFICULTY_FOLLOW, write=True)
    rows = service.health_rows(Structure.objects.filter(pk=s.pk)).get(s.pk, [])
    try:
        file = followup.open_file(s, request.user, rows[-1]["signals"] if rows else [])
    except followup.FollowUpError as error:
        messages.error(request, str(error))
        return redirect("difficulty:structure", identifier=s.identifier)
    record(request, AuditEvent.Action.CREATE, file)
    return redirect("difficulty:file", file=file.pk)


def _file(request, pk: int, permission: Permission, write: bool = False) -> FollowUp:
    files = FollowUp.objects.select_related("structure__commune")
    gate = files.writable_by if write else files.visible_to
    return get_object_or_404(gate(request.user, permission), pk=pk)


def _file_context(request, file: FollowUp, **forms) -> dict:
    user = request.user
    writable = FollowUp.objects.writable_by(user, Permission.DIFFICULTY_FOLLOW).filter(pk=file.pk)
    can_follow = writable.exists()
    can_decide = (
        FollowUp.objects.writable_by(user, Permission.DIFFICULTY_DECIDE).filter(pk=file.pk).exists()
    )
    party = followup.signing_party(user) if can_follow else None
    status_form = StatusForm()
    status_form.fields["status"].choices = followup.next_statuses(file)
    return {
        "file": file,
        "structure": file.structure,
        "actions": list(file.actions.all()),
        "meetings": list(file.meetings.select_related("recorded_by")),
        "aids": list(file.aids.all()),
        "signals": [
            service.SIGNAL_LABELS[c] for c in file.signals.split("|") if c in service.SIGNAL_LABELS
        ],
        "party": party if party and not getattr(file, f"{party}_signed_on") else None,
        "can": {"follow": can_follow, "decide": can_decide},
        "forms": {
            "causes": CausesForm(instance=file),
            "action": PlanActionForm(),
            "meeting": MeetingForm(),
            "mam": MamFiguresForm(instance=file),
            "aid": AidRequestForm(),
            "status": status_form,
            **forms,
        },
        "has_demo": file.is_demo,
    }


@permission_required(Permission.DIFFICULTY_VIEW)
def file(request, file):
    found = _file(request, file, Permission.DIFFICULTY_VIEW)
    read_personal(request, found)
    return render(request, "difficulty/file.html", _file_context(request, found))


PARTS = {
    "causes": CausesForm,
    "action": PlanActionForm,
    "meeting": MeetingForm,
    "mam": MamFiguresForm,
    "aid": AidRequestForm,
}


@permission_required(Permission.DIFFICULTY_FOLLOW)
@require_POST
def file_edit(request, file, part):
    """Adds to the file (an action, a meeting, an aid request) or changes a part of it (causes,
    a MAM's figures); a form with errors comes back on the file's page."""
    found = _file(request, file, Permission.DIFFICULTY_FOLLOW, write=True)
    if part not in PARTS:
        raise Http404
    form_class = PARTS[part]
    instance = found if part in ("causes", "mam") else None
    form = form_class(request.POST, instance=instance) if instance else form_class(request.POST)
    if form.is_valid():
        if part == "aid":
            try:
                aids.request_aid(found, form.cleaned_data["funder"], form.cleaned_data["requested"])
            except aids.AidError as error:
                form.add_error(None, str(error))
        elif part in ("action", "meeting"):
            form.instance.file = found
            if part == "meeting":
                form.instance.recorded_by = request.user
            form.save()
        else:
            form.save()
    if form.errors:
        context = _file_context(request, found, **{part: form})
        return render(request, "difficulty/file.html", context, status=200)
    record(request, AuditEvent.Action.UPDATE, found, detail=part)
    return redirect("difficulty:file", file=found.pk)


@permission_required(Permission.DIFFICULTY_FOLLOW)
@require_POST
def file_sign(request, file):
    found = _file(request, file, Permission.DIFFICULTY_FOLLOW, write=True)
    if followup.signing_party(request.user) is None:
        raise PermissionDenied
    try:
        followup.sign(found, request.user)
    except followup.FollowUpError as error:
        messages.error(request, str(error))
    else:
        record(request, AuditEvent.Action.UPDATE, found, detail="co-signature")
    return redirect("difficulty:file", file=found.pk)


@permission_required(Permission.DIFFICULTY_DECIDE)
@require_POST
def file_status(request, file):
    found = _file(request, file, Permission.DIFFICULTY_DECIDE, write=True)
    form = StatusForm(request.POST)
    form.fields["status"].choices = followup.next_statuses(found)
    if form.is_valid():
        try:
            followup.change_status(found, form.cleaned_data["status"])
        except TransitionError:
            messages.error(request, "Ce changement de statut n'est pas possible.")
        else:
            record(request, AuditEvent.Action.UPDATE, found, detail=f"statut {found.status}")
    else:
        messages.error(request, "Choisissez un des statuts proposés.")
    return redirect("difficulty:file", file=found.pk)


@permission_required(Permission.DIFFICULTY_DECIDE)
@require_POST
def aid_decide(request, file):
    found = _file(request, file, Permission.DIFFICULTY_DECIDE, write=True)
    form = AidDecisionForm(request.POST)
    if form.is_valid():
        aid = get_object_or_404(found.aids, pk=form.cleaned_data["aid"])
        try:
            aids.decide(aid, form.cleaned_data["decision"], form.cleaned_data["granted"])
        except aids.AidError as error:
            messages.error(request, str(error))
        except TransitionError:
            messages.error(request, "Cette décision n'est pas possible pour cette aide.")
        else:
            record(request, AuditEvent.Action.UPDATE, found, detail=f"aide {aid.status}")
    else:
        messages.error(request, "Décision incomplète : choisissez la décision et le montant.")
    return redirect("difficulty:file", file=found.pk)
