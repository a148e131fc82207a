"""Demo commission for the demo département: a synthetic waiting list run through the engine.

The grid reuses the Pessac 2022 weights (shipped in ``data/grids/``) for one demo commune, and the
families are invented: the round's name says "Données de démonstration" on every page.
"""

import io
import random
from datetime import date, timedelta

from django.conf import settings

from sdsf.allocation import rounds
from sdsf.allocation.grids import copy_criteria, load_grid
from sdsf.allocation.models import AllocationRound, PointsGrid
from sdsf.allocation.waiting_list import COLUMNS, import_waiting_list
from sdsf.offer.models import SECTION_FILE_KEYS, Capacity, Section
from sdsf.territories.models import Departement

DEMO_LABEL = "Données de démonstration"


def _waiting_list(offer: dict[str, tuple[list[str], int]], seed: int) -> bytes:
    """About 1.5 families per place, three ranked wishes each, criteria drawn at random."""
    rng = random.Random(seed)  # noqa: S311 — synthetic data, not security
    lines = [",".join(COLUMNS)]
    number = 0
    for section, (identifiers, places) in offer.items():
        for _ in range(max(3, places * 3 // 2)):
            number += 1
            wishes = rng.sample(identifiers, k=min(3, len(identifiers)))
            criteria = [
                k
                for k, p in [
                    ("residence", 0.9),
                    ("both_parents_working", 0.5),
                    ("single_parent", 0.2),
                    ("disability", 0.05),
                ]
                if rng.random() < p
            ]
            submitted = date(2025, 9, 1) + timedelta(days=rng.randrange(240))
            insertion = "oui" if rng.random() < 0.08 else "non"
            lines.append(
                f"DEMO-{number:04d},{SECTION_FILE_KEYS.public(section)},"
                f"{submitted.isoformat()},{insertion},{'|'.join(wishes)},{'|'.join(criteria)}"
            )
    return ("\n".join(lines) + "\n").encode()


def _sectioned_offer(departement: Departement):
    """The demo crèches of one commune with places by age section: the chef-lieu when it has
    some, else the commune with the most such places (so the demo round is never empty)."""
    rows = (
        Capacity.objects.filter(
            structure__commune__departement=departement, structure__is_demo=True
        )
        .exclude(section=Section.ALL)
        .values_list("structure__commune_id", "structure__identifier", "section", "places")
    )
    by_commune: dict[str, dict[str, tuple[set[str], int]]] = {}
    for commune, identifier, section, places in rows:
        identifiers, total = by_commune.setdefault(commune, {}).get(section, (set(), 0))
        by_commune[commune][section] = (identifiers | {identifier}, total + places)
    if not by_commune:
        return None, {}
    commune = (
        departement.chef_lieu
        if departement.chef_lieu in by_commune
        else max(by_commune, key=lambda c: sum(total for _, total in by_commune[c].values()))
    )
    offer = {k: (sorted(ids), total) for k, (ids, total) in sorted(by_commune[commune].items())}
    return departement.communes.get(code=commune), offer


def remove_round(departement: Departement) -> list[str]:
    """Removes the demo commission first: it refers to the demo registry, which is recreated."""
    AllocationRound.objects.filter(
        commune__departement=departement, name__contains=DEMO_LABEL
    ).delete()
    return []


def create_round(departement: Departement) -> list[str]:
    commune, offer = _sectioned_offer(departement)
    if commune is None:
        return ["Attribution : aucune crèche de démonstration avec des places par section."]
    # the real published grid, shipped with its source (read where DATA_DIR is when called)
    pessac = load_grid(settings.DATA_DIR / "grids" / "pessac-2022.json")
    grid, _ = PointsGrid.objects.update_or_create(
        commune=commune,
        name=f"Grille de démonstration ({pessac.name})",
        defaults={"source": f"{DEMO_LABEL} : pondérations reprises de — {pessac.source}"},
    )
    copy_criteria(pessac, grid, (pessac.commune.name, commune.name))  # "Habitant de Bobigny"
    allocation_round = AllocationRound.objects.create(
        commune=commune,
        name=f"Commission de septembre 2026 — {DEMO_LABEL}",
        meets_on=date(2026, 6, 15),
        starts_on=date(2026, 9, 1),
        ends_on=date(2027, 8, 31),
        grid=grid,
        seed=2026,
    )
    data = _waiting_list(offer, seed=int(departement.code.replace("A", "0").replace("B", "1")))
    result = import_waiting_list(allocation_round, io.BytesIO(data), "liste-demo.csv")
    rounds.publish(allocation_round)
    proposed = rounds.run(allocation_round)
    return [
        f"Attribution ({DEMO_LABEL}) : commission de {commune.name}, {result.created} demandes, "
        f"{proposed} places proposées par le moteur."
    ]
