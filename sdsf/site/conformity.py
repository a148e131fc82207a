"""The accessibility of the platform as measured, for the déclaration d'accessibilité.

A conformity rate against the RGAA needs a full audit of its 106 criteria by a person; none has
been made, so the platform is declared « non conforme », as the RGAA requires in that case.
What was measured is an automated test: axe-core (WCAG 2.1 A and AA rules, those that a machine
can check) in Chromium on the main pages of the demo, at a phone's size (390×844) and a
desktop's (1280×900), on the date below. Its findings are listed as they are; the browser tests
(tests/browser) keep the public pages free of serious and critical findings. Measure again and
update this module when the pages change.
"""

from dataclasses import dataclass
from datetime import date

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Audit:
    measured_on: date
    tool: str
    pages: tuple
    findings: tuple  # (page, what was found) as shown to users


STAFF_PAGES = _("Pages des agents")

AUDIT = Audit(
    measured_on=date(2026, 12, 5),
    tool="axe-core 4.14, Chromium",
    pages=(
        (_("Accueil du site"), "/"),
        (_("Trouver un mode d'accueil"), "/familles/"),
        (_("Résultats d'une recherche, avec la carte"), "/familles/?commune=Bobigny&radius=5"),
        (_("Estimer le coût"), "/familles/cout/"),
        (_("Connexion à l'espace famille"), "/familles/compte/connexion/"),
        (_("Création d'un compte famille"), "/familles/compte/inscription/"),
        (_("Espace famille"), "/familles/compte/"),
        (_("Mentions légales"), "/informations/mentions-legales/"),
        (_("Déclaration d'accessibilité"), "/informations/accessibilite/"),
        (_("Données personnelles"), "/informations/donnees-personnelles/"),
        (_("Plan du site"), "/informations/plan-du-site/"),
        (_("Gestion des cookies"), "/informations/cookies/"),
        (_("Connexion des agents"), "/compte/connexion/"),
        (_("Accueil des agents"), "/accueil/"),
        (_("Registre de l'offre"), "/offre/"),
        (_("Observatoire (page d'un département)"), "/observatoire/"),
        (_("Pilotage du schéma"), "/pilotage/"),
        (_("Commissions d'attribution"), "/attribution/"),
        (_("Guichet unique"), "/familles/guichet-unique/"),
    ),
    findings=(
        (
            STAFF_PAGES,
            _(
                "sur un téléphone, les tableaux larges du registre de l'offre, de l'observatoire "
                "et du pilotage défilent horizontalement sans pouvoir recevoir le focus du "
                "clavier (critère WCAG 2.1.1, clavier)."
            ),
        ),
    ),
)
