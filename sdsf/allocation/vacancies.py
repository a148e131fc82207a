"""Free places declared for a round by a structure's manager or the commission.

A declaration replaces, for one structure and one round, the places counted from its capacity
and enrolments (:mod:`sdsf.allocation.seats`). Whoever may declare for a structure
(``Structure.objects.writable_by(user, ALLOCATION_DECLARE_PLACES)``: its manager, the commune's
agents, the administrators) may do so for every round of the structure's commune not validated
yet; a structure manager sees those rounds through its structures only.
"""

from django.db import transaction

from sdsf.accounts.scope import Permission
from sdsf.allocation.models import AllocationRound, Vacancy
from sdsf.offer.models import Structure

DECLARABLE = (
    AllocationRound.Status.DRAFT,
    AllocationRound.Status.PUBLISHED,
    AllocationRound.Status.RUN,
)


class DeclarationError(Exception):
    """The declaration is not possible (message in French); nothing was written."""


def declarable_structures(user):
    return Structure.objects.writable_by(user, Permission.ALLOCATION_DECLARE_PLACES).filter(
        kind=Structure.Kind.EAJE
    )


def declarable_rounds(user):
    """Rounds not validated yet of the communes of the structures the person declares for."""
    return AllocationRound.objects.filter(
        status__in=DECLARABLE, commune__in=declarable_structures(user).values("commune")
    )


def declare(user, allocation_round, structure, rows: list[tuple[str, int, int]], leaving: int):
    """Replaces the structure's declaration for the round by ``rows`` (section, places, days);
    no row withdraws it. The round must not be validated yet (a computed proposal is computed
    again to take it into account)."""
    if allocation_round.status not in DECLARABLE:
        raise DeclarationError("Cette commission est validée : ses places ne changent plus.")
    if structure.commune_id != allocation_round.commune_id:
        raise DeclarationError("La structure n'est pas dans la commune de la commission.")
    if not declarable_structures(user).filter(pk=structure.pk).exists():
        raise DeclarationError(f"La structure « {structure.name} » est hors de votre périmètre.")
    with transaction.atomic():
        Vacancy.objects.filter(round=allocation_round, structure=structure).delete()
        Vacancy.objects.bulk_create(
            Vacancy(
                round=allocation_round,
                structure=structure,
                section=section,
                places=places,
                days=days,
                leaving=leaving if index == 0 else 0,
                declared_by=user,
            )
            for index, (section, places, days) in enumerate(rows)
        )
