"""The production set-up of docs/deployment.md, on the machine's PostgreSQL (CI: ``.ci/run``).

Each test works on its own copy of the suite's test database (migrated, territories imported):
gunicorn, the task worker and ``pg_dump`` are other processes and only see committed rows, which
the suite's rolled-back tests never leave. The copies are dropped at the end. Skipped on
SQLite: these are PostgreSQL's tools.
"""

import json
import subprocess
from pathlib import Path

import psycopg
import pytest
from django.db import connection
from psycopg import sql

from tests.processes import HOST, REPO, get, gunicorn, production_env, sdsf

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="PostgreSQL only (pg_dump, pg_restore, connection pool): "
    "DATABASE_URL=postgres://… make test",
)


def _server(dbname: str) -> dict:
    params = connection.get_connection_params()
    keys = ("host", "port", "user", "password")
    return {"dbname": dbname, **{k: params[k] for k in keys if params.get(k)}}


def _url(dbname: str) -> str:
    server = _server(dbname)
    password = f":{server['password']}" if server.get("password") else ""
    user, host = server.get("user", "postgres"), server.get("host", "127.0.0.1")
    return f"postgres://{user}{password}@{host}:{server.get('port', 5432)}/{dbname}"


def _admin(statement: sql.Composable) -> None:
    with psycopg.connect(**_server("postgres"), autocommit=True) as admin:
        admin.execute(statement)


def _drop(name: str) -> None:
    _admin(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture(scope="module")
def template(django_db_setup):
    """The test database (migrated, territories imported) copied once through pg_dump, which
    reads it beside the suite's open connection; ``CREATE DATABASE … TEMPLATE`` then copies it
    per test (a template must have no connection, and nothing connects to this one)."""
    name = f"{connection.settings_dict['NAME']}_deploy"
    _drop(name)
    _admin(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    dump = subprocess.run(
        ["pg_dump", "--format=custom", _url(connection.settings_dict["NAME"])],
        capture_output=True,
        check=True,
    )
    subprocess.run(
        ["pg_restore", "--no-owner", "--exit-on-error", "--dbname", _url(name)],
        input=dump.stdout,
        capture_output=True,
        check=True,
    )
    yield name
    _drop(name)


@pytest.fixture
def database_copy(template):
    """A new database copied from the template; its name."""
    name = f"{template}_copy"
    _drop(name)
    _admin(
        sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
            sql.Identifier(name), sql.Identifier(template)
        )
    )
    yield name
    _drop(name)


def _rows(dbname: str) -> dict[str, int]:
    with psycopg.connect(**_server(dbname)) as db:
        tables = db.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1"
        ).fetchall()
        return {
            table: db.execute(
                sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table))
            ).fetchone()[0]
            for (table,) in tables
        }


def _run(env: dict, *arguments: str, script: str | None = None) -> str:
    command = sdsf("shell", "-c", script) if script else sdsf(*arguments)
    done = subprocess.run(
        command, env=env, cwd=REPO, capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


FAMILY_WITH_DOCUMENT = """
from django.core.files.base import ContentFile
from sdsf.families.models import Document
from tests.factories import make_family, make_pre_application
pre = make_pre_application(family=make_family())
Document.objects.create(
    pre_application=pre, kind="residence", original_name="domicile.pdf",
    content_type="application/pdf", size=9, file=ContentFile(b"%PDF-1.4\\n", name="domicile.pdf"),
)
"""

QUEUE_IMPORT = """
from sdsf.accounts.models import Role
from sdsf.offer.models import ImportJob
from sdsf.offer.tasks import run_import
from tests.factories import make_user
job = ImportJob.objects.create(
    user=make_user(Role.PMI_AGENT), kind="am", file_name="am.csv", content=(
        "N° agrément;Nom;Code commune;Date de début d'agrément;Date de fin d'agrément;"
        "Nombre d'enfants\\nAM-DEPLOY-1;Martin;93008;01/09/2024;31/08/2029;3\\n"
    ).encode(),
)
run_import.enqueue(job.pk)
print(job.pk)
"""


def test_backup_restored_into_a_new_database_gives_the_same_rows_and_documents(
    database_copy, tmp_path
):
    env = production_env(tmp_path / "var", _url(database_copy))
    _run(env, script=FAMILY_WITH_DOCUMENT)
    backups = tmp_path / "backups"

    folder = Path(_run(env, "backup", str(backups), "--keep-days", "30").strip())

    assert sorted(p.name for p in folder.iterdir()) == [
        "database.dump",
        "documents.tar",
        "manifest.json",
    ]
    manifest = json.loads((folder / "manifest.json").read_text())
    assert len(manifest["documents"]) == 1
    restored = f"{database_copy}_restored"
    _drop(restored)
    _admin(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(restored)))
    try:
        documents = tmp_path / "restored-private"
        summary = _run(
            env, "restore", str(folder), "--database", restored, "--documents", str(documents)
        )
        assert summary.startswith("Restauration vérifiée")

        live, copy = _rows(database_copy), _rows(restored)
        assert copy == live
        assert copy["families_document"] == 1 and copy["territories_commune"] > 30000
        (original,) = [p for p in (tmp_path / "var" / "private").rglob("*") if p.is_file()]
        restored_file = documents / original.relative_to(tmp_path / "var" / "private")
        assert restored_file.read_bytes() == original.read_bytes() == b"%PDF-1.4\n"

        # A second restore into the same (now full) database is refused.
        again = subprocess.run(
            sdsf("restore", str(folder), "--database", restored, "--documents", str(documents)),
            env=env,
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert again.returncode == 1 and "n'est pas vide" in again.stderr
    finally:
        _drop(restored)


def test_gunicorn_serves_healthz_over_http_and_pages_over_https(database_copy, tmp_path):
    env = production_env(tmp_path, _url(database_copy))
    https = {"Host": HOST, "X-Forwarded-Proto": "https"}

    with gunicorn(env, tmp_path) as server:
        health = get(f"{server.url}/healthz")  # as a load balancer does: plain HTTP
        search = get(f"{server.url}/familles/?commune=Bobigny", headers=https)
        staff = get(f"{server.url}/compte/connexion/", headers={"Host": HOST})
    log = server.log_text()  # once stopped: gunicorn writes an access line after answering

    assert health.status == 200 and health.body == "ok"
    assert search.status == 200 and "Bobigny" in search.body
    assert "no-store" not in search.headers.get("Cache-Control", "")  # public page
    assert "Strict-Transport-Security" in search.headers
    assert staff.status == 301 and staff.headers["Location"].startswith("https://")
    assert '"GET /familles/ HTTP/1.1" 200' in log  # the access log, without the query string
    assert "Bobigny" not in log
    assert "Traceback" not in log


def test_a_task_is_run_by_the_worker(database_copy, tmp_path):
    env = production_env(tmp_path, _url(database_copy))
    job = int(_run(env, script=QUEUE_IMPORT).split()[-1])

    _run(env, "db_worker", "--batch", "--no-reload", "--no-startup-delay")

    with psycopg.connect(**_server(database_copy)) as db:
        state, stored = db.execute(
            "SELECT state, length(content) FROM offer_importjob WHERE id = %s", [job]
        ).fetchone()
        imported = db.execute(
            "SELECT count(*) FROM offer_assistantmaternel WHERE identifier = 'AM-DEPLOY-1'"
        ).fetchone()[0]
        task = db.execute("SELECT status FROM django_tasks_database_dbtaskresult").fetchone()[0]
    assert (state, stored, imported, task) == ("done", 0, 1, "SUCCESSFUL")
