"""Roles scoped to one structure of the registry (a crèche's director, a relais' manager).

Such a role covers the commune where its structure is. ``accounts`` sits below the registry
and cannot read it, so the commune is stored on the role (``Assignment.structure_commune``):
this module, above both, writes it when the role is given and moves it when an import moves
the structure to another commune. The one territory filter then reads every role from the
roles' table alone, without a query into the registry per request.
"""

from collections.abc import Iterable

from sdsf.accounts.models import STRUCTURE_SCOPE, Assignment, Institution, Role, User
from sdsf.offer.models import Structure


def structure_role(user: User, institution: Institution, role: Role, structure: Structure):
    """Gives ``user`` a role limited to ``structure`` (and the commune where it is)."""
    assignment, _ = Assignment.objects.update_or_create(
        user=user,
        institution=institution,
        role=role,
        scope_level=STRUCTURE_SCOPE,
        scope_code=structure.identifier,
        defaults={"structure_commune_id": structure.commune_id},
    )
    return assignment


def follow_structures(structures: Iterable[Structure]) -> int:
    """Roles scoped to these structures cover their current commune; returns how many roles
    moved (an import that moves a structure moves the roles with it)."""
    commune_of = {s.identifier: s.commune_id for s in structures}
    # Roles scoped to a structure are few (hundreds) while a file may list thousands of
    # structures: read the roles, not the file's identifiers, into the query.
    moved = [
        a
        for a in Assignment.objects.filter(scope_level=STRUCTURE_SCOPE)
        if a.scope_code in commune_of and a.structure_commune_id != commune_of[a.scope_code]
    ]
    for a in moved:
        a.structure_commune_id = commune_of[a.scope_code]
    Assignment.objects.bulk_update(moved, ["structure_commune"])
    return len(moved)
