"""The family's answer to a place proposed by an allocation round.

The family sees the proposal with the engine's explanation for every wish (the published rules
applied to its application, article L311-3-1 of the code des relations entre le public et
l'administration), then accepts, or refuses with a reason, before the deadline. The rules of
the answers are in :mod:`sdsf.allocation.answers`.

These are family pages (under ``/familles/``, in the family's language, behind
:func:`~sdsf.families.access.family_required`) served by the commission, which sits above the
families app (``docs/decisions/0003-allocation-above-families.md``).
"""

from django import forms
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from sdsf.allocation import answers, explain
from sdsf.allocation.letters import structure_names
from sdsf.allocation.models import AllocationRound, Answer, Application
from sdsf.families.access import family_required
from sdsf.families.models import PreApplication

OUTCOMES = {
    "assigned": gettext_lazy("place proposée"),
    "full": gettext_lazy("complète"),
    "not_needed": gettext_lazy("non examiné : un vœu mieux classé a été obtenu"),
}


class RefuseForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Pourquoi refusez-vous cette place ? (obligatoire)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
    )


def _proposal(request, proposal: int) -> Application:
    """One of the family's own proposals (its pré-demandes only, rounds validated)."""
    return get_object_or_404(
        Application.objects.filter(
            pre_application__in=PreApplication.objects.of_family(request.user),
            round__status=AllocationRound.Status.VALIDATED,
        )
        .exclude(answer="")
        .select_related(
            "round__commune", "pre_application", "proposed_structure", "decided_structure"
        ),
        pk=proposal,
    )


def _wishes(application: Application, names: dict[str, str]) -> list[dict]:
    """The explanation of every wish, with the structures' names."""
    wishes = application.explanation.get("wishes", [])
    return [
        {
            **wish,
            "name": names.get(wish["structure_id"], wish["structure_id"]),
            "outcome_label": OUTCOMES.get(wish["outcome"], wish["outcome"]),
        }
        for wish in wishes
    ]


def _page(request, application: Application, form: RefuseForm, status: int = 200):
    names = structure_names(application)
    return render(
        request,
        "allocation/proposals/detail.html",
        {
            "proposal": application,
            "structure": answers.final_structure(application),
            "wishes": _wishes(application, names),
            # the engine's explanation, in the page's language
            "explanation": explain.message(application.explanation, names)
            if application.explanation
            else "",
            "open": application.answer == Answer.PENDING,
            "form": form,
        },
        status=status,
    )


@family_required
def proposal(request, proposal):
    return _page(request, _proposal(request, proposal), RefuseForm())


@family_required
@require_POST
def proposal_accept(request, proposal):
    application = _proposal(request, proposal)
    try:
        answers.accept(request, application, by_agent=False)
    except answers.AnswerError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Vous avez accepté la place. La structure va vous contacter."))
    return redirect("proposals:detail", proposal=application.pk)


@family_required
@require_POST
def proposal_refuse(request, proposal):
    application = _proposal(request, proposal)
    form = RefuseForm(request.POST)
    if not form.is_valid():
        return _page(request, application, form, status=400)
    try:
        answers.refuse(request, application, form.cleaned_data["reason"], by_agent=False)
    except answers.AnswerError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _("Place refusée. Votre demande reste active pour la prochaine commission."),
        )
    return redirect("proposals:detail", proposal=application.pk)
