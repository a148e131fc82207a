"""Headers Django 5.2 does not set by itself, and quiet answers to expected failures."""

import logging
import secrets

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.urls import get_resolver
from django.utils.cache import add_never_cache_headers

from sdsf.core.database import UNAVAILABLE_MESSAGE, is_outage

security_logger = logging.getLogger("django.security.PermissionDenied")
request_logger = logging.getLogger("django.request")


class ContentSecurityPolicyMiddleware:
    """Sends a strict Content-Security-Policy with a per-request script nonce.

    Everything is served by the app itself (no CDN, the platform works offline), so ``'self'``
    is enough; the nonce lets the DSFR module loader and page scripts run, nothing else.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.csp_nonce = secrets.token_urlsafe(16)
        response = self.get_response(request)
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; "
            f"script-src 'self' 'nonce-{request.csp_nonce}'; "
            "style-src 'self' 'unsafe-inline'; "
            "img-src 'self' data:; "
            "font-src 'self'; "
            "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
        )
        response.headers.setdefault(
            "Permissions-Policy", "camera=(), microphone=(), geolocation=(self)"
        )
        return response


class PrivatePagesMiddleware:
    """``Cache-Control: no-store`` on every page that may show personal data.

    The rule is the request, not a list of views: any page served to a logged-in person (staff
    pages, the family space, documents, exports) and any page opened through a signed link (a
    URL with a token: e-mail verification, confirmations, surveys). No browser, proxy or
    back-button cache then keeps a copy. Public pages (the families' search, the offer's
    public sheets) stay cacheable.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        match = getattr(request, "resolver_match", None)
        signed_link = match is not None and ({"token", "uidb64"} & match.kwargs.keys())
        if signed_link or (user is not None and user.is_authenticated):
            add_never_cache_headers(response)
        return response


class QuietFailuresMiddleware:
    """Two expected failures answered with one log line each instead of a traceback.

    - A refused access (``PermissionDenied``): 403, one line on ``django.security`` (method,
      path, user id; never the query string, which may carry a searched name).
    - The database unreachable: 503 with a French page that needs no database, one line on
      ``django.request``. A driver error while the database answers is a bug and keeps its
      traceback (:func:`sdsf.core.database.is_outage`).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, PermissionDenied):
            user = getattr(request, "user", None)
            security_logger.warning(
                "Permission denied: %s %s (user %s)",
                request.method,
                request.path,
                user.pk if user is not None and user.is_authenticated else "anonymous",
            )
            response = get_resolver().resolve_error_handler(403)(request, exception=exception)
        elif is_outage(exception):
            request_logger.error(
                "Database unavailable: %s %s (%s)",
                request.method,
                request.path,
                type(exception).__name__,
            )
            response = HttpResponse(
                render_to_string(
                    "core/unavailable.html",
                    {"message": UNAVAILABLE_MESSAGE, "path": request.path},
                ),
                status=503,
            )
            response["Retry-After"] = "60"
            add_never_cache_headers(response)
        else:
            return None
        response._has_been_logged = True  # Django's own "Forbidden: …" line would be a second
        return response
