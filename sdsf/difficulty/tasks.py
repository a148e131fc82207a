"""The FILOUÉ file of a structure, uploaded from the web and read by the background worker
(:func:`sdsf.offer.tasks.run_job`, the one runner of web imports)."""

from typing import IO

from django_tasks import task

from sdsf.accounts.scope import Permission
from sdsf.core.imports import ImportResult
from sdsf.core.jobs import on_worker_lost
from sdsf.difficulty.importers import import_filoue
from sdsf.offer.models import ImportJob, Structure
from sdsf.offer.tasks import JobProgress, Written, job_lost, queue_job, run_job

FILOUE = "filoue"  # the ImportJob kind of a FILOUÉ file


def _import(
    job: ImportJob, stream: IO[bytes], progress: JobProgress, on_written: Written
) -> ImportResult:
    # The uploader's structures when the task runs: a right withdrawn meanwhile no longer counts.
    structure = Structure.objects.writable_by(job.user, Permission.DIFFICULTY_ACTIVITY).get(
        pk=job.target
    )
    progress.writing()
    return import_filoue(
        stream, structure, source=job.file_name, dry_run=job.dry_run, on_written=on_written
    )


@task()
def run_filoue_import(job_id: int) -> None:
    run_job(job_id, _import)


on_worker_lost(run_filoue_import)(job_lost)


def queue_filoue_import(user, structure: Structure, upload, dry_run: bool) -> ImportJob:
    return queue_job(
        run_filoue_import,
        user=user,
        kind=FILOUE,
        target=structure.pk,
        file_name=upload.name[:200],
        content=upload.read(),
        dry_run=dry_run,
    )
