"""The demo accounts: demo institutions of a département and one demo account per role.

Used by the demo loader (:mod:`sdsf.site.demo`) and by the apps' demo steps that give these
accounts something to work on.
"""

from dataclasses import dataclass

from sdsf.accounts.models import Assignment, Institution, Role, User
from sdsf.core.french import of
from sdsf.territories.models import Departement, Level

DEMO_PASSWORD = "demo-sdsf-2026"  # noqa: S105 — printed on purpose; the demo refuses DEBUG=False


@dataclass(frozen=True)
class DemoAccount:
    role: Role
    email: str
    institution: Institution
    scope_level: str
    scope_code: str


def _institutions(departement: Departement) -> dict[str, Institution]:
    chef_lieu = departement.communes.get(code=departement.chef_lieu)
    specs = {
        "departement": (f"Département {departement.name}", Institution.Kind.DEPARTEMENT),
        "caf": (f"CAF {departement.name}", Institution.Kind.CAF),
        "etat": (f"Préfecture {departement.name}", Institution.Kind.STATE),
        "commune": (f"Ville {of(chef_lieu.name)}", Institution.Kind.COMMUNE),
        "gestionnaire": (
            f"Association Petite enfance {chef_lieu.name} (démonstration)",
            Institution.Kind.MANAGER,
        ),
    }
    institutions = {}
    for key, (name, kind) in specs.items():
        level, code = (
            (Level.COMMUNE, chef_lieu.code)
            if kind in (Institution.Kind.COMMUNE, Institution.Kind.MANAGER)
            else (Level.DEPARTEMENT, departement.code)
        )
        institutions[key], _ = Institution.objects.update_or_create(
            name=name, kind=kind, defaults={"territory_level": level, "territory_code": code}
        )
    return institutions


def demo_accounts(departement: Departement) -> list[DemoAccount]:
    inst = _institutions(departement)
    d, c = departement.code, departement.chef_lieu
    suffix = f"{d.lower()}.demo.sdsf.fr"
    return [
        DemoAccount(
            Role.ADMINISTRATOR, f"admin@{suffix}", inst["departement"], Level.DEPARTEMENT, d
        ),
        DemoAccount(
            Role.ANALYST, f"observatoire@{suffix}", inst["departement"], Level.DEPARTEMENT, d
        ),
        DemoAccount(Role.PMI_AGENT, f"pmi@{suffix}", inst["departement"], Level.DEPARTEMENT, d),
        DemoAccount(Role.CAF_ADVISOR, f"caf@{suffix}", inst["caf"], Level.DEPARTEMENT, d),
        DemoAccount(Role.COMMUNE_AGENT, f"commune@{suffix}", inst["commune"], Level.COMMUNE, c),
        DemoAccount(
            Role.STRUCTURE_MANAGER, f"structure@{suffix}", inst["gestionnaire"], Level.COMMUNE, c
        ),
        DemoAccount(
            Role.COMMISSION_MEMBER, f"commission@{suffix}", inst["commune"], Level.COMMUNE, c
        ),
        DemoAccount(Role.STATE, f"prefecture@{suffix}", inst["etat"], Level.DEPARTEMENT, d),
    ]


def create_accounts(departement: Departement) -> list[str]:
    lines = []
    for account in demo_accounts(departement):
        user = User.objects.filter(email=account.email).first()
        if user is None:
            user = User.objects.create_user(
                account.email,
                DEMO_PASSWORD,
                first_name="Démo",
                last_name=account.role.label,
            )
        Assignment.objects.get_or_create(
            user=user,
            institution=account.institution,
            role=account.role,
            scope_level=account.scope_level,
            scope_code=account.scope_code,
        )
        lines.append(f"  {account.role.label:<40} {account.email:<40} {DEMO_PASSWORD}")
    return ["Comptes de démonstration (un par rôle) :", *lines]
