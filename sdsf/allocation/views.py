"""Commission pages. Thin: rounds come from ``AllocationRound.objects.visible_to`` (and
``writable_by`` for the changes); the work is done in :mod:`sdsf.allocation.rounds`,
:mod:`grids` and :mod:`waiting_list`."""

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from sdsf.accounts import scope
from sdsf.accounts.scope import Permission, permission_required
from sdsf.allocation import answers, grids, letters, rounds, tasks
from sdsf.allocation.forms import (
    AgentAnswerForm,
    CommissionPointsForm,
    OverrideForm,
    RoundForm,
    UploadForm,
    VacateForm,
    ValidateForm,
)
from sdsf.allocation.grids import application_lines, total
from sdsf.allocation.indicators import round_indicators
from sdsf.allocation.intake import IntakeError, take_pre_applications
from sdsf.allocation.models import AllocationRound, Answer, Application
from sdsf.allocation.tasks import WAITING_LIST, queue_run, queue_waiting_list_import
from sdsf.audit.log import read_personal, record
from sdsf.audit.models import AuditEvent
from sdsf.core import formats
from sdsf.core.downloads import file_response
from sdsf.offer.models import ImportJob, Structure

PAGE_SIZE = 100


def _round(request, pk) -> AllocationRound:
    return get_object_or_404(
        AllocationRound.objects.visible_to(request.user, Permission.ALLOCATION_VIEW).select_related(
            "grid", "commune"
        ),
        pk=pk,
    )


def _managed_round(request, pk) -> AllocationRound:
    return get_object_or_404(
        AllocationRound.objects.writable_by(
            request.user, Permission.ALLOCATION_MANAGE
        ).select_related("grid", "commune"),
        pk=pk,
    )


def _can_manage(request, item: AllocationRound) -> bool:
    managed = AllocationRound.objects.writable_by(request.user, Permission.ALLOCATION_MANAGE)
    return managed.filter(pk=item.pk).exists()


# What the indicators and the list of wished structures read of every application of a round
# (the page shows the full rows of one page of applications only); the round, for the related
# manager that sets it on each row.
SUMMARY_FIELDS = (
    "round",
    "wishes",
    "proposed_structure",
    "decided_structure",
    "override_reason",
    "wish_rank",
    "insertion",
    "submitted_on",
)


def _summarised(item: AllocationRound) -> list[Application]:
    return list(item.applications.only(*SUMMARY_FIELDS).order_by())


def _indicators(item: AllocationRound, applications: list[Application]):
    """``applications``: every application of the round, with :data:`SUMMARY_FIELDS`."""
    if item.status not in (AllocationRound.Status.RUN, AllocationRound.Status.VALIDATED):
        return None
    decided = {a.final_structure_id for a in applications} - {None}
    identifiers = dict(Structure.objects.filter(pk__in=decided).values_list("pk", "identifier"))
    return round_indicators(applications, identifiers, item.starts_on)


@permission_required(Permission.ALLOCATION_VIEW)
def index(request):
    items = AllocationRound.objects.visible_to(
        request.user, Permission.ALLOCATION_VIEW
    ).select_related("commune", "grid")
    return render(
        request,
        "allocation/index.html",
        {"items": items, "can_manage": scope.can(request.user, Permission.ALLOCATION_MANAGE)},
    )


@permission_required(Permission.ALLOCATION_MANAGE)
def round_create(request):
    communes = scope.communes(request.user, Permission.ALLOCATION_MANAGE)
    form = RoundForm(request.POST or None, communes)
    if request.method == "POST" and form.is_valid():
        item = form.save()
        messages.success(request, "Commission créée ; publiez sa grille avant le calcul.")
        return redirect("allocation:round", round=item.pk)
    return render(request, "allocation/round_form.html", {"form": form})


def public_grid(request, round):
    """The published grid of a round, open to everyone (no login), as the law requires."""
    item = get_object_or_404(
        AllocationRound.objects.exclude(status=AllocationRound.Status.DRAFT).select_related(
            "grid", "commune"
        ),
        pk=round,
    )
    validated = item.status == AllocationRound.Status.VALIDATED
    return render(
        request,
        "allocation/public_grid.html",
        {
            "item": item,
            "criteria": item.grid.criteria.all(),
            "indicators": _indicators(item, _summarised(item)) if validated else None,
        },
    )


