"""The pré-demande, step by step, by a family online or by an agent at the guichet unique.

Both modes run the same steps, forms and domain functions (:mod:`sdsf.families.applications`);
a :class:`Mode` says only where the pré-demande is read from and where the pages lead. Agents'
reads are audited (``read_personal``) on every page.
"""

from dataclasses import dataclass

from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sdsf.accounts.scope import Permission, permission_required
from sdsf.audit.log import read_personal
from sdsf.core import clock
from sdsf.families import applications, commission, receipt
from sdsf.families.access import family_of, family_required
from sdsf.families.applications import ApplicationError
from sdsf.families.forms import (
    ChildForm,
    ConsentForm,
    DocumentForm,
    NeedForm,
    ParentForm,
    SituationForm,
)
from sdsf.families.labels import day_labels, document_labels
from sdsf.families.models import ACTIVE_STATUSES, PreApplication
from sdsf.offer.models import Structure
from sdsf.territories.models import Commune

STEPS = [
    ("parent", gettext_lazy("Le parent")),
    ("child", gettext_lazy("L'enfant")),
    ("need", gettext_lazy("Le besoin d'accueil")),
    ("wishes", gettext_lazy("Les vœux")),
    ("situation", gettext_lazy("La situation")),
    ("documents", gettext_lazy("Les pièces justificatives")),
    ("review", gettext_lazy("Vérification et envoi")),
]
STEP_NAMES = [name for name, _label in STEPS]
FIELD_STEPS = {"parent": ParentForm, "child": ChildForm, "need": NeedForm}
Status = PreApplication.Status


@dataclass(frozen=True)
class Mode:
    desk: bool
    step_url: str
    done_url: str  # the page of a submitted pré-demande


FAMILY = Mode(desk=False, step_url="families:apply_step", done_url="families:application")
DESK = Mode(desk=True, step_url="families:desk_step", done_url="families:desk_edit")


def _actor(request, mode: Mode) -> dict:
    return {"actor": request.user, "by_agent": mode.desk}


def _step_url(mode: Mode, pre: PreApplication, step: str) -> str:
    return reverse(mode.step_url, kwargs={"reference": pre.reference, "step": step})


def _after_save(request, mode: Mode, pre: PreApplication, step: str):
    """A draft goes on to the next step; a submitted pré-demande back to its page."""
    if pre.status == Status.DRAFT:
        return redirect(_step_url(mode, pre, STEP_NAMES[STEP_NAMES.index(step) + 1]))
    messages.success(request, _("Modification enregistrée."))
    return redirect(mode.done_url, reference=pre.reference)


def _render(request, mode: Mode, pre: PreApplication | None, step: str, context: dict):
    return render(
        request,
        f"families/apply/{step}.html",
        {
            "pre": pre,
            "mode": mode,
            "step": step,
            "steps": STEPS,
            "step_number": STEP_NAMES.index(step) + 1,
            "step_label": dict(STEPS)[step],
            "next_step": STEP_NAMES[min(STEP_NAMES.index(step) + 1, len(STEPS) - 1)],
            "editable": pre is None or pre.status in applications.EDITABLE_STATUSES,
            **context,
        },
    )


def _parent_step(request, mode: Mode, pre: PreApplication | None):
    initial = {}
    if pre is None and not mode.desk:  # a family's first pré-demande starts from its account
        user = request.user
        initial = {
            "parent_first_name": user.first_name,
            "parent_last_name": user.last_name,
            "email": user.email,
        }
    form = ParentForm(request.POST or None, instance=pre, desk=mode.desk, initial=initial)
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in ParentForm.Meta.fields}
        try:
            if pre is None:
                if not mode.desk:
                    fields["family"] = family_of(request.user)
                pre = applications.create_draft(
                    filed_by=request.user if mode.desk else None, **fields
                )
                if mode.desk:
                    read_personal(request, pre)
            else:
                applications.update(pre, fields, **_actor(request, mode))
        except ApplicationError as error:
            form.add_error(None, error)
        else:
            return _after_save(request, mode, pre, "parent")
    return _render(request, mode, pre, "parent", {"form": form})


def _fields_step(request, mode: Mode, pre: PreApplication, step: str):
    form_class = FIELD_STEPS[step]
    form = form_class(request.POST or None, instance=pre)
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in form_class.Meta.fields}
        try:
            applications.update(pre, fields, **_actor(request, mode))
        except ApplicationError as error:
            form.add_error(None, error)
        else:
            return _after_save(request, mode, pre, step)
    return _render(request, mode, pre, step, {"form": form})


