"""The emergency period's life: opening, places, requests, the daily matching and its proposals.

Views and commands call these functions; each writes all or nothing and checks that every row it
points to is inside the actor's territory (the gate's ``writable_by``).
"""

import secrets
from collections import defaultdict
from dataclasses import dataclass
from datetime import date

import numpy as np
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Count, Q, Sum
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from sdsf.accounts.scope import Permission, communes, departements
from sdsf.audit.log import record
from sdsf.audit.models import AuditEvent
from sdsf.core import clock
from sdsf.emergency import matching
from sdsf.emergency.models import (
    MAX_DAYS,
    DailyFigure,
    EmergencyChild,
    EmergencyMatch,
    EmergencyOffer,
    EmergencyPeriod,
    EmergencyRequest,
    PriorityCategory,
    RequestedDay,
)
from sdsf.offer.models import ACTIVE_STATUSES, AssistantMaternel, Status, Structure

P = Permission


class EmergencyError(Exception):
    """A request the period's rules refuse (message in French, for the person)."""


def check_dates(starts_on: date, ends_on: date) -> None:
    if ends_on < starts_on:
        raise EmergencyError("Le dernier jour doit suivre le premier.")
    if (ends_on - starts_on).days + 1 > MAX_DAYS:
        raise EmergencyError(
            f"Une période dure au plus {MAX_DAYS} jours ; prolongez-la par une nouvelle décision."
        )


def open_period(
    request, *, departement, communes, categories: list[str], **fields
) -> EmergencyPeriod:
    """Opens a period for the actor's département with its ranked priority categories."""
    user = request.user
    if not departements(user, P.EMERGENCY_MANAGE).filter(pk=departement.pk).exists():
        raise PermissionDenied
    if any(c.departement_id != departement.pk for c in communes):
        raise EmergencyError("Les communes choisies doivent appartenir au département.")
    labels = [label.strip() for label in categories if label.strip()]
    if not labels:
        raise EmergencyError("Indiquez au moins une catégorie prioritaire.")
    check_dates(fields["starts_on"], fields["ends_on"])
    with transaction.atomic():
        period = EmergencyPeriod.objects.create(departement=departement, opened_by=user, **fields)
        period.communes.set(communes)
        PriorityCategory.objects.bulk_create(
            PriorityCategory(period=period, rank=rank, label=label)
            for rank, label in enumerate(labels, start=1)
        )
        record(request, AuditEvent.Action.CREATE, period, detail="ouverture de l'accueil d'urgence")
    return period


def close_period(request, period: EmergencyPeriod) -> None:
    """Ends the period: no more requests, places or matching; the purge clock starts."""
    with transaction.atomic():
        period.closed_at = clock.now()
        EmergencyPeriod.TRANSITIONS.change(
            period, EmergencyPeriod.Status.CLOSED, fields=["closed_at"]
        )
        record(request, AuditEvent.Action.UPDATE, period, detail="clôture de l'accueil d'urgence")


def _check_open(period: EmergencyPeriod, day: date | None = None) -> None:
    if period.status != EmergencyPeriod.Status.OPEN:
        raise EmergencyError("Cette période d'accueil d'urgence est close.")
    if day is not None and not period.starts_on <= day <= period.ends_on:
        raise EmergencyError("Ce jour est en dehors de la période d'accueil d'urgence.")


def holders_for(user, period: EmergencyPeriod):
    """Structures and childminders for which the person may declare places in this period:
    EAJE and MAM open in the period's communes and in the person's territory."""
    communes = period.covered_communes()
    structures = Structure.objects.writable_by(user, P.EMERGENCY_PLACES).filter(
        kind__in=[Structure.Kind.EAJE, Structure.Kind.MAM],
        status=Status.OPEN,
        commune__in=communes,
    )
    assistants = AssistantMaternel.objects.visible_to(user, P.EMERGENCY_PLACES).filter(
        commune__in=communes, agrement_status__in=ACTIVE_STATUSES
    )
    return structures, assistants


def declare_places(request, period, *, structure=None, assistant=None, places: dict[date, int]):
    """Records the places a structure or a childminder opens, day by day (0 closes a day)."""
    _check_open(period)
    structures, assistants = holders_for(request.user, period)
    if structure is not None and not structures.filter(pk=structure.pk).exists():
        raise PermissionDenied
    if assistant is not None and not assistants.filter(pk=assistant.pk).exists():
        raise PermissionDenied
    holder = {"structure": structure} if structure is not None else {"assistant": assistant}
    with transaction.atomic():
        for day, count in places.items():
            _check_open(period, day)
            EmergencyOffer.objects.update_or_create(
                period=period,
                day=day,
                **holder,
                defaults={"places": count, "declared_by": request.user},
            )
        record(
            request,
            AuditEvent.Action.UPDATE,
            period,
            detail=f"places d'urgence : {structure or assistant.identifier}",
        )


