"""Public outlines for the maps (public COG data: no account needed), cached by browsers."""

from django.http import HttpResponseBadRequest, JsonResponse
from django.shortcuts import get_object_or_404
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_GET

from sdsf.territories import outlines
from sdsf.territories.models import Departement

MAX_AGE = 24 * 3600  # outlines change with the yearly COG only


def _cached(response):
    patch_cache_control(response, public=True, max_age=MAX_AGE)
    return response


@require_GET
def departement(request, code):
    """The département's outline."""
    item = get_object_or_404(Departement, code=code)
    return _cached(JsonResponse(outlines.departement_outline(item)))


@require_GET
def departement_communes(request, code):
    """The outlines of the département's communes."""
    item = get_object_or_404(Departement, code=code)
    return _cached(JsonResponse(outlines.commune_outlines(item.communes.all())))


@require_GET
def communes(request):
    """The outlines of the communes whose centre is in ``?bbox=west,south,east,north``."""
    box = outlines.parse_box(request.GET.get("bbox", ""))
    if box is None:
        return HttpResponseBadRequest(
            "Zone invalide : « ouest,sud,est,nord » en degrés, d'un degré au plus de côté."
        )
    return _cached(JsonResponse(outlines.commune_outlines(outlines.communes_in_box(box))))
