"""A demo family account with one submitted pré-demande, wishing crèches of the demo registry.

Names say they are synthetic; the pré-demande is flagged ``is_demo``. It is removed before the
registry is recreated (its wishes refer to demo structures) and filed again afterwards, through
the same domain functions as a family online.
"""

from datetime import date

from sdsf.core import clock
from sdsf.families import applications
from sdsf.families.commission import questions
from sdsf.families.models import Family, PreApplication
from sdsf.offer.models import Structure
from sdsf.territories.models import Departement


def _next_september(today: date) -> date:
    """The usual start of the childcare year after today."""
    return date(today.year + (today.month >= 9), 9, 1)


def demo_email(departement: Departement) -> str:
    return f"famille.{departement.code.lower()}@demo.sdsf.fr"


def remove_pre_applications(departement: Departement) -> list[str]:
    PreApplication.objects.filter(departement=departement, is_demo=True).delete()
    return []


def create_family(departement: Departement) -> list[str]:
    from sdsf.accounts.demo import DEMO_PASSWORD
    from sdsf.accounts.models import User

    email = demo_email(departement)
    user = User.objects.filter(email=email).first() or User.objects.create_user(
        email, DEMO_PASSWORD, first_name="Camille", last_name="Famille-Démo"
    )
    family, _ = Family.objects.get_or_create(user=user)
    family.email_verified_at = family.email_verified_at or clock.now()
    family.save()
    # In the chef-lieu, where the demo commune agent works: its guichet unique sees the file.
    demo_crèches = (
        Structure.objects.wishable()
        .filter(commune__departement=departement, is_demo=True)
        .order_by("commune_id", "identifier")
    )
    crèches = list(demo_crèches.filter(commune_id=departement.chef_lieu)[:2]) or list(
        demo_crèches[:2]
    )
    if not crèches:
        return [f"Famille de démonstration : {email} (aucune crèche de démonstration à souhaiter)"]
    home = crèches[0].commune
    pre = applications.create_draft(
        home_commune=home,
        family=family,
        parent_first_name="Camille",
        parent_last_name="Famille-Démo",
        email=email,
        child_first_name="Enfant",
        child_last_name="Démo (fictif)",
        child_birth_date=date(2025, 9, 1),
        wished_start=_next_september(clock.today()),
        days=[0, 1, 2, 3, 4],
        is_demo=True,
    )
    actor = {"actor": user, "by_agent": False}
    applications.set_wishes(pre, [*crèches, home], **actor)
    asked = {q.key for q in questions(pre)}
    applications.update(
        pre, {"situation": sorted(asked & {"residence", "both_parents_working"})}, **actor
    )
    pre.consent_at = clock.now()
    pre.save(update_fields=["consent_at"])
    applications.submit(pre, **actor)
    return [
        "Famille de démonstration (données fictives) :",
        f"  {'Compte famille':<40} {email:<40} {DEMO_PASSWORD}",
        f"  pré-demande {pre.reference} ({len(crèches) + 1} vœux)",
    ]
