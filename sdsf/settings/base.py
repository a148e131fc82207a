"""Settings shared by every environment; secrets and the database come from the environment."""

import os
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parents[2]
DATA_DIR = BASE_DIR / "data"
VAR_DIR = Path(os.environ.get("SDSF_VAR_DIR", BASE_DIR / "var"))

SECRET_KEY = os.environ.get("SECRET_KEY", "")
DEBUG = False
ALLOWED_HOSTS = [h for h in os.environ.get("ALLOWED_HOSTS", "").split(",") if h]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "dsfr",
    "django_htmx",
    "axes",
    "ninja",
    "sdsf.core",  # before django_tasks_db: its db_worker command replaces the library's
    "django_tasks",
    "django_tasks_db",
    "sdsf.territories",
    "sdsf.accounts",
    "sdsf.audit",
    "sdsf.offer",
    "sdsf.observatory",
    "sdsf.allocation",
    "sdsf.emergency",
    "sdsf.families",
    "sdsf.funding",
    "sdsf.difficulty",
    "sdsf.steering",
    "sdsf.publicservice",
    "sdsf.site",  # above every app: home, menu, page layout, demo loader (docs/architecture.md)
]

MIDDLEWARE = [
    "sdsf.core.middleware.ForwardedClientMiddleware",  # first: every later reader of the address
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "sdsf.core.middleware.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "sdsf.families.i18n.FamilyLocaleMiddleware",  # LocaleMiddleware on family pages only
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "sdsf.core.middleware.PrivatePagesMiddleware",
    "sdsf.core.middleware.QuietFailuresMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
    "sdsf.core.middleware.UrlInputMiddleware",  # after auth: its 404 page knows the user
]

ROOT_URLCONF = "sdsf.urls"
WSGI_APPLICATION = "sdsf.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "sdsf.site.context_processors.site",
            ],
        },
    },
]