@dataclass(frozen=True)
class NewChild:
    first_name: str
    birth_date: date


def file_request(
    request,
    period: EmergencyPeriod,
    *,
    children: list[NewChild],
    days: list[date],
    channel: str,
    **fields,
) -> EmergencyRequest:
    """Files a family's request (online, or by an agent at the desk)."""
    _check_open(period)
    if not children:
        raise EmergencyError(_("Indiquez au moins un enfant."))
    if not days:
        raise EmergencyError(_("Choisissez au moins un jour."))
    for day in days:
        if not period.starts_on <= day <= period.ends_on:
            raise EmergencyError(_("Un jour choisi est en dehors de la période."))
    places = {fields["home_commune"].pk, getattr(fields.get("work_commune"), "pk", None)}
    if not period.covered_communes().filter(pk__in=places - {None}).exists():
        raise EmergencyError(
            _(
                "Le domicile ou le lieu de travail doit être dans le territoire de "
                "l'accueil d'urgence."
            )
        )
    if fields["category"].period_id != period.pk:
        raise EmergencyError(_("Catégorie inconnue pour cette période."))
    staff = channel == EmergencyRequest.Channel.DESK
    if (
        staff
        and not communes(request.user, P.EMERGENCY_REQUESTS)
        .filter(pk=fields["home_commune"].pk)
        .exists()
    ):
        raise PermissionDenied  # an agent files only for families of their territory
    with transaction.atomic():
        item = EmergencyRequest.objects.create(
            period=period,
            reference="URG-" + secrets.token_hex(4).upper(),
            channel=channel,
            submitted_at=clock.now(),
            filed_by=request.user if staff else None,
            language=translation.get_language() or settings.LANGUAGE_CODE,
            **fields,
        )
        EmergencyChild.objects.bulk_create(
            EmergencyChild(request=item, first_name=c.first_name, birth_date=c.birth_date)
            for c in children
        )
        RequestedDay.objects.bulk_create(
            RequestedDay(request=item, day=d) for d in sorted(set(days))
        )
        if staff:
            record(request, AuditEvent.Action.CREATE, item, detail="demande d'accueil d'urgence")
    return item


def own_or_centre(item) -> tuple[float, float]:
    """A structure's or a childminder's own position, else its commune's centre."""
    if item.latitude is not None and item.longitude is not None:
        return item.latitude, item.longitude
    return centre(item.commune)


def centre(commune) -> tuple[float, float]:
    if commune is None or commune.centroid_lat is None:
        return (np.nan, np.nan)
    return commune.centroid_lat, commune.centroid_lon


def run_day(period: EmergencyPeriod, day: date) -> DailyFigure:
    """Matches the children asking for ``day`` to the places open that day.

    Proposals already sent stay as they are (their places are taken); the others are computed
    again, so places declared late are used. All or nothing.
    """
    _check_open(period, day)
    with transaction.atomic():
        EmergencyMatch.objects.filter(
            offer__period=period, day=day, notified_at__isnull=True
        ).delete()
        kept = EmergencyMatch.objects.filter(offer__period=period, day=day)
        taken = dict(kept.values_list("offer").annotate(n=Count("pk")))
        matched_children = set(kept.values_list("child_id", flat=True))
        offers = list(
            period.offers.filter(day=day, places__gt=0).select_related(
                "structure__commune", "assistant__commune"
            )
        )
        children = [
            child
            for child in EmergencyChild.objects.filter(
                request__period=period,
                request__status=EmergencyRequest.Status.ACTIVE,
                request__days__day=day,
            ).select_related("request__category", "request__home_commune", "request__work_commune")
            if child.pk not in matched_children
        ]
        result = matching.match_day(
            matching.DayProblem(
                rank=np.array([c.request.category.rank for c in children], dtype=np.int64),
                submitted=np.array(
                    [c.request.submitted_at.timestamp() * 1e6 for c in children], dtype=np.int64
                ),
                home=np.array([centre(c.request.home_commune) for c in children]).reshape(-1, 2),
                work=np.array([centre(c.request.work_commune) for c in children]).reshape(-1, 2),
                offer_position=np.array([own_or_centre(o.holder) for o in offers]).reshape(-1, 2),
                offer_places=np.array(
                    [max(o.places - taken.get(o.pk, 0), 0) for o in offers], dtype=np.int64
                ),
                max_km=float(period.max_distance_km),
            ),
            seed=day.toordinal(),
        )
        EmergencyMatch.objects.bulk_create(
            EmergencyMatch(
                child=child,
                offer=offers[offer],
                day=day,
                distance_km=round(float(distance), 1),
            )
            for child, offer, distance in zip(
                children, result.offer, result.distance_km, strict=True
            )
            if offer >= 0
        )
        figure, _created = DailyFigure.objects.update_or_create(
            period=period,
            day=day,
            defaults={
                "children_requested": len(children) + len(matched_children),
                "places": sum(o.places for o in offers),
                "matched": result.matched + len(matched_children),
                "computed_at": clock.now(),
            },
        )
    return figure


