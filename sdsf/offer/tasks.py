"""The background import of a file uploaded from the web (progress shown on its page)."""

import io

from django.utils import timezone
from django_tasks import task

from sdsf.accounts import scope
from sdsf.accounts.scope import Permission
from sdsf.core.imports import ImportFailed
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


@task()
def run_import(job_id: int) -> None:
    job = ImportJob.objects.select_related("user").get(pk=job_id)
    # The uploader's territory when the task runs (a role withdrawn meanwhile no longer counts):
    # every row, and every row it points to, must lie inside it.
    territory = scope.communes(job.user, Permission.OFFER_IMPORT)
    allowed = set(territory.values_list("code", flat=True))
    try:
        result = import_offer(
            job.kind,
            io.BytesIO(bytes(job.content)),
            source=job.file_name,
            dry_run=job.dry_run,
            allowed_communes=allowed,
            progress=JobProgress(job.pk),
            today=timezone.localdate(job.created_at),
        )
    except ImportFailed as failure:
        state, report = ImportJob.State.FAILED, failure.report()
    except Exception:
        _finish(job.pk, ImportJob.State.FAILED, "Erreur inattendue : rien n'a été enregistré.")
        raise
    else:
        state, report = ImportJob.State.DONE, result.summary()
    _finish(job.pk, state, report)


def _finish(job_id: int, state: str, report: str) -> None:
    """Records the outcome and empties the stored file (it may hold personal data)."""
    ImportJob.objects.filter(pk=job_id).update(
        state=state, report=report, content=b"", finished_at=timezone.now()
    )
