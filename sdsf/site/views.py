from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from sdsf.accounts import scope
from sdsf.families.access import family_of
from sdsf.site import conformity
from sdsf.territories.queries import groupings, summarise


@require_GET
def root(request):
    """The front door: families are shown their pages, agents where to log in; a logged-in
    person goes on to their own start (the family space, or the agents' home)."""
    if request.user.is_authenticated:
        return redirect("families:space" if family_of(request.user) else "site:home")
    return render(request, "site/root.html")


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


def _publisher() -> dict:
    """Who publishes this installation (settings; empty until the institution fills them)."""
    return {
        "name": settings.SDSF_PUBLISHER_NAME,
        "address": settings.SDSF_PUBLISHER_ADDRESS,
        "director": settings.SDSF_PUBLICATION_DIRECTOR,
        "contact": settings.SDSF_PUBLISHER_CONTACT,
        "contact_is_link": settings.SDSF_PUBLISHER_CONTACT.startswith("https://"),
        "dpo": settings.SDSF_DPO_CONTACT,
        "host": settings.SDSF_HOSTING_PROVIDER,
    }


@require_GET
def legal_notice(request):
    return render(request, "site/pages/legal_notice.html", {"publisher": _publisher()})


@require_GET
def accessibility(request):
    """The déclaration d'accessibilité, with the state actually measured (sdsf.site.conformity)."""
    return render(
        request,
        "site/pages/accessibility.html",
        {"publisher": _publisher(), "audit": conformity.AUDIT},
    )


@require_GET
def personal_data(request):
    """What the platform keeps about families, who sees it, how long (docs/personal-data.md)."""
    retention = settings.SDSF_FAMILY_RETENTION
    return render(
        request,
        "site/pages/personal_data.html",
        {
            "publisher": _publisher(),
            "draft_days": retention["draft_days"],
            "closed_months": retention["closed_months"],
            "documents_months": retention["closed_documents_months"],
            "audit_months": settings.SDSF_AUDIT_RETENTION_MONTHS,
            "confirmation_months": settings.SDSF_FAMILY_CONFIRMATION_MONTHS,
        },
    )


@require_GET
def sitemap(request):
    return render(request, "site/pages/sitemap.html")


@require_GET
def cookies(request):
    """The cookies set, all strictly necessary (no audience measurement): no consent asked."""
    return render(
        request,
        "site/pages/cookies.html",
        {
            "session_cookie": settings.SESSION_COOKIE_NAME,
            "session_hours": settings.SESSION_COOKIE_AGE // 3600,
            "csrf_cookie": settings.CSRF_COOKIE_NAME,
            "language_cookie": settings.LANGUAGE_COOKIE_NAME,
        },
    )
