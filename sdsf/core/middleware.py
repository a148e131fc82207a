"""Security headers that Django 5.2 does not set by itself."""

import secrets


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
