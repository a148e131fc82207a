"""Jobs whose worker died are ended at the next worker's start (sdsf.core.jobs).

The worker really killed with SIGKILL is in tests/core/test_faults.py; here the dead worker is a
name: this very process with another start time (its process id taken by a new process).
"""

import datetime

import pytest
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult, get_date_max

from sdsf.allocation.models import AllocationRound, PointsGrid
from sdsf.core import jobs
from sdsf.offer.models import ImportJob
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def _dead_worker() -> str:
    host, boot, pid, _ = jobs.worker_id().rsplit(":", 3)
    return f"{host}:{boot}:{pid}:1"  # started one tick after boot: not this process


def _running(task_path: str, *args, worker: str) -> DBTaskResult:
    return DBTaskResult.objects.create(
        status=TaskResultStatus.RUNNING,
        task_path=task_path,
        args_kwargs={"args": list(args), "kwargs": {}},
        backend_name="default",
        run_after=get_date_max(),
        worker_ids=[worker],
    )


def _import_job(**fields) -> ImportJob:
    return ImportJob.objects.create(
        user=make_user(),
        kind="am",
        file_name="am.csv",
        content=b"N\xc2\xb0 agr\xc3\xa9ment;Nom\nAM-1;Martin\n",
        state=ImportJob.State.VALIDATING,
        rows_done=48000,
        rows_total=90000,
        **fields,
    )


def test_worker_names_tell_dead_from_living():
    assert not jobs.is_dead(jobs.worker_id())
    assert jobs.is_dead(_dead_worker())
    # Another machine, or a name given by hand: nothing can be known from here.
    assert not jobs.is_dead("elsewhere:abcd1234:42:1000")
    assert not jobs.is_dead("a-worker-id-given-by-hand")
    assert len(jobs.worker_id()) <= 64


def test_import_of_a_dead_worker_fails_in_french_and_its_file_is_emptied():
    job = _import_job()
    task = _running("sdsf.offer.tasks.run_import", job.pk, worker=_dead_worker())

    lines = jobs.recover()

    assert len(lines) == 1 and str(task.pk) in lines[0]
    job.refresh_from_db()
    assert job.state == ImportJob.State.FAILED and job.finished
    assert "interrompu" in job.report and "rien n'a été enregistré" in job.report
    assert bytes(job.content) == b""
    task.refresh_from_db()
    assert task.status == TaskResultStatus.FAILED
    assert task.exception_class_path == "sdsf.core.jobs.WorkerLost"
    assert jobs.recover() == []  # done once


def test_round_of_a_dead_worker_goes_back_to_its_previous_state():
    grid = PointsGrid.objects.create(commune_id="93008", name="Grille", source="Test")
    allocation_round = AllocationRound.objects.create(
        commune_id="93008",
        name="Commission",
        starts_on=datetime.date(2026, 9, 1),
        ends_on=datetime.date(2026, 9, 30),
        grid=grid,
        status=AllocationRound.Status.RUNNING,
        progress=60,
        progress_note="Enregistrement de 30000 propositions, en une seule fois",
    )
    _running(
        "sdsf.allocation.tasks.run_round",
        allocation_round.pk,
        AllocationRound.Status.PUBLISHED,
        worker=_dead_worker(),
    )

    jobs.recover()

    allocation_round.refresh_from_db()
    assert allocation_round.status == AllocationRound.Status.PUBLISHED
    assert allocation_round.progress == 0 and not allocation_round.progress_note
    assert "Calcul interrompu" in allocation_round.run_error


def test_living_and_foreign_workers_are_left_alone():
    job = _import_job()
    living = _running("sdsf.offer.tasks.run_import", job.pk, worker=jobs.worker_id())
    foreign = _running("sdsf.offer.tasks.run_import", job.pk, worker="elsewhere:ab:42:1000")

    assert jobs.recover() == []

    job.refresh_from_db()
    assert job.state == ImportJob.State.VALIDATING
    assert {living.status, foreign.status} == {TaskResultStatus.RUNNING}
    assert DBTaskResult.objects.running().count() == 2


def test_a_job_finished_before_its_worker_died_keeps_its_outcome():
    """The worker died between the job's last write and django-tasks' success record."""
    job = _import_job()
    ImportJob.objects.filter(pk=job.pk).update(
        state=ImportJob.State.DONE, report="12 lignes importées.", content=b""
    )
    task = _running("sdsf.offer.tasks.run_import", job.pk, worker=_dead_worker())

    jobs.recover()

    job.refresh_from_db()
    assert job.state == ImportJob.State.DONE and job.report == "12 lignes importées."
    task.refresh_from_db()
    assert task.status == TaskResultStatus.FAILED


def test_a_task_that_no_longer_exists_is_failed_without_handler():
    task = _running("sdsf.offer.tasks.removed_task", 1, worker=_dead_worker())

    assert len(jobs.recover()) == 1

    task.refresh_from_db()
    assert task.status == TaskResultStatus.FAILED
