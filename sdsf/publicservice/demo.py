"""Demo step: the département's committee (members, a meeting with decisions) and the draft
schéma pluriannuel of the chef-lieu, all labelled « Données de démonstration »."""

import datetime

from sdsf.core import clock
from sdsf.publicservice import schemas
from sdsf.publicservice.models import College, Decision, Meeting, Member, Orientation
from sdsf.territories.models import Departement, Level

DEMO = "(démonstration)"
DEMO_DOMAIN = "demo.invalid"
MEMBERS = [
    (College.STATE, "Préfète", "Préfecture", "Présidence"),
    (College.DEPARTEMENT, "Président du conseil départemental", "Département", "Vice-présidence"),
    (College.CAF, "Présidente du conseil d'administration", "CAF", "Vice-présidence, secrétariat"),
    (College.MSA, "Directeur de l'action sociale", "MSA", ""),
    (College.COMMUNES, "Maire", "Association des maires", "Vice-présidence"),
    (College.ASSOCIATIONS, "Directrice", "Fédération des centres sociaux", ""),
    (College.FAMILIES, "Présidente", "UDAF", ""),
]


def _members(departement: Departement, start: datetime.date) -> list[Member]:
    Member.objects.filter(departement=departement, email__endswith=f"@{DEMO_DOMAIN}").delete()
    return Member.objects.bulk_create(
        Member(
            departement=departement,
            college=college,
            name=f"{title} {DEMO}",
            organisation=f"{organisation} {departement.name}",
            function=function,
            email=f"cdsf-{index}.{departement.code}@{DEMO_DOMAIN}",
            mandate_start=start,
            mandate_end=start.replace(year=start.year + 6),
        )
        for index, (college, title, organisation, function) in enumerate(MEMBERS, 1)
    )


def _meeting(departement: Departement, members: list[Member]) -> Meeting:
    Meeting.objects.filter(departement=departement, title__endswith=DEMO).delete()
    meeting = Meeting.objects.create(
        departement=departement,
        held_on=clock.today() - datetime.timedelta(days=60),
        title=f"Séance plénière {DEMO}",
        agenda="1. Bilan annuel du schéma\n2. Obligations des communes (loi plein emploi)\n"
        "3. Calendrier du renouvellement du schéma",
        documents="Bilan annuel du schéma (projet)",
        minutes="Données de démonstration : compte rendu fictif de la séance.",
    )
    meeting.attendees.set(members[:5])
    scheme = schemas.current_scheme(departement.code)
    actions = list(scheme.actions.all()[:2]) if scheme else []
    texts = [
        "Le comité approuve le bilan annuel du plan d'actions.",
        "Le comité demande un point d'étape sur les schémas pluriannuels des communes.",
    ]
    for position, text in enumerate(texts, 1):
        decision = Decision.objects.create(meeting=meeting, position=position, text=text)
        decision.actions.set(actions[position - 1 : position])
    return meeting


def create_committee(departement: Departement) -> list[str]:
    start = datetime.date(clock.today().year - 1, 1, 1)
    members = _members(departement, start)
    _meeting(departement, members)
    chef_lieu = departement.communes.get(code=departement.chef_lieu)
    schema = schemas.open_schema(Level.COMMUNE, chef_lieu.code, chef_lieu.name, departement.code)
    part_a = schema.orientations.get(part=Orientation.Part.OFFER)
    if not part_a.text:
        part_a.text = (
            "Données de démonstration : maintenir les places existantes et ouvrir un "
            "multi-accueil dans le quartier le moins couvert."
        )
        part_a.save(update_fields=["text"])
    return [
        f"Comité départemental : {len(members)} membres et une séance (Données de démonstration).",
        f"Schéma pluriannuel de {chef_lieu.name} ouvert (projet, schéma {schema.pk}).",
    ]
