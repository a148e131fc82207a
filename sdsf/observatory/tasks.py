"""The observatory's web imports, run by the task worker with the offer's job runner.

A file is first checked (a dry run whose report the person reads), then imported when they
confirm: the checked file is kept for that (INSEE and CNAF files hold public figures, no
personal data) and moved to the import's job. At the end of an import the reference figures
are computed and cached, so the first page after it is not the one that waits for them.
"""

from typing import IO

from django.db import transaction
from django_tasks import task

from sdsf.accounts import scope
from sdsf.accounts.scope import Permission
from sdsf.core.imports import ImportFailed, ImportResult, RowError
from sdsf.core.jobs import on_worker_lost
from sdsf.observatory.importers import WebImport
from sdsf.observatory.importing import import_file
from sdsf.observatory.service import warm_cache
from sdsf.offer.models import ImportJob
from sdsf.offer.tasks import JobProgress, Written, job_lost, queue_job, run_job


def _import(
    job: ImportJob, stream: IO[bytes], progress: JobProgress, on_written: Written
) -> ImportResult:
    # The uploader's right when the task runs (a role withdrawn meanwhile no longer counts).
    allowed = scope.departements(job.user, Permission.OBSERVATORY_IMPORT)
    if not allowed.filter(code=job.departement_id).exists():
        raise ImportFailed(
            [RowError("vous n'avez plus le droit d'importer les données de ce département")],
            job.file_name,
        )
    web = WebImport.of_departements([job.departement_id], on_written=on_written, progress=progress)
    return import_file(job.kind, stream, job.options, dry_run=job.dry_run, web=web)


@task()
def run_observatory_import(job_id: int) -> None:
    run_job(job_id, _import, keep_checked=True)
    job = ImportJob.objects.only("dry_run", "state").get(pk=job_id)
    if not job.dry_run and job.state == ImportJob.State.DONE:
        warm_cache()


on_worker_lost(run_observatory_import)(job_lost)


def queue_check(user, departement, kind: str, upload, options: dict) -> ImportJob:
    """The check of an uploaded file (a dry run), queued with its job."""
    return queue_job(
        run_observatory_import,
        user=user,
        kind=kind,
        departement=departement,
        options=options,
        file_name=upload.name[:200],
        content=upload.read(),
        dry_run=True,
    )


def queue_confirmed(checked: ImportJob) -> ImportJob:
    """The import of a file whose check passed: its file moves to the new job."""
    with transaction.atomic():
        content = bytes(
            ImportJob.objects.select_for_update()
            .values_list("content", flat=True)
            .get(pk=checked.pk)
        )
        ImportJob.objects.filter(pk=checked.pk).update(content=b"")
        return queue_job(
            run_observatory_import,
            user=checked.user,
            kind=checked.kind,
            departement_id=checked.departement_id,
            options=checked.options,
            file_name=checked.file_name,
            content=content,
            dry_run=False,
        )
