"""The institutions of the administrator's départements: list, create, edit (each change
audited). The rules are :mod:`sdsf.accounts.administration`'s."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render

from sdsf.accounts import administration
from sdsf.accounts.scope import Permission, permission_required
from sdsf.audit.log import record
from sdsf.audit.models import AuditEvent
from sdsf.audit.people_forms import InstitutionForm
from sdsf.territories.queries import labels


@permission_required(Permission.INSTITUTIONS_MANAGE)
def institutions(request):
    rows = administration.institutions(request.user).order_by("name", "pk")
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    found = labels(i.territory for i in page.object_list)
    for item in page.object_list:
        item.territory_label = found[item.territory]
    return render(request, "audit/institutions.html", {"page": page})


def _save(request, form, action: str, message: str):
    with transaction.atomic():
        item = form.save()
        record(request, action, item, detail=f"institution : {item.name}")
    messages.success(request, message)
    return redirect("people:institutions")


@permission_required(Permission.INSTITUTIONS_MANAGE)
def institution_create(request):
    form = InstitutionForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        return _save(request, form, AuditEvent.Action.CREATE, "Institution créée.")
    return render(request, "audit/institution_form.html", {"form": form, "item": None})


@permission_required(Permission.INSTITUTIONS_MANAGE)
def institution_edit(request, institution):
    item = get_object_or_404(administration.institutions(request.user), pk=institution)
    form = InstitutionForm(request.user, request.POST or None, instance=item)
    if request.method == "POST" and form.is_valid():
        return _save(request, form, AuditEvent.Action.UPDATE, "Institution modifiée.")
    return render(request, "audit/institution_form.html", {"form": form, "item": item})
