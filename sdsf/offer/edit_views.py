"""Editing the registry in forms: a structure, its dated capacity, a childminder's agrément.

Rows are found through ``writable_by`` (the person's roles granting the write permission);
each change is dated in the history the imports write (:mod:`sdsf.offer.history`) and recorded
in the audit log, which the structure page shows as its list of changes.
"""

from django.contrib import messages
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render

from sdsf.accounts import scope
from sdsf.accounts.scope import Permission, permission_required
from sdsf.audit.log import record
from sdsf.audit.models import AuditEvent
from sdsf.core import clock, formats
from sdsf.offer.forms import AgrementForm, CapacityForm, NewStructureForm, StructureForm
from sdsf.offer.history import BeforeLatest, record_agrement, set_capacity
from sdsf.offer.models import AssistantMaternel, Section, Structure

UPDATE = AuditEvent.Action.UPDATE


def _structure(request, identifier, **filters):
    return get_object_or_404(
        Structure.objects.writable_by(request.user, Permission.OFFER_EDIT).select_related(
            "commune"
        ),
        identifier=identifier,
        **filters,
    )


def _changed_labels(form) -> str:
    return ", ".join(str(form.fields[name].label) for name in form.changed_data)


@permission_required(Permission.OFFER_EDIT)
def structure_create(request):
    """A structure added to the registry in a commune of the editor's territory, placed at the
    commune's centre until its form gives its position."""
    communes = scope.communes(request.user, Permission.OFFER_EDIT)
    form = NewStructureForm(request.POST or None, communes=communes)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            item = form.save(commit=False)
            item.latitude, item.longitude = item.commune.centroid_lat, item.commune.centroid_lon
            item.location_approximate = item.latitude is not None
            item.save()
            record(request, AuditEvent.Action.CREATE, item, detail="structure créée")
        messages.success(request, "Structure ajoutée au registre : complétez sa fiche.")
        return redirect("offer:structure_edit", identifier=item.identifier)
    return render(request, "offer/structure_create.html", {"form": form})


@permission_required(Permission.OFFER_EDIT)
def structure_edit(request, identifier):
    item = _structure(request, identifier)
    communes = scope.communes(request.user, Permission.OFFER_EDIT)
    form = StructureForm(request.POST or None, instance=item, communes=communes)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            structure = form.save(commit=False)
            if structure.latitude is None:
                # No position given: the commune's centre, shown as approximate.
                structure.latitude = item.commune.centroid_lat
                structure.longitude = item.commune.centroid_lon
                structure.location_approximate = True
            elif {"latitude", "longitude"} & set(form.changed_data):
                structure.location_approximate = False
            structure.save()
            if "covered" in form.fields:
                kept = structure.covered_communes.exclude(pk__in=communes)
                structure.covered_communes.set([*kept, *form.cleaned_data["covered"]])
            if form.changed_data:
                record(request, UPDATE, structure, detail=f"modifié : {_changed_labels(form)}")
        messages.success(request, "Structure enregistrée.")
        return redirect("offer:structure", identifier=item.identifier)
    return render(request, "offer/structure_edit.html", {"item": item, "form": form})


@permission_required(Permission.OFFER_EDIT)
def structure_capacity(request, identifier):
    item = _structure(request, identifier, kind=Structure.Kind.EAJE)
    form = CapacityForm(request.POST or None, initial={"start": clock.today()})
    if request.method == "POST" and form.is_valid():
        start, places = form.cleaned_data["start"], form.cleaned_data["places"]
        try:
            with transaction.atomic():
                changed = set_capacity(item, places, start)
                if changed:
                    sections = dict(Section.choices)
                    text = ", ".join(f"{sections[s]} {n}" for s, n in places.items() if n)
                    detail = f"places au {formats.date(start)} : {text or 'aucune'}"
                    record(request, UPDATE, item, detail=detail)
        except BeforeLatest as refused:
            form.add_error("start", str(refused).capitalize() + ".")
        else:
            messages.success(request, "Capacité enregistrée." if changed else "Capacité inchangée.")
            return redirect("offer:structure", identifier=item.identifier)
    return render(request, "offer/structure_capacity.html", {"item": item, "form": form})


@permission_required(Permission.AGREMENT_EDIT)
def assistant_agrement(request, identifier):
    item = get_object_or_404(
        AssistantMaternel.objects.writable_by(request.user, Permission.AGREMENT_EDIT),
        identifier=identifier,
    )
    form = AgrementForm(request.POST or None, assistant=item)
    if request.method == "POST" and form.is_valid():
        agrement = form.save(commit=False)
        try:
            with transaction.atomic():
                record_agrement(item, agrement)
                detail = (
                    f"agrément : {agrement.get_decision_display()} au "
                    f"{formats.date(agrement.effective_from)}"
                )
                record(request, UPDATE, item, detail=detail)
        except BeforeLatest as refused:
            form.add_error("effective_from", str(refused).capitalize() + ".")
        else:
            messages.success(request, "Décision enregistrée dans l'historique de l'agrément.")
            return redirect("offer:assistant", identifier=item.identifier)
    return render(request, "offer/assistant_agrement.html", {"item": item, "form": form})
