"""The guichet unique's desk: the pré-demandes of the agent's territory, their history, probable
duplicates and their merge, the interest confirmed by phone, the invitation to attach a file to
a family account (:mod:`sdsf.families.invitations`).

Rows come only from ``PreApplication.objects.visible_to`` (and ``writable_by`` for the
changes); the list shows few fields
(reference, child, commune, status); opening a file or one of its documents is audited
(``read_personal``). Filing and completing a file are the apply views (``desk_new``,
``desk_edit``).
"""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import FileResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from sdsf.accounts import scope
from sdsf.accounts.scope import Permission, permission_required
from sdsf.audit.log import read_personal
from sdsf.core import clock
from sdsf.families import applications, commission, duplicates, interest, invitations
from sdsf.families.applications import ApplicationError
from sdsf.families.labels import day_labels, document_labels
from sdsf.families.models import PreApplication

PAGE_SIZE = 25


class DeskSearchForm(forms.Form):
    q = forms.CharField(
        label=gettext_lazy("Référence, nom de l'enfant ou du parent, commune"),
        required=False,
        max_length=100,
    )
    status = forms.ChoiceField(
        label=gettext_lazy("État"),
        required=False,
        choices=[("", gettext_lazy("Tous"))]
        + [c for c in PreApplication.Status.choices if c[0] != PreApplication.Status.DRAFT],
    )
    to_call = forms.BooleanField(
        label=gettext_lazy("Familles sans e-mail à appeler (confirmation de l'intérêt)"),
        required=False,
    )


class InvitationForm(forms.Form):
    language = forms.ChoiceField(
        label=gettext_lazy("Langue de l'e-mail"), choices=settings.LANGUAGES, initial="fr"
    )


def _search(queryset, data: dict):
    if data.get("q"):
        words = data["q"].strip()
        queryset = queryset.filter(
            Q(reference__icontains=words)
            | Q(child_last_name__icontains=words)
            | Q(child_first_name__icontains=words)
            | Q(parent_last_name__icontains=words)
            | Q(parent_first_name__icontains=words)
            | Q(home_commune__name__icontains=words)
        )
    if data.get("status"):
        queryset = queryset.filter(status=data["status"])
    if data.get("to_call"):
        queryset = interest.to_call(clock.now(), queryset)
    return queryset


def _duplicate_groups(user) -> list[dict]:
    """Probable duplicates among the active files of the agent's départements, shown when one
    of them is in the agent's scope; files outside it are named by their reference only. Only
    the files of a group are read (see :func:`duplicates.probable_in_departements`)."""
    found = duplicates.groups(
        duplicates.probable_in_departements(
            scope.departements(user, Permission.FAMILY_FILES_VIEW).values("code")
        )
    )
    visible = set(
        PreApplication.objects.visible_to(user, Permission.FAMILY_FILES_VIEW)
        .filter(pk__in=[pre.pk for group in found for pre in group])
        .values_list("pk", flat=True)
    )
    return [
        {
            "files": [pre for pre in group if pre.pk in visible],
            "others": [pre.reference for pre in group if pre.pk not in visible],
        }
        for group in found
        if any(pre.pk in visible for pre in group)
    ]


@permission_required(Permission.FAMILY_FILES_VIEW)
def desk(request):
    form = DeskSearchForm(request.GET or None)
    files = PreApplication.objects.visible_to(
        request.user, Permission.FAMILY_FILES_VIEW
    ).select_related("home_commune")
    if form.is_valid():
        files = _search(files, form.cleaned_data)
    page = Paginator(files.order_by("-submitted_at", "reference"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "families/desk/list.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "duplicate_groups": _duplicate_groups(request.user),
            "can_file": scope.can(request.user, Permission.FAMILY_FILES_FILE),
        },
    )


def _file(
    request, reference, permission: Permission = Permission.FAMILY_FILES_VIEW
) -> PreApplication:
    pre = get_object_or_404(
        PreApplication.objects.visible_to(request.user, permission).select_related(
            "home_commune", "family__user", "filed_by", "merged_into"
        ),
        reference=reference,
    )
    read_personal(request, pre)
    return pre


