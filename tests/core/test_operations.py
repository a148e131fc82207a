"""Running for real: production settings, private pages, quiet failures, SQLite under load."""

import configparser
import datetime
import logging
import runpy
import shlex
import sqlite3
import subprocess
import sys
import textwrap
from contextlib import closing
from unittest import mock

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command, get_commands, load_command_class
from django.db import OperationalError, connection
from django.test import override_settings
from django.urls import reverse

from sdsf.accounts.models import Role
from sdsf.core import clock
from tests.factories import make_family, make_user
from tests.processes import REPO

STRONG_KEY = "Yq3-vT8wZp1LmK9sXc4RbN7dJf2HgA6eUo0iPzQy_WtEr5TyUiOpAsDfGhJkLzXcVb"
DEPLOYMENT = {
    "SECRET_KEY": STRONG_KEY,
    "ALLOWED_HOSTS": "sdsf.example.fr",
    "DATABASE_URL": "postgres://sdsf:pw@db.example.fr:5432/sdsf",
    "SDSF_PUBLIC_URL": "https://sdsf.example.fr",
}


def _production_settings(monkeypatch, **changes) -> dict:
    for name, value in {**DEPLOYMENT, **changes}.items():
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    return runpy.run_module("sdsf.settings.prod")


# --- Production settings -------------------------------------------------------------------------


def test_production_settings_pool_postgresql_connections(monkeypatch):
    prod = _production_settings(monkeypatch)

    database = prod["DATABASES"]["default"]
    assert database["ENGINE"] == "django.db.backends.postgresql"
    assert database["CONN_MAX_AGE"] == 0 and database["CONN_HEALTH_CHECKS"]
    assert database["OPTIONS"]["pool"] == {"min_size": 1, "max_size": 4, "timeout": 5}
    assert prod["ALLOWED_HOSTS"] == ["sdsf.example.fr"]
    assert prod["SECURE_SSL_REDIRECT"] and prod["SECURE_REDIRECT_EXEMPT"] == [r"^healthz$"]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"DATABASE_URL": None}, "DATABASE_URL must be set"),
        ({"DATABASE_URL": "sqlite:///var/sdsf.sqlite3"}, "must name a PostgreSQL database"),
        ({"SECRET_KEY": None}, "SECRET_KEY must be set"),
        ({"SECRET_KEY": "  "}, "SECRET_KEY must be set"),
        ({"SECRET_KEY": "short-but-random-7Hq2"}, "SECRET_KEY is too weak"),
        ({"SECRET_KEY": "a" * 80}, "SECRET_KEY is too weak"),
        (
            {"SECRET_KEY": "dev-only-insecure-key-do-not-use-in-production-padded-to-60c"},
            "SECRET_KEY is too weak",
        ),
        ({"SECRET_KEY": "django-insecure-" + STRONG_KEY}, "SECRET_KEY is too weak"),
        ({"ALLOWED_HOSTS": None}, "ALLOWED_HOSTS must be set"),
        ({"SDSF_PUBLIC_URL": None}, "SDSF_PUBLIC_URL must be set"),
    ],
)
def test_production_settings_refuse_to_start(monkeypatch, changes, message):
    with pytest.raises(ImproperlyConfigured, match=message):
        _production_settings(monkeypatch, **changes)


@pytest.mark.django_db
def test_healthz_answers_over_plain_http_when_https_is_enforced(client, monkeypatch):
    exempt = _production_settings(monkeypatch)["SECURE_REDIRECT_EXEMPT"]
    with override_settings(SECURE_SSL_REDIRECT=True, SECURE_REDIRECT_EXEMPT=exempt):
        assert client.get("/healthz").status_code == 200
        assert client.get(reverse("accounts:login")).status_code == 301


# --- Pages with personal data are not stored -------------------------------------------------


def _no_store(response) -> bool:
    return "no-store" in response.headers.get("Cache-Control", "")


@pytest.mark.django_db
def test_pages_of_logged_in_people_and_signed_links_are_not_stored(client):
    assert not _no_store(client.get(reverse("families:search")))  # public: cacheable
    assert not _no_store(client.get(reverse("families:cost")))
    # A signed link (here an unknown token) may show a person's data.
    signed = client.get(reverse("families:verify", args=["jeton-inconnu"]))
    assert _no_store(signed)

    client.force_login(make_user(Role.PMI_AGENT))
    staff = client.get(reverse("site:home"))
    assert staff.status_code == 200 and _no_store(staff)
    assert "private" in staff.headers["Cache-Control"]
    export = client.get(reverse("offer:structures_export") + "?format=csv")
    assert export.status_code == 200 and _no_store(export)

    client.force_login(make_family().user)
    space = client.get(reverse("families:space"))
    assert space.status_code == 200 and _no_store(space)
    public = client.get(reverse("families:search"))
    assert _no_store(public)  # a logged-in family's page may name them


# --- Expected failures are one log line ----------------------------------------------------------


@pytest.mark.django_db
def test_a_refused_access_is_one_log_line_without_traceback(client, caplog):
    client.force_login(make_user())  # no role
    with caplog.at_level(logging.INFO):
        response = client.get(reverse("audit:search") + "?q=Dupont")

    assert response.status_code == 403
    records = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(records) == 1, [r.getMessage() for r in records]
    (record,) = records
    assert record.name == "django.security.PermissionDenied"
    assert record.exc_info is None
    assert record.getMessage().startswith("Permission denied: GET /audit/")
    assert "Dupont" not in record.getMessage()


