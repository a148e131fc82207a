"""Declared availability: one click from an e-mail reminder, no login.

Few childminders and structures keep their free places current when it takes an account and a
password. The reminder (``sdsf availability_reminders``) sends each of them a signed link
(:class:`~django.core.signing.TimestampSigner`, valid ``SDSF_AVAILABILITY_LINK_DAYS`` days) that
names one record. Whoever holds the link may only confirm or change the places and date declared
for that one record: nothing else is shown or changed, and the link stops working when the
agrément is no longer active or the structure closes. Every declaration is dated
(``availability_updated_at``, shown to families) and logged by identifier only.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import timedelta

from django import forms
from django.conf import settings
from django.core import signing
from django.core.mail import send_mail
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sdsf.core import clock, formats
from sdsf.core.links import public_url
from sdsf.offer.models import ACTIVE_STATUSES, AssistantMaternel, Status, Structure

log = logging.getLogger(__name__)

SALT = "sdsf.offer.availability"
STRUCTURE, ASSISTANT = "structure", "am"
# Structures that have places to declare (RPE, LAEP and centres sociaux have none).
KINDS_WITH_PLACES = (Structure.Kind.EAJE, Structure.Kind.MAM)
MAX_STRUCTURE_PLACES = 200

Holder = Structure | AssistantMaternel


def _max_age() -> timedelta:
    return timedelta(days=settings.SDSF_AVAILABILITY_LINK_DAYS)


def active_assistants(today=None):
    """Childminders whose agrément is in force today (granted or renewed, not expired)."""
    today = today or clock.today()
    return AssistantMaternel.objects.filter(
        agrement_status__in=ACTIVE_STATUSES, agrement_start__lte=today, agrement_expiry__gte=today
    )


def open_structures_with_places():
    return Structure.objects.filter(status=Status.OPEN, kind__in=KINDS_WITH_PLACES)


def make_token(item: Holder) -> str:
    kind = ASSISTANT if isinstance(item, AssistantMaternel) else STRUCTURE
    return signing.TimestampSigner(salt=SALT).sign_object({"k": kind, "id": item.identifier})


def holder(token: str) -> Holder | None:
    """The record a link names, or None: bad or expired signature, record gone or no longer
    eligible (agrément not active, structure closed)."""
    try:
        data = signing.TimestampSigner(salt=SALT).unsign_object(token, max_age=_max_age())
    except (signing.BadSignature, ValueError, TypeError):
        return None
    if not isinstance(data, dict):
        return None
    rows = {ASSISTANT: active_assistants(), STRUCTURE: open_structures_with_places()}.get(
        data.get("k")
    )
    if rows is None:
        return None
    return rows.filter(identifier=data.get("id")).first()


def max_places(item: Holder) -> int:
    if isinstance(item, AssistantMaternel):
        return item.agrement_places
    return MAX_STRUCTURE_PLACES


def _record(item: Holder, fields: list[str], event: str) -> None:
    item.availability_updated_at = clock.now()
    item.save(update_fields=[*fields, "availability_updated_at", "updated_at"])
    log.info("availability %s %s %s", event, type(item).__name__, item.identifier)


def confirm(item: Holder) -> None:
    """The holder says nothing changed: the declaration is re-dated as of now."""
    _record(item, [], "confirmed")


def declare(item: Holder, places: int | None, available_from) -> None:
    """New places (None: not declared) and the date they are free from."""
    item.available_places = places
    item.available_from = available_from if places else None
    _record(item, ["available_places", "available_from"], "declared")


class DeclarationForm(forms.Form):
    """Places and date; at most the agrément's number of children for a childminder."""

    available_from = forms.DateField(
        label=gettext_lazy("Disponibles à partir du"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=gettext_lazy("Laissez vide si les places sont libres dès maintenant."),
    )

    def __init__(self, item: Holder, *args, **kwargs):
        initial = {"available_places": item.available_places or 0}
        if item.available_from:
            initial["available_from"] = item.available_from
        super().__init__(*args, initial=initial, **kwargs)
        self.fields = {
            "available_places": forms.IntegerField(
                label=gettext_lazy("Places disponibles"),
                min_value=0,
                max_value=max_places(item),
            ),
            **self.fields,
        }


def reminder_recipients() -> Iterator[tuple[Holder, str]]:
    """(record, address): each active childminder and each open EAJE or MAM with an e-mail."""
    for assistant in active_assistants().exclude(email="").order_by("pk").iterator():
        yield assistant, assistant.email
    for structure in open_structures_with_places().exclude(email="").order_by("pk").iterator():
        yield structure, structure.email


def link(item: Holder) -> str:
    return public_url("offer:availability_link", token=make_token(item))


def _message(item: Holder) -> tuple[str, str]:
    if item.available_places:
        current = _("Vous avez déclaré %(places)s place(s) disponible(s)") % {
            "places": item.available_places
        }
        if item.available_from:
            current += _(" à partir du %(date)s") % {"date": formats.date(item.available_from)}
        current += "."
    else:
        current = _("Vous n'avez déclaré aucune place disponible.")
    subject = _("[SDSF] Vos places disponibles sont-elles à jour ?")
    body = "\n\n".join(
        [
            _("Bonjour,"),
            _(
                "Les familles cherchent un mode d'accueil sur le site du département. Elles "
                "voient les places disponibles que vous déclarez."
            ),
            current,
            _(
                "Un clic sur le lien ci-dessous suffit pour confirmer que rien n'a changé, ou "
                "pour indiquer vos nouvelles places (sans mot de passe, lien valable %(days)s "
                "jours) :"
            )
            % {"days": settings.SDSF_AVAILABILITY_LINK_DAYS},
            link(item),
            _("Si vous n'êtes pas concerné(e), ignorez ce message."),
        ]
    )
    return subject, body


def send_reminders() -> int:
    """Sends one reminder per recipient (in French); returns how many were sent."""
    sent = 0
    with translation.override(settings.LANGUAGE_CODE):
        for item, address in reminder_recipients():
            subject, body = _message(item)
            send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [address])
            log.info("availability reminder sent %s %s", type(item).__name__, item.identifier)
            sent += 1
    return sent
