"""Demo commission for the demo département: a synthetic waiting list run through the engine.

The commission meets in a few weeks, in the demo commune (the chef-lieu), for children starting
at the beginning of the month after next. The grid reuses the Pessac 2022 weights (shipped in
``data/grids/``); everything else is invented and labelled "Données de démonstration": the
children enrolled in the commune's crèches (some part time, some leaving for school before the
start date), the free places two crèches declared, and the waiting list (part-time needs,
twins, a child asking a transfer, families receiving a minimum social benefit).
"""

import io
import random
from datetime import date, timedelta

from django.conf import settings

from sdsf.allocation import rounds
from sdsf.allocation.grids import copy_criteria, load_grid
from sdsf.allocation.models import AllocationRound, PointsGrid, Vacancy
from sdsf.allocation.waiting_list import COLUMNS, OPTIONAL_COLUMNS, import_waiting_list
from sdsf.core import clock
from sdsf.offer import days
from sdsf.offer.models import SECTION_FILE_KEYS, Enrolment, Section, Structure
from sdsf.offer.sections import child_section
from sdsf.territories.models import Departement

DEMO_LABEL = "Données de démonstration"
MONTHS = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
]
CRITERIA = [
    ("residence", 0.9),
    ("both_parents_working", 0.5),
    ("single_parent", 0.2),
    ("disability", 0.05),
]
PART_TIME = ["lu|ma|je", "lu|ma", "me|je|ve", "ma|je|ve", "lu|ma|me|je"]
FAMILIES_PER_PLACE = 1.6


def _start(today: date) -> date:
    """The first day of the month after next: the children's start date."""
    month = today.month + 2
    return date(today.year + (month > 12), (month - 1) % 12 + 1, 1)


def _demo_commune(departement: Departement):
    """The chef-lieu when it has demo crèches, else the commune with the most."""
    eaje = Structure.objects.filter(
        commune__departement=departement, is_demo=True, kind=Structure.Kind.EAJE
    )
    if eaje.filter(commune_id=departement.chef_lieu).exists():
        return departement.communes.get(code=departement.chef_lieu)
    counts: dict[str, int] = {}
    for code in eaje.values_list("commune_id", flat=True):
        counts[code] = counts.get(code, 0) + 1
    return departement.communes.get(code=max(counts, key=counts.get)) if counts else None


def _enrol(rng, crèches: list[Structure], start: date) -> list[Enrolment]:
    """Children already there: most places taken, a third part time, the oldest leaving for
    school before the start date."""
    capacities = rounds.places_on(crèches, start, today=start)  # before any enrolment
    rows = []
    for structure, figures in zip(crèches, capacities.figures, strict=True):
        places = figures.capacity
        pooled = figures.pool >= 0
        for number in range(round(places * rng.uniform(0.8, 0.95))):
            section = rng.choice(list(figures.caps)) if not pooled or rng.random() < 0.5 else ""
            if not pooled:
                section = rng.choices(list(figures.caps), weights=list(figures.caps.values()))[0]
            leaving = section in ("older", "") and rng.random() < 0.35
            rows.append(
                Enrolment(
                    structure=structure,
                    reference=f"DEMO-{number + 1:03d}",
                    section=section,
                    days=days.parse(rng.choice(PART_TIME)) if rng.random() < 0.3 else days.ALL_DAYS,
                    start=start - timedelta(days=rng.randint(60, 700)),
                    planned_end=start - timedelta(days=rng.randint(1, 5)) if leaving else None,
                    is_demo=True,
                )
            )
    return rows


def _waiting_list(rng, allocation_round, crèches: list[Structure]) -> bytes:
    """About 1.6 families per offered place, three ranked wishes among the crèches open in the
    child's section; a third part time, one pair of twins, one transfer."""
    places = rounds.round_places(allocation_round, crèches, [])
    offered = sum(f.offered for f in places.figures)
    rows = []
    for number in range(1, max(20, int(offered * FAMILIES_PER_PLACE)) + 1):
        birth = allocation_round.starts_on - timedelta(days=rng.randint(95, 900))
        section = child_section(birth, allocation_round.starts_on)
        open_here = [s for s, f in zip(crèches, places.figures, strict=True) if f.open_for(section)]
        if not open_here:
            continue
        criteria = [k for k, p in CRITERIA if rng.random() < p]
        submitted = clock.today() - timedelta(days=rng.randrange(30, 300))
        rows.append(
            {
                "reference": f"DEMO-{number:04d}",
                "section": SECTION_FILE_KEYS.public(section),
                "date_demande": submitted.isoformat(),
                "insertion": "oui" if rng.random() < 0.08 else "non",
                "voeux": "|".join(
                    s.identifier for s in rng.sample(open_here, k=min(3, len(open_here)))
                ),
                "criteres": "|".join(criteria),
                "jours": rng.choice(PART_TIME) if rng.random() < 0.3 else "",
                "fratrie": "",
                "structure_actuelle": "",
                "minima_sociaux": "oui" if rng.random() < 0.1 else "non",
            }
        )
    _twins_and_transfer(rows, crèches, places.figures)
    lines = [",".join(COLUMNS + OPTIONAL_COLUMNS)]
    lines += [",".join(row[c] for c in COLUMNS + OPTIONAL_COLUMNS) for row in rows]
    return ("\n".join(lines) + "\n").encode()