# One connection per request by default (CONN_MAX_AGE 0): the development server runs each request
# in a new thread, and a persistent connection per thread would pin one PostgreSQL backend per
# client until the server's slots run out. Production pools its connections (settings/prod.py).
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'sdsf.sqlite3'}"),
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "0")),
        conn_health_checks=True,
    )
}
# SQLite (demo, development) serves several people and the task worker at once: write-ahead log
# (pages read while a write goes on), transactions that take the write lock when they start
# (IMMEDIATE: a transaction that read first can then always write, instead of failing at once
# with "database is locked"), and writers that wait for the lock up to 20 seconds.
SQLITE_OPTIONS = {
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {**SQLITE_OPTIONS, **DATABASES["default"].get("OPTIONS", {})}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "site:root"  # sends each person on: agents home, families their space
LOGOUT_REDIRECT_URL = "accounts:login"

# Lockout after repeated failures, per account and address; no user names in the logs. Axes
# keeps a keyed digest of the address typed, never the text, deletes its rows after the cool-off
# and logs no successful login (the audit log does): sdsf.audit.logins.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = 1  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "sdsf.audit.logins.lockout_username"
AXES_DISABLE_ACCESS_LOG = True
AXES_ENABLE_ACCESS_FAILURE_LOG = False
AXES_VERBOSE = False
AXES_LOCKOUT_TEMPLATE = "accounts/lockout.html"
AXES_RESET_ON_SUCCESS = True

# The audit log keeps its events this many 30-day months, then sdsf purge_personal_data deletes
# them (reasons in docs/personal-data.md; between 6 and 12, the CNIL's recommendation).
SDSF_AUDIT_RETENTION_MONTHS = 12

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 8 * 3600
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
CSRF_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

LANGUAGE_CODE = "fr"
# Family pages are also in English and Arabic (right to left); staff pages stay French
# (docs/i18n.md). Names are endonyms: each language is offered in its own words.
LANGUAGES = [("fr", "Français"), ("en", "English"), ("ar", "العربية")]
# Paths whose pages follow the visitor's language (cookie set by /i18n/setlang/, then the
# browser's Accept-Language); every other page is rendered in LANGUAGE_CODE.
FAMILY_LANGUAGE_PATHS = ("/familles/", "/informations/")  # family pages, the footer's pages
STAFF_PATHS_UNDER_FAMILIES = ("/familles/guichet-unique/",)  # the agents' desk stays French
# Ours first (makemessages writes there), then Arabic for django-dsfr's strings (docs/i18n.md).
LOCALE_PATHS = [BASE_DIR / "sdsf" / "locale", BASE_DIR / "sdsf" / "locale_dsfr"]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
MEDIA_ROOT = VAR_DIR / "private"  # never served directly: documents go through a checked view

# Families' pré-demandes: how many ranked wishes, which supporting documents are accepted (the
# type is read from the file's first bytes, never from its name), how long a link to verify a
# family's e-mail address stays valid.
SDSF_FAMILY_MAX_WISHES = 5
SDSF_FAMILY_DOCUMENT_MAX_BYTES = 5 * 1024 * 1024
SDSF_FAMILY_DOCUMENT_TYPES = ["application/pdf", "image/jpeg", "image/png"]
SDSF_FAMILY_VERIFY_MAX_AGE = 3 * 24 * 3600  # seconds
# An invitation of the guichet unique to attach a file to a family account stays valid this many
# days (sdsf.families.invitations).
SDSF_FAMILY_INVITATION_DAYS = 7

# Confirmation of interest (sdsf confirm_interest, daily): a waiting pré-demande is confirmed
# every SDSF_FAMILY_CONFIRMATION_MONTHS months (30-day months), or archived this many days after
# the question (families without e-mail are called by the guichet unique instead).
SDSF_FAMILY_CONFIRMATION_MONTHS = 3
SDSF_FAMILY_CONFIRMATION_NOTICE_DAYS = 30
# Retention of the families' data (sdsf purge_personal_data, daily); reasons in
# docs/personal-data.md. Months are 30-day months.
SDSF_FAMILY_RETENTION = {
    "closed_months": 24,  # closed pré-demande (withdrawn, archived, merged, ended), from closing
    "draft_days": 90,  # draft never submitted, from its last change
    "closed_documents_months": 3,  # supporting documents of a closed pré-demande, from closing
}

# Supporting documents of the families' pré-demandes: count and total size, per pré-demande and
# per account (uploads by the family itself; agents at the desk file for many families).
SDSF_FAMILY_DOCUMENTS_PER_APPLICATION = 20
SDSF_FAMILY_DOCUMENT_BYTES_PER_APPLICATION = 40 * 1024 * 1024
SDSF_FAMILY_DOCUMENTS_PER_ACCOUNT = 60
SDSF_FAMILY_DOCUMENT_BYTES_PER_ACCOUNT = 100 * 1024 * 1024

# E-mails a person can trigger (sign-up verification, password reset): at most so many per
# e-mail address and per IP address in the window (seconds), counted in the cache below.
SDSF_THROTTLE_WINDOW = 3600
# Reverse proxies whose X-Forwarded-For names the visitor (sdsf.core.middleware): none by default;
# production trusts the nginx of the same machine (settings/prod.py).
SDSF_TRUSTED_PROXIES = [
    address.strip()
    for address in os.environ.get("SDSF_TRUSTED_PROXIES", "").split(",")
    if address.strip()
]
SDSF_MAIL_LIMIT_PER_ADDRESS = 3
SDSF_MAIL_LIMIT_PER_IP = 20


def _cache(environ) -> dict:
    """Redis where REDIS_URL is set (needs the ``redis`` package), the database where
    CACHE_URL=db (``sdsf createcachetable`` once), else each process's memory (fine for one
    process; several workers then count apart)."""
    if environ.get("REDIS_URL"):
        return {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": environ["REDIS_URL"],
        }
    if environ.get("CACHE_URL") == "db":
        return {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "sdsf_cache"}
    return {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}


CACHES = {"default": _cache(os.environ)}

# What one imported file (CSV or XLSX, web upload or command) may hold; past that it is refused
# with its line before it costs the server its memory. The national commune file has 35,000
# rows and 12 columns; INSEE's census tables about 35,000 rows and 100 columns.
SDSF_IMPORT_MAX_ROWS = int(os.environ.get("SDSF_IMPORT_MAX_ROWS", 300_000))
SDSF_IMPORT_MAX_COLUMNS = int(os.environ.get("SDSF_IMPORT_MAX_COLUMNS", 300))
SDSF_IMPORT_MAX_CELL_CHARS = int(os.environ.get("SDSF_IMPORT_MAX_CELL_CHARS", 10_000))

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "sdsf@localhost")


