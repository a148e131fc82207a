"""Builders for test data, so tests say only what matters to them."""

from itertools import count

from sdsf.accounts.models import (
    INSTITUTION_KIND_OF_ROLE,
    STRUCTURE_SCOPE,
    Assignment,
    Institution,
    Role,
    User,
)
from sdsf.core import clock
from sdsf.territories.models import Level

_serial = count(1)

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"  # smallest file read as a PDF


def make_institution(kind=Institution.Kind.DEPARTEMENT, level=Level.DEPARTEMENT, code="93"):
    institution, _ = Institution.objects.get_or_create(
        name=f"{kind} {level} {code}",
        kind=kind,
        defaults={"territory_level": level, "territory_code": code},
    )
    return institution


def make_user(role: Role | None = None, level=Level.DEPARTEMENT, code="93", **fields) -> User:
    """A person, with one role over a territory when ``role`` is given; ``level`` may be
    ``STRUCTURE_SCOPE`` with a registry identifier as ``code`` (the structure must exist)."""
    user = User.objects.create_user(
        fields.pop("email", f"person{next(_serial)}@example.org"),
        fields.pop("password", "a-long-test-password"),
        **fields,
    )
    if role is not None and level == STRUCTURE_SCOPE:
        give_structure_role(user, role, code)
    elif role is not None:
        Assignment.objects.create(
            user=user,
            institution=make_institution(INSTITUTION_KIND_OF_ROLE[role], level, code),
            role=role,
            scope_level=level,
            scope_code=code,
        )
    return user


def give_structure_role(user, role: Role, identifier: str, institution=None):
    """A role limited to one structure of the registry, as the platform gives it."""
    from sdsf.offer.models import Structure
    from sdsf.offer.roles import structure_role

    structure = Structure.objects.get(identifier=identifier)
    institution = institution or make_institution(
        INSTITUTION_KIND_OF_ROLE[role], Level.COMMUNE, structure.commune_id
    )
    return structure_role(user, institution, role, structure)


def make_family(verified: bool = True, **fields):
    """A family account (a person without staff role), its e-mail verified unless told."""

    from sdsf.families.models import Family

    return Family.objects.create(
        user=make_user(**fields), email_verified_at=clock.now() if verified else None
    )


def make_pre_application(
    family=None, departement="93", home_commune="93008", wishes=None, status=None, **fields
):
    """A pré-demande (submitted, status « reçue » unless told), with ranked wishes: structures,
    communes or commune codes ("any crèche in commune X"); by default the home commune."""
    from datetime import date

    from sdsf.families.models import PreApplication, Wish
    from sdsf.offer.models import Structure
    from sdsf.territories.models import Commune

    status = status or PreApplication.Status.RECEIVED
    home = Commune.objects.get(code=home_commune)
    values = {
        "parent_first_name": "Parent",
        "parent_last_name": "Test",
        "email": "parent@example.org",
        "child_first_name": "Enfant",
        "child_last_name": "Test",
        "child_birth_date": date(2025, 6, 1),
        "wished_start": date(2026, 9, 1),
        "days": [0, 1, 2, 3, 4],
        "consent_at": clock.now(),
        **fields,
    }
    if status != PreApplication.Status.DRAFT:
        values.setdefault("submitted_at", clock.now())
    pre = PreApplication.objects.create(
        reference=f"PD-{departement}-TEST-{next(_serial):06d}",
        departement_id=departement,
        home_commune=home,
        family=family,
        status=status,
        **values,
    )
    for rank, target in enumerate(wishes if wishes is not None else [home], start=1):
        if isinstance(target, str):
            target = Commune.objects.get(code=target)
        Wish.objects.create(
            pre_application=pre,
            rank=rank,
            structure=target if isinstance(target, Structure) else None,
            commune=target if isinstance(target, Commune) else None,
        )
    return pre


def make_structure(commune="93008", kind="eaje", **fields):
    """An open structure of the offer registry, at its commune's centre unless told."""
    from sdsf.offer.models import Structure
    from sdsf.territories.models import Commune

    place = Commune.objects.get(code=commune)
    values = {
        "identifier": f"S-TEST-{next(_serial):06d}",
        "name": "Structure de test",
        "latitude": place.centroid_lat,
        "longitude": place.centroid_lon,
        **fields,
    }
    return Structure.objects.create(commune=place, kind=kind, **values)


def make_assistant(commune="93008", **fields):
    """An assistant maternel whose agrément is in force today (4 children, 0-6 ans)."""
    from datetime import timedelta

    from sdsf.offer.models import AgrementStatus, AssistantMaternel
    from sdsf.territories.models import Commune

    place = Commune.objects.get(code=commune)
    today = clock.today()
    values = {
        "identifier": f"AM-TEST-{next(_serial):06d}",
        "last_name": "Martin",
        "first_name": "Sophie",
        "latitude": place.centroid_lat,
        "longitude": place.centroid_lon,
        "agrement_status": AgrementStatus.GRANTED,
        "agrement_places": 4,
        "agrement_ages": "0-6 ans",
        "agrement_start": today - timedelta(days=365),
        "agrement_expiry": today + timedelta(days=365),
        "agrement_since": today - timedelta(days=365),
        **fields,
    }
    return AssistantMaternel.objects.create(commune=place, **values)


def make_programme(departement="93", kind="call_for_projects", shares=None, **fields):
    """A programme of the ledger with its funders' shares (``{funder name: (pct, institution)}``;
    by default the CAF of the département's institution funds it all)."""
    from decimal import Decimal

    from sdsf.funding.models import Funder, FunderShare, Programme

    code = fields.pop("code", f"prog-{next(_serial)}")
    programme = Programme.objects.create(
        code=code,
        name=fields.pop("name", f"Programme {code}"),
        kind=kind,
        departement_id=departement,
        start_year=fields.pop("start_year", 2024),
        end_year=fields.pop("end_year", 2027),
        **fields,
    )
    if shares is None:
        caf = make_institution(Institution.Kind.CAF, Level.DEPARTEMENT, departement)
        shares = {f"CAF {departement}": (100, caf)}
    for name, (pct, institution) in shares.items():
        funder, _ = Funder.objects.get_or_create(
            name=name, defaults={"kind": "other", "institution": institution}
        )
        FunderShare.objects.create(programme=programme, funder=funder, share_pct=Decimal(pct))
    return programme


def make_operator(commune="93008", **fields):
    from sdsf.funding.models import Operator

    values = {"siren": f"{next(_serial):09d}", "name": "Association de test", **fields}
    return Operator.objects.create(commune_id=commune, **values)
