"""Production: secrets from the environment, PostgreSQL through a connection pool, HTTPS only.

The settings refuse to load (``ImproperlyConfigured``, before anything is served) rather than run
on a guessable key, on a SQLite file that nobody backs up, or with e-mail links to localhost.
Every variable is described in ``docs/deployment.md``.
"""

import os

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403

SECRET_KEY_MIN_LENGTH = 50
# Placeholders and development keys: a key containing one of these words was never generated.
WEAK_SECRET_KEY_WORDS = ("insecure", "changeme", "change-me", "secret", "example", "dev-only")


def _required(name: str, hint: str) -> str:
    value = os.environ.get(name, "").strip()
    if not value:
        raise ImproperlyConfigured(f"{name} must be set in the environment ({hint}).")
    return value


def _secret_key() -> str:
    key = _required("SECRET_KEY", "a random string of 50 characters or more")
    lowered = key.lower()
    if (
        len(key) < SECRET_KEY_MIN_LENGTH
        or len(set(key)) < 10
        or any(word in lowered for word in WEAK_SECRET_KEY_WORDS)
    ):
        raise ImproperlyConfigured(
            "SECRET_KEY is too weak: use a random string of at least "
            f"{SECRET_KEY_MIN_LENGTH} characters, e.g. the output of "
            '`python3 -c "import secrets; print(secrets.token_urlsafe(64))"`.'
        )
    return key


def _database() -> dict:
    url = _required("DATABASE_URL", "postgres://user:password@host:5432/name")
    database = dj_database_url.parse(url, conn_max_age=0, conn_health_checks=True)
    if database["ENGINE"] != "django.db.backends.postgresql":
        raise ImproperlyConfigured(
            "DATABASE_URL must name a PostgreSQL database (postgres://…) in production."
        )
    # Each process (a gunicorn worker, the task worker, a command) keeps a small pool: at most one
    # connection per thread that serves requests (gunicorn --threads), checked before use
    # (CONN_HEALTH_CHECKS) so that a restarted database server costs no failed request.
    database.setdefault("OPTIONS", {})["pool"] = {
        "min_size": 1,
        "max_size": int(os.environ.get("SDSF_DB_POOL_SIZE", "4")),
        # Seconds a request waits for a connection (the pool has one per thread: it waits only
        # while the database is away), then fails with a 503.
        "timeout": 5,
    }
    return database


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = [
    host.strip()
    for host in _required("ALLOWED_HOSTS", "the site's host names, comma-separated").split(",")
    if host.strip()
]
DATABASES = {"default": _database()}
SDSF_PUBLIC_URL = _required("SDSF_PUBLIC_URL", "the site's address, e.g. https://sdsf.example.fr")

# nginx on the same machine (deploy/nginx-sdsf.conf) forwards the visitor's address.
SDSF_TRUSTED_PROXIES = SDSF_TRUSTED_PROXIES or ["127.0.0.1", "::1"]  # noqa: F405

SECURE_SSL_REDIRECT = True
# A load balancer probes /healthz over plain HTTP on the application server itself.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = 31536000
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True

EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = os.environ.get("EMAIL_USE_TLS", "") == "1"
SERVER_EMAIL = DEFAULT_FROM_EMAIL  # noqa: F405
