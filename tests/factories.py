"""Builders for test data, so tests say only what matters to them."""

from itertools import count

from sdsf.accounts.models import Assignment, Institution, Role, User
from sdsf.territories.models import Level

_serial = count(1)

_INSTITUTION_OF_ROLE = {
    Role.ADMINISTRATOR: Institution.Kind.DEPARTEMENT,
    Role.ANALYST: Institution.Kind.DEPARTEMENT,
    Role.PMI_AGENT: Institution.Kind.DEPARTEMENT,
    Role.CAF_ADVISOR: Institution.Kind.CAF,
    Role.COMMUNE_AGENT: Institution.Kind.COMMUNE,
    Role.STRUCTURE_MANAGER: Institution.Kind.MANAGER,
    Role.COMMISSION_MEMBER: Institution.Kind.COMMUNE,
}


def make_institution(kind=Institution.Kind.DEPARTEMENT, level=Level.DEPARTEMENT, code="93"):
    institution, _ = Institution.objects.get_or_create(
        name=f"{kind} {level} {code}",
        kind=kind,
        defaults={"territory_level": level, "territory_code": code},
    )
    return institution


def make_user(role: Role | None = None, level=Level.DEPARTEMENT, code="93", **fields) -> User:
    """A person, with one role over a territory when ``role`` is given."""
    user = User.objects.create_user(
        fields.pop("email", f"person{next(_serial)}@example.org"),
        fields.pop("password", "a-long-test-password"),
        **fields,
    )
    if role is not None:
        Assignment.objects.create(
            user=user,
            institution=make_institution(_INSTITUTION_OF_ROLE[role], level, code),
            role=role,
            scope_level=level,
            scope_code=code,
        )
    return user


def make_family(verified: bool = True, **fields):
    """A family account (a person without staff role), its e-mail verified unless told."""
    from django.utils import timezone

    from sdsf.families.models import Family

    return Family.objects.create(
        user=make_user(**fields), email_verified_at=timezone.now() if verified else None
    )
