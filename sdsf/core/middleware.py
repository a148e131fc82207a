"""Security headers Django 5.2 does not set by itself, checks of URL input, quiet answers to
expected failures, and the visitor's address behind the platform's reverse proxy."""

import ipaddress
import logging
import secrets
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.template.loader import render_to_string
from django.urls import get_resolver
from django.utils.cache import add_never_cache_headers

from sdsf.core.database import UNAVAILABLE_MESSAGE, is_outage

security_logger = logging.getLogger("django.security.PermissionDenied")
request_logger = logging.getLogger("django.request")


class ContentSecurityPolicyMiddleware:
    """Sends a strict Content-Security-Policy with a per-request script nonce.

    Everything is served by the app itself (no CDN, the platform works offline), so ``'self'``
    is enough; the nonce lets the DSFR module loader and page scripts run, nothing else. An
    installation that sets a map tile server (``SDSF_MAP_TILES_URL``) lets its images in too.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.images = " ".join(["'self'", "data:", *tile_origin(settings.SDSF_MAP_TILES_URL)])

    def __call__(self, request):
        request.csp_nonce = secrets.token_urlsafe(16)
        response = self.get_response(request)
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; "
            f"script-src 'self' 'nonce-{request.csp_nonce}'; "
            "style-src 'self' 'unsafe-inline'; "
            f"img-src {self.images}; "
            "font-src 'self'; "
            "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
        )
        response.headers.setdefault(
            "Permissions-Policy", "camera=(), microphone=(), geolocation=(self)"
        )
        return response


def tile_origin(url: str) -> list[str]:
    """The origin (scheme://host[:port]) of a tile URL template, or nothing when none is set."""
    parts = urlsplit(url)
    return [f"{parts.scheme}://{parts.netloc}"] if parts.scheme and parts.netloc else []


# The largest id or number a URL may carry: every integer column holds it (PostgreSQL's
# ``integer``), where a larger one would make the database raise rather than find nothing.
MAX_URL_INTEGER = 2_147_483_647
API_PREFIX = "/api/"  # where sdsf.urls mounts the API, whose errors are JSON


class UrlInputMiddleware:
    """Answers 404 or 400, never 500, to what a database cannot take from a URL.

    PostgreSQL refuses a NUL character in a string and every database an integer past its
    column: a ``%00`` in a path parameter is a page that does not exist (404), in a query
    parameter a bad request (400), and an id past :data:`MAX_URL_INTEGER` an object that does
    not exist (404). Checked once here rather than in every view.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path_info:
            return self._refuse(request, 404, "Page introuvable.")
        if any("\x00" in key or "\x00" in "".join(values) for key, values in request.GET.lists()):
            return self._refuse(request, 400, "Requête invalide : caractère nul dans l'adresse.")
        return self.get_response(request)

    @staticmethod
    def _refuse(request, status: int, message: str):
        """The API answers in its documented JSON; a page with the site's 404 or a short 400."""
        if request.path_info.startswith(API_PREFIX):
            return JsonResponse({"detail": message}, status=status)
        if status == 404:
            raise Http404(message)
        return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")

    def process_view(self, request, view_func, view_args, view_kwargs):
        for value in [*view_args, *view_kwargs.values()]:
            if isinstance(value, int) and abs(value) > MAX_URL_INTEGER:
                return self._refuse(request, 404, "Page introuvable.")
        return None


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


def forwarded_client(header: str, trusted: frozenset[str]) -> str | None:
    """The visitor's address in an ``X-Forwarded-For`` value: the last one that is not a
    trusted proxy. Each proxy appends the address it saw, so what a client writes in the header
    stays left of it and is never read. None when that address is not an IP address."""
    for hop in reversed(header.split(",")):
        hop = hop.strip()
        if hop in trusted:
            continue
        try:
            return str(ipaddress.ip_address(hop))
        except ValueError:
            return None
    return None


class ForwardedClientMiddleware:
    """``REMOTE_ADDR`` is the visitor's address, not the reverse proxy's.

    In production gunicorn listens on 127.0.0.1 behind nginx (``deploy/``): every connection
    comes from the proxy, so the per-address limits (:mod:`sdsf.core.throttle`), the login
    lockout and the audit log would count every visitor as one. For a connection from an
    address of ``SDSF_TRUSTED_PROXIES`` only, the visitor is read from ``X-Forwarded-For``
    (:func:`forwarded_client`); any other connection keeps its own address, whatever it sends.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        trusted = frozenset(settings.SDSF_TRUSTED_PROXIES)
        if request.META.get("REMOTE_ADDR") in trusted:
            client = forwarded_client(request.META.get("HTTP_X_FORWARDED_FOR", ""), trusted)
            if client is not None:
                request.META["REMOTE_ADDR"] = client
        return self.get_response(request)
