"""``sdsf db_worker``: django-tasks' database worker, which first ends the jobs of dead workers.

The worker is named after its process (:func:`sdsf.core.jobs.worker_id`) so that a later worker
can tell it died; an explicit ``--worker-id`` gives up that recovery.
"""

import os

from django.utils.autoreload import DJANGO_AUTORELOAD_ENV
from django_tasks_db.management.commands import db_worker

from sdsf.core import jobs


class Command(db_worker.Command):
    help = (
        "Exécute les tâches de fond (imports depuis le web, calculs des commissions) ; au "
        "démarrage, clôt en échec les tâches d'un processus arrêté en cours de route."
    )

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.set_defaults(worker_id=jobs.worker_id())

    def handle(self, *args, **options):
        # With --reload, this process only watches the files; its child runs the tasks.
        if not options["reload"] or os.environ.get(DJANGO_AUTORELOAD_ENV) == "true":
            for line in jobs.recover():
                self.stdout.write(line)
        super().handle(*args, **options)
