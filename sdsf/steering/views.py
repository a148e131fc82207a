"""Pages of the plan: tree with filters, action pages, pilot updates, coordinator adjustments,
plan versions, yearly reviews, governance and the evaluation report.

Views stay thin: rights through :mod:`sdsf.accounts.scope` and the managers of
:mod:`sdsf.steering.models` (``visible_to`` to read, ``writable_by`` to change), rules in the
service modules.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from sdsf.accounts.scope import Permission, permission_required
from sdsf.audit.log import record
from sdsf.audit.models import AuditEvent
from sdsf.core.downloads import file_response
from sdsf.steering import report, reviews, updates, versions
from sdsf.steering.budget import planned_and_received
from sdsf.steering.filters import PlanFilter
from sdsf.steering.forms import (
    ActionForm,
    ActionUpdateForm,
    BodyFormSet,
    BudgetFormSet,
    IndicatorValueForm,
    MilestoneFormSet,
    ReviewCommentForm,
    ReviewOpenForm,
    ReviewSummaryForm,
    VersionForm,
)
from sdsf.steering.indicators import (
    BoundIndicatorError,
    Figures,
    is_bound_and_available,
    missing_years,
    yearly_values,
)
from sdsf.steering.models import Action, Actor, Indicator, PlanVersion, Review, Scheme

VIEW, EDIT, COORDINATE = (
    Permission.STEERING_VIEW,
    Permission.STEERING_EDIT_ACTION,
    Permission.STEERING_COORDINATE,
)


def _scheme(request, pk) -> Scheme:
    return get_object_or_404(Scheme.objects.visible_to(request.user, VIEW), pk=pk)


def _coordinates(request, scheme_id: int) -> bool:
    """Whether the person coordinates this scheme (not only some scheme of theirs)."""
    return Scheme.objects.writable_by(request.user, COORDINATE).filter(pk=scheme_id).exists()


def _writable(request, obj, permission: Permission):
    """A row the person reads: 403 unless they may also change it with ``permission``."""
    if not type(obj).objects.writable_by(request.user, permission).filter(pk=obj.pk).exists():
        raise PermissionDenied
    return obj


def _action(request, pk) -> Action:
    return get_object_or_404(
        Action.objects.visible_to(request.user, VIEW).select_related("scheme", "axis", "objective"),
        pk=pk,
    )


def _may_edit(request, action: Action) -> bool:
    return Action.objects.writable_by(request.user, EDIT).filter(pk=action.pk).exists()


def _indicator_rows(scheme: Scheme, indicators, years) -> list[dict]:
    figures = Figures(scheme.departement_id)
    rows = []
    for i in indicators.prefetch_related("values"):
        values = yearly_values(i, years, figures)
        rows.append(
            {
                "indicator": i,
                "values": values,
                "available": is_bound_and_available(i),
                "missing": missing_years(i, values),
            }
        )
    return rows


@permission_required(Permission.STEERING_VIEW)
def index(request):
    schemes = list(Scheme.objects.visible_to(request.user, VIEW).select_related("departement"))
    if len(schemes) == 1:
        return redirect("steering:scheme", scheme=schemes[0].pk)
    return render(request, "steering/index.html", {"schemes": schemes})


@permission_required(Permission.STEERING_VIEW)
def scheme(request, scheme):
    scheme = _scheme(request, scheme)
    plan_filter = PlanFilter(scheme, request.GET)
    actions = plan_filter.apply(scheme.actions.prefetch_related("actors", "markers", "territories"))
    return render(
        request,
        "steering/scheme.html",
        {
            "scheme": scheme,
            "filter": plan_filter,
            "tree": report.tree(scheme, actions),
            "years": list(scheme.years),
            "scheme_indicators": _indicator_rows(
                scheme, scheme.indicators.filter(action__isnull=True), scheme.years
            ),
            "coordinator": _coordinates(request, scheme.pk),
        },
    )


@permission_required(Permission.STEERING_VIEW)
def action(request, action):
    action = _action(request, action)
    years = list(action.scheme.years)
    indicators = _indicator_rows(action.scheme, action.indicators.all(), years)
    editable = _may_edit(request, action)
    return render(
        request,
        "steering/action.html",
        {
            "action": action,
            "scheme": action.scheme,
            "years": years,
            "indicators": indicators,
            "editable": editable,
            "coordinator": _coordinates(request, action.scheme_id),
            "update_form": ActionUpdateForm(
                initial={"status": action.status, "progress": action.progress}
            ),
            "value_form": IndicatorValueForm(scheme=action.scheme),
            "updates": action.updates.select_related("author", "validated_by")[:20],
            "decisions": action.decisions.select_related("meeting__body"),
            "budget": planned_and_received(action),
        },
    )


@permission_required(Permission.STEERING_EDIT_ACTION)
@require_POST
def action_update(request, action):
    action = _writable(request, _action(request, action), EDIT)
    form = ActionUpdateForm(request.POST)
    if form.is_valid():
        updates.submit_update(action, request.user, **form.cleaned_data)
        record(request, AuditEvent.Action.UPDATE, action, detail="mise à jour de l'action")
        messages.success(request, "La mise à jour de l'action est enregistrée.")
    else:
        messages.error(request, "Mise à jour refusée : " + _errors(form))
    return redirect("steering:action", action=action.pk)


@permission_required(Permission.STEERING_EDIT_ACTION)
@require_POST
def indicator_value(request, indicator):
    indicator = get_object_or_404(
        Indicator.objects.visible_to(request.user, VIEW).select_related("scheme", "action"),
        pk=indicator,
    )
    _writable(request, indicator, EDIT)
    target = indicator.action
    form = IndicatorValueForm(request.POST, scheme=indicator.scheme)
    if form.is_valid():
        try:
            updates.submit_value(indicator, user=request.user, **form.cleaned_data)
            messages.success(request, "La valeur de l'indicateur est enregistrée.")
        except BoundIndicatorError as exc:
            messages.error(request, str(exc))
    else:
        messages.error(request, "Valeur refusée : " + _errors(form))
    if target:
        return redirect("steering:action", action=target.pk)
    return redirect("steering:scheme", scheme=indicator.scheme_id)


@permission_required(Permission.STEERING_COORDINATE)
@require_POST
def action_validate(request, action):
    action = _writable(request, _action(request, action), COORDINATE)
    updates.validate(action, request.user)
    messages.success(request, "Les mises à jour de l'action sont validées.")
    return redirect("steering:action", action=action.pk)


@permission_required(Permission.STEERING_COORDINATE)
def action_create(request, scheme):
    scheme = _writable(request, _scheme(request, scheme), COORDINATE)
    return _action_form(request, scheme, Action(scheme=scheme))


@permission_required(Permission.STEERING_COORDINATE)
def action_change(request, action):
    action = _writable(request, _action(request, action), COORDINATE)
    return _action_form(request, action.scheme, action)


def _action_form(request, scheme, action):
    form = ActionForm(request.POST or None, instance=action, scheme=scheme)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            saved = form.save()
            _set_pilots(saved, form.cleaned_data["pilots"])
        messages.success(request, "Le plan est modifié ; publiez une version pour l'historiser.")
        return redirect("steering:action", action=saved.pk)
    return render(
        request, "steering/action_form.html", {"form": form, "scheme": scheme, "action": action}
    )


def _set_pilots(action: Action, institutions) -> None:
    """Pilots chosen among institutions replace the linked pilots; named-only pilots stay."""
    action.actors.filter(part=Actor.Part.PILOT, institution__isnull=False).delete()
    start = action.actors.count()
    Actor.objects.bulk_create(
        Actor(
            action=action,
            part=Actor.Part.PILOT,
            position=start + i,
            label=institution.name,
            kind=institution.kind,
            institution=institution,
        )
        for i, institution in enumerate(institutions)
    )


@permission_required(Permission.STEERING_COORDINATE)
@require_POST
def action_end(request, action):
    action = _writable(request, _action(request, action), COORDINATE)
    action.status = Action.Status.ENDED
    action.save(update_fields=["status"])
    messages.success(request, "L'action est arrêtée ; elle reste visible dans l'historique.")
    return redirect("steering:action", action=action.pk)


@permission_required(Permission.STEERING_VIEW)
def version_list(request, scheme):
    scheme = _scheme(request, scheme)
    coordinator = _coordinates(request, scheme.pk)
    form = VersionForm(request.POST or None)
    if request.method == "POST":
        if not coordinator:
            raise PermissionDenied
        if form.is_valid():
            version = versions.publish(scheme, user=request.user, **form.cleaned_data)
            messages.success(request, f"Version {version.number} publiée.")
            return redirect("steering:version", version=version.pk)
    return render(
        request,
        "steering/versions.html",
        {
            "scheme": scheme,
            "versions": scheme.versions.select_related("published_by"),
            "pending": versions.pending_changes(scheme),
            "form": form,
            "coordinator": coordinator,
        },
    )


@permission_required(Permission.STEERING_VIEW)
def version(request, version):
    version = get_object_or_404(PlanVersion.objects.visible_to(request.user, VIEW), pk=version)
    before = versions.previous(version)
    return render(
        request,
        "steering/version.html",
        {
            "version": version,
            "scheme": version.scheme,
            "previous": before,
            "diff": versions.compare(before.snapshot if before else None, version.snapshot),
            "actions": versions.flat_actions(version.snapshot).values(),
        },
    )


@permission_required(Permission.STEERING_VIEW)
def review_list(request, scheme):
    scheme = _scheme(request, scheme)
    coordinator = _coordinates(request, scheme.pk)
    form = ReviewOpenForm(request.POST or None, scheme=scheme)
    if request.method == "POST":
        if not coordinator:
            raise PermissionDenied
        if form.is_valid():
            review = reviews.open_review(scheme, form.cleaned_data["year"])
            return redirect("steering:review", review=review.pk)
    return render(
        request,
        "steering/reviews.html",
        {
            "scheme": scheme,
            "reviews": scheme.reviews.all(),
            "form": form,
            "coordinator": coordinator,
        },
    )


def _review(request, pk) -> Review:
    return get_object_or_404(
        Review.objects.visible_to(request.user, VIEW).select_related("scheme"), pk=pk
    )


@permission_required(Permission.STEERING_VIEW)
def review(request, review):
    review = _review(request, review)
    previous, rows = reviews.compare_with_previous(review)
    content = reviews.content(review)
    editable_codes = set()
    if not review.frozen:
        editable = review.scheme.actions.writable_by(request.user, EDIT)
        editable_codes = set(editable.values_list("code", flat=True))
    comments = {a["code"]: a["comment"] for a in content["actions"]}
    ids = dict(review.scheme.actions.values_list("code", "pk"))
    return render(
        request,
        "steering/review.html",
        {
            "review": review,
            "scheme": review.scheme,
            "content": content,
            "previous": previous,
            "rows": [
                {
                    "row": row,
                    "comment": comments.get(row.code, ""),
                    "action_id": ids.get(row.code),
                    "editable": row.code in editable_codes,
                }
                for row in rows
            ],
            "coordinator": _coordinates(request, review.scheme_id),
            "summary_form": ReviewSummaryForm(initial={"summary": review.summary}),
        },
    )


@permission_required(Permission.STEERING_EDIT_ACTION)
@require_POST
def review_comment(request, review):
    review = _review(request, review)
    form = ReviewCommentForm(request.POST)
    if form.is_valid():
        action = get_object_or_404(review.scheme.actions, pk=form.cleaned_data["action"])
        _writable(request, action, EDIT)
        try:
            reviews.set_comment(review, action, form.cleaned_data["text"])
            messages.success(request, "Commentaire enregistré.")
        except reviews.ReviewFrozen as exc:
            messages.error(request, str(exc))
    return redirect("steering:review", review=review.pk)


@permission_required(Permission.STEERING_COORDINATE)
@require_POST
def review_summary(request, review):
    review = _writable(request, _review(request, review), COORDINATE)
    form = ReviewSummaryForm(request.POST)
    if form.is_valid():
        try:
            reviews.set_summary(review, form.cleaned_data["summary"])
        except reviews.ReviewFrozen as exc:
            messages.error(request, str(exc))
    return redirect("steering:review", review=review.pk)


@permission_required(Permission.STEERING_COORDINATE)
@require_POST
def review_freeze(request, review):
    review = _writable(request, _review(request, review), COORDINATE)
    try:
        reviews.freeze(review, request.user)
        messages.success(request, f"Le bilan {review.year} est validé et figé.")
    except reviews.ReviewFrozen as exc:
        messages.error(request, str(exc))
    return redirect("steering:review", review=review.pk)


@permission_required(Permission.STEERING_VIEW)
def governance(request, scheme):
    scheme = _scheme(request, scheme)
    bodies = scheme.bodies.prefetch_related(
        Prefetch("meetings__decisions__actions", queryset=Action.objects.only("code", "title"))
    )
    return render(
        request,
        "steering/governance.html",
        {
            "scheme": scheme,
            "bodies": bodies,
            "activity": report.governance_activity(scheme),
            "coordinator": _coordinates(request, scheme.pk),
        },
    )


@permission_required(Permission.STEERING_COORDINATE)
def governance_edit(request, scheme):
    """The coordinator edits the scheme's governance bodies (names, kinds, chairs, members)."""
    scheme = _writable(request, _scheme(request, scheme), COORDINATE)
    formset = BodyFormSet(request.POST or None, instance=scheme, prefix="bodies")
    if request.method == "POST" and formset.is_valid():
        with transaction.atomic():
            formset.save()
        messages.success(request, "Gouvernance enregistrée.")
        return redirect("steering:governance", scheme=scheme.pk)
    return render(
        request,
        "steering/formsets.html",
        {
            "scheme": scheme,
            "formsets": [("Instance", formset)],
            "title": "Modifier la gouvernance du schéma",
        },
    )


