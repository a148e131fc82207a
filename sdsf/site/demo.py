"""The demo département: real territories, one demo account per role, and each app's demo data.

Everything created here that is not public data is synthetic and says so. Each app owns its demo
step (a function taking the département and returning lines to print, in the app's ``demo``
module); this loader, above every app, runs them in :data:`STEPS`' order in one transaction.
"""

from collections.abc import Callable

from django.db import connection, transaction

from sdsf.accounts.demo import create_accounts
from sdsf.allocation.demo import create_round, remove_round
from sdsf.difficulty.demo import create_difficulty, remove_difficulty
from sdsf.emergency.demo import create_period, remove_period
from sdsf.families.demo import create_family, remove_pre_applications
from sdsf.funding.demo import create_funding
from sdsf.observatory.demo import create_figures
from sdsf.offer.demo import create_offer
from sdsf.publicservice.demo import create_committee
from sdsf.steering.demo import link_funding, load_plan
from sdsf.territories.models import Departement


def _families_reset(departement: Departement) -> list[str]:
    return remove_pre_applications(departement)


def _allocation_reset(departement: Departement) -> list[str]:
    return remove_round(departement)


def _offer_step(departement: Departement) -> list[str]:
    return create_offer(departement)


def _statistics(departement: Departement) -> list[str]:
    """PostgreSQL plans a query by the statistics of its tables, gathered by autovacuum after a
    commit: the demo's thousands of bulk rows, still uncommitted, would be read as empty tables
    by the next steps' queries (nested loops over every childminder). ANALYZE sees them now."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return []


def _steering_step(departement: Departement) -> list[str]:
    return load_plan(departement)


def _observatory_step(departement: Departement) -> list[str]:
    return create_figures(departement)


def _funding_step(departement: Departement) -> list[str]:
    return create_funding(departement) + link_funding(departement)


def _allocation_step(departement: Departement) -> list[str]:
    return create_round(departement)


def _families_step(departement: Departement) -> list[str]:
    return create_family(departement)


def _publicservice_step(departement: Departement) -> list[str]:
    return create_committee(departement)


STEPS: list[Callable[[Departement], list[str]]] = [
    create_accounts,
    _families_reset,  # its wishes refer to the demo registry, which is recreated
    _allocation_reset,  # before the registry it refers to is recreated
    remove_period,  # emergency places refer to the registry too
    remove_difficulty,  # its files refer to the demo registry too
    _offer_step,
    _statistics,  # before the steps that read the registry's new rows
    _steering_step,
    _observatory_step,
    _funding_step,  # after the registry (its operators) and the plan (the actions it serves)
    create_difficulty,  # after the funding demo, which replaces its own programmes' grants
    _allocation_step,
    _families_step,  # after the demo commission, whose grid it is scored with
    create_period,
    _publicservice_step,  # after the plan and the figures its committee and schéma refer to
]


@transaction.atomic
def load_demo(departement: Departement) -> list[str]:
    lines = []
    for step in STEPS:
        lines += step(departement)
    return lines
