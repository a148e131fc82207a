"""Aids to a structure in difficulty: requested in its file, granted and paid in the funding
ledger (:mod:`sdsf.funding.ledger`), the only way this app writes a grant.

The CAF's aid is computed by :func:`sdsf.funding.rules.structures_in_difficulty_aid` (the CAF du
Finistère's rule: at most 80 % of the action plan's budget, on conditions); another funder's aid
is the amount it grants. Each département's aids are one programme of the ledger, « Aide aux
structures en difficulté », created the first time an aid is granted there; the structure is the
ledger's operator (:func:`sdsf.funding.ledger.operator_for_structure`).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db import transaction

from sdsf.accounts.models import Institution
from sdsf.core import clock, formats
from sdsf.difficulty.models import Aid, FollowUp
from sdsf.difficulty.service import SIGNAL_LABELS
from sdsf.funding import ledger
from sdsf.funding.models import Funder, FunderShare, Grant, Programme
from sdsf.funding.rules import DIFFICULTY_AID, RuleError, RuleResult, structures_in_difficulty_aid
from sdsf.offer.models import Structure


class AidError(ValueError):
    """An aid the rules refuse, worded for the user (French)."""


def destabilising_factors(file: FollowUp) -> list[str]:
    """The file's signals and causes, as the rule's « facteurs de déstabilisation »."""
    signals = [SIGNAL_LABELS[s] for s in file.signals.split("|") if s in SIGNAL_LABELS]
    return list(dict.fromkeys([*signals, *file.cause_labels()]))


def caf_rule(file: FollowUp, on: date, requested: Decimal) -> RuleResult:
    structure = file.structure
    try:
        return structures_in_difficulty_aid(
            on,
            file.plan_budget(),
            psu_funded=structure.funding == Structure.Funding.PSU,
            micro_creche=structure.category == Structure.Category.MICRO,
            plan_cosigned=file.cosigned,
            destabilising_factors=destabilising_factors(file),
            requested=requested,
        )
    except RuleError as error:
        raise AidError(str(error)) from None


def request_aid(file: FollowUp, funder: str, requested: Decimal) -> Aid:
    """Records a request; the CAF's is capped by its rule (other funders' by their decision)."""
    today = clock.today()
    if funder == Funder.Kind.CAF:
        result = caf_rule(file, today, requested)
        computed, explanation = result.amount, [line.label for line in result.lines]
    else:
        computed = requested
        explanation = [f"Montant demandé : {formats.euros(requested)} (décision du financeur)."]
    return Aid.objects.create(
        file=file,
        funder=funder,
        requested_eur=requested,
        computed_eur=computed,
        requested_on=today,
        explanation=explanation,
    )


def _programme(file: FollowUp, year: int) -> Programme:
    departement = file.structure.commune.departement
    programme, _ = Programme.objects.get_or_create(
        code=f"structures-en-difficulte-{departement.code.lower()}",
        defaults={
            "name": f"Aide aux structures en difficulté — {departement.name}",
            "kind": Programme.Kind.RULE,
            "departement": departement,
            "start_year": year,
            "end_year": year,
            "source": DIFFICULTY_AID,
            "is_demo": file.is_demo,
        },
    )
    if not programme.start_year <= year <= programme.end_year:
        programme.start_year = min(programme.start_year, year)
        programme.end_year = max(programme.end_year, year)
        programme.save(update_fields=["start_year", "end_year"])
    return programme


def _funder(programme: Programme, kind: str) -> Funder:
    """The programme's funder of that kind; the first time, the département's one (named after
    the kind and the département, linked to the platform's institution of that kind)."""
    share = programme.shares.select_related("funder").filter(funder__kind=kind).first()
    if share is not None:
        return share.funder
    departement = programme.departement
    label = dict(Funder.Kind.choices)[kind]
    funder, _ = Funder.objects.get_or_create(
        name=f"{label} — {departement.name}",
        defaults={
            "kind": kind,
            "institution": Institution.objects.filter(
                kind=kind, territory_level="departement", territory_code=departement.code
            ).first(),
        },
    )
    FunderShare.objects.get_or_create(
        programme=programme, funder=funder, defaults={"share_pct": Decimal(0)}
    )
    return funder


@transaction.atomic
def grant(aid: Aid, granted: Decimal) -> Grant:
    """Grants ``granted`` (at most the rule's amount) and records it in the ledger."""
    Aid.TRANSITIONS.check(aid.status, Aid.Status.GRANTED)
    if granted > aid.computed_eur:
        raise AidError(
            "Le montant accordé dépasse celui que permet la règle "
            f"({formats.euros(aid.computed_eur)})."
        )
    today = clock.today()
    file = aid.file
    programme = _programme(file, today.year)
    common = {
        "programme": programme,
        "operator": ledger.operator_for_structure(file.structure),
        "funder": _funder(programme, aid.funder),
        "year": today.year,
        "signed": file.cosigned,
    }
    if aid.funder == Funder.Kind.CAF:
        recorded = ledger.record_rule_aid(result=caf_rule(file, today, granted), **common)
    else:
        recorded = ledger.record_grant(
            committed_eur=granted,
            origin=Grant.Origin.DECISION,
            note=f"Aide à une structure en difficulté : {file.structure.name}",
            **common,
        )
    aid.granted_eur, aid.decided_on, aid.grant = granted, today, recorded
    Aid.TRANSITIONS.change(aid, Aid.Status.GRANTED, fields=["granted_eur", "decided_on", "grant"])
    return recorded


def refuse(aid: Aid) -> None:
    aid.decided_on = clock.today()
    Aid.TRANSITIONS.change(aid, Aid.Status.REFUSED, fields=["decided_on"])


@transaction.atomic
def pay(aid: Aid) -> None:
    """The granted aid is paid: in full, recorded on its grant of the ledger."""
    Aid.TRANSITIONS.check(aid.status, Aid.Status.PAID)
    aid.paid_on = clock.today()
    ledger.pay_in_full(aid.grant, aid.paid_on)
    Aid.TRANSITIONS.change(aid, Aid.Status.PAID, fields=["paid_on"])


def decide(aid: Aid, decision: str, granted: Decimal | None) -> None:
    if decision == Aid.Status.GRANTED:
        if granted is None:
            raise AidError("Indiquez le montant accordé.")
        grant(aid, granted)
    elif decision == Aid.Status.REFUSED:
        refuse(aid)
    else:
        pay(aid)