def sms_text(request: EmergencyRequest, matches: list[EmergencyMatch]) -> str:
    """A short text for an SMS gateway: the places of one day, in the family's language."""
    with translation.override(request.language):
        places = "; ".join(f"{m.child.first_name} : {_holder_line(m.offer)}" for m in matches)
        return _("Accueil d'urgence %(day)s - %(places)s. Réf. %(reference)s") % {
            "day": matches[0].day.strftime("%d/%m"),
            "places": places,
            "reference": request.reference,
        }


def _holder_line(offer: EmergencyOffer) -> str:
    holder = offer.holder
    address = getattr(holder, "address", "") or ""
    return ", ".join(part for part in (offer.holder_name, address, holder.commune.name) if part)


def pending_proposals(period: EmergencyPeriod, day: date) -> dict[EmergencyRequest, list]:
    """The day's proposals not yet sent, by request."""
    by_request = defaultdict(list)
    rows = EmergencyMatch.objects.filter(
        offer__period=period, day=day, notified_at__isnull=True
    ).select_related("child__request", "offer__structure__commune", "offer__assistant__commune")
    for match in rows:
        by_request[match.child.request].append(match)
    return by_request


def notify_day(period: EmergencyPeriod, day: date) -> int:
    """Sends each family its proposals of the day by e-mail (in its language), after commit;
    returns how many families were written to. Families without e-mail get the SMS text, shown
    to the agents on the day's page."""
    sent = 0
    with transaction.atomic():
        proposals = pending_proposals(period, day)
        for item, matches in proposals.items():
            if item.email:
                with translation.override(item.language):
                    subject = _("Accueil d'urgence : une place pour votre enfant le %(day)s") % {
                        "day": day.strftime("%d/%m/%Y")
                    }
                    body = render_to_string(
                        "emergency/proposal_email.txt",
                        {
                            "request": item,
                            "day": day,
                            "places": [(m.child, _holder_line(m.offer)) for m in matches],
                        },
                    )
                address = item.email
                transaction.on_commit(
                    lambda s=subject, b=body, a=address: send_mail(
                        s, b, settings.DEFAULT_FROM_EMAIL, [a]
                    )
                )
                sent += 1
        EmergencyMatch.objects.filter(
            pk__in=[m.pk for matches in proposals.values() for m in matches]
        ).update(notified_at=clock.now())
    return sent


def day_figures(period: EmergencyPeriod) -> list[dict]:
    """Per day of the period: children asking, places declared, children matched (computed
    live before the day's matching, then as stored by it)."""
    stored = {f.day: f for f in period.figures.all()}
    asked = dict(
        RequestedDay.objects.filter(
            request__period=period, request__status=EmergencyRequest.Status.ACTIVE
        )
        .values_list("day")
        .annotate(n=Count("request__children"))
    )
    places = dict(period.offers.values_list("day").annotate(n=Sum("places")))
    rows = []
    for day in period.days():
        figure = stored.get(day)
        rows.append(
            {
                "day": day,
                "children_requested": figure.children_requested if figure else asked.get(day, 0),
                "places": figure.places if figure else places.get(day, 0) or 0,
                "matched": figure.matched if figure else None,
            }
        )
    return rows


def requests_of_day(user, period: EmergencyPeriod, day: date):
    """The active requests for ``day`` the person may see, with their matches of that day."""
    return (
        EmergencyRequest.objects.visible_to(user)
        .filter(period=period, days__day=day)
        .select_related("category", "home_commune", "work_commune")
        .prefetch_related("children")
        .annotate(matched=Count("children__matches", filter=Q(children__matches__day=day)))
        .order_by("category__rank", "submitted_at", "pk")
    )


def request_rows(requests, day: date) -> list[dict]:
    """Each request with its children and their match of the day, and, for a family reached
    only by phone, the SMS text of the proposals sent."""
    requests = list(requests)
    matches = {
        m.child_id: m
        for m in EmergencyMatch.objects.filter(child__request__in=requests, day=day).select_related(
            "child", "offer__structure__commune", "offer__assistant__commune"
        )
    }
    rows = []
    for item in requests:
        children = [(child, matches.get(child.pk)) for child in item.children.all()]
        sent = [m for _child, m in children if m is not None and m.notified_at is not None]
        by_phone = sent and not item.email and item.phone
        rows.append(
            {"item": item, "children": children, "sms": sms_text(item, sent) if by_phone else ""}
        )
    return rows
