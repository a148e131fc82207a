"""The observatory's imports from the web: upload, check (dry run), confirm, history.

The file is parsed by the task worker, never in the request (:mod:`.tasks`); the pages show the
job's progress with the offer's progress block, polled by htmx.
"""

from django.db.models.functions import Length
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from sdsf.accounts import scope
from sdsf.accounts.scope import Permission, permission_required
from sdsf.observatory.forms import ObservatoryImportForm
from sdsf.observatory.importing import KINDS
from sdsf.observatory.tasks import queue_check, queue_confirmed
from sdsf.offer.models import ImportJob

HISTORY_SIZE = 30


def _jobs(user):
    return (
        ImportJob.objects.visible_to(user, Permission.OBSERVATORY_IMPORT)
        .filter(kind__in=KINDS)
        .defer("content")
    )


@permission_required(Permission.OBSERVATORY_IMPORT)
def import_file(request):
    departements = list(scope.departements(request.user, Permission.OBSERVATORY_IMPORT))
    form = ObservatoryImportForm(
        request.POST or None, request.FILES or None, departements=departements
    )
    if request.method == "POST" and form.is_valid():
        departement = next(d for d in departements if d.code == form.cleaned_data["departement"])
        job = queue_check(
            request.user,
            departement,
            form.cleaned_data["kind"],
            form.cleaned_data["file"],
            form.options(),
        )
        return redirect("observatory:import_job", job=job.pk)
    history = (
        _jobs(request.user)
        .filter(dry_run=False)
        .select_related("user", "departement")[:HISTORY_SIZE]
    )
    return render(
        request,
        "observatory/import.html",
        {"form": form, "history": history, "kinds": {k: v.label for k, v in KINDS.items()}},
    )


def _context(request, job: int) -> dict:
    job = get_object_or_404(_jobs(request.user).select_related("departement"), pk=job)
    confirmable = (
        job.dry_run
        and job.state == ImportJob.State.DONE
        and job.user_id == request.user.pk
        and ImportJob.objects.filter(pk=job.pk)
        .annotate(size=Length("content"))
        .filter(size__gt=0)
        .exists()
    )
    return {
        "job": job,
        "kind_label": KINDS[job.kind].label,
        "poll_url": reverse("observatory:import_progress", args=[job.pk]),
        "confirmable": confirmable,
    }


@permission_required(Permission.OBSERVATORY_IMPORT)
def import_job(request, job):
    return render(request, "observatory/import_job.html", _context(request, job))


@require_GET
@permission_required(Permission.OBSERVATORY_IMPORT)
def import_progress(request, job):
    """The progress block, polled by htmx until the check or the import is finished."""
    return render(request, "observatory/_import_progress.html", _context(request, job))


@permission_required(Permission.OBSERVATORY_IMPORT)
@require_POST
def import_confirm(request, job):
    """Imports the file whose check the person read; its département must still be theirs."""
    context = _context(request, job)
    if not context["confirmable"]:
        raise Http404
    job = queue_confirmed(context["job"])
    return redirect("observatory:import_job", job=job.pk)
