"""The main menu: each entry shows only to people whose roles allow its action.

Families (anonymous on the family pages, or a family account without staff role) see the family
menu instead: one list, ``FAMILY_MENU``, that each family part extends by one line.
"""

from dataclasses import dataclass

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from sdsf.accounts.scope import Permission, can, roles


@dataclass(frozen=True)
class MenuItem:
    label: str
    url_name: str
    action: str | None  # None: any logged-in person


MENU = [
    MenuItem("Accueil", "site:home", None),
    MenuItem("Territoires", "territories:index", "territory.view"),
    MenuItem("Offre", "offer:index", "offer.view"),
    MenuItem("Observatoire", "observatory:index", "observatory.view"),
    MenuItem("Structures en difficulté", "difficulty:index", "difficulty.view"),
    MenuItem("Pilotage", "steering:index", "steering.view"),
    MenuItem("Communes et CDSF", "publicservice:index", "publicservice.view"),
    MenuItem("Financements", "funding:index", "funding.view"),
    MenuItem("Attribution", "allocation:index", "allocation.view"),
    MenuItem("Places à déclarer", "allocation:declarations", "allocation.declare_places"),
    MenuItem("Guichet unique", "families:desk", "families.view"),
    MenuItem("Accueil d'urgence", "emergency:index", "emergency.view"),
    MenuItem("Personnes", "people:list", "people.view"),
    MenuItem("Journal d'audit", "audit:search", "audit.view"),
]


@dataclass(frozen=True)
class FamilyMenuItem:
    label: str
    url_name: str


FAMILY_MENU = [
    FamilyMenuItem(_("Trouver un mode d'accueil"), "families:search"),
    FamilyMenuItem(_("Estimer le coût"), "families:cost"),
    FamilyMenuItem(_("Mon espace"), "families:space"),
]
FAMILY_PAGES = "/familles/"


def _family_menu(request) -> list[dict] | None:
    """The family menu, or None for a person with a staff role (they keep the staff menu)."""
    user = getattr(request, "user", None)
    if user is not None and roles(user):
        return None
    # A family account is the one-to-one ``family`` the families app hangs on the person.
    # The public pages in the families' languages (theirs, and the footer's) show it too.
    public = request.path.startswith(tuple(settings.FAMILY_LANGUAGE_PATHS))
    if not public and not hasattr(user, "family"):
        return None
    items = []
    for item in FAMILY_MENU:
        url = reverse(item.url_name)
        active = request.path == url if url == FAMILY_PAGES else request.path.startswith(url)
        items.append({"label": str(item.label), "link": url, "active": active})
    return items


def menu_for(request) -> list[dict]:
    family = _family_menu(request)
    if family is not None:
        return family
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return []
    current = request.path
    items = []
    for item in MENU:
        if item.action is None or can(user, Permission(item.action)):
            url = reverse(item.url_name)
            active = current == url if url == "/" else current.startswith(url)
            items.append({"label": item.label, "link": url, "active": active})
    return items
