"""The audit log's search page: an administrator reads the events of their own départements.

An event is shown when one of the départements it concerns (stored when written, see
:mod:`sdsf.audit.models`) is one where the person is administrator; events of other
départements, and those without territory, are never listed (an operator reads those with
``sdsf audit_log``).
"""

from django import forms
from django.conf import settings
from django.core.paginator import Paginator
from django.shortcuts import render

from sdsf.accounts import scope
from sdsf.accounts.scope import Permission, permission_required
from sdsf.audit.models import AuditEvent


class AuditSearchForm(forms.Form):
    who = forms.CharField(label="Personne (e-mail)", required=False, max_length=254)
    action = forms.ChoiceField(
        label="Action", required=False, choices=[("", "Toutes")] + AuditEvent.Action.choices
    )
    object_type = forms.CharField(label="Type d'objet", required=False, max_length=60)
    object_id = forms.CharField(label="Identifiant de l'objet", required=False, max_length=64)
    start = forms.DateField(
        label="Depuis le", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label="Jusqu'au", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


@permission_required(Permission.VIEW_AUDIT)
def search(request):
    form = AuditSearchForm(request.GET or None)
    mine = scope.departements(request.user, Permission.VIEW_AUDIT).values("code")
    events = AuditEvent.objects.concerning(mine)
    if form.is_valid():
        data = form.cleaned_data
        filters = {
            "user_email__icontains": data["who"],
            "action": data["action"],
            "object_type__icontains": data["object_type"],
            "object_id": data["object_id"],
            "at__date__gte": data["start"],
            "at__date__lte": data["end"],
        }
        events = events.filter(**{k: v for k, v in filters.items() if v})
    page = Paginator(events.prefetch_related("departements"), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "audit/search.html",
        {"form": form, "page": page, "retention_months": settings.SDSF_AUDIT_RETENTION_MONTHS},
    )
