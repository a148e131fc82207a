"""Recording grants in the ledger: the one way other parts (committee decisions, funded posts,
aids computed by a rule, the structures in difficulty) write a grant.

Every function checks its amounts and writes inside a transaction; callers check the actor's
rights on the programme and operator first (``writable_by``).
"""

from collections.abc import Iterable
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction

from sdsf.funding.models import (
    MAX_EUR,
    MAX_YEAR,
    MIN_YEAR,
    Funder,
    Grant,
    Operator,
    Payment,
    Programme,
)
from sdsf.funding.rules import RuleResult
from sdsf.offer.models import Structure

CENT = Decimal("0.01")


def grant_status(committed: Decimal, paid: Decimal) -> str:
    """The status amounts give: nothing paid, part of it, all of it."""
    if paid <= 0:
        return Grant.Status.COMMITTED
    return Grant.Status.PAID if paid >= committed else Grant.Status.PARTLY_PAID


def check_amounts(committed: Decimal, paid: Decimal, year: int) -> None:
    """French errors for amounts and years a grant cannot hold."""
    for label, amount in (("engagé", committed), ("versé", paid)):
        if not isinstance(amount, Decimal) or not amount.is_finite():
            raise ValidationError(f"Le montant {label} doit être un nombre décimal.")
        if amount < 0 or amount > MAX_EUR:
            raise ValidationError(f"Le montant {label} doit être compris entre 0 et 1 milliard €.")
        if amount != amount.quantize(CENT):
            raise ValidationError(f"Le montant {label} a plus de deux décimales.")
    if paid > committed:
        raise ValidationError("Le montant versé dépasse le montant engagé.")
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValidationError(f"L'année doit être comprise entre {MIN_YEAR} et {MAX_YEAR}.")


@transaction.atomic
def record_grant(
    *,
    programme: Programme,
    operator: Operator,
    funder: Funder,
    year: int,
    committed_eur: Decimal,
    paid_eur: Decimal = Decimal(0),
    origin: str = Grant.Origin.OTHER,
    signed: bool = False,
    note: str = "",
    explanation: Iterable[dict] = (),
    **links,
) -> Grant:
    """Records one funder's grant; ``links`` are ``application`` or ``post_year``."""
    check_amounts(committed_eur, paid_eur, year)
    return Grant.objects.create(
        programme=programme,
        operator=operator,
        funder=funder,
        year=year,
        committed_eur=committed_eur,
        paid_eur=paid_eur,
        status=grant_status(committed_eur, paid_eur),
        origin=origin,
        signed=signed,
        note=note[:300],
        explanation=list(explanation),
        is_demo=programme.is_demo,
        **links,
    )


def explanation_lines(result: RuleResult) -> list[dict]:
    """A rule's explanation as stored on the grant (amounts as text: exact in JSON)."""
    return [
        {
            "label": line.label,
            "amount": None if line.amount is None else str(line.amount),
            "rule": line.rule,
        }
        for line in result.lines
    ]


def record_rule_aid(
    *,
    programme: Programme,
    operator: Operator,
    funder: Funder,
    year: int,
    result: RuleResult,
    signed: bool = False,
) -> Grant:
    """Records an aid computed by a rule of :mod:`sdsf.funding.rules` (e.g. the CAF's aid to a
    structure in difficulty) with its explanation, line by line."""
    return record_grant(
        programme=programme,
        operator=operator,
        funder=funder,
        year=year,
        committed_eur=result.amount,
        origin=Grant.Origin.RULE,
        signed=signed,
        note=result.scheme,
        explanation=explanation_lines(result),
    )


def operator_for_structure(structure: Structure, siren: str = "") -> Operator:
    """The operator of a registry structure (created on first use, named after its manager and
    the structure: a manager's several structures are told apart)."""
    operator = Operator.objects.filter(structure=structure).first()
    if operator is not None:
        return operator
    return Operator.objects.create(
        siren=siren,
        name=f"{structure.manager_name} ({structure.name})"[:200]
        if structure.manager_name
        else structure.name,
        commune_id=structure.commune_id,
        structure=structure,
        institution_id=structure.manager_id,
    )


@transaction.atomic
def pay_in_full(grant: Grant, on) -> None:
    """Records the payment of what remains of a grant on ``on`` (its balance)."""
    remaining = grant.committed_eur - grant.paid_eur
    if remaining > 0:
        Payment.objects.update_or_create(
            grant=grant,
            kind=Payment.Kind.BALANCE,
            defaults={"amount_eur": remaining, "paid_on": on},
        )
    grant.paid_eur = grant.committed_eur
    grant.status = grant_status(grant.committed_eur, grant.paid_eur)
    grant.save(update_fields=["paid_eur", "status"])
