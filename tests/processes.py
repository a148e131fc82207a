"""Real processes for the operations tests: production settings, gunicorn, the task worker.

Each function here starts what an administrator starts (``deploy/``), on 127.0.0.1 and a free port,
and stops it by its own process id.
"""

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
GUNICORN_CONF = REPO / "deploy" / "gunicorn.conf.py"
HOST = "sdsf.test"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def sdsf(*arguments: str) -> list[str]:
    return [sys.executable, "-m", "sdsf", *arguments]


def production_env(var_dir: Path, database_url: str, **extra: str) -> dict[str, str]:
    """The variables of a deployment (docs/deployment.md), with a fresh random key.

    ``tests.prod_settings`` is ``sdsf.settings.prod`` with static files read from the apps:
    collectstatic compresses every file of the design system, two minutes on two cores.
    """
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.prod_settings",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": f"{HOST},127.0.0.1",
        "DATABASE_URL": database_url,
        "SDSF_PUBLIC_URL": f"https://{HOST}",
        "SDSF_VAR_DIR": str(var_dir),
        "PYTHONPATH": str(REPO),
        "PYTHONUNBUFFERED": "1",
        **extra,
    }


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: str


def get(url: str, headers: dict[str, str] | None = None, timeout: float = 10) -> Response:
    request = urllib.request.Request(url, headers=headers or {})  # noqa: S310 — 127.0.0.1
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(request, timeout=timeout) as answer:
            return Response(answer.status, dict(answer.headers), answer.read().decode())
    except urllib.error.HTTPError as error:
        return Response(error.code, dict(error.headers), error.read().decode())


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@dataclass
class Gunicorn:
    url: str
    process: subprocess.Popen
    log: Path

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")


@contextmanager
def gunicorn(env: dict[str, str], directory: Path, timeout: float = 60):
    """gunicorn with ``deploy/gunicorn.conf.py`` on a free port, until the block ends."""
    port = free_port()
    log = directory / "gunicorn.log"
    with log.open("w") as output:
        process = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "gunicorn"),
                "--config",
                str(GUNICORN_CONF),
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "1",
            ],
            env=env,
            cwd=REPO,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    server = Gunicorn(f"http://127.0.0.1:{port}", process, log)
    try:
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn did not start:\n{server.log_text()[-3000:]}")
            try:
                get(f"{server.url}/healthz", timeout=30)  # any answer, 503 included
                break
            except OSError:
                time.sleep(0.2)
        yield server
    finally:
        stop(process)


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
