from django.contrib.auth.decorators import login_required
from django.db import DatabaseError, connection
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from sdsf.accounts import scope
from sdsf.territories.queries import groupings, summarise


@never_cache
def healthz(request):
    """200 when the database answers, 503 otherwise (for load balancers and monitoring)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        return HttpResponse("database unavailable", status=503, content_type="text/plain")
    return HttpResponse("ok", content_type="text/plain")


@login_required
def home(request):
    """The person's territory at a glance: their roles, communes, population, EPCI and EPT."""
    communes = scope.communes(request.user)
    return render(
        request,
        "core/home.html",
        {
            "assignments": scope.assignments(request.user),
            "summary": summarise(communes),
            "epcis": groupings(communes, "epci"),
            "epts": groupings(communes, "ept"),
            "departements": scope.departements(request.user),
        },
    )
