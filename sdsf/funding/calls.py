"""A call for projects, from an operator's application to the balance paid on its final report.

Submitted → eligible (scored on the call's grid) or not → the committee grants an amount per
funder (one grant each) or refuses with a reason → the convention is signed (the grants become
public, the advance is scheduled) → the final report (the balance is scheduled) → payments.
Each step is one function, in one transaction; views check rights first.
"""

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum

from sdsf.core import clock
from sdsf.funding.ledger import grant_status, record_grant
from sdsf.funding.models import (
    Application,
    Call,
    FinalReport,
    Funder,
    Grant,
    Operator,
    Payment,
    Score,
    SupportingDocument,
)

CENT = Decimal("0.01")
MAX_DOCUMENT_BYTES = 10 * 1024 * 1024
DOCUMENT_TYPES = {"application/pdf", "image/jpeg", "image/png"}


def is_open(call: Call, today: date | None = None) -> bool:
    today = today or clock.today()
    return call.published and call.opens_on <= today <= call.closes_on


def _move(application: Application, target: str) -> None:
    """One step forward; a step already taken is refused too (a second signature would
    schedule the payments twice)."""
    if application.status == target or not Application.TRANSITIONS.allows(
        application.status, target
    ):
        raise ValidationError(
            f"La candidature est « {application.get_status_display()} » : "
            "cette étape n'est plus possible."
        )
    application.status = target


@transaction.atomic
def submit(call: Call, operator: Operator, user, data: dict, documents=()) -> Application:
    """An operator's application, with its supporting documents (PDF, JPEG or PNG)."""
    if not is_open(call):
        raise ValidationError("Cet appel à projets n'est pas ouvert aux candidatures.")
    if operator.commune.departement_id != call.programme.departement_id:
        raise ValidationError("Cet appel est réservé aux porteurs de projet de son département.")
    if call.max_amount_eur is not None and data["requested_eur"] > call.max_amount_eur:
        raise ValidationError(
            f"Le montant demandé dépasse le plafond de l'appel ({call.max_amount_eur} €)."
        )
    application = Application.objects.create(
        call=call,
        operator=operator,
        submitted_by=user,
        submitted_at=clock.now(),
        is_demo=call.programme.is_demo,
        **data,
    )
    for upload in documents:
        if upload.size > MAX_DOCUMENT_BYTES or upload.content_type not in DOCUMENT_TYPES:
            raise ValidationError(
                f"Pièce « {upload.name} » refusée : PDF, JPEG ou PNG de 10 Mo au plus."
            )
        SupportingDocument.objects.create(
            application=application,
            label=upload.name[:200],
            file=upload,
            original_name=upload.name[:200],
            content_type=upload.content_type,
            size=upload.size,
        )
    return application


@transaction.atomic
def instruct(application: Application, *, eligible: bool, note: str, points: dict) -> None:
    """Eligibility, then the grid's points (``points``: criterion id → points) if eligible."""
    _move(application, Application.Status.ELIGIBLE if eligible else Application.Status.INELIGIBLE)
    if not eligible and not note.strip():
        raise ValidationError("Indiquez pourquoi la candidature n'est pas recevable.")
    application.eligibility_note = note
    application.save(update_fields=["status", "eligibility_note"])
    if not eligible:
        return
    for criterion in application.call.grid.all():
        given = points.get(criterion.pk, 0)
        if not 0 <= given <= criterion.max_points:
            raise ValidationError(
                f"« {criterion.label} » : entre 0 et {criterion.max_points} points."
            )
        Score.objects.update_or_create(
            application=application, criterion=criterion, defaults={"points": given}
        )


def total_score(application: Application) -> tuple[int, int]:
    """(points given, points possible) on the call's grid."""
    given = sum(s.points for s in application.scores.all())
    possible = sum(c.max_points for c in application.call.grid.all())
    return given, possible


@transaction.atomic
def decide(
    application: Application,
    *,
    decided_on: date,
    minutes: str,
    amounts: dict[Funder, Decimal],
    refusal_reason: str = "",
) -> list[Grant]:
    """The committee's decision: an amount per funder of the programme, or a refusal with its
    reason. Each amount becomes a grant of the decision's year (not public before signature)."""
    if not minutes.strip():
        raise ValidationError("Le procès-verbal du comité est obligatoire.")
    granted = {funder: amount for funder, amount in amounts.items() if amount}
    refused = not granted
    if refused and not refusal_reason.strip():
        raise ValidationError("Indiquez un montant par financeur, ou le motif du refus.")
    _move(application, Application.Status.REFUSED if refused else Application.Status.GRANTED)
    application.decided_on, application.minutes = decided_on, minutes
    application.refusal_reason = refusal_reason if refused else ""
    application.save(update_fields=["status", "decided_on", "minutes", "refusal_reason"])
    programme = application.call.programme
    funders = {share.funder_id for share in programme.shares.all()}
    grants = []
    for funder, amount in granted.items():
        if funder.pk not in funders:
            raise ValidationError(f"{funder} ne finance pas ce programme.")
        grants.append(
            record_grant(
                programme=programme,
                operator=application.operator,
                funder=funder,
                year=decided_on.year,
                committed_eur=amount,
                origin=Grant.Origin.DECISION,
                note=application.title,
                application=application,
            )
        )
    return grants


@transaction.atomic
def sign(application: Application, signed_on: date) -> None:
    """The convention is signed: its grants become public and each gets its advance (the
    call's share, paid at signature) and its balance (paid on the final report)."""
    _move(application, Application.Status.SIGNED)
    application.signed_on = signed_on
    application.save(update_fields=["status", "signed_on"])
    share = Decimal(application.call.advance_pct) / 100
    for grant in application.grants.all():
        advance = (grant.committed_eur * share).quantize(CENT, rounding=ROUND_HALF_UP)
        Payment.objects.create(grant=grant, kind=Payment.Kind.ADVANCE, amount_eur=advance)
        Payment.objects.create(
            grant=grant, kind=Payment.Kind.BALANCE, amount_eur=grant.committed_eur - advance
        )
    application.grants.update(signed=True)


@transaction.atomic
def report(application: Application, data: dict) -> FinalReport:
    """The operator's final report; it opens the payment of the balance."""
    _move(application, Application.Status.REPORTED)
    application.save(update_fields=["status"])
    return FinalReport.objects.create(application=application, submitted_at=clock.now(), **data)


@transaction.atomic
def pay(payment: Payment, paid_on: date) -> None:
    """A payment made: the grant's paid amount and status follow. The balance waits for the
    final report."""
    if payment.paid_on is not None:
        raise ValidationError("Ce versement est déjà enregistré.")
    grant = payment.grant
    reported = grant.application is not None and grant.application.status == "reported"
    if payment.kind == Payment.Kind.BALANCE and not reported:
        raise ValidationError("Le solde se verse sur le bilan final, qui n'est pas encore remis.")
    payment.paid_on = paid_on
    payment.save(update_fields=["paid_on"])
    paid = grant.payments.exclude(paid_on=None).aggregate(total=Sum("amount_eur"))["total"]
    grant.paid_eur = paid
    grant.status = grant_status(grant.committed_eur, paid)
    grant.save(update_fields=["paid_eur", "status"])
