"""The domains' rules of the gate, asked directly: each manager's ``visible_to`` and
``writable_by`` (and the families' ``of_family``), for every profile of the permission world
(:mod:`tests.permission_world`), against the objects of Bobigny (93) and of Valence (26).

The permission matrix proves the same rules through the URLs; these tests name the rule that
fails. The registry's structures and childminders are asked in ``tests/offer``.
"""

import pytest
from django.contrib.auth.models import AnonymousUser

from sdsf.accounts.scope import Permission as P
from sdsf.allocation.models import AllocationRound
from sdsf.families.models import PreApplication
from sdsf.offer.models import ImportJob, ParentingAction
from sdsf.steering.models import Action, Indicator, PlanVersion, Review, Scheme, Survey
from tests.permission_world import PROFILES

pytestmark = pytest.mark.django_db

STAFF_93 = "admin analyst pmi caf commune commune_other structure rpe commission state"

# (rule, objects of each side it is asked about, {side: profiles that reach them}); every other
# profile reaches nothing of that side.
RULES = [
    (
        lambda u: ParentingAction.objects.visible_to(u, P.OFFER_VIEW),
        "parenting",
        {"93": "admin analyst pmi caf commune structure commission state", "26": "admin_26"},
    ),
    (lambda u: ImportJob.objects.visible_to(u), "job", {"93": "admin", "26": "admin_26"}),
    (
        lambda u: ImportJob.objects.visible_to(u, P.OBSERVATORY_IMPORT),
        "observatory_job",
        {"93": "admin analyst", "26": "admin_26"},
    ),
    (
        lambda u: PreApplication.objects.visible_to(u, P.FAMILY_FILES_VIEW),
        "pre duplicate",
        {"93": "admin caf commune rpe", "26": "admin_26"},
    ),
    (
        lambda u: PreApplication.objects.writable_by(u, P.FAMILY_FILES_FILE),
        "pre duplicate",
        {"93": "admin caf commune rpe", "26": "admin_26"},
    ),
    (
        lambda u: PreApplication.objects.writable_by(u, P.FAMILY_FILES_MERGE),
        "pre duplicate",
        {"93": "admin commune", "26": "admin_26"},
    ),
    (
        lambda u: PreApplication.objects.of_family(u),
        "pre",
        {"93": "family", "26": "other_family"},
    ),
    (
        lambda u: AllocationRound.objects.visible_to(u, P.ALLOCATION_VIEW),
        "round validated",
        {"93": "admin commune commission", "26": "admin_26"},
    ),
    (
        lambda u: AllocationRound.objects.writable_by(u, P.ALLOCATION_MANAGE),
        "round validated",
        {"93": "admin commune", "26": "admin_26"},
    ),
    (
        lambda u: Scheme.objects.visible_to(u, P.STEERING_VIEW),
        "scheme",
        {"93": STAFF_93, "26": "admin_26"},
    ),
    (
        lambda u: Scheme.objects.writable_by(u, P.STEERING_COORDINATE),
        "scheme",
        {"93": "admin", "26": "admin_26"},
    ),
    (
        lambda u: PlanVersion.objects.visible_to(u, P.STEERING_VIEW),
        "version",
        {"93": STAFF_93, "26": "admin_26"},
    ),
    (
        lambda u: Review.objects.writable_by(u, P.STEERING_COORDINATE),
        "review",
        {"93": "admin", "26": "admin_26"},
    ),
    (
        lambda u: Survey.objects.writable_by(u, P.STEERING_SURVEYS),
        "survey",
        {"93": "admin analyst", "26": "admin_26"},
    ),
    (
        lambda u: Action.objects.visible_to(u, P.STEERING_VIEW),
        "action",
        {"93": STAFF_93, "26": "admin_26"},
    ),
    (
        lambda u: Action.objects.writable_by(u, P.STEERING_EDIT_ACTION),
        "action",  # coordinators, and the pilot: the CAF of the 93 pilots the action of the 93
        {"93": "admin caf", "26": "admin_26"},
    ),
    (
        lambda u: Action.objects.writable_by(u, P.STEERING_COORDINATE),
        "action",
        {"93": "admin", "26": "admin_26"},
    ),
    (
        lambda u: Indicator.objects.writable_by(u, P.STEERING_EDIT_ACTION),
        "indicator",
        {"93": "admin caf", "26": "admin_26"},
    ),
]


def _user(world, profile):
    return AnonymousUser() if PROFILES[profile] is None else world.users[profile]


@pytest.mark.parametrize(("rule", "objects", "reach"), RULES, ids=lambda v: None)
@pytest.mark.parametrize("profile", list(PROFILES))
def test_each_domain_rule_reaches_the_objects_of_its_territory_only(
    module_world, profile, rule, objects, reach
):
    found = set(rule(_user(module_world, profile)).values_list("pk", flat=True))
    for code, side in module_world.sides.items():
        for name in objects.split():
            expected = profile in reach[code].split()
            assert (getattr(side, name).pk in found) is expected, (profile, code, name)