@permission_required(Permission.STEERING_COORDINATE)
def action_budget(request, action):
    """The coordinator edits an action's budget lines and milestones, in one transaction."""
    action = _writable(request, _action(request, action), COORDINATE)
    data = request.POST or None
    formsets = [
        ("Ligne de budget", BudgetFormSet(data, instance=action, prefix="budget")),
        ("Jalon", MilestoneFormSet(data, instance=action, prefix="milestones")),
    ]
    if request.method == "POST" and all(f.is_valid() for _, f in formsets):
        with transaction.atomic():
            for _, formset in formsets:
                formset.save()
        messages.success(request, "Budget et jalons enregistrés.")
        return redirect("steering:action", action=action.pk)
    return render(
        request,
        "steering/formsets.html",
        {
            "scheme": action.scheme,
            "formsets": formsets,
            "title": f"Budget et jalons de l'action {action.code}",
        },
    )


@permission_required(Permission.STEERING_VIEW)
def report_pdf(request, scheme):
    scheme = _scheme(request, scheme)
    record(request, AuditEvent.Action.EXPORT, scheme, detail="rapport d'évaluation PDF")
    return file_response(report.render_pdf(scheme), f"{scheme.reference}-evaluation", "pdf")


@permission_required(Permission.STEERING_VIEW)
def report_xlsx(request, scheme):
    scheme = _scheme(request, scheme)
    record(request, AuditEvent.Action.EXPORT, scheme, detail="rapport d'évaluation XLSX")
    return file_response(report.render_xlsx(scheme), f"{scheme.reference}-evaluation", "xlsx")


def _errors(form) -> str:
    return " ".join(
        f"{form.fields[k].label if k in form.fields else ''} : {' '.join(v)}"
        for k, v in form.errors.items()
    )
