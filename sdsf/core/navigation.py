"""The main menu: each entry shows only to people whose roles allow its action."""

from dataclasses import dataclass

from django.urls import reverse


@dataclass(frozen=True)
class MenuItem:
    label: str
    url_name: str
    action: str | None  # None: any logged-in person


MENU = [
    MenuItem("Accueil", "core:home", None),
    MenuItem("Territoires", "territories:index", "territory.view"),
    MenuItem("Offre", "offer:index", "offer.view"),
    MenuItem("Observatoire", "observatory:index", "observatory.view"),
    MenuItem("Pilotage", "steering:index", "steering.view"),
    MenuItem("Attribution", "allocation:index", "allocation.view"),
    MenuItem("Personnes", "accounts:people", "people.view"),
    MenuItem("Journal d'audit", "audit:search", "audit.view"),
]


def menu_for(request) -> list[dict]:
    from sdsf.accounts.scope import Action, can

    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return []
    current = request.path
    items = []
    for item in MENU:
        if item.action is None or can(user, Action(item.action)):
            url = reverse(item.url_name)
            active = current == url if url == "/" else current.startswith(url)
            items.append({"label": item.label, "link": url, "active": active})
    return items
