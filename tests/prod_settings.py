"""``sdsf.settings.prod`` for the tests that start gunicorn: static files read from the apps.

collectstatic compresses every file of the design system (two minutes on two cores); the rest
is production's, unchanged.
"""

from sdsf.settings.prod import *  # noqa: F403

STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True
