"""Browser tests only: a throw-away server on 127.0.0.1 with the test-only API (``/e2e/``).

The API creates accounts and data without authentication (``sdsf.site.e2e``), so these settings
refuse to load anywhere that looks like a real deployment: the production settings need
``SECRET_KEY``, ``ALLOWED_HOSTS`` and ``DATABASE_URL`` from the environment, and any of them
set here stops the start. The database is always the SQLite file named by
``SDSF_E2E_DATABASE`` (created by ``tests/browser/conftest.py`` in a temporary directory).
"""

import os

from django.core.exceptions import ImproperlyConfigured

_PRODUCTION_MARKERS = [
    name for name in ("SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL") if os.environ.get(name)
]
if _PRODUCTION_MARKERS:
    raise ImproperlyConfigured(
        "sdsf.settings.e2e refuses to load: "
        f"{', '.join(_PRODUCTION_MARKERS)} set in the environment (looks like a deployment)."
    )
if not os.environ.get("SDSF_E2E_DATABASE", "").endswith(".sqlite3"):
    raise ImproperlyConfigured("sdsf.settings.e2e needs SDSF_E2E_DATABASE=<path>.sqlite3.")

from .base import *  # noqa: E402, F403 — after the checks: base.py reads DATABASE_URL

SDSF_E2E_API = True  # mounts /e2e/ (sdsf/urls.py); False everywhere else (base.py)
DEBUG = False  # errors as in production: a 500 page, the traceback on the server's stderr
SECRET_KEY = "e2e-only-key"  # noqa: S105
ALLOWED_HOSTS = ["127.0.0.1"]
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ["SDSF_E2E_DATABASE"],
        # The server and the task worker share the file: WAL lets pages read during a write;
        # no fsync: a throw-away database.
        "OPTIONS": {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=OFF;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        },
    }
}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
EMAIL_FILE_PATH = os.path.join(os.path.dirname(os.environ["SDSF_E2E_DATABASE"]), "mail")
MEDIA_ROOT = os.path.join(os.path.dirname(os.environ["SDSF_E2E_DATABASE"]), "private")
STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
}
STATIC_ROOT = None  # static files come straight from the apps (no collectstatic needed)
WHITENOISE_USE_FINDERS = True
# Production serves static files compressed (whitenoise's compressed storage, after
# collectstatic); here they come from the apps, so gzip them on the way out: page weights
# measured by the browser tests are then close to what a family downloads.
MIDDLEWARE = ["django.middleware.gzip.GZipMiddleware", *MIDDLEWARE]  # noqa: F405
