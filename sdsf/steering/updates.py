"""A pilot's updates of an action (status, progress, indicator values) and their validation.

The pilot's update applies at once and is marked « à valider »; the coordinator's validation
clears the mark and validates the values typed meanwhile, so the plan shows what is validated
and what is pending.
"""

from decimal import Decimal

from django.db import transaction

from sdsf.accounts.scope import Permission
from sdsf.core import clock
from sdsf.steering.indicators import record_value
from sdsf.steering.models import Action, ActionUpdate, Indicator, IndicatorValue, Scheme


def _coordinates(user, scheme_id: int) -> bool:
    """A coordinator of this scheme: their own changes need no validation."""
    coordinated = Scheme.objects.writable_by(user, Permission.STEERING_COORDINATE)
    return coordinated.filter(pk=scheme_id).exists()


@transaction.atomic
def submit_update(action: Action, user, status: str, progress: int | None, comment: str):
    """Applies a status/progress update; a coordinator's own update needs no validation."""
    coordinator = _coordinates(user, action.scheme_id)
    update = ActionUpdate.objects.create(
        action=action,
        author=user,
        status=status,
        progress=progress,
        comment=comment,
        validated_at=clock.now() if coordinator else None,
        validated_by=user if coordinator else None,
    )
    action.status, action.progress = status, progress
    action.awaiting_validation = not coordinator
    action.save(update_fields=["status", "progress", "awaiting_validation"])
    return update


def submit_value(indicator: Indicator, year: int, value: Decimal, source: str, user):
    coordinator = _coordinates(user, indicator.scheme_id)
    row = record_value(indicator, year, value, source, user, validated=coordinator)
    if not coordinator and indicator.action_id:
        Action.objects.filter(pk=indicator.action_id).update(awaiting_validation=True)
    return row


@transaction.atomic
def validate(action: Action, user) -> None:
    """The coordinator validates everything pending on the action."""
    action.updates.filter(validated_at__isnull=True).update(
        validated_at=clock.now(), validated_by=user
    )
    IndicatorValue.objects.filter(indicator__action=action, validated=False).update(validated=True)
    action.awaiting_validation = False
    action.save(update_fields=["awaiting_validation"])
