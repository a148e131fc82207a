"""Background jobs whose worker died: found when a worker starts, ended with a French message.

django-tasks' database backend marks a task RUNNING when a worker claims it, and SUCCESSFUL or
FAILED when that worker finishes it. A worker killed in between (SIGKILL, out of memory, a
reboot) leaves the task RUNNING forever, and with it the job the user watches (an import stuck
at "vérification des lignes 48000/90000", a commission stuck "calcul en cours").

So each worker process is named after what identifies it on its machine (:func:`worker_id`:
host, boot, process id and start time), and ``sdsf db_worker`` calls :func:`recover` before
taking any task: every RUNNING task whose worker was on this machine and no longer exists is
marked FAILED, and the function its module registered with :func:`on_worker_lost` puts the
job in a final state the user understands, in the same transaction. A task whose worker ran on
another machine is left to that machine's next worker (systemd restarts it: ``deploy/``).

Any job model fits: a row with a state, run by a task whose arguments identify the row.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Callable
from pathlib import Path

from django.db import transaction
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from sdsf.core import clock

logger = logging.getLogger(__name__)

_HANDLERS: dict[str, Callable[..., None]] = {}


class WorkerLost(Exception):
    """Recorded as the failure of a task whose worker died while running it."""


def on_worker_lost(task) -> Callable:
    """Registers ``handler(*args, **kwargs)``, called with the task's own arguments when the
    worker running it died. The handler ends the job (state, message, stored upload emptied)
    and must leave a job already finished alone: the worker may have died after the job's last
    write but before django-tasks recorded the success."""

    def register(handler: Callable[..., None]) -> Callable[..., None]:
        _HANDLERS[task.module_path] = handler
        return handler

    return register


def _host() -> str:
    return socket.gethostname()[:36]


def _boot_id() -> str:
    """Changes at every boot (Linux), so a process id from before a reboot is never taken for a
    living one."""
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text().strip()[:8]
    except OSError:
        return "-"


def _started(pid: int) -> str | None:
    """The process's start time (clock ticks after boot, Linux), "-" where the system does not
    tell it, None when no such process runs."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return None
    except OSError:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return None
        except PermissionError:
            pass
        return "-"
    return stat[stat.rindex(")") + 2 :].split()[19]  # field 22 of proc_pid_stat(5)


def worker_id(pid: int | None = None) -> str:
    """``host:boot:pid:start``, at most 64 characters (django-tasks' limit)."""
    pid = os.getpid() if pid is None else pid
    return f"{_host()}:{_boot_id()}:{pid}:{_started(pid) or '-'}"


def is_dead(worker: str) -> bool:
    """True only for a worker of this machine that no longer runs; False for a living one and
    for one named otherwise or elsewhere (nothing can be known of it from here)."""
    try:
        host, boot, pid, started = worker.rsplit(":", 3)
        pid_number = int(pid)
    except ValueError:
        return False
    if host != _host():
        return False
    return boot != _boot_id() or _started(pid_number) != started


def recover() -> list[str]:
    """Fails the RUNNING tasks of this machine's dead workers and ends their jobs; returns one
    English line per task for the worker's log."""
    lines = []
    for result in DBTaskResult.objects.running().order_by("started_at"):
        worker = result.worker_ids[-1] if result.worker_ids else ""
        if not is_dead(worker):
            continue
        try:
            with transaction.atomic():
                if not _fail(result, worker):
                    continue  # another worker starting at the same time took it
                handler = _handler(result)
                if handler is not None:
                    handler(*result.args_kwargs["args"], **result.args_kwargs["kwargs"])
        except Exception:
            logger.exception("could not recover task %s", result.pk)
            continue
        lines.append(
            f"Task {result.pk} ({result.task_path}) failed: its worker {worker} had stopped."
        )
    return lines


def _fail(result: DBTaskResult, worker: str) -> bool:
    return bool(
        DBTaskResult.objects.filter(pk=result.pk, status=TaskResultStatus.RUNNING).update(
            status=TaskResultStatus.FAILED,
            finished_at=clock.now(),
            return_value=None,
            exception_class_path=f"{WorkerLost.__module__}.{WorkerLost.__qualname__}",
            traceback=f"WorkerLost: worker {worker} stopped while running this task.\n",
        )
    )


def _handler(result: DBTaskResult) -> Callable[..., None] | None:
    try:
        task = result.task  # imports the task's module, which registers its handler
    except Exception:
        logger.warning("task %s: %s cannot be imported", result.pk, result.task_path)
        return None
    return _HANDLERS.get(task.module_path)
