"""The gate's catalogue and its one territory filter (``sdsf.accounts.scope``)."""

import ast
from pathlib import Path

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.test import RequestFactory

from sdsf.accounts import scope
from sdsf.accounts.models import STRUCTURE_SCOPE, Assignment, Institution, Role
from sdsf.accounts.scope import Permission
from sdsf.offer.importing import import_offer
from sdsf.offer.roles import structure_role
from sdsf.territories.models import Commune, Level
from tests.factories import give_structure_role, make_institution, make_structure, make_user

pytestmark = pytest.mark.django_db

ACCOUNTS = Path(scope.__file__).parent
DOMAINS = ("offer", "families", "allocation", "observatory", "steering")


def _codes(queryset) -> set[str]:
    return set(queryset.values_list("code", flat=True))


def _add_role(user, role, level, code):
    Assignment.objects.create(
        user=user,
        institution=make_institution(Institution.Kind.COMMUNE, level, code),
        role=role,
        scope_level=level,
        scope_code=code,
    )
    user.__dict__.pop("_sdsf_assignments", None)


def test_the_territory_filter_covers_each_level_of_a_role():
    bobigny = scope.territory(
        [make_user(Role.COMMUNE_AGENT, Level.COMMUNE, "93008").assignments.get()]
    )
    assert _codes(Commune.objects.filter(bobigny)) == {"93008"}
    drome = scope.territory([make_user(Role.PMI_AGENT, Level.DEPARTEMENT, "26").assignments.get()])
    assert Commune.objects.filter(drome).count() == Commune.objects.filter(departement="26").count()
    epci = Commune.objects.get(code="93008").epci_id
    grouped = scope.territory([make_user(Role.ANALYST, Level.EPCI, epci).assignments.get()])
    assert _codes(Commune.objects.filter(grouped)) == _codes(Commune.objects.filter(epci=epci))
    region = Commune.objects.get(code="26362").departement.region_id
    regional = scope.territory([make_user(Role.ANALYST, Level.REGION, region).assignments.get()])
    assert Commune.objects.filter(regional, departement="26").exists()
    assert not Commune.objects.filter(regional, departement="93").exists()


def test_the_territory_filter_leads_to_rows_by_a_prefix_and_matches_nothing_without_role():
    make_structure("93008", identifier="IN")
    make_structure("26362", identifier="OUT")
    agent = make_user(Role.COMMUNE_AGENT, Level.COMMUNE, "93008")
    from sdsf.offer.models import Structure

    rows = Structure.objects.filter(scope.territory(scope.assignments(agent), "commune__"))
    assert set(rows.values_list("identifier", flat=True)) == {"IN"}
    assert not Commune.objects.filter(scope.territory([])).exists()


def test_a_role_scoped_to_a_structure_covers_its_commune_and_moves_with_it(tmp_path):
    make_structure("93048", "rpe", identifier="RPE-1")
    manager = make_user(Role.STRUCTURE_MANAGER, STRUCTURE_SCOPE, "RPE-1")
    assert _codes(scope.communes(manager)) == {"93048"}
    assert manager.assignments.get().scope.label == "Structure RPE-1 (Montreuil)"
    moved = tmp_path / "rpe.csv"
    moved.write_text("Identifiant;Nom;Code commune\nRPE-1;Relais;93008\n", encoding="utf-8")
    import_offer("rpe", moved)  # the operator's import moves the relais to Bobigny
    manager = type(manager).objects.get(pk=manager.pk)
    assert _codes(scope.communes(manager)) == {"93008"}


def test_a_role_scoped_to_a_structure_is_given_with_its_commune():
    structure = make_structure("26362", identifier="EAJE-V")
    user = make_user()
    institution = make_institution(Institution.Kind.MANAGER, Level.COMMUNE, "26362")
    with pytest.raises(ValueError, match="commune"):
        Assignment.objects.create(
            user=user,
            institution=institution,
            role=Role.STRUCTURE_MANAGER,
            scope_level=STRUCTURE_SCOPE,
            scope_code="EAJE-V",
        )
    role = structure_role(user, institution, Role.STRUCTURE_MANAGER, structure)
    assert role.structure_commune_id == "26362"
    assert structure_role(user, institution, Role.STRUCTURE_MANAGER, structure) == role


