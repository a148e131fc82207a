"""Survey pages: the builder and results (administrators and analysts) and the public answer
page, reached without an account through the unguessable link of a recipient list."""

from django.contrib import messages
from django.db.models import Max
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from sdsf.accounts import scope
from sdsf.accounts.scope import Permission, permission_required
from sdsf.audit.log import record
from sdsf.audit.models import AuditEvent
from sdsf.core.downloads import file_response
from sdsf.steering import surveys
from sdsf.steering.forms import QuestionForm, RecipientListForm, SurveyForm, answer_form
from sdsf.steering.models import RecipientList, Scheme, Survey

SURVEYS = Permission.STEERING_SURVEYS


def _survey(request, pk) -> Survey:
    return get_object_or_404(
        Survey.objects.writable_by(request.user, SURVEYS).select_related("scheme"), pk=pk
    )


@permission_required(Permission.STEERING_SURVEYS)
def survey_list(request, scheme):
    scheme = get_object_or_404(Scheme.objects.writable_by(request.user, SURVEYS), pk=scheme)
    form = SurveyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        form.instance.scheme = scheme
        survey = form.save()
        messages.success(request, "Enquête créée : ajoutez ses questions et ses listes.")
        return redirect("steering:survey", survey=survey.pk)
    return render(
        request,
        "steering/surveys.html",
        {"scheme": scheme, "surveys": scheme.surveys.all(), "form": form},
    )


@permission_required(Permission.STEERING_SURVEYS)
def survey(request, survey):
    survey = _survey(request, survey)
    rows, total = surveys.rates(survey)
    names = surveys.territory_names(r.recipient_list for r in rows)
    for row in rows:
        row.recipient_list.territory_name = names[row.recipient_list.pk]
    return render(
        request,
        "steering/survey.html",
        {
            "survey": survey,
            "period": surveys.period(survey),
            "scheme": survey.scheme,
            "questions": survey.questions.all(),
            "rates": rows,
            "total": total,
            "results": surveys.results(survey),
            "question_form": QuestionForm(),
            "list_form": RecipientListForm(communes=_list_communes(request, survey)),
        },
    )


@permission_required(Permission.STEERING_SURVEYS)
@require_POST
def question_add(request, survey):
    survey = _survey(request, survey)
    form = QuestionForm(request.POST)
    if form.is_valid():
        form.instance.survey = survey
        form.instance.position = (survey.questions.aggregate(n=Max("position"))["n"] or 0) + 1
        form.save()
        messages.success(request, "Question ajoutée.")
    else:
        messages.error(request, " ".join(e for errs in form.errors.values() for e in errs))
    return redirect("steering:survey", survey=survey.pk)


@permission_required(Permission.STEERING_SURVEYS)
@require_POST
def recipients_add(request, survey):
    survey = _survey(request, survey)
    form = RecipientListForm(request.POST, communes=_list_communes(request, survey))
    if form.is_valid():
        form.instance.survey = survey
        form.save()
        messages.success(request, "Liste de destinataires ajoutée, avec son lien de réponse.")
    else:
        messages.error(request, " ".join(e for errs in form.errors.values() for e in errs))
    return redirect("steering:survey", survey=survey.pk)


def _list_communes(request, survey: Survey):
    """Communes a recipient list of this survey may name: those of the survey's scheme that
    the person's roles allowed to run surveys cover."""
    return scope.communes(request.user, SURVEYS).filter(departement_id=survey.scheme.departement_id)


@permission_required(Permission.STEERING_SURVEYS)
def survey_export(request, survey):
    survey = _survey(request, survey)
    record(request, AuditEvent.Action.EXPORT, survey, detail="réponses de l'enquête (XLSX)")
    return file_response(surveys.export_xlsx(survey), f"enquete-{survey.pk}", "xlsx")


def survey_answer(request, token):
    """Public page (no login): 404 unless the token is a list open to answers; outside the
    survey's dates (or while it has no question) the page says that it is not open."""
    recipient_list = (
        RecipientList.objects.select_related("survey").filter(token=token, open=True).first()
    )
    if recipient_list is None:
        raise Http404
    survey = recipient_list.survey
    period = surveys.period(survey)
    if period != surveys.Period.OPEN:
        return render(request, "steering/survey_answer.html", {"survey": survey, "period": period})
    if surveys.full(recipient_list):
        return render(
            request,
            "steering/survey_answer.html",
            {"survey": survey, "form": None, "full": surveys.FULL_MESSAGE},
        )
    form = answer_form(survey, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            surveys.submit(recipient_list, form.cleaned_data)
        except surveys.ListFull:
            form.add_error(None, surveys.FULL_MESSAGE)
        else:
            return render(request, "steering/survey_thanks.html", {"survey": survey})
    return render(request, "steering/survey_answer.html", {"survey": survey, "form": form})
