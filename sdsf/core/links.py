"""Absolute links for e-mails sent outside a request (commands, background tasks, on commit).

No request is there to tell the site's address, so it comes from ``settings.SDSF_PUBLIC_URL``.
"""

from django.conf import settings
from django.urls import reverse


def public_url(view_name: str, **kwargs) -> str:
    return settings.SDSF_PUBLIC_URL.rstrip("/") + reverse(view_name, kwargs=kwargs or None)
