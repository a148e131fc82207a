"""Tests: the database named by DATABASE_URL (PostgreSQL in CI), else SQLite."""

from .base import *  # noqa: F403

SECRET_KEY = "test-only-key"  # noqa: S105
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
}
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
STATIC_ROOT = None  # static files come straight from the apps (no collectstatic needed)
WHITENOISE_USE_FINDERS = True
# Look static files up when one is asked for, rather than indexing the ~1,700 files of the apps
# each time a test client loads the middleware (a quarter of a second per client).
WHITENOISE_AUTOREFRESH = True
