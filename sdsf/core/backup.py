"""Backup and restore of a deployment: the PostgreSQL database and the private documents.

The families' supporting documents live in ``MEDIA_ROOT``, outside the database, so a backup is
both: ``database.dump`` (``pg_dump`` custom format), ``documents.tar`` and ``manifest.json``.
The manifest holds the row count of every table, read in the very snapshot ``pg_dump`` saves,
and the size and SHA-256 of every document. A restore goes into an empty database and an empty
folder, in one transaction, and then compares both with the manifest: a restore that does not
give back the same rows and the same files says so and fails. The restore drill of
``docs/deployment.md`` is that command run into a scratch database.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import tarfile
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import psycopg
from django.conf import settings
from django.db import connection
from django.utils import timezone
from psycopg import sql

from sdsf.core import clock

DUMP, DOCUMENTS, MANIFEST = "database.dump", "documents.tar", "manifest.json"
PREFIX = "sdsf-"
TABLES_SQL = """
    SELECT schemaname, tablename FROM pg_tables
    WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1, 2
"""


class BackupError(Exception):
    """A backup or restore that cannot be made or verified (French, for the administrator)."""


@dataclass(frozen=True)
class Restored:
    tables: int
    rows: int
    documents: int

    def summary(self) -> str:
        return (
            f"Restauration vérifiée : {self.tables} tables, {self.rows} lignes et "
            f"{self.documents} documents, identiques à la sauvegarde."
        )


def _server(database: str | None = None) -> dict[str, str]:
    """Connection parameters of the configured server (another database name if given)."""
    if connection.vendor != "postgresql":
        raise BackupError(
            "La sauvegarde et la restauration demandent PostgreSQL (DATABASE_URL=postgres://…)."
        )
    params = connection.get_connection_params()
    keys = ("host", "port", "user", "password", "sslmode")
    server = {k: str(params[k]) for k in keys if params.get(k) not in (None, "")}
    server["dbname"] = database or params["dbname"]
    return server


def _libpq_env(server: dict[str, str]) -> dict[str, str]:
    """The tools' environment: the password never on a command line (``ps`` shows those)."""
    names = {"host": "PGHOST", "port": "PGPORT", "user": "PGUSER", "password": "PGPASSWORD"}
    names |= {"sslmode": "PGSSLMODE", "dbname": "PGDATABASE"}
    return {**os.environ, **{names[k]: v for k, v in server.items()}}


def _counts(cursor) -> dict[str, int]:
    cursor.execute(TABLES_SQL)
    tables = cursor.fetchall()
    counts = {}
    for schema, table in tables:
        cursor.execute(
            sql.SQL("SELECT count(*) FROM {}.{}").format(
                sql.Identifier(schema), sql.Identifier(table)
            )
        )
        counts[f"{schema}.{table}"] = cursor.fetchone()[0]
    return counts


def _documents(root: Path) -> dict[str, dict]:
    if not root.is_dir():
        return {}
    found = {}
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        digest = hashlib.sha256()
        with path.open("rb") as stream:
            for block in iter(lambda: stream.read(1 << 20), b""):
                digest.update(block)
        found[path.relative_to(root).as_posix()] = {
            "size": path.stat().st_size,
            "sha256": digest.hexdigest(),
        }
    return found