def _twins_and_transfer(rows: list[dict], crèches, figures) -> None:
    """The second family files for twins (a row for each child); the first asks to leave a
    crèche where it is enrolled for another with places for its section."""
    for row in rows[:2]:  # residents with working parents: the demo shows them placed
        row["criteres"] = "residence|both_parents_working"
    if len(rows) > 1:
        rows[1]["fratrie"] = "DEMO-JUMEAUX"
        rows.insert(2, rows[1] | {"reference": rows[1]["reference"] + "-2"})
    section = SECTION_FILE_KEYS.stored(rows[0]["section"]) if rows else None
    current = next(
        (s for s, f in zip(crèches, figures, strict=True) if f.enrolled and f.caps[section]), None
    )
    wished = [
        s.identifier
        for s, f in zip(crèches, figures, strict=True)
        if s != current and f.open_for(section)
    ]
    if current is not None and wished:
        rows[0]["structure_actuelle"] = current.identifier
        rows[0]["voeux"] = "|".join(wished[:3])


def remove_round(departement: Departement) -> list[str]:
    """Removes the demo commission first: it refers to the demo registry, which is recreated."""
    AllocationRound.objects.filter(
        commune__departement=departement, name__contains=DEMO_LABEL
    ).delete()
    return []


def _grid(commune) -> PointsGrid:
    # the real published grid, shipped with its source (read where DATA_DIR is when called)
    pessac = load_grid(settings.DATA_DIR / "grids" / "pessac-2022.json")
    grid, _ = PointsGrid.objects.update_or_create(
        commune=commune,
        name=f"Grille de démonstration ({pessac.name})",
        defaults={"source": f"{DEMO_LABEL} : pondérations reprises de — {pessac.source}"},
    )
    copy_criteria(pessac, grid, (pessac.commune.name, commune.name))  # "Habitant de Bobigny"
    return grid


def create_round(departement: Departement) -> list[str]:
    commune = _demo_commune(departement)
    if commune is None:
        return ["Attribution : aucune crèche de démonstration."]
    rng = random.Random(f"sdsf-allocation-demo-{departement.code}")  # noqa: S311 — synthetic
    today = clock.today()
    start = _start(today)
    crèches = list(
        Structure.objects.filter(commune=commune, kind=Structure.Kind.EAJE, is_demo=True).order_by(
            "identifier"
        )
    )
    Enrolment.objects.bulk_create(_enrol(rng, crèches, start), batch_size=1000)
    Structure.objects.filter(pk__in=[s.pk for s in crèches[::4]]).update(benefit_reserve=True)
    allocation_round = AllocationRound.objects.create(
        commune=commune,
        name=f"Commission de {MONTHS[start.month - 1]} {start.year} — {DEMO_LABEL}",
        meets_on=today + timedelta(days=21),
        starts_on=start,
        ends_on=date(start.year + 1, start.month, 1) - timedelta(days=1),
        grid=_grid(commune),
        seed=start.year,
    )
    for structure in crèches[1:3]:  # two directors declared their free places
        Vacancy.objects.create(
            round=allocation_round,
            structure=structure,
            section=Section.ALL,
            places=rng.randint(3, 6),
            leaving=rng.randint(2, 4),
        )
    data = _waiting_list(rng, allocation_round, crèches)
    result = import_waiting_list(allocation_round, io.BytesIO(data), "liste-demo.csv")
    rounds.publish(allocation_round)
    proposed = rounds.run(allocation_round)
    receiving = (
        allocation_round.applications.exclude(proposed_structure=None)
        .values("proposed_structure")
        .distinct()
        .count()
    )
    return [
        f"Attribution ({DEMO_LABEL}) : commission de {commune.name} du "
        f"{allocation_round.meets_on:%d/%m/%Y}, {result.created} demandes, {proposed} places "
        f"proposées par le moteur dans {receiving} crèches sur {len(crèches)}."
    ]