@permission_required(Permission.ALLOCATION_VIEW)
def round_detail(request, round):
    item = _round(request, round)
    criteria = list(item.grid.criteria.all())
    applications = item.applications.select_related(
        "proposed_structure", "decided_structure", "pre_application"
    )
    page = Paginator(applications, PAGE_SIZE).get_page(request.GET.get("page"))
    read_personal(request, list(page.object_list))
    summarised = _summarised(item)
    wished = sorted({w for a in summarised for w in a.wishes})
    structures = list(
        Structure.objects.filter(identifier__in=wished).only("identifier", "name").order_by("name")
    )
    names = {s.identifier: s.name for s in structures}
    return render(
        request,
        "allocation/round.html",
        {
            "item": item,
            "criteria": criteria,
            "page": page,
            "rows": [
                (a, application_lines(criteria, a), [names.get(w, w) for w in a.wishes])
                for a in page.object_list
            ],
            "structures": structures,
            "indicators": _indicators(item, summarised),
            "can_manage": _can_manage(request, item),
        },
    )


def _state_change(request, round, change, success: str):
    item = _managed_round(request, round)
    try:
        change(item)
    except rounds.RoundError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, success)
    return redirect("allocation:round", round=item.pk)


@permission_required(Permission.ALLOCATION_MANAGE)
@require_POST
def round_publish(request, round):
    return _state_change(request, round, rounds.publish, "Grille publiée.")


@permission_required(Permission.ALLOCATION_MANAGE)
@require_POST
def round_run(request, round):
    """Queues the run in the background; the round page shows its progress."""
    item = _managed_round(request, round)
    try:
        queue_run(item)
    except rounds.RoundError as error:
        messages.error(request, str(error))
    return redirect("allocation:round", round=item.pk)


@require_GET
@permission_required(Permission.ALLOCATION_VIEW)
def round_progress(request, round):
    """The run's progress block, polled by htmx; once the run is over, htmx reloads the page."""
    item = _round(request, round)
    response = render(request, "allocation/_run_progress.html", {"item": item})
    if item.status != AllocationRound.Status.RUNNING and request.headers.get("HX-Request"):
        response["HX-Refresh"] = "true"
    return response


@permission_required(Permission.ALLOCATION_MANAGE)
@require_POST
def round_intake(request, round):
    """Takes the online pré-demandes wishing a place in the round's commune."""
    item = _managed_round(request, round)
    try:
        result = take_pre_applications(item, request.user)
    except IntakeError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, result.summary())
    return redirect("allocation:round", round=item.pk)


@permission_required(Permission.ALLOCATION_MANAGE)
def round_validate(request, round):
    """Says what validation will send (letters and e-mails, by outcome), then validates once
    the agent confirms."""
    item = _managed_round(request, round)
    form = ValidateForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        return _state_change(
            request,
            round,
            lambda item: tasks.validate(request, item),
            "Commission validée : les lettres de décision partent par e-mail ; "
            "imprimez celles des familles sans adresse e-mail.",
        )
    ready = item.status == AllocationRound.Status.RUN
    return render(
        request,
        "allocation/validate.html",
        {
            "item": item,
            "form": form,
            "ready": ready,
            "dispatch": letters.dispatch(item) if ready else [],
        },
    )


@permission_required(Permission.ALLOCATION_MANAGE)
def round_import(request, round):
    item = _managed_round(request, round)
    if item.status not in (AllocationRound.Status.DRAFT, AllocationRound.Status.PUBLISHED):
        raise Http404
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        job = queue_waiting_list_import(request.user, item, form.cleaned_data["file"])
        return redirect("allocation:round_import_job", round=item.pk, job=job.pk)
    return render(request, "allocation/import.html", {"item": item, "form": form})


def _import_job(request, round, job) -> tuple[AllocationRound, dict]:
    item = _managed_round(request, round)
    job = get_object_or_404(
        ImportJob.objects.defer("content"),
        pk=job,
        user=request.user,
        kind=WAITING_LIST,
        target=item.pk,
    )
    poll_url = reverse("allocation:round_import_progress", args=[item.pk, job.pk])
    return item, {"item": item, "job": job, "poll_url": poll_url}


@permission_required(Permission.ALLOCATION_MANAGE)
def round_import_job(request, round, job):
    """The waiting-list import's page: its progress, then its report."""
    _, context = _import_job(request, round, job)
    return render(request, "allocation/import_job.html", context)


@require_GET
@permission_required(Permission.ALLOCATION_MANAGE)
def round_import_progress(request, round, job):
    """The progress block, polled by htmx until the import is finished."""
    _, context = _import_job(request, round, job)
    return render(request, "offer/_import_progress.html", context)


@permission_required(Permission.ALLOCATION_VIEW)
def round_structure(request, round, identifier):
    """The proposal at one structure: who is proposed there, with points and wish rank."""
    item = _round(request, round)
    structure = get_object_or_404(Structure, identifier=identifier)
    wishing = [
        pk for pk, wishes in item.applications.values_list("pk", "wishes") if identifier in wishes
    ]
    applications = list(
        item.applications.filter(pk__in=wishing).select_related(
            "proposed_structure", "decided_structure"
        )
    )
    if not applications:
        raise Http404
    admitted = [a for a in applications if a.final_structure_id == structure.pk]
    read_personal(request, applications)
    figures = rounds.round_places(item, [structure]).figures[0]
    return render(
        request,
        "allocation/structure.html",
        {
            "item": item,
            "structure": structure,
            "admitted": admitted,
            "figures": figures,
            "can_manage": _can_manage(request, item),
        },
    )


