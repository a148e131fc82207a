"""The family pages of emergency childcare (public, translated): open periods, the request."""

from django.conf import settings
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from sdsf.core import clock, throttle
from sdsf.emergency import service
from sdsf.emergency.forms import RequestForm
from sdsf.emergency.models import EmergencyPeriod, EmergencyRequest


def open_periods():
    return EmergencyPeriod.objects.filter(
        status=EmergencyPeriod.Status.OPEN, ends_on__gte=clock.today()
    ).select_related("departement")


@require_GET
def periods(request):
    return render(request, "emergency/family/periods.html", {"periods": open_periods()})


def request_form(request, period):
    item = get_object_or_404(open_periods(), pk=period)
    form = RequestForm(request.POST or None, item)
    if request.method == "POST" and form.is_valid():
        if not throttle.hit(
            "emergency_request", "ip", throttle.client_ip(request), settings.SDSF_MAIL_LIMIT_PER_IP
        ):
            form.add_error(
                None, _("Trop de demandes depuis cette connexion ; réessayez plus tard.")
            )
        else:
            try:
                created = service.file_request(
                    request,
                    item,
                    children=[service.NewChild(n, b) for n, b in form.children()],
                    days=form.chosen_days(),
                    channel=EmergencyRequest.Channel.ONLINE,
                    **form.request_fields(),
                )
            except service.EmergencyError as error:
                form.add_error(None, str(error))
            else:
                return render(
                    request,
                    "emergency/family/received.html",
                    {"period": item, "reference": created.reference, "days": form.chosen_days()},
                )
    if not form.open_days:
        raise Http404
    return render(request, "emergency/family/request.html", {"period": item, "form": form})
