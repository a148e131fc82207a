"""Staff pages of emergency childcare (thin: the rules are in :mod:`sdsf.emergency.service`)."""

from datetime import date

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from sdsf.accounts.scope import Permission, can, communes, departements, permission_required
from sdsf.audit.log import read_personal
from sdsf.core import clock
from sdsf.emergency import service
from sdsf.emergency.forms import PeriodForm, PlacesForm, RequestForm
from sdsf.emergency.models import EmergencyOffer, EmergencyPeriod, EmergencyRequest

P = Permission


def _period(request, period: int, permission: Permission) -> EmergencyPeriod:
    periods = EmergencyPeriod.objects.visible_to(request.user, permission)
    return get_object_or_404(periods, pk=period)


def _day(request, period: EmergencyPeriod) -> date:
    """The day asked (``?day=``), else today within the period, else its first day."""
    days = period.days()
    asked = request.GET.get("day") or request.POST.get("day")
    if asked:
        try:
            day = date.fromisoformat(asked)
        except ValueError:
            raise Http404 from None
        if day not in days:
            raise Http404
        return day
    today = clock.today()
    return today if today in days else days[0]


@require_GET
@permission_required(P.EMERGENCY_VIEW)
def index(request):
    periods = EmergencyPeriod.objects.visible_to(request.user, P.EMERGENCY_VIEW).select_related(
        "departement"
    )
    return render(
        request,
        "emergency/index.html",
        {"periods": periods, "can_open": can(request.user, P.EMERGENCY_MANAGE)},
    )


@permission_required(P.EMERGENCY_MANAGE)
def open_period(request):
    mine = departements(request.user, P.EMERGENCY_MANAGE)
    form = PeriodForm(request.POST or None, mine)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        categories = data.pop("categories")
        try:
            period = service.open_period(request, communes=[], categories=categories, **data)
        except service.EmergencyError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "Période d'accueil d'urgence ouverte.")
            return redirect("emergency:period", period.pk)
    return render(request, "emergency/open.html", {"form": form})


@require_GET
@permission_required(P.EMERGENCY_VIEW)
def period_detail(request, period):
    item = _period(request, period, P.EMERGENCY_VIEW)
    day = _day(request, item)
    user = request.user
    return render(
        request,
        "emergency/period.html",
        {
            "period": item,
            "day": day,
            "days": item.days(),
            "figures": service.day_figures(item),
            "categories": item.categories.all(),
            "can_manage": can(user, P.EMERGENCY_MANAGE)
            and departements(user, P.EMERGENCY_MANAGE).filter(pk=item.departement_id).exists(),
            "can_requests": can(user, P.EMERGENCY_REQUESTS),
            "can_places": can(user, P.EMERGENCY_PLACES),
            "is_open": item.status == EmergencyPeriod.Status.OPEN,
            "family_link": request.build_absolute_uri(
                reverse("emergency_family:request", args=[item.pk])
            ),
        },
    )


@require_GET
@permission_required(P.EMERGENCY_VIEW)
def period_geojson(request, period):
    """The places open on the day, with what is left after the day's proposals (no names of
    childminders: a childminder is shown as such, at its commune's centre)."""
    item = _period(request, period, P.EMERGENCY_VIEW)
    day = _day(request, item)
    offers = (
        EmergencyOffer.objects.filter(period=item, day=day, places__gt=0)
        .select_related("structure__commune", "assistant__commune")
        .annotate_taken()
    )
    features = []
    for offer in offers:
        if offer.structure is not None:
            name, position = offer.structure.name, service.own_or_centre(offer.structure)
        else:
            name, position = "Assistant maternel", service.centre(offer.assistant.commune)
        if position[0] != position[0]:  # NaN: no position known
            continue
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [position[1], position[0]]},
                "properties": {
                    "name": name,
                    "commune": offer.commune.name,
                    "places": offer.places,
                    "left": max(offer.places - offer.taken, 0),
                },
            }
        )
    return JsonResponse({"type": "FeatureCollection", "features": features})


