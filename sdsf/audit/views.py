from django import forms
from django.core.paginator import Paginator
from django.shortcuts import render

from sdsf.accounts.scope import Permission, permission_required
from sdsf.audit.models import AuditEvent


class AuditSearchForm(forms.Form):
    who = forms.CharField(label="Personne (e-mail)", required=False)
    action = forms.ChoiceField(
        label="Action", required=False, choices=[("", "Toutes")] + AuditEvent.Action.choices
    )
    object_type = forms.CharField(label="Type d'objet", required=False)
    object_id = forms.CharField(label="Identifiant de l'objet", required=False)
    start = forms.DateField(
        label="Depuis le", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label="Jusqu'au", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


@permission_required(Permission.VIEW_AUDIT)
def search(request):
    form = AuditSearchForm(request.GET or None)
    events = AuditEvent.objects.all()
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
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    return render(request, "audit/search.html", {"form": form, "page": page})
