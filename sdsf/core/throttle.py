"""Counting what one address or one connection asks for in a window (Django's cache).

Sign-up and password-reset e-mails are limited per e-mail address and per IP address, so the
platform cannot be used to flood an inbox or to create accounts in bulk. The keys are digests:
no e-mail or IP address is written to the cache in clear.
"""

from django.conf import settings
from django.core.cache import cache
from django.utils.crypto import salted_hmac


def _key(action: str, kind: str, value: str) -> str:
    digest = salted_hmac("sdsf.throttle", f"{kind}:{value.strip().lower()}").hexdigest()[:32]
    return f"throttle:{action}:{kind}:{digest}"


def hit(action: str, kind: str, value: str, limit: int) -> bool:
    """Counts one more ``action`` for ``value`` (``kind``: "address" or "ip") in the window of
    ``SDSF_THROTTLE_WINDOW`` seconds; False once the count is past ``limit``."""
    key = _key(action, kind, value)
    if cache.add(key, 1, timeout=settings.SDSF_THROTTLE_WINDOW):
        return limit >= 1
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=settings.SDSF_THROTTLE_WINDOW)
        count = 1
    return count <= limit


def client_ip(request) -> str:
    """The visitor's address: ``REMOTE_ADDR``, which behind a trusted reverse proxy
    :class:`~sdsf.core.middleware.ForwardedClientMiddleware` has set from the proxy's header."""
    return request.META.get("REMOTE_ADDR", "")


def e_mail_allowed(request, action: str, address: str) -> bool:
    """One more e-mail of ``action`` to ``address`` asked from this connection: both limits."""
    by_ip = hit(action, "ip", client_ip(request), settings.SDSF_MAIL_LIMIT_PER_IP)
    by_address = hit(action, "address", address, settings.SDSF_MAIL_LIMIT_PER_ADDRESS)
    return by_ip and by_address