@permission_required(Permission.ALLOCATION_MANAGE)
def application_override(request, round, application):
    item = _managed_round(request, round)
    target = get_object_or_404(item.applications, pk=application)
    read_personal(request, target)
    wished = Structure.objects.in_bulk(target.wishes, field_name="identifier")
    form = OverrideForm(request.POST or None, [wished[w] for w in target.wishes if w in wished])
    if request.method == "POST" and form.is_valid():
        try:
            rounds.override(request, target, form.chosen_structure(), form.cleaned_data["reason"])
        except rounds.RoundError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, "Proposition modifiée ; le motif est enregistré.")
        return redirect("allocation:round", round=item.pk)
    lines = application_lines(list(item.grid.criteria.all()), target)
    return render(
        request,
        "allocation/override.html",
        {"item": item, "target": target, "form": form, "lines": lines, "total": total(lines)},
    )


@permission_required(Permission.ALLOCATION_MANAGE)
def commission_points(request, round, application):
    """The lines of the grid the commission sets on one application before the run: what it
    alone judges, and the points a professional chose within each range."""
    item = _managed_round(request, round)
    target = get_object_or_404(item.applications, pk=application)
    read_personal(request, target)
    criteria = list(item.grid.criteria.all())
    form = CommissionPointsForm(
        request.POST if request.method == "POST" else None,
        grids.commission_criteria(criteria),
        target,
    )
    if request.method == "POST" and form.is_valid():
        ticked, chosen = form.chosen()
        try:
            points = grids.set_commission_points(target, criteria, ticked, chosen)
        except grids.PointsError as error:
            messages.error(request, str(error))
        else:
            record(request, AuditEvent.Action.UPDATE, [target], detail="Points de la commission")
            messages.success(request, f"Points enregistrés : {formats.number(points)}.")
        return redirect("allocation:round", round=item.pk)
    lines = application_lines(criteria, target)
    return render(
        request,
        "allocation/points.html",
        {"item": item, "target": target, "form": form, "lines": lines, "total": total(lines)},
    )


@permission_required(Permission.ALLOCATION_MANAGE)
def application_letter(request, round, application):
    """The decision letter of one family (PDF), once the commission has validated: in the
    family's language, or in the one asked (``?langue=fr`` for the French text)."""
    item, target = _validated_application(request, round, application)
    asked = request.GET.get("langue", "")
    language = asked if asked in dict(settings.LANGUAGES) else letters.language(target)
    pdf = letters.render(target, letters.authority(item.commune), language)
    return file_response(pdf, letters.filename(target), "pdf", inline=True)


def _validated_application(request, round, application) -> tuple[AllocationRound, Application]:
    item = _managed_round(request, round)
    if item.status != AllocationRound.Status.VALIDATED:
        raise Http404
    target = get_object_or_404(
        item.applications.select_related(
            "pre_application", "proposed_structure", "decided_structure"
        ),
        pk=application,
    )
    read_personal(request, target)
    return item, target


@permission_required(Permission.ALLOCATION_MANAGE)
def application_answer(request, round, application):
    """A commune agent records the answer of a family without an account (waiting list, or a
    pré-demande filed at the desk); families with an account answer in their own space."""
    item, target = _validated_application(request, round, application)
    if target.pre_application is not None and target.pre_application.family_id is not None:
        raise Http404
    form = AgentAnswerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            if form.cleaned_data["answer"] == Answer.ACCEPTED:
                answers.accept(request, target, by_agent=True)
            else:
                answers.refuse(request, target, form.cleaned_data["reason"], by_agent=True)
        except answers.AnswerError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, "Réponse de la famille enregistrée.")
        return redirect("allocation:round", round=item.pk)
    return render(
        request,
        "allocation/answer.html",
        {"item": item, "target": target, "form": form, "title": "Réponse de la famille"},
    )


@permission_required(Permission.ALLOCATION_MANAGE)
def application_vacate(request, round, application):
    """An agent marks that the child left its place: it goes back to the next round."""
    item, target = _validated_application(request, round, application)
    form = VacateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            answers.vacate(request, target, form.cleaned_data["on"], form.cleaned_data["reason"])
        except answers.AnswerError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, "Place libérée ; le motif est enregistré.")
        return redirect("allocation:round", round=item.pk)
    return render(
        request,
        "allocation/answer.html",
        {"item": item, "target": target, "form": form, "title": "Libérer la place"},
    )
