"""A synthetic registry for the demo département: deterministic, flagged ``is_demo`` everywhere.

Magnitudes follow the seeds where they give them (Seine-Saint-Denis: 5,130 agréed assistants
maternels in 2020; Ardèche: 1,795 for 4,715 places, EAJE places 1,394), else scale with the
population. Every row is placed at its commune's centre (position approchée): no fake address.
Contacts are visibly synthetic: telephone numbers from the range ARCEP reserves for fiction
(01 99 00 …) and e-mail addresses under the reserved ``.invalid`` domain, so a reminder can never
reach anyone.
The random sequence is seeded by the département; agrément dates are relative to the loading day.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

from sdsf.core import clock
from sdsf.core.french import of
from sdsf.offer.models import (
    Agrement,
    AgrementStatus,
    AssistantMaternel,
    Capacity,
    Civility,
    LaepSession,
    ParentingAction,
    ParentingEvent,
    ParentingFunding,
    Section,
    Status,
    Structure,
)
from sdsf.territories.models import Departement

# département → (assistants maternels, EAJE)
MAGNITUDES = {"93": (5130, 330), "26": (2900, 120), "07": (1795, 55), "79": (2300, 75)}
AM_PER_INHABITANT = 0.0045
INHABITANTS_PER_EAJE = 5000
RPE_COMMUNE_THRESHOLD = 10_000  # communes above it run their own RPE (law of 2023)
AGREMENT_YEARS = 5


LAST_NAMES = [
    "Martin",
    "Bernard",
    "Dubois",
    "Thomas",
    "Robert",
    "Richard",
    "Petit",
    "Durand",
    "Leroy",
    "Moreau",
    "Simon",
    "Laurent",
    "Lefebvre",
    "Michel",
    "Garcia",
    "David",
    "Bertrand",
    "Roux",
    "Vincent",
    "Fournier",
    "Morel",
    "Girard",
    "Andre",
    "Mercier",
    "Dupont",
    "Lambert",
    "Bonnet",
    "Francois",
    "Martinez",
    "Diallo",
    "Traore",
    "Benali",
    "Nguyen",
    "Haddad",
    "Silva",
    "Cissé",
    "Mendy",
    "Kone",
]
FIRST_NAMES = [
    "Marie",
    "Nathalie",
    "Isabelle",
    "Sylvie",
    "Catherine",
    "Sandrine",
    "Aminata",
    "Fatoumata",
    "Sophie",
    "Céline",
    "Nadia",
    "Karima",
    "Samia",
    "Valérie",
    "Christine",
    "Stéphanie",
    "Aïcha",
    "Fatima",
    "Linda",
    "Émilie",
    "Julie",
    "Laetitia",
    "Myriam",
]
EAJE_TYPES = [  # (category, weight, places range, PAJE share)
    (Structure.Category.MULTI, 45, (20, 60), 0.0),
    (Structure.Category.COLLECTIVE, 20, (40, 80), 0.0),
    (Structure.Category.MICRO, 25, (10, 12), 0.7),
    (Structure.Category.HALTE, 5, (12, 25), 0.0),
    (Structure.Category.FAMILIALE, 3, (30, 90), 0.0),
    (Structure.Category.PARENTALE, 2, (12, 20), 0.0),
]
PARENTING_THEMES = (
    "Relations parents-enfants",
    "Langage et lecture",
    "Numérique en famille",
    "Parentalité et handicap",
    "Soutien aux pères",
)


def create_offer(departement: Departement) -> list[str]:
    """Replaces the département's demo registry by a freshly generated one (idempotent)."""
    in_departement = {"commune__departement": departement, "is_demo": True}
    Structure.objects.filter(**in_departement).delete()
    AssistantMaternel.objects.filter(**in_departement).delete()
    ParentingAction.objects.filter(**in_departement).delete()
    rng = random.Random(f"sdsf-offer-demo-{departement.code}")
    communes = list(departement.communes.exclude(population__isnull=True).order_by("code"))
    population = sum(c.population for c in communes)
    am_count, eaje_count = MAGNITUDES.get(
        departement.code,
        (round(population * AM_PER_INHABITANT), max(1, population // INHABITANTS_PER_EAJE)),
    )
    manager = _demo_manager(departement)
    eaje = _eaje(rng, departement, communes, eaje_count, manager)
    mams = _mams(rng, departement, communes, am_count // 100, manager)
    rpe, laep = _rpe_and_laep(rng, departement, communes)
    assistants = _assistants(rng, departement, communes, am_count, mams)
    actions = _parenting(rng, departement, communes)
    return [
        f"Registre de l'offre (données de démonstration) : {eaje} EAJE, {len(mams)} MAM, "
        f"{assistants} assistants maternels, {rpe} RPE, {laep} LAEP, {actions} actions de "
        "parentalité."
    ]


def _demo_manager(departement):
    """The demo structure manager's institution: it manages a few demo structures."""
    from sdsf.accounts.demo import demo_accounts
    from sdsf.accounts.models import Role

    return next(
        a.institution for a in demo_accounts(departement) if a.role == Role.STRUCTURE_MANAGER
    )


DEMO_EMAIL_DOMAIN = "demo.invalid"
AM_EMAIL_SHARE = 0.3


def _contact(structure: Structure) -> None:
    """Synthetic, labelled contact details: fiction phone range, ``.invalid`` e-mail domain."""
    serial = sum(ord(c) * (i + 1) for i, c in enumerate(structure.identifier)) % 10_000
    structure.phone = f"01 99 00 {serial // 100:02d} {serial % 100:02d}"
    structure.email = f"{structure.identifier.lower()}@{DEMO_EMAIL_DOMAIN}"


def _declared_at(rng) -> datetime:
    return clock.now() - timedelta(days=rng.randint(0, 60))


def _pick_commune(rng, communes):
    return rng.choices(communes, weights=[c.population for c in communes])[0]


def _place(structure_or_assistant, commune) -> None:
    structure_or_assistant.commune = commune
    structure_or_assistant.latitude = commune.centroid_lat
    structure_or_assistant.longitude = commune.centroid_lon
    structure_or_assistant.location_approximate = commune.centroid_lat is not None


def _eaje(rng, departement, communes, count, manager) -> int:
    chef_lieu = next(c for c in communes if c.code == departement.chef_lieu)
    structures, capacities = [], []
    for index in range(count):
        category, _, (low, high), paje_share = rng.choices(
            EAJE_TYPES, weights=[t[1] for t in EAJE_TYPES]
        )[0]
        managed = index < 3
        commune = chef_lieu if managed else _pick_commune(rng, communes)
        opened_on = date(rng.randint(1985, 2023), rng.choice((1, 9)), 1)
        structure = Structure(
            identifier=f"DEMO-EAJE-{departement.code}-{index + 1:04d}",
            kind=Structure.Kind.EAJE,
            category=category,
            name=f"{Structure.Category(category).label.capitalize()} {commune.name} n° {index + 1}",
            manager=manager if managed else None,
            manager_name=manager.name if managed else f"Ville {of(commune.name)}",
            funding=Structure.Funding.PAJE if rng.random() < paje_share else Structure.Funding.PSU,
            opening_days="lundi-vendredi",
            opens_at=time(7, 30),
            closes_at=time(18, 30),
            avip=rng.random() < 0.05,
            pmi_authorised_on=opened_on - timedelta(days=30),
            status=Status.OPEN,
            opened_on=opened_on,
            is_demo=True,
        )
        if structure.avip:
            structure.avip_share = 30
        if rng.random() < 0.2:
            structure.available_places = rng.randint(1, 3)
            structure.available_from = date(clock.today().year + 1, 1, 5)
            structure.availability_updated_at = _declared_at(rng)
        _place(structure, commune)
        _contact(structure)
        structures.append(structure)
        places = rng.randint(low, high)
        capacities += _capacity_rows(rng, structure, places, opened_on)
    Structure.objects.bulk_create(structures, batch_size=1000)
    Capacity.objects.bulk_create(capacities, batch_size=1000)
    return len(structures)


def _capacity_rows(rng, structure, places, opened_on) -> list[Capacity]:
    """Initial capacity, by section for collective crèches; 15 % changed places since 2023."""

    def rows(total, start):
        if structure.category == Structure.Category.COLLECTIVE:
            babies, middle = total // 4, total // 3
            split = {
                Section.BABIES: babies,
                Section.MIDDLE: middle,
                Section.OLDER: total - babies - middle,
            }
        else:
            split = {Section.ALL: total}
        return [
            Capacity(structure=structure, section=s, places=n, start=start)
            for s, n in split.items()
        ]

    found = rows(places, opened_on)
    if rng.random() < 0.15:
        changed = max(1, places + rng.choice((-6, -3, 3, 6, 10)))
        if structure.category == Structure.Category.MICRO:
            changed = min(changed, 12)
        found += rows(changed, date(rng.choice((2023, 2024, 2025)), 9, 1))
    return found


def _mams(rng, departement, communes, count, manager) -> list[Structure]:
    mams = []
    for index in range(count):
        managed = index == 0
        commune = (
            next(c for c in communes if c.code == departement.chef_lieu)
            if managed
            else _pick_commune(rng, communes)
        )
        mam = Structure(
            identifier=f"DEMO-MAM-{departement.code}-{index + 1:03d}",
            kind=Structure.Kind.MAM,
            name=f"MAM {commune.name} n° {index + 1}",
            manager=manager if managed else None,
            manager_name=manager.name if managed else "Association d'assistants maternels",
            status=Status.OPEN,
            opened_on=date(rng.randint(2012, 2024), rng.randint(1, 12), 1),
            is_demo=True,
        )
        _place(mam, commune)
        _contact(mam)
        mams.append(mam)
    Structure.objects.bulk_create(mams)
    return mams


def _rpe_and_laep(rng, departement, communes) -> tuple[int, int]:
    """Each commune above 10,000 inhabitants runs an RPE; smaller communes of an EPCI share
    one; one LAEP per EPCI and one more in each commune above 50,000 inhabitants."""
    by_epci: dict[str, list] = {}
    for commune in communes:
        by_epci.setdefault(commune.epci_id or "", []).append(commune)
    rpe, laep, coverage, sessions = [], [], [], []
    for members in by_epci.values():
        members.sort(key=lambda c: -c.population)
        small = [c for c in members if c.population < RPE_COMMUNE_THRESHOLD]
        groups = [[c] for c in members if c.population >= RPE_COMMUNE_THRESHOLD]
        groups += [small[i : i + 15] for i in range(0, len(small), 15)]
        for group in groups:
            structure = Structure(
                identifier=f"DEMO-RPE-{departement.code}-{len(rpe) + 1:03d}",
                kind=Structure.Kind.RPE,
                name=f"Relais petite enfance {group[0].name}",
                status=Status.OPEN,
                opened_on=date(2012, 1, 1),
                is_demo=True,
            )
            _place(structure, group[0])
            _contact(structure)
            rpe.append(structure)
            coverage.append((structure, group))
        for commune in [members[0]] + [c for c in members[1:] if c.population >= 50_000]:
            structure = Structure(
                identifier=f"DEMO-LAEP-{departement.code}-{len(laep) + 1:03d}",
                kind=Structure.Kind.LAEP,
                name=f"Lieu d'accueil enfants-parents {commune.name}",
                status=Status.OPEN,
                opened_on=date(2016, 9, 1),
                is_demo=True,
            )
            _place(structure, commune)
            _contact(structure)
            laep.append(structure)
    Structure.objects.bulk_create(rpe + laep)
    through = Structure.covered_communes.through
    through.objects.bulk_create(
        [through(structure=s, commune=c) for s, group in coverage for c in group]
    )
    for structure in laep:
        day = rng.randint(0, 4)
        sessions.append(
            LaepSession(
                structure=structure, weekday=day, starts_at=time(9, 0), ends_at=time(11, 30)
            )
        )
    LaepSession.objects.bulk_create(sessions)
    return len(rpe), len(laep)


def _assistants(rng, departement, communes, count, mams) -> int:
    assistants, history = [], []
    today = clock.today()  # dates relative to the loading day, so every agrément is current
    mam_members = {m.pk: 0 for m in mams}
    for index in range(count):
        commune = _pick_commune(rng, communes)
        start = today - timedelta(days=rng.randint(0, 5 * 365 - 1))
        expiry = _years_later(start, AGREMENT_YEARS) - timedelta(days=1)
        places = rng.choices((1, 2, 3, 4), weights=(5, 15, 35, 45))[0]
        renewed = rng.random() < 0.5
        status = AgrementStatus.RENEWED if renewed else AgrementStatus.GRANTED
        assistant = AssistantMaternel(
            civility=Civility.FEMALE,  # the demo's first names are women's
            identifier=f"DEMO-AM-{departement.code}-{index + 1:06d}",
            last_name=rng.choice(LAST_NAMES),
            first_name=rng.choice(FIRST_NAMES),
            available_places=1 if rng.random() < 0.2 else None,
            is_demo=True,
        )
        if assistant.available_places:
            assistant.availability_updated_at = _declared_at(rng)
        if rng.random() < AM_EMAIL_SHARE:
            assistant.email = f"{assistant.identifier.lower()}@{DEMO_EMAIL_DOMAIN}"
        _place(assistant, commune)
        rows = []
        if renewed:
            previous = _years_later(start, -AGREMENT_YEARS)
            rows.append(
                Agrement(
                    assistant=assistant,
                    effective_from=previous,
                    status=AgrementStatus.GRANTED,
                    places=max(1, places - 1),
                    start=previous,
                    expiry=start - timedelta(days=1),
                )
            )
        rows.append(
            Agrement(
                assistant=assistant,
                effective_from=start,
                status=status,
                places=places,
                start=start,
                expiry=expiry,
            )
        )
        if rng.random() < 0.02:
            suspended = start + timedelta(days=rng.randint(30, 300))
            rows.append(
                Agrement(
                    assistant=assistant,
                    effective_from=suspended,
                    status=AgrementStatus.SUSPENDED,
                    places=places,
                    start=start,
                    expiry=expiry,
                )
            )
        current = rows[-1]
        assistant.agrement_status = current.status
        assistant.agrement_places = current.places
        assistant.agrement_start = current.start
        assistant.agrement_expiry = current.expiry
        assistant.agrement_since = current.effective_from
        fitting = [m for m in mams if m.commune_id == commune.code and mam_members[m.pk] < 4]
        if fitting and rng.random() < 0.5:
            assistant.mam = fitting[0]
            mam_members[fitting[0].pk] += 1
        assistants.append(assistant)
        history += rows
    AssistantMaternel.objects.bulk_create(assistants, batch_size=1000)
    Agrement.objects.bulk_create(history, batch_size=1000)
    return len(assistants)


def _years_later(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _parenting(rng, departement, communes) -> int:
    actions, fundings, events = [], [], []
    today = clock.today()
    for index in range(max(5, len(communes) // 3)):
        commune = _pick_commune(rng, communes)
        action = ParentingAction(
            identifier=f"DEMO-PAR-{departement.code}-{index + 1:03d}",
            title=f"{rng.choice(PARENTING_THEMES)} à {commune.name}",
            promoter=f"Centre social de {commune.name}",
            theme=rng.choice(PARENTING_THEMES),
            public="Parents d'enfants de 0 à 6 ans",
            scheme="REAAP",
            commune=commune,
            is_demo=True,
        )
        actions.append(action)
        fundings += [
            ParentingFunding(action=action, year=year, amount=rng.randint(10, 80) * 100)
            for year in (2024, 2025)
        ]
        first = today + timedelta(days=rng.randint(3, 20))
        events += [
            ParentingEvent(
                action=action,
                title=f"Séance {number + 1} : {action.theme.lower()}",
                date=first + timedelta(days=14 * number),
                starts_at=time(9, 30),
                ends_at=time(11, 30),
                place=action.promoter,
            )
            for number in range(3)
        ]
    ParentingAction.objects.bulk_create(actions)
    ParentingFunding.objects.bulk_create(fundings)
    ParentingEvent.objects.bulk_create(events)
    return len(actions)
