"""The places of a round, structure by structure, and their declaration.

The commission sees, per structure, the capacity, the children enrolled and leaving, the places
declared and offered, and which figure the engine uses (:mod:`sdsf.allocation.seats`). Structure
managers and commune agents declare the free places of their structures for a round
(:mod:`sdsf.allocation.vacancies`).
"""

from django.contrib import messages
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render

from sdsf.accounts.scope import Permission, permission_required
from sdsf.allocation import rounds, vacancies
from sdsf.allocation.forms import VacancyForm
from sdsf.allocation.models import AllocationRound, Vacancy
from sdsf.core import clock
from sdsf.offer.models import Structure


def _round_structures(item: AllocationRound) -> list[Structure]:
    """The EAJE of the round's commune, then the others its children wish or leave."""
    wished = {w for wishes in item.applications.values_list("wishes", flat=True) for w in wishes}
    current = item.applications.exclude(current_structure=None).values("current_structure")
    return list(
        Structure.objects.filter(kind=Structure.Kind.EAJE)
        .filter(Q(commune=item.commune_id) | Q(identifier__in=wished) | Q(pk__in=current))
        .select_related("commune")
        .order_by("name", "identifier")
    )


@permission_required(Permission.ALLOCATION_VIEW)
def round_places(request, round):
    item = get_object_or_404(
        AllocationRound.objects.visible_to(request.user, Permission.ALLOCATION_VIEW).select_related(
            "commune"
        ),
        pk=round,
    )
    structures = _round_structures(item)
    places = rounds.round_places(item, structures)
    declarable = set(
        vacancies.declarable_structures(request.user)
        .filter(pk__in=[s.pk for s in structures])
        .values_list("pk", flat=True)
    )
    rows = [
        (structure, figures, structure.pk in declarable and item.status in vacancies.DECLARABLE)
        for structure, figures in zip(structures, places.figures, strict=True)
    ]
    return render(
        request,
        "allocation/places.html",
        {
            "item": item,
            "rows": rows,
            "totals": {
                name: sum(getattr(f, name) or 0 for f in places.figures)
                for name in ("capacity", "enrolled", "leaving", "offered")
            },
        },
    )


@permission_required(Permission.ALLOCATION_DECLARE_PLACES)
def declarations(request):
    """The rounds to come of the person's structures, each with its declaration, if any."""
    structures = list(vacancies.declarable_structures(request.user).order_by("name"))
    items = list(
        vacancies.declarable_rounds(request.user)
        .filter(starts_on__gte=clock.today())
        .select_related("commune")
        .order_by("starts_on", "name")
    )
    declared = set(
        Vacancy.objects.filter(round__in=items, structure__in=structures).values_list(
            "round_id", "structure_id"
        )
    )
    return render(
        request,
        "allocation/declarations.html",
        {
            "items": [
                (
                    item,
                    [
                        (s, (item.pk, s.pk) in declared)
                        for s in structures
                        if s.commune_id == item.commune_id
                    ],
                )
                for item in items
            ]
        },
    )


@permission_required(Permission.ALLOCATION_DECLARE_PLACES)
def declare(request, round, identifier):
    structure = get_object_or_404(
        vacancies.declarable_structures(request.user), identifier=identifier
    )
    item = get_object_or_404(
        vacancies.declarable_rounds(request.user).select_related("commune"), pk=round
    )
    if structure.commune_id != item.commune_id:
        raise Http404
    current = list(Vacancy.objects.filter(round=item, structure=structure))
    form = VacancyForm(request.POST or None, initial=VacancyForm.initial_from(current))
    if request.method == "POST" and form.is_valid():
        try:
            vacancies.declare(
                request.user, item, structure, form.rows(), form.cleaned_data["leaving"] or 0
            )
        except vacancies.DeclarationError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"Places de « {structure.name} » enregistrées.")
            return redirect("allocation:declarations")
    figures = rounds.round_places(item, [structure]).figures[0]
    return render(
        request,
        "allocation/declare.html",
        {"item": item, "structure": structure, "form": form, "figures": figures},
    )