def _wishes_step(request, mode: Mode, pre: PreApplication):
    """Wishes are added from a search, moved up or down and removed one at a time (no script
    needed on a phone); each change saves the whole ranked list."""
    targets = applications.wish_targets(pre)
    if request.method == "POST":
        action, value = request.POST.get("action", ""), request.POST.get("target", "")
        try:
            targets = _changed_wishes(pre, targets, action, value)
            applications.set_wishes(pre, targets, **_actor(request, mode))
        except ApplicationError as error:
            for message in error.messages:
                messages.error(request, message)
        return redirect(_step_url(mode, pre, "wishes"))
    query = request.GET.get("q", "")
    structures, communes = applications.wish_candidates(pre, query)
    return _render(
        request,
        mode,
        pre,
        "wishes",
        {
            "wishes": targets,
            "query": query,
            "structures": structures,
            "communes": communes,
            "full": len(targets) >= applications.max_wishes(),
            "max_wishes": applications.max_wishes(),
        },
    )


def _changed_wishes(pre, targets: list, action: str, value: str) -> list:
    if action == "add_structure":
        structure = (
            Structure.objects.wishable()
            .filter(
                pk=value if value.isdigit() else None, commune__departement_id=pre.departement_id
            )
            .first()
        )
        if structure is None:
            raise ApplicationError(_("Cette crèche est introuvable."))
        return [*targets, structure]
    if action == "add_commune":
        commune = Commune.objects.filter(code=value, departement_id=pre.departement_id).first()
        if commune is None:
            raise ApplicationError(_("Cette commune est introuvable."))
        return [*targets, commune]
    try:
        index = int(value)
        target = targets[index]
    except (ValueError, IndexError) as error:
        raise ApplicationError(_("Ce vœu est introuvable.")) from error
    if action == "remove":
        return targets[:index] + targets[index + 1 :]
    if action in ("up", "down"):
        other = index - 1 if action == "up" else index + 1
        if 0 <= other < len(targets):
            targets[index], targets[other] = targets[other], target
        return targets
    raise ApplicationError(_("Action inconnue."))


def _situation_step(request, mode: Mode, pre: PreApplication):
    questions = commission.questions(pre)
    form = SituationForm(
        request.POST or None,
        questions=questions,
        initial={"situation": pre.situation, "insertion": pre.insertion},
    )
    if request.method == "POST" and form.is_valid():
        fields = {
            "situation": form.cleaned_data["situation"],
            "insertion": form.cleaned_data["insertion"],
        }
        try:
            applications.update(pre, fields, **_actor(request, mode))
        except ApplicationError as error:
            form.add_error(None, error)
        else:
            return _after_save(request, mode, pre, "situation")
    return _render(request, mode, pre, "situation", {"form": form, "questions": questions})


def _documents_step(request, mode: Mode, pre: PreApplication):
    form = DocumentForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            applications.add_document(
                pre, form.cleaned_data["kind"], form.cleaned_data["file"], **_actor(request, mode)
            )
        except ApplicationError as error:
            form.add_error("file", error)
        else:
            messages.success(request, _("Pièce ajoutée."))
            return redirect(_step_url(mode, pre, "documents"))
    return _render(
        request,
        mode,
        pre,
        "documents",
        {
            "form": form,
            "documents": pre.documents.all(),
            "missing": document_labels(applications.missing_documents(pre)),
            "required": document_labels(applications.required_documents(pre)),
        },
    )


def _review_step(request, mode: Mode, pre: PreApplication):
    draft = pre.status == Status.DRAFT
    form = ConsentForm(request.POST or None, desk=mode.desk)
    if draft and request.method == "POST" and form.is_valid():
        try:
            pre.consent_at = pre.consent_at or clock.now()
            pre.save(update_fields=["consent_at", "updated_at"])
            applications.submit(pre, **_actor(request, mode))
        except ApplicationError as error:
            form.add_error(None, error)
        else:
            receipt.send_receipt(request, pre)
            messages.success(
                request, _("Pré-demande %(reference)s déposée.") % {"reference": pre.reference}
            )
            return redirect(mode.done_url, reference=pre.reference)
    return _render(
        request,
        mode,
        pre,
        "review",
        {
            "form": form,
            "draft": draft,
            "missing": applications.missing_for_submission(pre, by_agent=mode.desk),
            "wishes": applications.wish_targets(pre),
            "days": day_labels(pre),
            "points": commission.points_so_far(pre),
            "missing_documents": document_labels(applications.missing_documents(pre)),
        },
    )


def _step(request, mode: Mode, pre: PreApplication, step: str):
    if step not in STEP_NAMES:
        raise Http404
    if step == "documents":
        if pre.status not in applications.DOCUMENT_STATUSES:
            messages.error(request, _("Cette pré-demande est close."))
            return redirect(mode.done_url, reference=pre.reference)
        return _documents_step(request, mode, pre)
    if step == "review":
        return _review_step(request, mode, pre)
    if pre.status not in applications.EDITABLE_STATUSES:
        messages.error(
            request, _("La pré-demande est passée en commission : elle ne peut plus être modifiée.")
        )
        return redirect(mode.done_url, reference=pre.reference)
    if step == "parent":
        return _parent_step(request, mode, pre)
    if step == "wishes":
        return _wishes_step(request, mode, pre)
    if step == "situation":
        return _situation_step(request, mode, pre)
    return _fields_step(request, mode, pre, step)