@permission_required(Permission.FAMILY_FILES_VIEW)
def desk_detail(request, reference):
    pre = _file(request, reference)
    in_scope = PreApplication.objects.writable_by(request.user, Permission.FAMILY_FILES_MERGE)
    mergeable = set(in_scope.values_list("pk", flat=True))
    found = duplicates.duplicates_of(pre)
    labels = {q.key: q.label for q in commission.questions(pre)}
    return render(
        request,
        "families/desk/detail.html",
        {
            "pre": pre,
            "events": pre.events.select_related("actor"),
            "wishes": applications.wish_targets(pre),
            "days": day_labels(pre),
            "points": commission.points_so_far(pre),
            # the declared situation in the grids' words (a key no grid asks any more is kept)
            "situation": [labels.get(key, key) for key in pre.situation],
            "documents": pre.documents.all(),
            "missing_documents": document_labels(applications.missing_documents(pre)),
            "round_applications": pre.round_applications.select_related(
                "round__commune", "proposed_structure", "decided_structure"
            ),
            "duplicates": [
                {"pre": other, "mergeable": pre.pk in mergeable and other.pk in mergeable}
                for other in found
            ],
            "can_file": scope.can(request.user, Permission.FAMILY_FILES_FILE),
            "can_confirm": pre.status in interest.WAITING_STATUSES
            and scope.can(request.user, Permission.FAMILY_FILES_FILE),
            "invitations": pre.invitations.select_related("sent_by"),
            "invitation_refusal": invitations.refusal(pre),
            "invitation_form": InvitationForm(),
        },
    )


@permission_required(Permission.FAMILY_FILES_VIEW)
def desk_document(request, reference, document):
    """A supporting document of a file of the agent's territory (downloaded, audited)."""
    pre = get_object_or_404(
        PreApplication.objects.visible_to(request.user, Permission.FAMILY_FILES_VIEW),
        reference=reference,
    )
    item = get_object_or_404(pre.documents, pk=document)
    read_personal(request, [pre, item])
    return FileResponse(
        item.file.open("rb"),
        as_attachment=True,
        filename=item.original_name,
        content_type=item.content_type,
    )


@permission_required(Permission.FAMILY_FILES_MERGE)
def desk_merge(request, reference):
    """Merging two files of one child: a page to compare them, then a confirmed POST."""
    pre = _file(request, reference, Permission.FAMILY_FILES_MERGE)
    other_reference = request.POST.get("other") or request.GET.get("avec", "")
    other = get_object_or_404(
        PreApplication.objects.writable_by(request.user, Permission.FAMILY_FILES_MERGE),
        reference=other_reference,
    )
    read_personal(request, other)
    kept, closed = sorted([pre, other], key=duplicates.by_submission)
    error = None
    if request.method == "POST":
        if request.POST.get("confirm") != "yes":
            error = _("Cochez la case pour confirmer la fusion.")
        else:
            try:
                merged = duplicates.merge(pre, other, actor=request.user, request=request)
            except ApplicationError as failure:
                error = " ".join(failure.messages)
            else:
                messages.success(
                    request,
                    _(
                        "%(closed)s est fusionnée dans %(kept)s : %(wishes)s vœu(x) et "
                        "%(documents)s pièce(s) repris."
                    )
                    % {
                        "closed": merged.closed.reference,
                        "kept": merged.kept.reference,
                        "wishes": merged.wishes_added,
                        "documents": merged.documents_moved,
                    },
                )
                return redirect("families:desk_detail", reference=merged.kept.reference)
    return render(
        request,
        "families/desk/merge.html",
        {
            "kept": kept,
            "closed": closed,
            "kept_wishes": applications.wish_targets(kept),
            "closed_wishes": applications.wish_targets(closed),
            "max_wishes": applications.max_wishes(),
            "pre": pre,
            "other": other,
            "error": error,
        },
    )


@permission_required(Permission.FAMILY_FILES_FILE)
@require_POST
def desk_confirm_interest(request, reference):
    """The family confirmed its interest to an agent (at the desk or on the phone)."""
    pre = _file(request, reference, Permission.FAMILY_FILES_FILE)
    if interest.confirm(pre, actor=request.user, by_agent=True):
        messages.success(request, _("Intérêt de la famille confirmé."))
    else:
        messages.error(request, _("Cette pré-demande n'attend plus de place."))
    return redirect("families:desk_detail", reference=pre.reference)


@permission_required(Permission.FAMILY_FILES_FILE)
@require_POST
def desk_invite(request, reference):
    """Invites the family, at the file's address, to attach the file to its account.

    The message is the same whether an account exists for the address or not.
    """
    pre = _file(request, reference, Permission.FAMILY_FILES_FILE)
    form = InvitationForm(request.POST)
    language = form.cleaned_data["language"] if form.is_valid() else settings.LANGUAGE_CODE
    try:
        invitations.send(request, pre, language)
    except ApplicationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _(
                "Invitation envoyée à l'adresse e-mail du dossier. La famille se connecte (ou crée "
                "son compte) avec cette adresse, puis accepte le rattachement depuis son espace ; "
                "son état s'affiche ci-dessous."
            ),
        )
    return redirect("families:desk_detail", reference=pre.reference)
