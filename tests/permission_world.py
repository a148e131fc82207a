"""A small platform in two départements, for the permission matrix and the gate's tests.

Objects of every kind exist twice: in Bobigny (93008, Seine-Saint-Denis) and in Valence (26362,
Drôme); a relais of Montreuil (93048) covers Bobigny. The profiles are the people an attacker
would play: staff of the 93 in each role (the préfecture's State role included), an
administrator of the 26, a commune agent of another commune, a relais' manager, two families.
Everything is built with the factories and plain rows, once per test module (the
``module_world`` fixture of ``tests/conftest.py``), and rolled back after the module.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.contrib.auth.tokens import default_token_generator
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from sdsf.accounts.models import Institution, Role
from sdsf.core import clock
from sdsf.territories.models import Level
from tests.factories import (
    PDF,
    give_structure_role,
    make_assistant,
    make_family,
    make_institution,
    make_pre_application,
    make_structure,
    make_user,
)

BOBIGNY, MONTREUIL, VALENCE = "93008", "93048", "26362"

# profile → (role, scope level, scope code); None: anonymous; "": logged in without a role;
# "family": a family account. The relais manager's role is scoped to the RPE of Montreuil.
PROFILES = {
    "anonymous": None,
    "no_role": "",
    "family": "family",  # owns the pré-demande of Bobigny
    "other_family": "family",  # owns the pré-demande of Valence
    "admin": (Role.ADMINISTRATOR, Level.DEPARTEMENT, "93"),
    "admin_26": (Role.ADMINISTRATOR, Level.DEPARTEMENT, "26"),
    "analyst": (Role.ANALYST, Level.DEPARTEMENT, "93"),
    "pmi": (Role.PMI_AGENT, Level.DEPARTEMENT, "93"),
    "caf": (Role.CAF_ADVISOR, Level.DEPARTEMENT, "93"),
    "commune": (Role.COMMUNE_AGENT, Level.COMMUNE, BOBIGNY),
    "commune_other": (Role.COMMUNE_AGENT, Level.COMMUNE, MONTREUIL),
    "structure": (Role.STRUCTURE_MANAGER, Level.COMMUNE, BOBIGNY),
    "rpe": (Role.STRUCTURE_MANAGER, "structure", "RPE-93-GATE"),
    "commission": (Role.COMMISSION_MEMBER, Level.COMMUNE, BOBIGNY),
    "state": (Role.STATE, Level.DEPARTEMENT, "93"),
}


@dataclass
class Side:
    """The objects of one side (``"93"``: Bobigny, ``"26"``: Valence)."""

    departement: str
    commune: str
    eaje: object = None
    mam: object = None
    assistant: object = None
    parenting: object = None
    job: object = None  # an offer import
    observatory_job: object = None  # the check of an observatory file, by the administrator
    grid: object = None
    round: object = None  # published, with an application wishing the EAJE
    application: object = None
    list_job: object = None  # the round's waiting-list upload, by its commune's agent
    validated: object = None  # validated round, a waiting-list family and a family's proposal
    waiting: object = None  # its application of a family without account
    proposal: object = None  # its application of the family's pré-demande
    pre: object = None  # the family's pré-demande, with a document
    document: object = None
    duplicate: object = None  # a second pré-demande of the same child, filed at the desk
    invitation: object = None  # the desk's invitation to the family to attach the duplicate
    person: object = None  # an agent of the département, whom its administrator manages
    institution: object = None  # the CAF of the département
    scheme: object = None
    action: object = None
    indicator: object = None
    version: object = None
    review: object = None
    survey: object = None
    recipients: object = None
    emergency: object = None  # an emergency period open today, with places and a request
    follow_up: object = None  # the EAJE's follow-up file, with an action and a requested aid
    aid: object = None
    local_schema: object = None  # the commune's schéma pluriannuel (a draft)
    meeting: object = None  # a meeting of the département's committee, with a decision
    programme: object = None  # funded by the CAF and the Département of the side
    call: object = None  # published, open
    funding_operator: object = None  # in the side's commune (the 93's: the managers')
    funding_application: object = None  # signed, with a document, grants and payments
    funding_document: object = None
    payment: object = None  # the advance of a grant, not paid


@dataclass
class World:
    users: dict = field(default_factory=dict)
    sides: dict = field(default_factory=dict)
    rpe: object = None
    reset: tuple = ()  # (uidb64, token) of a family's password reset link


def _offer(side: Side, manager: Institution) -> None:
    code = side.departement
    side.eaje = make_structure(
        side.commune, identifier=f"EAJE-{code}-GATE", name=f"Crèche {code}", manager=manager
    )
    side.mam = make_structure(
        side.commune, "mam", identifier=f"MAM-{code}-GATE", name=f"MAM {code}", manager=manager
    )
    side.assistant = make_assistant(
        side.commune, identifier=f"AM-{code}-GATE", mam=side.mam, available_places=1
    )
    from sdsf.offer.models import Capacity, Enrolment, ParentingAction

    Capacity.objects.create(
        structure=side.eaje, section="babies", places=10, start=date(2020, 1, 1)
    )
    Enrolment.objects.create(
        structure=side.eaje, reference=f"E-{code}-1", section="babies", start=date(2025, 9, 1)
    )
    side.parenting = ParentingAction.objects.create(
        identifier=f"PAR-{code}-GATE",
        title="Café des parents",
        promoter="CAF",
        commune_id=side.commune,
    )


def _import_job(side: Side, user) -> None:
    from sdsf.offer.models import ImportJob

    side.job = ImportJob.objects.create(
        user=user, kind="eaje", file_name="eaje.csv", state=ImportJob.State.DONE, report="ok"
    )


def _observatory_job(side: Side, user) -> None:
    from sdsf.offer.models import ImportJob

    side.observatory_job = ImportJob.objects.create(
        user=user,
        kind="population",
        departement_id=side.departement,
        options={"year": 2021},
        file_name="pop.csv",
        content=f"CODGEO;P21_POP0002\n{side.commune};120\n".encode(),
        dry_run=True,
        state=ImportJob.State.DONE,
        report="ok",
    )


def _waiting_list_job(side: Side, user) -> None:
    from sdsf.allocation.tasks import WAITING_LIST
    from sdsf.offer.models import ImportJob

    side.list_job = ImportJob.objects.create(
        user=user,
        kind=WAITING_LIST,
        target=side.round.pk,
        file_name="liste.csv",
        state=ImportJob.State.DONE,
        report="ok",
    )


def _allocation(side: Side) -> None:
    from sdsf.allocation.models import (
        AllocationRound,
        Answer,
        Application,
        Criterion,
        PointsGrid,
        Vacancy,
    )

    side.grid = PointsGrid.objects.create(commune_id=side.commune, name="Grille", source="Test")
    Criterion.objects.create(
        grid=side.grid, position=1, key="residence", label="Résidence", weight=300, reason="Loi."
    )
    start = date(2026, 9, 1)
    common = {"commune_id": side.commune, "grid": side.grid, "starts_on": start}
    side.round = AllocationRound.objects.create(
        name="Commission de septembre",
        ends_on=start + timedelta(days=30),
        status=AllocationRound.Status.PUBLISHED,
        **common,
    )
    Vacancy.objects.create(round=side.round, structure=side.eaje, section="all", places=2)
    wishes = [side.eaje.identifier]
    side.application = Application.objects.create(
        round=side.round,
        reference=f"D-{side.departement}-1",
        section="babies",
        submitted_on=date(2026, 1, 5),
        points=300,
        wishes=wishes,
        criteria=["residence"],
    )
    side.validated = AllocationRound.objects.create(
        name="Commission de juin",
        ends_on=start + timedelta(days=10),
        status=AllocationRound.Status.VALIDATED,
        **common,
    )
    proposed = {
        "round": side.validated,
        "section": "babies",
        "submitted_on": date(2026, 1, 5),
        "points": 300,
        "wishes": wishes,
        "proposed_structure": side.eaje,
        "wish_rank": 1,
        "answer": Answer.PENDING,
        "answer_deadline": clock.today() + timedelta(days=8),
    }
    side.waiting = Application.objects.create(reference=f"D-{side.departement}-2", **proposed)
    side.proposal = Application.objects.create(
        reference=side.pre.reference, pre_application=side.pre, **proposed
    )


def _families(side: Side, family, agent) -> None:
    from sdsf.families.models import Document, Invitation, PreApplication

    side.pre = make_pre_application(
        family=family,
        departement=side.departement,
        home_commune=side.commune,
        wishes=[side.eaje],
        child_first_name="Lou",
    )
    side.document = Document.objects.create(
        pre_application=side.pre,
        kind=Document.Kind.RESIDENCE,
        file=f"families/gate/{side.departement}.pdf",
        original_name="justificatif.pdf",
        content_type="application/pdf",
        size=len(PDF),
    )
    side.duplicate = make_pre_application(
        departement=side.departement,
        home_commune=side.commune,
        wishes=[side.commune],
        child_first_name="Lou",
        email=family.user.email,
        filed_by=agent,
    )
    assert side.duplicate.status == PreApplication.Status.RECEIVED
    now = clock.now()
    side.invitation = Invitation.objects.create(
        pre_application=side.duplicate,
        email=family.user.email,
        language="fr",
        sent_by=agent,
        sent_at=now,
        expires_at=now + timedelta(days=7),
    )


def _steering(side: Side, pilot: Institution) -> None:
    from sdsf.steering.models import (
        Action,
        Actor,
        Axis,
        Indicator,
        PlanVersion,
        Question,
        RecipientList,
        Review,
        Scheme,
        Survey,
    )

    code = side.departement
    side.scheme = Scheme.objects.create(
        reference=f"sdsf-{code}-gate",
        departement_id=code,
        name=f"Schéma {code}",
        start_year=2024,
        end_year=2027,
    )
    axis = Axis.objects.create(scheme=side.scheme, position=1, code="1", title="Accueil")
    side.action = Action.objects.create(
        scheme=side.scheme, axis=axis, position=1, code="1.1", title="Ouvrir des places"
    )
    Actor.objects.create(
        action=side.action,
        part=Actor.Part.PILOT,
        label=pilot.name,
        kind=pilot.kind,
        institution=pilot,
    )
    side.indicator = Indicator.objects.create(
        scheme=side.scheme, action=side.action, code="I1", label="Places ouvertes"
    )
    side.version = PlanVersion.objects.create(
        scheme=side.scheme, number=1, year=2024, label="Plan signé", snapshot={"axes": []}
    )
    side.review = Review.objects.create(scheme=side.scheme, year=2024)
    side.survey = Survey.objects.create(scheme=side.scheme, title="Enquête des assistants")
    Question.objects.create(survey=side.survey, position=1, text="Combien ?", kind="number")
    side.recipients = RecipientList.objects.create(
        survey=side.survey,
        name="AM",
        territory_level=Level.COMMUNE,
        territory_code=side.commune,
        recipients=10,
    )


def _emergency(side: Side, opener) -> None:
    from sdsf.emergency.models import (
        EmergencyChild,
        EmergencyOffer,
        EmergencyPeriod,
        EmergencyRequest,
        RequestedDay,
    )

    today = clock.today()
    period = EmergencyPeriod.objects.create(
        departement_id=side.departement,
        title=f"Crise {side.departement}",
        reason="Fermeture des crèches",
        starts_on=today,
        ends_on=today + timedelta(days=2),
        opened_by=opener,
    )
    category = period.categories.create(rank=1, label="Personnels de santé")
    EmergencyOffer.objects.create(
        period=period, structure=side.eaje, day=today, places=2, declared_by=opener
    )
    request = EmergencyRequest.objects.create(
        period=period,
        reference=f"URG-{side.departement}",
        channel=EmergencyRequest.Channel.ONLINE,
        category=category,
        parent_name="Parent Urgence",
        email="urgence@example.org",
        employer="Hôpital",
        home_commune_id=side.commune,
        submitted_at=clock.now(),
    )
    EmergencyChild.objects.create(request=request, first_name="Noé", birth_date=date(2025, 1, 1))
    RequestedDay.objects.create(request=request, day=today)
    side.emergency = period


def _difficulty(side: Side) -> None:
    from sdsf.difficulty.models import ActivityYear, Aid, FollowUp, PlanAction

    ActivityYear.objects.create(
        structure=side.eaje, year=2025, places=10, opening_days=200, source="Test"
    )
    side.follow_up = FollowUp.objects.create(
        structure=side.eaje, opened_on=date(2026, 1, 5), signals="opening_days_low", places=10
    )
    PlanAction.objects.create(file=side.follow_up, title="Recruter", who="Gestionnaire")
    side.aid = Aid.objects.create(
        file=side.follow_up,
        funder="caf",
        requested_eur=1000,
        computed_eur=800,
        requested_on=date(2026, 2, 1),
    )


def _publicservice(side: Side) -> None:
    from sdsf.publicservice.models import Decision, LocalSchema, Meeting, Member, Orientation

    side.local_schema = LocalSchema.objects.create(
        departement_id=side.departement,
        authority_level=Level.COMMUNE,
        authority_code=side.commune,
        authority_name=f"Commune {side.commune}",
        scheme=side.scheme,
        start_year=2027,
        end_year=2032,
    )
    Orientation.objects.bulk_create(
        Orientation(schema=side.local_schema, part=part) for part in Orientation.Part.values
    )
    member = Member.objects.create(
        departement_id=side.departement,
        college="caf",
        name="Claude Membre",
        organisation="CAF",
        email="membre@example.org",
        mandate_start=date(2024, 1, 1),
    )
    side.meeting = Meeting.objects.create(
        departement_id=side.departement,
        held_on=date(2026, 3, 1),
        title="Séance plénière",
        agenda="Bilan du schéma.",
    )
    side.meeting.attendees.set([member])
    Decision.objects.create(meeting=side.meeting, text="Bilan adopté.").actions.set([side.action])


def _funding(side: Side, funders: list[Institution], operator: Institution | None) -> None:
    from decimal import Decimal

    from sdsf.funding import calls
    from sdsf.funding.models import Call, Payment, SupportingDocument
    from tests.factories import make_operator, make_programme

    code = side.departement
    side.programme = make_programme(
        code,
        code=f"prog-{code}-gate",
        shares={f"{i.name} (financeur)": (50, i) for i in funders},
    )
    today = clock.today()
    side.call = Call.objects.create(
        programme=side.programme,
        slug=f"appel-{code}-gate",
        title=f"Appel {code}",
        summary="Parentalité",
        criteria="Association",
        opens_on=today - timedelta(days=5),
        closes_on=today + timedelta(days=5),
        published=True,
    )
    side.funding_operator = make_operator(
        side.commune, name=f"Porteur {code}", institution=operator
    )
    side.funding_application = calls.submit(
        side.call,
        side.funding_operator,
        None,
        {
            "title": "Projet",
            "description": "…",
            "requested_eur": Decimal(1000),
            "planned_beneficiaries": 10,
        },
    )
    side.funding_document = SupportingDocument.objects.create(
        application=side.funding_application,
        label="Budget",
        file=f"funding/gate/{code}.pdf",
        original_name="budget.pdf",
        content_type="application/pdf",
        size=len(PDF),
    )
    calls.instruct(side.funding_application, eligible=True, note="", points={})
    funder = side.programme.shares.first().funder
    calls.decide(
        side.funding_application, decided_on=today, minutes="PV", amounts={funder: Decimal(800)}
    )
    calls.sign(side.funding_application, today)
    side.payment = Payment.objects.get(grant__application=side.funding_application, kind="advance")


def build_world() -> World:
    world = World()
    for name, spec in PROFILES.items():
        if spec == "family":
            world.users[name] = make_family(email=f"{name}@example.org").user
        elif spec is not None and spec != "" and spec[1] == "structure":
            continue  # the relais must exist first
        elif spec is not None:
            world.users[name] = (
                make_user(*spec, email=f"{name}@example.org")
                if spec
                else (make_user(email=f"{name}@example.org"))
            )
    manager = world.users["structure"].assignments.get().institution
    world.rpe = make_structure(
        MONTREUIL, "rpe", identifier="RPE-93-GATE", name="Relais de Montreuil"
    )
    world.rpe.covered_communes.set([BOBIGNY, MONTREUIL])
    world.users["rpe"] = make_user(email="rpe@example.org")
    give_structure_role(world.users["rpe"], Role.STRUCTURE_MANAGER, "RPE-93-GATE")
    pilot = make_institution(Institution.Kind.CAF, Level.DEPARTEMENT, "93")
    sides = {
        "93": Side("93", BOBIGNY),
        "26": Side("26", VALENCE),
    }
    # (family, agent of the desk and of the offer imports, agent uploading the waiting list)
    owners = {"93": ("family", "admin", "commune"), "26": ("other_family", "admin_26", "admin_26")}
    for code, side in sides.items():
        family, agent, allocator = (world.users[name] for name in owners[code])
        _offer(side, manager if code == "93" else None)
        _import_job(side, agent)
        _observatory_job(side, agent)
        _families(side, family.family, agent)
        _allocation(side)
        _waiting_list_job(side, allocator)
        side.institution = (
            pilot if code == "93" else make_institution(Institution.Kind.CAF, code=code)
        )
        side.person = make_user(
            Role.PMI_AGENT, Level.DEPARTEMENT, code, email=f"agent-{code}@example.org"
        )
        _steering(side, side.institution)
        _emergency(side, world.users["state" if code == "93" else "admin_26"])
        _difficulty(side)
        _publicservice(side)
        _funding(
            side,
            [
                make_institution(Institution.Kind.CAF, code=code),
                make_institution(Institution.Kind.DEPARTEMENT, code=code),
            ],
            manager if code == "93" else None,
        )
    world.sides = sides
    # A family that never logs in here: its reset link stays valid while the others do.
    user = make_family(email="forgetful@example.org").user
    world.reset = (
        urlsafe_base64_encode(force_bytes(user.pk)),
        default_token_generator.make_token(user),
    )
    return world
