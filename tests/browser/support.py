"""What browser tests use besides fixtures: the server process, its test-only API, page weight.

The server under test is a separate process (``sdsf runserver`` with ``sdsf.settings.e2e``) on its
own SQLite file, plus a task worker (``sdsf db_worker``) for background work such as web imports;
pytest-django's test database is never touched. Tests create data through ``/e2e/``
(``sdsf/site/e2e.py``).
"""

import email
import fcntl
import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import closing
from dataclasses import dataclass, field
from email.message import Message
from pathlib import Path

from playwright.sync_api import Page

# A deployment's variables: the e2e settings refuse to load when one is set (sdsf/settings/e2e.py).
DEPLOYMENT_VARIABLES = ("SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _environment(database: Path) -> dict[str, str]:
    return {
        **{k: v for k, v in os.environ.items() if k not in DEPLOYMENT_VARIABLES},
        "DJANGO_SETTINGS_MODULE": "sdsf.settings.e2e",
        "SDSF_E2E_DATABASE": str(database),
        "SDSF_VAR_DIR": str(database.parent),
        "PYTHONUNBUFFERED": "1",
    }


def _sdsf(*arguments: str) -> list[str]:
    return [sys.executable, "-m", "sdsf", *arguments]


def prepared_database(directory: Path) -> Path:
    """A migrated database with the COG territories, built once in ``directory`` (shared by the
    xdist workers of a run: the first one builds it under a lock, the others wait and reuse it)."""
    database = directory / "e2e-template.sqlite3"
    with (directory / "e2e-template.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not database.exists():
            building = directory / "building" / "e2e.sqlite3"
            building.parent.mkdir(exist_ok=True)
            for command in (("migrate", "--noinput"), ("import_territories",)):
                done = subprocess.run(
                    _sdsf(*command),
                    env=_environment(building),
                    capture_output=True,
                    text=True,
                    check=False,
                )
                if done.returncode:
                    raise RuntimeError(f"sdsf {' '.join(command)} failed:\n{done.stderr[-3000:]}")
            # A consistent copy, whatever is left in the write-ahead log.
            with (
                closing(sqlite3.connect(building)) as source,
                closing(sqlite3.connect(database)) as target,
            ):
                source.backup(target)
    return database


class Server:
    """The app on 127.0.0.1 and its task worker, on a copy of a prepared database."""

    def __init__(self, directory: Path, template: Path):
        self.directory = directory
        self.database = directory / "e2e.sqlite3"
        shutil.copyfile(template, self.database)
        self.mail_dir = directory / "mail"
        self.log = directory / "server.log"
        self.env = _environment(self.database)
        self.processes: list[subprocess.Popen] = []
        self.url = ""

    def start(self, timeout: float = 30) -> None:
        port = _free_port()
        self.url = f"http://127.0.0.1:{port}"
        log = self.log.open("a")
        commands = [
            ("runserver", "--noreload", "--skip-checks", f"127.0.0.1:{port}"),
            ("db_worker", "--interval", "0.2", "--no-startup-delay", "--no-reload"),
        ]
        for command in commands:
            self.processes.append(
                subprocess.Popen(
                    _sdsf(*command),
                    env=self.env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    cwd=self.directory,
                )
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any(process.poll() is not None for process in self.processes):
                break
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=2) as response:  # noqa: S310
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"the e2e server did not start:\n{self.log_tail()}")

    def stop(self) -> None:
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
        self.processes = []

    def log_tail(self, characters: int = 4000) -> str:
        return self.log.read_text(errors="replace")[-characters:] if self.log.exists() else ""


class E2E:
    """The test-only API of a running server: reset, fixtures (``create``), e-mails sent."""

    def __init__(self, server: Server):
        self.server = server

    def _post(self, path: str, payload: dict) -> dict:
        request = urllib.request.Request(  # noqa: S310 — the local test server
            f"{self.server.url}/e2e/{path}",
            data=json.dumps(payload).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                return json.loads(response.read())
        except urllib.error.HTTPError as error:
            detail = error.read().decode(errors="replace")[:2000]
            raise AssertionError(f"/e2e/{path} answered {error.code}: {detail}") from error

    def reset(self) -> None:
        self._post("reset", {})

    def create(self, name: str, /, **arguments) -> dict:
        """Runs the fixture builder ``name`` of sdsf/site/e2e.py; returns its JSON answer."""
        return self._post(f"fixtures/{name}", arguments)

    def mails(self, count: int = 0, timeout: float = 30) -> list[Message]:
        """E-mails sent by the server and its worker since the last reset, oldest first;
        waits up to ``timeout`` seconds for at least ``count`` of them (the worker sends some,
        e.g. the decision letters, after the page that queued them has answered)."""
        deadline = time.monotonic() + timeout
        while len(found := self._read_mails()) < count and time.monotonic() < deadline:
            time.sleep(0.2)
        return found

    def _read_mails(self) -> list[Message]:
        if not self.server.mail_dir.exists():
            return []
        files = sorted(self.server.mail_dir.iterdir(), key=lambda p: p.stat().st_mtime)
        messages = []
        for path in files:  # the file backend appends messages separated by a line of dashes
            for chunk in path.read_text().split("\n" + "-" * 79 + "\n"):
                if chunk.strip():
                    messages.append(email.message_from_string(chunk))
        return messages


def log_in(page: Page, account: dict, path: str = "/compte/connexion/") -> None:
    """Logs in through the form (staff by default; families: ``/familles/compte/connexion/``)."""
    page.goto(path)
    page.get_by_label("Adresse e-mail").fill(account["email"])
    page.get_by_label("Mot de passe", exact=True).fill(account["password"])
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_load_state()


@dataclass
class PageWeight:
    """Bytes transferred (encoded body + headers) by each response of one page load."""

    by_url: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.by_url.values())

    def __str__(self) -> str:
        largest = sorted(self.by_url.items(), key=lambda item: -item[1])[:8]
        lines = "\n".join(f"  {size:>9} B  {url}" for url, size in largest)
        return f"{self.total} B in {len(self.by_url)} responses; largest:\n{lines}"


def page_weight(page: Page, path: str) -> PageWeight:
    """Loads ``path`` in a fresh state of ``page`` until the network is idle (so scripts' own
    requests, e.g. a map's GeoJSON, count) and sums what was transferred."""
    finished = []

    def record(request):
        finished.append(request)

    page.on("requestfinished", record)
    try:
        page.goto(path, wait_until="networkidle")
    finally:
        page.remove_listener("requestfinished", record)
    weight = PageWeight()
    for request in finished:
        sizes = request.sizes()
        weight.by_url[request.url] = (
            weight.by_url.get(request.url, 0)
            + sizes["responseBodySize"]
            + sizes["responseHeadersSize"]
        )
    return weight