@pytest.mark.django_db
def test_database_outage_is_a_french_503_and_a_driver_bug_keeps_its_traceback(client, caplog):
    client.force_login(make_user(Role.PMI_AGENT))
    failing = mock.patch(
        "sdsf.site.views.summarise", side_effect=OperationalError("no such column: x")
    )
    # The database answers: a wrong query is a bug, it stays a 500 with its traceback.
    with failing, pytest.raises(OperationalError):
        client.get(reverse("site:home"))

    caplog.clear()
    outage = mock.patch("sdsf.core.database.reachable", return_value=False)
    with failing, outage, caplog.at_level(logging.INFO):
        response = client.get(reverse("site:home"))

    assert response.status_code == 503 and response["Retry-After"] == "60"
    assert "La base de données ne répond pas" in response.content.decode()
    errors = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert [r.getMessage() for r in errors] == [
        "Database unavailable: GET /accueil/ (OperationalError)"
    ]
    assert errors[0].exc_info is None


def test_development_server_log_drops_query_strings():
    logger = logging.getLogger("django.server")
    record = logger.makeRecord(
        "django.server",
        logging.INFO,
        __file__,
        1,
        '"%s" %s %s',
        ("GET /familles/?commune=Dupont&nom=Martin HTTP/1.1", "200", "5120"),
        None,
    )
    assert all(f.filter(record) for f in logger.filters)
    assert record.getMessage() == '"GET /familles/ HTTP/1.1" 200 5120'


# --- SQLite serves several people at once --------------------------------------------------------

WRITER = textwrap.dedent(
    """
    import time
    import django
    django.setup()
    from django.db import connection, transaction
    for n in range(40):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM hits")  # read, then write: the risky pattern
            time.sleep(0.005)
            cursor.execute("INSERT INTO hits (writer) VALUES (%s)", [{writer}])
    """
)


def test_concurrent_writers_on_sqlite_do_not_get_database_is_locked(tmp_path):
    """Four processes (the web server's requests, the task worker) write the demo's SQLite
    file at once through Django with the development settings."""
    with closing(sqlite3.connect(tmp_path / "sdsf.sqlite3")) as db:
        db.execute("CREATE TABLE hits (id INTEGER PRIMARY KEY, writer INTEGER)")
    env = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_SETTINGS_MODULE": "sdsf.settings.dev",
        "SDSF_VAR_DIR": str(tmp_path),
        "PYTHONPATH": str(REPO),
    }
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER.format(writer=n)],
            env=env,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(4)
    ]
    errors = [writer.communicate(timeout=120)[1] for writer in writers]

    assert [w.returncode for w in writers] == [0] * 4, "\n".join(errors)
    with closing(sqlite3.connect(tmp_path / "sdsf.sqlite3")) as db:
        assert db.execute("SELECT count(*) FROM hits").fetchone() == (160,)
        assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)


# --- The systemd units of deploy/ ----------------------------------------------------------------


def test_deploy_units_run_commands_that_exist(settings):
    """Every `sdsf` command a unit runs (directly or through run-commands.sh) exists, with
    options its parser accepts, and every file of the repository a unit names is there."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}  # production's
    commands = get_commands()
    checked = 0
    for unit in sorted((REPO / "deploy").glob("*.service")):
        parser = configparser.ConfigParser(strict=False, interpolation=None)
        parser.read(unit)
        words = shlex.split(parser["Service"]["ExecStart"])
        program = words[0].replace("/opt/sdsf/", "")
        if program.endswith("run-commands.sh"):
            invocations = [shlex.split(argument) for argument in words[1:]]
        elif program.endswith("/sdsf"):
            invocations = [words[1:]]
        else:
            invocations = []
        for path in (w.replace("/opt/sdsf/", "") for w in words if w.startswith("/opt/sdsf/")):
            assert path.startswith(".venv/") or (REPO / path).exists(), (unit.name, path)
        for name, *options in invocations:
            assert name in commands, (unit.name, name)
            command = load_command_class(commands[name], name)
            command.create_parser("sdsf", name).parse_args(options)
            checked += 1
    assert checked == 9


# --- Backups (the restore drill itself is in test_deployment.py, on PostgreSQL) ------------------


def test_old_backups_are_pruned_and_others_kept(tmp_path):

    from sdsf.core.backup import MANIFEST, prune

    now = clock.local_now()

    def folder(days_ago: int, manifest: bool = True):
        stamp = (now - datetime.timedelta(days=days_ago)).strftime("%Y%m%d-%H%M%S")
        path = tmp_path / f"sdsf-{stamp}"
        path.mkdir()
        if manifest:
            (path / MANIFEST).write_text("{}")
        return path

    old, recent = folder(31), folder(29)
    unknown = folder(40, manifest=False)  # not a backup this command made: left alone
    (tmp_path / "sdsf-notes").mkdir()

    assert prune(tmp_path, 30) == [old]
    assert not old.exists() and recent.exists() and unknown.exists()


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor == "postgresql", reason="SQLite only")
def test_backup_on_sqlite_says_it_needs_postgresql(tmp_path):
    with pytest.raises(CommandError, match="demandent PostgreSQL"):
        call_command("backup", str(tmp_path))
