"""The territory pages: the public COG data (communes, EPCI, EPT, population, map) of the
départements a person works in. They show the territories app's rows behind the gate of accounts,
so they sit in the observatory, the app that presents the territories to staff."""

from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from sdsf.accounts import scope
from sdsf.accounts.scope import Permission, permission_required
from sdsf.territories.queries import groupings, summarise


@permission_required(Permission.VIEW_TERRITORY)
def index(request):
    departements = list(scope.departements(request.user))
    if len(departements) == 1:
        return redirect("territories:departement", code=departements[0].code)
    return render(request, "territories/index.html", {"departements": departements})


@permission_required(Permission.VIEW_TERRITORY)
def departement(request, code):
    departement = get_object_or_404(scope.departements(request.user), code=code)
    communes = departement.communes.select_related("epci", "ept").order_by("name")
    return render(
        request,
        "territories/departement.html",
        {
            "departement": departement,
            "summary": summarise(communes),
            "epcis": groupings(communes, "epci"),
            "epts": groupings(communes, "ept"),
            "communes": communes,
            "geojson_url": reverse("territories:departement_geojson", args=[code]),
        },
    )


@permission_required(Permission.VIEW_TERRITORY)
def departement_geojson(request, code):
    """The département's commune boundaries, served by the app itself (the map works offline)."""
    departement = get_object_or_404(scope.departements(request.user), code=code)
    features = [
        {
            "type": "Feature",
            "geometry": commune.geometry,
            "properties": {
                "code": commune.code,
                "name": commune.name,
                "population": commune.population,
            },
        }
        for commune in departement.communes.exclude(geometry__isnull=True).order_by("code")
    ]
    return JsonResponse({"type": "FeatureCollection", "features": features})