# Availability reminders (sdsf availability_reminders): links in e-mails need the site's public
# address (no request to read it from); a signed link stays valid this many days.
SDSF_PUBLIC_URL = os.environ.get("SDSF_PUBLIC_URL", "http://localhost:8000")
SDSF_AVAILABILITY_LINK_DAYS = 30
# An agent's invitation link (sdsf.accounts.invitations) stays valid this many days.
SDSF_INVITATION_DAYS = 5

# Allocation proposals (sdsf proposal_deadlines, daily): the reminder e-mail goes this many days
# before the family's answer deadline (once per proposal).
SDSF_PROPOSAL_REMINDER_DAYS = 3
# Emergency childcare (sdsf.emergency): requests, children and proposals of a closed period are
# deleted this many days after its last day (the daily figures, without personal data, stay).
SDSF_EMERGENCY_RETENTION_DAYS = int(os.environ.get("SDSF_EMERGENCY_RETENTION_DAYS", "30"))

# Where to report a vulnerability of this installation (an e-mail address or an https:// page),
# set by the institution that runs it; published at /.well-known/security.txt (RFC 9116), which
# answers 404 while it is empty. See docs/security.md.
SDSF_SECURITY_CONTACT = os.environ.get("SDSF_SECURITY_CONTACT", "")

# The institution that publishes this installation, named on the public pages (mentions
# légales, accessibilité, données personnelles): set by it, shown "non renseigné" while empty.
SDSF_PUBLISHER_NAME = os.environ.get("SDSF_PUBLISHER_NAME", "")
SDSF_PUBLISHER_ADDRESS = os.environ.get("SDSF_PUBLISHER_ADDRESS", "")
SDSF_PUBLICATION_DIRECTOR = os.environ.get("SDSF_PUBLICATION_DIRECTOR", "")
SDSF_PUBLISHER_CONTACT = os.environ.get("SDSF_PUBLISHER_CONTACT", "")  # e-mail or https:// page
SDSF_DPO_CONTACT = os.environ.get("SDSF_DPO_CONTACT", "")  # the data protection officer
SDSF_HOSTING_PROVIDER = os.environ.get("SDSF_HOSTING_PROVIDER", "")  # name and address

# A tile layer under the maps' outlines (e.g. the IGN Géoplateforme or the département's own
# server), "{z}/{x}/{y}" URL template; empty by default: the maps draw the shipped outlines
# only and the platform works offline. The tile server's origin is added to the CSP's img-src.
SDSF_MAP_TILES_URL = os.environ.get("SDSF_MAP_TILES_URL", "")
SDSF_MAP_TILES_ATTRIBUTION = os.environ.get("SDSF_MAP_TILES_ATTRIBUTION", "")

# The test-only API of the browser tests (sdsf.site.e2e: data created without authentication).
# Only sdsf.settings.e2e turns it on; never in production.
SDSF_E2E_API = False

# Application logs carry identifiers, never names, e-mail addresses or family data.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "filters": {"drop_query_string": {"()": "sdsf.core.logfilters.DropQueryString"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "axes": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},
        # The development server's access log, without query strings (searches on people).
        "django.server": {
            "handlers": ["console"],
            "filters": ["drop_query_string"],
            "level": "INFO",
            "propagate": False,
        },
    },
}
