"""The background work of a round, progress shown on its pages (polled with htmx): its run,
and the import of its waiting list (a web upload is parsed by the worker, never the request)."""

import logging
from typing import IO

from django.db import transaction
from django_tasks import task

from sdsf.accounts.scope import Permission
from sdsf.allocation import letters, rounds
from sdsf.allocation.models import AllocationRound
from sdsf.allocation.waiting_list import import_waiting_list
from sdsf.core.imports import ImportResult
from sdsf.core.jobs import on_worker_lost
from sdsf.offer.models import ImportJob, Structure
from sdsf.offer.tasks import JobProgress, Written, job_lost, queue_job, run_job

logger = logging.getLogger(__name__)


class RoundProgress:
    """Writes the progress on the round row (outside the run's final transaction: visible)."""

    def __init__(self, round_id: int):
        self.round_id = round_id

    def __call__(self, percent: int, note: str) -> None:
        AllocationRound.objects.filter(pk=self.round_id).update(
            progress=percent, progress_note=note
        )


@task()
def run_round(round_id: int, previous_status: str) -> None:
    """Runs a round that :func:`rounds.start_run` marked running; on failure the round goes
    back to ``previous_status`` with the error in French (nothing of the run is written)."""
    allocation_round = AllocationRound.objects.get(pk=round_id)
    try:
        rounds.run(allocation_round, RoundProgress(round_id))
    except rounds.RoundError as error:
        _failed(round_id, previous_status, str(error))
    except Exception:
        _failed(
            round_id,
            previous_status,
            "Erreur inattendue pendant le calcul : rien n'a été enregistré. "
            "Réessayez ou signalez-la à l'administrateur.",
        )
        logger.exception("allocation round %s: run failed", round_id)
        raise


def queue_run(allocation_round: AllocationRound) -> None:
    """Marks the round running and queues its run in one transaction: a task that cannot be
    queued leaves the round as it was, never "calcul en cours" with nothing to run it."""
    with transaction.atomic():
        previous = rounds.start_run(allocation_round)
        run_round.enqueue(allocation_round.pk, previous)


@on_worker_lost(run_round)
def _worker_lost(round_id: int, previous_status: str) -> None:
    _failed(
        round_id,
        previous_status,
        "Calcul interrompu (arrêt du service des tâches de fond) : rien n'a été enregistré. "
        "Relancez le calcul.",
    )


def _failed(round_id: int, previous_status: str, message: str) -> None:
    """Puts a round still running back in the state it had before the run."""
    AllocationRound.TRANSITIONS.change_all(
        AllocationRound.objects.filter(pk=round_id, status=AllocationRound.Status.RUNNING),
        previous_status,
        progress=0,
        progress_note="",
        run_error=message,
    )


@task()
def send_decisions(round_id: int) -> None:
    """E-mails the families of a validated round their decision letters (a retry sends only
    those not sent yet)."""
    allocation_round = AllocationRound.objects.select_related("commune").get(pk=round_id)
    sent = letters.send_all(allocation_round)
    logger.info("allocation round %s: %s decision e-mails sent", round_id, sent)


def validate(request, allocation_round: AllocationRound) -> int:
    """Validates the round and queues the sending of its letters in the same transaction:
    the letters leave once the decisions are committed, never for a validation rolled back."""
    with transaction.atomic():
        proposed = rounds.validate(request, allocation_round)
        send_decisions.enqueue(allocation_round.pk)
    return proposed


WAITING_LIST = "waitlist"  # the ImportJob kind of a waiting list


def _import_waiting_list(
    job: ImportJob, stream: IO[bytes], progress: JobProgress, on_written: Written
) -> ImportResult:
    allocation_round = AllocationRound.objects.select_related("grid").get(pk=job.target)
    return import_waiting_list(
        allocation_round,
        stream,
        job.file_name,
        dry_run=job.dry_run,
        progress=progress,
        # The uploader's structures when the task runs: a wish outside them is refused.
        structures=Structure.objects.writable_by(job.user, Permission.ALLOCATION_MANAGE),
        on_written=on_written,
    )


@task()
def run_waiting_list_import(job_id: int) -> None:
    run_job(job_id, _import_waiting_list)


on_worker_lost(run_waiting_list_import)(job_lost)


def queue_waiting_list_import(user, allocation_round: AllocationRound, upload) -> ImportJob:
    """The job of an uploaded waiting list, queued with it (:func:`queue_job`)."""
    return queue_job(
        run_waiting_list_import,
        user=user,
        kind=WAITING_LIST,
        target=allocation_round.pk,
        file_name=upload.name[:200],
        content=upload.read(),
    )