def test_can_require_and_holding_read_the_catalogue_role_by_role():
    person = make_user(Role.ADMINISTRATOR, Level.DEPARTEMENT, "26")
    _add_role(person, Role.COMMUNE_AGENT, Level.COMMUNE, "93008")
    assert scope.can(person, Permission.VIEW_AUDIT) and scope.can(
        person, Permission.ALLOCATION_VIEW
    )
    assert not scope.can(person, Permission.AGREMENT_ALERTS)
    with pytest.raises(PermissionDenied):
        scope.require(person, Permission.AGREMENT_ALERTS)
    scope.require(person, Permission.VIEW_AUDIT)
    assert [a.role for a in scope.holding(person, Permission.VIEW_PEOPLE)] == [Role.ADMINISTRATOR]
    assert len(scope.holding(person, None)) == 2
    # A right held in the 26 does not open the commune the other role covers.
    assert scope.departements(person, Permission.VIEW_PEOPLE).get().code == "26"
    assert set(scope.departements(person).values_list("code", flat=True)) == {"26", "93"}
    assert _codes(scope.communes(person, Permission.ALLOCATION_MANAGE)) >= {"93008", "26362"}
    assert _codes(scope.communes(person, Permission.FAMILY_FILES_MERGE)) >= {"93008"}


def test_nobody_without_a_role_holds_anything():
    for person in (AnonymousUser(), make_user()):
        assert not any(scope.can(person, p) for p in Permission)
        assert not scope.communes(person).exists()


def test_every_permission_of_the_catalogue_is_described_and_held():
    assert set(scope.CATALOGUE) == set(Permission)
    for rule in scope.CATALOGUE.values():
        assert rule.roles and rule.description


def test_permission_required_sends_to_log_in_then_refuses_then_serves():
    view = scope.permission_required(Permission.VIEW_AUDIT)(lambda request: HttpResponse("ok"))
    assert view.sdsf_permission == Permission.VIEW_AUDIT
    request = RequestFactory().get("/audit/")
    request.user = AnonymousUser()
    assert view(request).status_code == 302
    request.user = make_user(Role.ANALYST)
    with pytest.raises(PermissionDenied):
        view(request)
    request.user = make_user(Role.ADMINISTRATOR)
    assert view(request).content == b"ok"


def test_people_are_those_of_the_administrators_territory():
    make_structure("93048", identifier="EAJE-M")
    make_structure("26362", identifier="EAJE-V")
    admin = make_user(Role.ADMINISTRATOR, Level.DEPARTEMENT, "93")
    here = make_user(Role.STRUCTURE_MANAGER, STRUCTURE_SCOPE, "EAJE-M")
    there = make_user(Role.STRUCTURE_MANAGER, STRUCTURE_SCOPE, "EAJE-V")
    agent = make_user(Role.COMMUNE_AGENT, Level.COMMUNE, "93008")
    drome = make_user(Role.PMI_AGENT, Level.DEPARTEMENT, "26")
    assert set(scope.people(admin)) == {admin, here, agent}
    assert set(scope.people(make_user(Role.ADMINISTRATOR, Level.DEPARTEMENT, "26"))) >= {
        there,
        drome,
    }
    assert not scope.people(agent).exists()  # not an administrator


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.Attribute) and node.attr == "get_model":
            found.add("apps.get_model")
    return found


def test_accounts_imports_no_domain():
    """The catalogue sits below the domains: they scope their rows with it, never the
    reverse (no import, even inside a function, and no ``apps.get_model``)."""
    for path in ACCOUNTS.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        for module in _imports(path):
            assert module != "apps.get_model", path
            assert not module.startswith(tuple(f"sdsf.{d}" for d in DOMAINS)), (path, module)


def test_a_structure_scoped_role_without_structure_covers_no_commune():
    """A role written before its commune was stored (or naming a structure that no longer
    exists) fails closed."""
    user = make_user()
    Assignment.objects.bulk_create(
        [
            Assignment(
                user=user,
                institution=make_institution(Institution.Kind.MANAGER, Level.COMMUNE, "93008"),
                role=Role.STRUCTURE_MANAGER,
                scope_level=STRUCTURE_SCOPE,
                scope_code="GONE",
            )
        ]
    )
    assert not scope.communes(user).exists()
    assert user.assignments.get().scope.label == "Structure GONE"


def test_give_structure_role_factory_uses_the_registry():
    structure = make_structure("93008", identifier="EAJE-B")
    role = give_structure_role(make_user(), Role.STRUCTURE_MANAGER, "EAJE-B")
    assert role.structure_commune_id == structure.commune_id


def test_the_security_page_shows_the_catalogue():
    """docs/security.md's table of rights says what the catalogue says, with a column for every
    role (in the order of ``Role``: a new role needs its column)."""
    order = list(Role)
    page = (ACCOUNTS.parents[1] / "docs" / "security.md").read_text(encoding="utf-8")
    shown = {}
    for line in page.splitlines():
        cells = [c.strip() for c in line.strip("|").split("|")]
        if len(cells) == len(order) + 1 and cells[0].startswith("`"):
            shown[cells[0].strip("`")] = {r for r, c in zip(order, cells[1:], strict=True) if c}
    assert shown == {p.value: set(rule.roles) for p, rule in scope.CATALOGUE.items()}
