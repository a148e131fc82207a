"""Faults: a worker killed mid-job, the database unreachable, an import killed at commit.

The worker and the servers are real processes (SIGKILL is not simulated); the import killed at
commit is a process killed (SIGKILL) as it commits, and the suite's own database with an error
injected into its last write.
"""

import os
import signal
import sqlite3
import subprocess
import time
from contextlib import closing
from pathlib import Path

import pytest
from django.db import OperationalError

from sdsf.accounts.models import Role
from sdsf.offer.importing import IMPORTERS
from sdsf.offer.models import Agrement, AssistantMaternel, ImportJob
from sdsf.offer.tasks import run_import
from tests.browser.support import _environment, prepared_database
from tests.factories import make_user
from tests.processes import REPO, get, gunicorn, production_env, sdsf, stop

UNREACHABLE = "postgres://sdsf@127.0.0.1:9/sdsf"  # the discard port: nothing listens
AM_HEADER = (
    "N° agrément;Nom;Prénom;Code commune;Date de début d'agrément;Date de fin d'agrément;"
    "Nombre d'enfants;Statut;Places disponibles"
)


def _am_file(path: Path, rows: int) -> Path:
    lines = [AM_HEADER] + [
        f"AM{n:07d};Nom{n};Prénom{n};93008;01/09/2024;31/08/2029;3;accordé;1" for n in range(rows)
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


# --- A worker killed mid-job -------------------------------------------------------------------


@pytest.fixture
def worker_database(tmp_path_factory, tmp_path):
    """A copy of the browser tests' migrated SQLite file (built once per run), and the
    environment of ``sdsf`` commands on it."""
    base = tmp_path_factory.getbasetemp()
    shared = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    database = tmp_path / "faults.sqlite3"
    database.write_bytes(prepared_database(shared).read_bytes())
    return database, _environment(database)


def _query(database: Path, sql: str, *parameters):
    with closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=20)) as db:
        return db.execute(sql, parameters).fetchone()


