"""Which pages follow the visitor's language: the families' pages, and only them.

Family pages are translated into English and Arabic; the staff interface is French only (its
strings are not extracted, see docs/i18n.md). Left to Django's ``LocaleMiddleware``, an agent
whose browser asks for English would get a French page announced as ``lang="en"``, and one who
chose Arabic on a family page would get the staff pages laid out right to left. So the language
is negotiated (``django_language`` cookie, then ``Accept-Language``) under
``settings.FAMILY_LANGUAGE_PATHS`` only, less the agents' desk below them
(``settings.STAFF_PATHS_UNDER_FAMILIES``); everywhere else the page is rendered in French.
"""

from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation


class FamilyLocaleMiddleware(LocaleMiddleware):
    """``LocaleMiddleware`` on family pages; ``settings.LANGUAGE_CODE`` on every other page."""

    def process_request(self, request):
        path = request.path_info
        if path.startswith(settings.FAMILY_LANGUAGE_PATHS) and not path.startswith(
            settings.STAFF_PATHS_UNDER_FAMILIES
        ):
            super().process_request(request)
            return
        translation.activate(settings.LANGUAGE_CODE)
        request.LANGUAGE_CODE = settings.LANGUAGE_CODE
