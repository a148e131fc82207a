"""The background import of a file uploaded from the web (progress shown on its page).

:func:`run_job` is the one runner of :class:`ImportJob`: the offer import here, and any import
of a web upload above offer (the allocation's waiting list), give it their own importer, so a
file is never parsed in the request and every job reports its progress the same way.
"""

import io
from collections.abc import Callable
from typing import IO

from django.db import transaction
from django.utils import timezone
from django_tasks import task

from sdsf.accounts import scope
from sdsf.accounts.scope import Permission
from sdsf.core import clock
from sdsf.core.imports import ImportFailed, ImportResult
from sdsf.core.jobs import on_worker_lost
from sdsf.offer.importing import import_offer
from sdsf.offer.models import ImportJob


class JobProgress:
    """Writes the progress on the job row (outside the import's transaction, so visible)."""

    def __init__(self, job_id: int):
        self.job_id = job_id

    def rows(self, done: int, total: int) -> None:
        ImportJob.TRANSITIONS.change_all(
            ImportJob.objects.filter(pk=self.job_id),
            ImportJob.State.VALIDATING,
            rows_done=done,
            rows_total=total,
        )

    def writing(self) -> None:
        ImportJob.TRANSITIONS.change_all(
            ImportJob.objects.filter(pk=self.job_id), ImportJob.State.WRITING
        )


Written = Callable[[ImportResult], None]
Importer = Callable[[ImportJob, IO[bytes], JobProgress, Written], ImportResult]


def queue_job(job_task, **fields) -> ImportJob:
    """Creates a job and queues ``job_task`` for it in one transaction: a task that cannot be
    queued leaves no job pending forever: the request fails and nothing is left behind."""
    with transaction.atomic():
        job = ImportJob.objects.create(**fields)
        job_task.enqueue(job.pk)
    return job


def run_job(job_id: int, importer: Importer, *, keep_checked: bool = False) -> None:
    """Runs ``importer`` on the job's file; records the French report and empties the file.

    The importer calls ``on_written`` inside the transaction that writes its rows, which marks
    the job done there: a worker killed after the commit cannot leave written rows behind a job
    that :func:`job_lost` would call unwritten. ``keep_checked``: a dry run that passed keeps
    its file, to be imported when the person confirms (files without personal data only).
    """
    job = ImportJob.objects.select_related("user").get(pk=job_id)
    stream = io.BytesIO(bytes(job.content))
    stream.name = job.file_name  # the reports name the file as the person knows it
    try:
        result = importer(
            job,
            stream,
            JobProgress(job.pk),
            lambda written: _finish(job.pk, ImportJob.State.DONE, written.summary()),
        )
    except ImportFailed as failure:
        state, report = ImportJob.State.FAILED, failure.report()
    except Exception:
        _finish(job.pk, ImportJob.State.FAILED, "Erreur inattendue : rien n'a été enregistré.")
        raise
    else:
        # A real import is already done, in its writing transaction (on_written): a dry run.
        state, report = ImportJob.State.DONE, result.summary()
        if keep_checked:
            _finish(job.pk, state, report, keep_file=True)
            return
    _finish(job.pk, state, report)


def job_lost(job_id: int) -> None:
    """A job whose worker died: an import that wrote its rows is done in the same transaction,
    so an unfinished job has written nothing (registered for every task that runs a job)."""
    _finish(
        job_id,
        ImportJob.State.FAILED,
        "Import interrompu (arrêt du service des tâches de fond) : rien n'a été enregistré. "
        "Déposez à nouveau le fichier.",
    )


def _import_offer(
    job: ImportJob, stream: IO[bytes], progress: JobProgress, on_written: Written
) -> ImportResult:
    # The uploader's territory when the task runs (a role withdrawn meanwhile no longer counts):
    # every row, and every row it points to, must lie inside it.
    territory = scope.communes(job.user, Permission.OFFER_IMPORT)
    allowed = set(territory.values_list("code", flat=True))
    return import_offer(
        job.kind,
        stream,
        source=job.file_name,
        dry_run=job.dry_run,
        allowed_communes=allowed,
        progress=progress,
        today=timezone.localdate(job.created_at),
        on_written=on_written,
    )


@task()
def run_import(job_id: int) -> None:
    run_job(job_id, _import_offer)


on_worker_lost(run_import)(job_lost)


def _finish(job_id: int, state: str, report: str, *, keep_file: bool = False) -> None:
    """Records the outcome of a job not finished yet and empties the stored file (it may hold
    personal data) unless ``keep_file``."""
    emptied = {} if keep_file else {"content": b""}
    ImportJob.TRANSITIONS.change_all(
        ImportJob.objects.filter(pk=job_id).exclude(
            state__in=(ImportJob.State.DONE, ImportJob.State.FAILED)
        ),
        state,
        report=report,
        finished_at=clock.now(),
        **emptied,
    )
