"""Find the offer: the public search and the detail pages (no account needed).

Thin: the filters, what is public and the distances belong to :mod:`sdsf.families.search`. The
form is sent by GET (a search changes nothing, can be bookmarked and works without JavaScript);
the map reads the same results from :func:`search_geojson`.
"""

from __future__ import annotations

from django.core.paginator import Paginator
from django.db.models import Q
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import get_language
from django.views.decorators.http import require_GET

from sdsf.core import cache, clock
from sdsf.families.search import (
    Found,
    Kind,
    SearchForm,
    bounding_box,
    display_name,
    search,
)
from sdsf.offer.capacity import capacity_on
from sdsf.offer.models import AssistantMaternel, ParentingAction, Section, Structure

PAGE_SIZE = 20


# How long a search's results are kept (renewed at once by a change of the registry).
SEARCH_CACHE_SECONDS = 300


def _results(request):
    """The form and the search's results, kept in the cache for the same search on the same
    day in the same language (the page and its map ask them both)."""
    form = SearchForm(request.GET or None)
    filters = form.filters() if form.is_bound else None
    if not filters:
        return form, filters, Found([], more=False)
    key = f"search|{get_language()}|{clock.today()}|{_query_string(request)}"
    found = cache.cached("offer", key, lambda: search(filters), SEARCH_CACHE_SECONDS)
    return form, filters, found


def _query_string(request) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


@require_GET
def search_page(request):
    form, filters, found = _results(request)
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))  # reads 20 rows
    query = _query_string(request)
    return render(
        request,
        "families/public/search.html",
        {
            "form": form,
            "searched": filters is not None,
            "place": getattr(form, "place", None),
            "filters": filters,
            "page": page,
            "total": len(found),
            "more": found.more,
            "has_demo": any(r.is_demo for r in page.object_list),
            "geojson_url": f"{reverse('families:search_geojson')}?{query}",
            "outline_urls": _outline_urls(filters, getattr(form, "place", None)),
        },
    )


def _outline_urls(filters, place) -> str:
    """The map's outlines: the communes around the searched point (framed when nothing is
    found), and the border of the searched commune's département."""
    if filters is None:
        return ""
    lat_min, lat_max, lon_min, lon_max = bounding_box(
        filters.latitude, filters.longitude, filters.radius_km
    )
    box = ",".join(f"{value:.3f}" for value in (lon_min, lat_min, lon_max, lat_max))
    urls = [f"{reverse('maps:communes')}?bbox={box}"]
    if place is not None:
        urls.append(reverse("maps:departement", args=[place.departement_id]))
    return " ".join(urls)


@require_GET
def search_geojson(request):
    """The same places as points for the map (the list's, nearest first): their hits suffice."""
    _, _, found = _results(request)
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [r.longitude, r.latitude]},
            "properties": {
                "name": f"{r.name} ({r.kind_label})",
                "url": r.url,
                "approximate": r.approximate,
            },
        }
        for r in found.hits
    ]
    return JsonResponse({"type": "FeatureCollection", "features": features})


def relais_for(commune):
    """The open relais petite enfance serving a commune (families ask them about childminders)."""
    return (
        Structure.objects.public()
        .filter(kind=Structure.Kind.RPE)
        .filter(Q(covered_communes=commune) | Q(commune=commune))
        .distinct()
        .order_by("name")
    )


@require_GET
def structure(request, identifier):
    item = get_object_or_404(
        Structure.objects.public().select_related("commune").prefetch_related("capacities"),
        identifier=identifier,
    )
    today = clock.today()
    places = capacity_on(item, today)
    kind = (
        (Kind.MICRO_CRECHE if item.category == Structure.Category.MICRO else Kind.CRECHE)
        if item.kind == Structure.Kind.EAJE
        else Kind(item.kind)
    )
    return render(
        request,
        "families/public/structure.html",
        {
            "item": item,
            "kind": kind,
            "capacity": [  # sections in age order, as Section lists them
                (label, places[section]) for section, label in Section.choices if section in places
            ],
            "sessions": item.sessions.all() if item.kind == Structure.Kind.LAEP else [],
            "covered": item.covered_communes.order_by("name")
            if item.kind == Structure.Kind.RPE
            else [],
            "assistants": [
                (a, display_name(a.first_name, a.last_name))
                for a in AssistantMaternel.objects.public(today)
                .filter(mam=item)
                .order_by("first_name")
            ]
            if item.kind == Structure.Kind.MAM
            else [],
            "relais": relais_for(item.commune) if item.kind == Structure.Kind.MAM else [],
        },
    )


@require_GET
def assistant(request, identifier):
    item = get_object_or_404(
        AssistantMaternel.objects.public().select_related("commune", "mam"), identifier=identifier
    )
    return render(
        request,
        "families/public/assistant.html",
        {
            "item": item,
            "name": display_name(item.first_name, item.last_name),
            "relais": relais_for(item.commune),
            "mam_public": item.mam is not None
            and Structure.objects.public().filter(pk=item.mam_id).exists(),
        },
    )


@require_GET
def parenting_action(request, identifier):
    item = get_object_or_404(
        ParentingAction.objects.public().select_related("commune"), identifier=identifier
    )
    return render(
        request,
        "families/public/parenting_action.html",
        {"item": item, "events": item.events.filter(date__gte=clock.today())},
    )
