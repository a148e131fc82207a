"""The demo's emergency period: a crisis exercise in the demo département, starting today.

Everything is synthetic and says so: the period is marked as demo data, its title says it, and
the families are "Famille de démonstration n". The préfecture's demo account opens it; the demo
crèches open a few places each day; today's matching is run (no e-mail is sent), so the demo
accounts see requests, proposals and the day's figures.
"""

from datetime import timedelta

from sdsf.accounts.demo import demo_accounts
from sdsf.accounts.models import Role, User
from sdsf.core import clock
from sdsf.emergency import service
from sdsf.emergency.models import (
    EmergencyChild,
    EmergencyOffer,
    EmergencyPeriod,
    EmergencyRequest,
    RequestedDay,
)
from sdsf.offer.models import Structure
from sdsf.territories.models import Departement

TITLE = "Exercice d'accueil d'urgence (données de démonstration)"
CATEGORIES = [
    "Personnels des établissements de santé et médico-sociaux",
    "Personnels chargés de la gestion de la crise (préfecture, secours, sécurité)",
    "Personnels de l'aide sociale à l'enfance et de la PMI",
]
REQUESTS = 24


def remove_period(departement: Departement) -> list[str]:
    """Removes the demo period first: its places refer to the demo registry, recreated next."""
    EmergencyPeriod.objects.filter(departement=departement, is_demo=True).delete()
    return []


def create_period(departement: Departement) -> list[str]:
    prefecture = next(a for a in demo_accounts(departement) if a.role == Role.STATE)
    opener = User.objects.get(email=prefecture.email)
    creches = list(
        Structure.objects.filter(
            commune__departement=departement, kind=Structure.Kind.EAJE, is_demo=True
        ).select_related("commune")[:8]
    )
    if not creches:
        return ["Accueil d'urgence : aucune creche de démonstration."]
    today = clock.today()
    period = EmergencyPeriod.objects.create(
        departement=departement,
        title=TITLE,
        reason="Exercice : fermeture des crèches et des écoles décidée par la préfecture ; seuls "
        "les enfants des personnels indispensables à la gestion de la crise sont accueillis.",
        starts_on=today,
        ends_on=today + timedelta(days=4),
        opened_by=opener,
        is_demo=True,
    )
    categories = [
        period.categories.create(rank=rank, label=label)
        for rank, label in enumerate(CATEGORIES, start=1)
    ]
    EmergencyOffer.objects.bulk_create(
        EmergencyOffer(
            period=period, structure=creche, day=day, places=2 + n % 3, declared_by=opener
        )
        for n, creche in enumerate(creches)
        for day in period.days()
    )
    communes = sorted({c.commune for c in creches}, key=lambda c: c.code)
    for n in range(REQUESTS):
        request = EmergencyRequest.objects.create(
            period=period,
            reference=f"URG-DEMO-{n + 1:03d}",
            channel=EmergencyRequest.Channel.ONLINE if n % 4 else EmergencyRequest.Channel.DESK,
            category=categories[n % len(categories)],
            parent_name=f"Famille de démonstration {n + 1}",
            email=f"famille{n + 1}@exemple.invalid" if n % 5 else "",
            phone="" if n % 5 else "06 00 00 00 00",
            employer="Centre hospitalier (démonstration)",
            home_commune=communes[n % len(communes)],
            submitted_at=clock.now() - timedelta(hours=REQUESTS - n),
        )
        EmergencyChild.objects.create(
            request=request,
            first_name=f"Enfant {n + 1}",
            birth_date=today - timedelta(days=300 + 40 * n),
        )
        RequestedDay.objects.bulk_create(
            RequestedDay(request=request, day=day) for day in period.days()[: 2 + n % 4]
        )
    figure = service.run_day(period, today)
    return [
        f"Accueil d'urgence : exercice ouvert pour 5 jours, {REQUESTS} demandes, "
        f"{figure.matched} enfant(s) sur {figure.children_requested} apparié(s) aujourd'hui."
    ]
