from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from sdsf.accounts import scope
from sdsf.territories.queries import groupings, summarise


@login_required
def home(request):
    """The person's territory at a glance: their roles, communes, population, EPCI and EPT."""
    communes = scope.communes(request.user)
    return render(
        request,
        "site/home.html",
        {
            "assignments": scope.assignments(request.user),
            "summary": summarise(communes),
            "epcis": groupings(communes, "epci"),
            "epts": groupings(communes, "ept"),
            "departements": scope.departements(request.user),
        },
    )
