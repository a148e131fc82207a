from datetime import timedelta

from django.conf import settings
from django.db import DatabaseError, connection
from django.http import Http404, HttpResponse
from django.views.decorators.cache import never_cache

from sdsf.core import clock


@never_cache
def healthz(request):
    """200 when the database answers, 503 otherwise (for load balancers and monitoring)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        return HttpResponse("database unavailable", status=503, content_type="text/plain")
    return HttpResponse("ok", content_type="text/plain")


def security_txt(request):
    """How to report a vulnerability to the institution running this installation (RFC 9116);
    404 until it has set ``SDSF_SECURITY_CONTACT``."""
    contact = settings.SDSF_SECURITY_CONTACT.strip()
    if not contact:
        raise Http404
    if ":" not in contact:
        contact = f"mailto:{contact}"
    expires = clock.now() + timedelta(days=180)  # RFC 9116: less than a year ahead
    lines = [
        f"Contact: {contact}",
        f"Expires: {expires:%Y-%m-%dT%H:%M:%SZ}",
        "Preferred-Languages: fr, en",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")
