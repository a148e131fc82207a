"""The background import of a file uploaded from the web (progress shown on its page).

:func:`run_job` is the one runner of :class:`ImportJob`: the offer import here, and any import
of a web upload above offer (the allocation's waiting list), give it their own importer, so a
file is never parsed in the request and every job reports its progress the same way.
"""

import io
from collections.abc import Callable
from typing import IO

from django.utils import timezone
from django_tasks import task

from sdsf.accounts import scope
from sdsf.core.imports import ImportFailed, ImportResult
from sdsf.offer.importing import import_offer
from sdsf.offer.models import ImportJob


class JobProgress:
    """Writes the progress on the job row (outside the import's transaction, so visible)."""

    def __init__(self, job_id: int):
        self.job_id = job_id

    def rows(self, done: int, total: int) -> None:
        ImportJob.objects.filter(pk=self.job_id).update(
            state=ImportJob.State.VALIDATING, rows_done=done, rows_total=total
        )

    def writing(self) -> None:
        ImportJob.objects.filter(pk=self.job_id).update(state=ImportJob.State.WRITING)


Importer = Callable[[ImportJob, IO[bytes], JobProgress], ImportResult]


def run_job(job_id: int, importer: Importer) -> None:
    """Runs ``importer`` on the job's file; records the French report and empties the file."""
    job = ImportJob.objects.select_related("user").get(pk=job_id)
    try:
        result = importer(job, io.BytesIO(bytes(job.content)), JobProgress(job.pk))
    except ImportFailed as failure:
        state, report = ImportJob.State.FAILED, failure.report()
    except Exception:
        _finish(job.pk, ImportJob.State.FAILED, "Erreur inattendue : rien n'a été enregistré.")
        raise
    else:
        state, report = ImportJob.State.DONE, result.summary()
    _finish(job.pk, state, report)


def _import_offer(job: ImportJob, stream: IO[bytes], progress: JobProgress) -> ImportResult:
    allowed = set(scope.offer_import_communes(job.user).values_list("code", flat=True))
    return import_offer(
        job.kind,
        stream,
        source=job.file_name,
        dry_run=job.dry_run,
        allowed_communes=allowed,
        progress=progress,
        today=timezone.localdate(job.created_at),
    )


@task()
def run_import(job_id: int) -> None:
    run_job(job_id, _import_offer)


def _finish(job_id: int, state: str, report: str) -> None:
    """Records the outcome and empties the stored file (it may hold personal data)."""
    ImportJob.objects.filter(pk=job_id).update(
        state=state, report=report, content=b"", finished_at=timezone.now()
    )