# ---- the family ------------------------------------------------------------------------------


def _family_pre(request, reference) -> PreApplication:
    return get_object_or_404(PreApplication.objects.of_family(request.user), reference=reference)


@family_required
def apply_new(request):
    return _parent_step(request, FAMILY, None)


@family_required
def apply_step(request, reference, step):
    return _step(request, FAMILY, _family_pre(request, reference), step)


# Statuses of a pré-demande a round has proposed a place to: its page lists the proposals.
PROPOSAL_STATUSES = (Status.PROPOSED, Status.ACCEPTED, Status.REFUSED)
# Statuses a pré-demande goes through when all goes well, shown as a stepper.
PROGRESS = [
    Status.RECEIVED,
    Status.COMPLETE,
    Status.IN_COMMISSION,
    Status.PROPOSED,
    Status.ACCEPTED,
]


@family_required
def application(request, reference):
    pre = _family_pre(request, reference)
    if pre.status == Status.DRAFT:
        return redirect(_step_url(FAMILY, pre, "review"))
    scores = commission.points_so_far(pre)
    return render(
        request,
        "families/application/detail.html",
        {
            "pre": pre,
            "progress": [(s, s.label) for s in PROGRESS],
            "progress_index": PROGRESS.index(pre.status) + 1 if pre.status in PROGRESS else None,
            "events": pre.events.all(),
            "documents": pre.documents.all(),
            "missing_documents": document_labels(applications.missing_documents(pre)),
            "wishes": applications.wish_targets(pre),
            "days": day_labels(pre),
            "points": scores,
            "next_commission": commission.earliest_commission(scores),
            "editable": pre.status in applications.EDITABLE_STATUSES,
            "can_add_documents": pre.status in applications.DOCUMENT_STATUSES,
            "can_withdraw": pre.status in ACTIVE_STATUSES,
            "proposals": commission.proposals(pre) if pre.status in PROPOSAL_STATUSES else None,
        },
    )


def _receipt(pre: PreApplication):
    if pre.status == Status.DRAFT:
        raise Http404
    return receipt.receipt_response(pre)


@family_required
def receipt_pdf(request, reference):
    return _receipt(_family_pre(request, reference))


def _withdraw(request, mode: Mode, pre: PreApplication):
    """Withdrawal after a confirmation page: by the family, or by an agent whom the family
    asked at the desk or on the phone."""
    if pre.status not in ACTIVE_STATUSES:
        raise Http404
    if request.method == "POST":
        applications.withdraw(pre, **_actor(request, mode))
        messages.success(request, _("La pré-demande est retirée."))
        return redirect(mode.done_url, reference=pre.reference)
    return render(request, "families/application/withdraw.html", {"pre": pre, "mode": mode})


@family_required
def withdraw(request, reference):
    return _withdraw(request, FAMILY, _family_pre(request, reference))


@family_required
def document(request, reference, document):
    """A supporting document, to the family that sent it only (downloaded, never shown inline)."""
    item = get_object_or_404(_family_pre(request, reference).documents, pk=document)
    return FileResponse(
        item.file.open("rb"),
        as_attachment=True,
        filename=item.original_name,
        content_type=item.content_type,
    )


# ---- the guichet unique -----------------------------------------------------------------------


def _desk_pre(request, reference) -> PreApplication:
    pre = get_object_or_404(
        PreApplication.objects.writable_by(request.user, Permission.FAMILY_FILES_FILE),
        reference=reference,
    )
    read_personal(request, pre)
    return pre


@permission_required(Permission.FAMILY_FILES_FILE)
def desk_new(request):
    return _parent_step(request, DESK, None)


@permission_required(Permission.FAMILY_FILES_FILE)
def desk_edit(request, reference):
    return _step(request, DESK, _desk_pre(request, reference), "review")


@permission_required(Permission.FAMILY_FILES_FILE)
def desk_step(request, reference, step):
    return _step(request, DESK, _desk_pre(request, reference), step)


@permission_required(Permission.FAMILY_FILES_FILE)
def desk_receipt(request, reference):
    """The receipt, printed at the desk for a family without e-mail."""
    return _receipt(_desk_pre(request, reference))


@permission_required(Permission.FAMILY_FILES_FILE)
def desk_withdraw(request, reference):
    return _withdraw(request, DESK, _desk_pre(request, reference))
