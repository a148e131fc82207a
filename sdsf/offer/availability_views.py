"""The page a signed reminder link opens (no login): confirm or update declared availability.

Public by design: the signed token is the credential (see :mod:`sdsf.offer.availability`); an
unknown, expired or no longer eligible token answers 404.
"""

from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from sdsf.offer import availability
from sdsf.offer.models import AssistantMaternel


@require_http_methods(["GET", "POST"])
def availability_link(request, token):
    item = availability.holder(token)
    if item is None:
        raise Http404
    form = availability.DeclarationForm(item, request.POST if "update" in request.POST else None)
    done = None
    if request.method == "POST":
        if "unchanged" in request.POST:
            availability.confirm(item)
            done = "confirmed"
        elif form.is_valid():
            availability.declare(
                item, form.cleaned_data["available_places"], form.cleaned_data["available_from"]
            )
            done = "declared"
    is_assistant = isinstance(item, AssistantMaternel)
    return render(
        request,
        "offer/availability/link.html",
        {
            "item": item,
            "name": f"{item.first_name} {item.last_name}".strip() if is_assistant else item.name,
            "form": form,
            "done": done,
        },
    )