def backup(destination: Path, keep_days: int | None = None) -> Path:
    """Writes a new backup folder under ``destination`` and returns it.

    The row counts are read in the transaction whose snapshot ``pg_dump`` saves (exported
    snapshot), so they are exactly what the dump holds. The documents are copied after the
    dump: one added meanwhile is an extra file; the daily purge runs at another hour.
    """
    server = _server()
    stamp = clock.local_now().strftime("%Y%m%d-%H%M%S")
    target = destination / f"{PREFIX}{stamp}"
    target.mkdir(mode=0o700, parents=True)
    with psycopg.connect(**server) as snapshot, snapshot.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        (snapshot_id,) = cursor.fetchone()
        dumped = subprocess.run(
            ["pg_dump", "--format=custom", f"--snapshot={snapshot_id}", "--file", target / DUMP],
            env=_libpq_env(server),
            capture_output=True,
            text=True,
            check=False,
        )
        if dumped.returncode:
            raise BackupError(f"pg_dump a échoué : {dumped.stderr.strip()}")
        counts = _counts(cursor)
    root = Path(settings.MEDIA_ROOT)
    documents = _documents(root)
    with tarfile.open(target / DOCUMENTS, "w") as archive:
        for name in documents:
            archive.add(root / name, arcname=name)
    manifest = {
        "created_at": clock.now().isoformat(),
        "database": server["dbname"],
        "tables": counts,
        "documents": documents,
    }
    (target / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True))
    for path in target.iterdir():
        path.chmod(0o600)
    if keep_days is not None:
        prune(destination, keep_days)
    return target


def prune(destination: Path, keep_days: int) -> list[Path]:
    """Deletes the backups older than ``keep_days`` days (they hold personal data that the
    platform itself deletes after its retention periods)."""
    limit = clock.local_now() - timedelta(days=keep_days)
    removed = []
    for folder in sorted(destination.glob(f"{PREFIX}*")):
        try:
            made = datetime.strptime(folder.name[len(PREFIX) :], "%Y%m%d-%H%M%S")
        except ValueError:
            continue
        if timezone.make_aware(made) < limit and (folder / MANIFEST).exists():
            shutil.rmtree(folder)
            removed.append(folder)
    return removed


def restore(source: Path, database: str, documents_root: Path) -> Restored:
    """Restores ``source`` into the empty ``database`` (same server) and the documents into
    ``documents_root`` (absent or empty), then checks both against the manifest."""
    try:
        manifest = json.loads((source / MANIFEST).read_text())
    except (OSError, ValueError) as error:
        raise BackupError(f"Sauvegarde illisible ({source / MANIFEST}) : {error}") from error
    server = _server(database)
    with psycopg.connect(**server) as target, target.cursor() as cursor:
        cursor.execute(TABLES_SQL)
        if cursor.fetchone() is not None:
            raise BackupError(
                f"La base {database} n'est pas vide : la restauration se fait dans une base "
                "neuve (createdb)."
            )
    if documents_root.exists() and any(documents_root.iterdir()):
        raise BackupError(f"Le dossier {documents_root} n'est pas vide.")
    restored = subprocess.run(
        [
            "pg_restore",
            "--single-transaction",
            "--exit-on-error",
            "--no-owner",
            "--no-privileges",
            "--dbname",
            database,
            source / DUMP,
        ],
        env=_libpq_env(server),
        capture_output=True,
        text=True,
        check=False,
    )
    if restored.returncode:
        raise BackupError(f"pg_restore a échoué, rien n'a été restauré : {restored.stderr.strip()}")
    documents_root.mkdir(mode=0o700, parents=True, exist_ok=True)
    with tarfile.open(source / DOCUMENTS) as archive:
        archive.extractall(documents_root, filter="data")
    return _verify(manifest, server, documents_root)


def _verify(manifest: dict, server: dict[str, str], documents_root: Path) -> Restored:
    with psycopg.connect(**server) as target, target.cursor() as cursor:
        counts = _counts(cursor)
    problems = [
        f"table {table} : {counts.get(table)} lignes au lieu de {expected}"
        for table, expected in manifest["tables"].items()
        if counts.get(table) != expected
    ]
    problems += [
        f"table {table} absente de la sauvegarde"
        for table in counts.keys() - manifest["tables"].keys()
    ]
    found = _documents(documents_root)
    if found != manifest["documents"]:
        missing = manifest["documents"].keys() - found.keys()
        problems.append(
            f"documents : {len(found)} restaurés pour {len(manifest['documents'])} sauvegardés"
            + (f", {len(missing)} manquants" if missing else ", contenus différents")
        )
    if problems:
        raise BackupError("Restauration différente de la sauvegarde :\n- " + "\n- ".join(problems))
    return Restored(len(counts), sum(counts.values()), len(found))