@permission_required(P.EMERGENCY_PLACES)
def places(request, period):
    item = _period(request, period, P.EMERGENCY_PLACES)
    structures, assistants = service.holders_for(request.user, item)
    holder_key = request.POST.get("holder") or request.GET.get("holder") or ""
    holder = _holder(holder_key, structures, assistants)
    form = None
    if holder is not None:
        field = "structure" if holder_key.startswith("s") else "assistant"
        current = dict(
            EmergencyOffer.objects.filter(period=item, **{field: holder}).values_list(
                "day", "places"
            )
        )
        form = PlacesForm(request.POST if request.method == "POST" else None, item, current)
        if request.method == "POST" and form.is_valid():
            try:
                service.declare_places(request, item, **{field: holder}, places=form.places())
            except service.EmergencyError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, "Places d'urgence enregistrées.")
                url = reverse("emergency:places", args=[item.pk])
                return redirect(f"{url}?holder={holder_key}")
    elif request.method == "POST":
        raise Http404
    return render(
        request,
        "emergency/places.html",
        {
            "period": item,
            "structures": structures.select_related("commune").order_by("name")[:500],
            "assistants": assistants.select_related("commune").order_by("last_name")[:500],
            "holder": holder,
            "holder_key": holder_key,
            "form": form,
        },
    )


def _holder(key: str, structures, assistants):
    kind, _sep, pk = key.partition("-")
    if not pk.isdigit():
        return None
    queryset = {"s": structures, "a": assistants}.get(kind)
    if queryset is None:
        return None
    found = queryset.filter(pk=int(pk)).first()
    if found is None:
        raise Http404
    return found


@require_GET
@permission_required(P.EMERGENCY_REQUESTS)
def requests(request, period):
    item = _period(request, period, P.EMERGENCY_REQUESTS)
    day = _day(request, item)
    page = Paginator(service.requests_of_day(request.user, item, day), 50).get_page(
        request.GET.get("page")
    )
    read_personal(request, list(page.object_list))
    return render(
        request,
        "emergency/requests.html",
        {
            "period": item,
            "day": day,
            "days": item.days(),
            "page": page,
            "rows": service.request_rows(page.object_list, day),
        },
    )


@permission_required(P.EMERGENCY_REQUESTS)
def request_new(request, period):
    item = _period(request, period, P.EMERGENCY_REQUESTS)
    if item.status != EmergencyPeriod.Status.OPEN:
        raise Http404
    home = communes(request.user, P.EMERGENCY_REQUESTS).filter(departement=item.departement)
    form = RequestForm(request.POST or None, item, home_communes=home)
    if request.method == "POST" and form.is_valid():
        try:
            created = service.file_request(
                request,
                item,
                children=[service.NewChild(name, birth) for name, birth in form.children()],
                days=form.chosen_days(),
                channel=EmergencyRequest.Channel.DESK,
                **form.request_fields(),
            )
        except service.EmergencyError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"Demande {created.reference} enregistrée.")
            return redirect("emergency:requests", item.pk)
    return render(request, "emergency/request_form.html", {"period": item, "form": form})


def _managed(request, period) -> EmergencyPeriod:
    item = _period(request, period, P.EMERGENCY_MANAGE)
    if item.status != EmergencyPeriod.Status.OPEN:
        raise Http404
    return item


@permission_required(P.EMERGENCY_MANAGE)
@require_POST
def run(request, period):
    """Matches the day and sends the proposals."""
    item = _managed(request, period)
    day = _day(request, item)
    try:
        figure = service.run_day(item, day)
    except service.EmergencyError as error:
        messages.error(request, str(error))
    else:
        sent = service.notify_day(item, day)
        messages.success(
            request,
            f"{figure.matched} enfant(s) sur {figure.children_requested} ont une place le "
            f"{day:%d/%m/%Y} ; {sent} famille(s) prévenue(s) par e-mail.",
        )
    return redirect(f"{reverse('emergency:period', args=[item.pk])}?day={day.isoformat()}")


@permission_required(P.EMERGENCY_MANAGE)
@require_POST
def close(request, period):
    item = _managed(request, period)
    service.close_period(request, item)
    messages.success(request, "Période close : les données personnelles seront supprimées.")
    return redirect("emergency:period", item.pk)
