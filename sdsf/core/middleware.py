"""Security headers that Django 5.2 does not set by itself, and the checks of URL input."""

import secrets

from django.http import Http404, HttpResponseBadRequest, JsonResponse


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