def _wait_for(condition, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := condition():
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


QUEUE_IMPORT = """
from sdsf.accounts.models import Role
from sdsf.offer.models import ImportJob
from sdsf.offer.tasks import run_import
from tests.factories import make_user
job = ImportJob.objects.create(
    user=make_user(Role.PMI_AGENT), kind="am", file_name="am.csv",
    content=open({path!r}, "rb").read(),
)
run_import.enqueue(job.pk)
print(job.pk)
"""


def test_worker_killed_mid_import_fails_the_job_at_restart(worker_database, tmp_path):
    database, env = worker_database
    upload = _am_file(tmp_path / "am.csv", 60_000)
    queued = subprocess.run(
        sdsf("shell", "-c", QUEUE_IMPORT.format(path=str(upload))),
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    )
    job = int(queued.stdout.split()[-1])
    worker = subprocess.Popen(
        sdsf("db_worker", "--no-reload", "--no-startup-delay", "--interval", "0.1"),
        env=env,
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_for(
            lambda: _query(
                database,
                "SELECT 1 FROM offer_importjob WHERE id = ? AND state = 'validating' "
                "AND rows_done > 0",
                job,
            ),
            timeout=120,
            what="the import to be validating",
        )
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
    finally:
        stop(worker)

    # Stuck as the user would see it, until a worker starts again.
    assert _query(database, "SELECT state FROM offer_importjob WHERE id = ?", job) == (
        "validating",
    )
    assert _query(database, "SELECT status FROM django_tasks_database_dbtaskresult") == ("RUNNING",)
    restarted = subprocess.run(
        sdsf("db_worker", "--no-reload", "--no-startup-delay", "--batch"),
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )

    assert "its worker" in restarted.stdout and "had stopped" in restarted.stdout
    state, report, stored = _query(
        database,
        "SELECT state, report, length(content) FROM offer_importjob WHERE id = ?",
        job,
    )
    assert state == "failed" and "interrompu" in report and "rien n'a été enregistré" in report
    assert stored == 0  # the uploaded file is gone
    assert _query(database, "SELECT status FROM django_tasks_database_dbtaskresult") == ("FAILED",)
    assert _query(database, "SELECT count(*) FROM offer_assistantmaternel") == (0,)


# --- The database unreachable ------------------------------------------------------------------


def test_command_without_database_says_so_in_french(tmp_path):
    upload = _am_file(tmp_path / "am.csv", 3)
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "sdsf.settings.dev"}
    env["DATABASE_URL"] = UNREACHABLE

    result = subprocess.run(
        sdsf("import_offer", "--kind", "am", str(upload)),
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == 2
    assert "La base de données ne répond pas" in result.stderr
    assert "DATABASE_URL" in result.stderr
    assert "Traceback" not in result.stderr


def test_page_without_database_is_a_french_503_and_one_log_line(tmp_path):
    env = production_env(tmp_path, UNREACHABLE)
    with gunicorn(env, tmp_path) as server:
        health = get(f"{server.url}/healthz")
        page = get(
            f"{server.url}/familles/?commune=Dupont",
            headers={"Host": "sdsf.test", "X-Forwarded-Proto": "https"},
        )
    log = server.log_text()  # once stopped: gunicorn writes an access line after answering

    assert health.status == 503
    assert page.status == 503, page.body[:2000]
    assert "Service momentanément indisponible" in page.body
    assert "La base de données ne répond pas" in page.body
    assert page.headers["Retry-After"] == "60"
    assert "Traceback" not in log
    assert log.count("Database unavailable: GET /familles/") == 1
    assert "Dupont" not in log  # the access log leaves the query string out


# --- An import killed at commit ------------------------------------------------------------------


@pytest.mark.django_db
def test_import_failing_after_its_last_write_writes_nothing(tmp_path, monkeypatch):
    """Every row of the file is written, then the transaction fails before its commit (the
    writes go through ``COPY`` on PostgreSQL, so the failure is injected after the importer's
    whole write step rather than into one statement)."""
    upload = _am_file(tmp_path / "am.csv", 500)
    importer = IMPORTERS["am"]
    original_write, written = importer.write, []

    def write_then_fail(plan):
        written.append(original_write(plan))
        assert AssistantMaternel.objects.count() == 500  # inside the transaction
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(importer, "write", write_then_fail)
    job = ImportJob.objects.create(
        user=make_user(Role.PMI_AGENT),
        kind="am",
        file_name="am.csv",
        content=upload.read_bytes(),
    )
    with pytest.raises(OperationalError):
        run_import.call(job.pk)

    assert written
    assert not AssistantMaternel.objects.exists() and not Agrement.objects.exists()
    job.refresh_from_db()
    assert job.state == ImportJob.State.FAILED
    assert job.report == "Erreur inattendue : rien n'a été enregistré."
    assert bytes(job.content) == b""


KILLED_AT = """
import os, signal
from django.db.backends.base.base import BaseDatabaseWrapper
from sdsf.accounts.models import Role
from sdsf.offer import importing
from sdsf.offer.models import ImportJob
from sdsf.offer.tasks import run_import
from tests.factories import make_user

job = ImportJob.objects.create(
    user=make_user(Role.PMI_AGENT), kind="am", file_name="am.csv",
    content=open({path!r}, "rb").read(),
)
print(job.pk, flush=True)

def killed(*args):
    os.kill(os.getpid(), signal.SIGKILL)

if {moment!r} == "commit":
    BaseDatabaseWrapper.commit = killed  # the import's transaction complete, never committed
else:
    importing.refresh_statistics = killed  # the first step after the commit
run_import.call(job.pk)
"""


@pytest.mark.parametrize(
    ("moment", "rows", "state"), [("commit", 0, "writing"), ("after commit", 500, "done")]
)
def test_import_killed_at_commit_is_all_or_nothing_with_its_job(
    worker_database, tmp_path, moment, rows, state
):
    """Killed as it commits: nothing written, the job unfinished (the next worker fails it).
    Killed just after: everything written and the job done, recorded in the same transaction."""
    database, env = worker_database
    upload = _am_file(tmp_path / "am.csv", 500)

    killed = subprocess.run(
        sdsf("shell", "-c", KILLED_AT.format(path=str(upload), moment=moment)),
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert killed.returncode == -signal.SIGKILL, killed.stderr
    job = int(killed.stdout.split()[-1])
    assert _query(database, "SELECT count(*) FROM offer_assistantmaternel") == (rows,)
    assert _query(database, "SELECT count(*) FROM offer_agrement") == (rows,)
    assert _query(database, "SELECT state FROM offer_importjob WHERE id = ?", job) == (state,)
