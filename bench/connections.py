"""How many PostgreSQL backends the web server holds while many clients use it.

Starts the server three ways on the database named by ``DATABASE_URL`` (migrated), sends
``--clients`` concurrent clients × ``--requests`` requests each to ``/healthz`` (one query per
request) and samples ``pg_stat_activity`` every 20 ms; prints the most backends seen on that
database during the load and once it is over:

1. the development server with persistent connections (``CONN_MAX_AGE=60``, the old default):
   every request thread keeps its own connection;
2. the development server as configured now (``CONN_MAX_AGE=0``);
3. gunicorn with ``deploy/gunicorn.conf.py`` and the production settings (connection pool).

Run: ``DATABASE_URL=postgres://postgres@127.0.0.1:5432/NAME .venv/bin/python bench/connections.py``
Every process it starts is stopped by its own id; requests go to 127.0.0.1 only.
"""

import argparse
import os
import secrets
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.processes import free_port, stop  # noqa: E402


def _database(url: str) -> str:
    return url.rsplit("/", 1)[1].split("?")[0]


def _backends(url: str, name: str) -> int:
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as admin:
        return admin.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s", [name]
        ).fetchone()[0]


def _wait(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5):  # noqa: S310 — 127.0.0.1
                return
        except (OSError, urllib.error.HTTPError):
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer")


def _hit(url: str, count: int) -> int:
    failed = 0
    for _ in range(count):
        try:
            with urllib.request.urlopen(url, timeout=30) as answer:  # noqa: S310
                failed += answer.status != 200
        except (OSError, urllib.error.HTTPError):
            failed += 1
    return failed


def measure(label: str, command: list[str], env: dict, port: int, args) -> None:
    url = f"http://127.0.0.1:{port}/healthz"
    name = _database(args.database_url)
    process = subprocess.Popen(
        command, env=env, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        _wait(url)
        before = _backends(args.database_url, name)
        peak, done = before, threading.Event()

        def sample():
            nonlocal peak
            while not done.is_set():
                peak = max(peak, _backends(args.database_url, name))
                time.sleep(0.02)

        sampler = threading.Thread(target=sample)
        sampler.start()
        started = time.monotonic()
        with ThreadPoolExecutor(args.clients) as pool:
            failures = sum(pool.map(lambda _: _hit(url, args.requests), range(args.clients)))
        elapsed = time.monotonic() - started
        time.sleep(1)
        done.set()
        sampler.join()
        after = _backends(args.database_url, name)
    finally:
        stop(process)
    total = args.clients * args.requests
    print(
        f"{label:<48} backends: idle {before:>3}, peak {peak:>3}, after the load {after:>3}"
        f" | {total} requests in {elapsed:.1f} s, {failures} failed"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    # Small by default: the "before" case may hold one backend per request, on a PostgreSQL
    # server that others use too (max_connections is 100 by default).
    parser.add_argument("--clients", type=int, default=10, choices=range(1, 51), metavar="N")
    parser.add_argument("--requests", type=int, default=3, choices=range(1, 101), metavar="N")
    args = parser.parse_args()
    args.database_url = os.environ.get("DATABASE_URL", "")
    if not args.database_url.startswith("postgres"):
        sys.exit("DATABASE_URL=postgres://… (a migrated database) is required.")
    base = {**os.environ, "PYTHONPATH": str(REPO), "PYTHONUNBUFFERED": "1"}
    sdsf = [sys.executable, "-m", "sdsf"]
    print(f"{args.clients} clients × {args.requests} requests to /healthz, {os.cpu_count()} cores")
    for label, max_age in (
        ("runserver, CONN_MAX_AGE=60 (before)", "60"),
        ("runserver, CONN_MAX_AGE=0 (now)", "0"),
    ):
        port = free_port()
        env = {**base, "DJANGO_SETTINGS_MODULE": "sdsf.settings.dev", "CONN_MAX_AGE": max_age}
        measure(label, [*sdsf, "runserver", "--noreload", f"127.0.0.1:{port}"], env, port, args)
    port = free_port()
    env = {
        **base,
        "DJANGO_SETTINGS_MODULE": "tests.prod_settings",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SDSF_PUBLIC_URL": "https://sdsf.test",
    }
    gunicorn = [
        str(Path(sys.executable).parent / "gunicorn"),
        "--config",
        str(REPO / "deploy" / "gunicorn.conf.py"),
        "--bind",
        f"127.0.0.1:{port}",
    ]
    measure("gunicorn gthread 2×4, pool of 4 (production)", gunicorn, env, port, args)


if __name__ == "__main__":
    main()
