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
from sdsf.difficulty.models import FollowUp
from sdsf.emergency.models import EmergencyPeriod, EmergencyRequest
from sdsf.families.models import PreApplication
from sdsf.funding.models import Application, Call, Operator, Programme
from sdsf.offer.models import ImportJob, ParentingAction
from sdsf.publicservice.models import LocalSchema, Meeting
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
    (
        lambda u: EmergencyPeriod.objects.visible_to(u, P.EMERGENCY_VIEW),
        "emergency",
        {"93": "admin pmi caf state structure rpe", "26": "admin_26"},
    ),
    (
        lambda u: EmergencyPeriod.objects.writable_by(u, P.EMERGENCY_MANAGE),
        "emergency",
        {"93": "admin pmi state", "26": "admin_26"},
    ),
    (
        # the periods whose request (of a family of the side's commune) the person sees
        lambda u: EmergencyPeriod.objects.filter(
            requests__in=EmergencyRequest.objects.visible_to(u)
        ),
        "emergency",
        {"93": "admin pmi caf state", "26": "admin_26"},
    ),
    (
        lambda u: FollowUp.objects.visible_to(u, P.DIFFICULTY_VIEW),
        "follow_up",
        {"93": "admin pmi caf commune structure", "26": "admin_26"},
    ),
    (
        lambda u: FollowUp.objects.writable_by(u, P.DIFFICULTY_DECIDE),
        "follow_up",
        {"93": "admin caf", "26": "admin_26"},
    ),
    (
        lambda u: LocalSchema.objects.visible_to(u, P.PUBLIC_SERVICE_VIEW),
        "local_schema",
        {"93": STAFF_93, "26": "admin_26"},
    ),
    (
        lambda u: LocalSchema.objects.writable_by(u, P.LOCAL_SCHEMA_EDIT),
        "local_schema",  # Bobigny's agent only: Montreuil's reads it, writes nothing
        {"93": "commune", "26": ""},
    ),
    (
        lambda u: Meeting.objects.visible_to(u, P.COMMITTEE_VIEW),
        "meeting",
        {"93": "admin analyst caf state", "26": "admin_26"},
    ),
    (
        lambda u: Meeting.objects.writable_by(u, P.COMMITTEE_MANAGE),
        "meeting",
        {"93": "admin caf", "26": "admin_26"},
    ),
    # funding: the programme of the 93 is funded by its CAF and its Département; the operator
    # of Bobigny is the institution of the structure manager of Bobigny
    (
        lambda u: Programme.objects.visible_to(u, P.FUNDING_VIEW),
        "programme",
        {"93": "admin analyst pmi caf state", "26": "admin_26"},
    ),
    (
        lambda u: Programme.objects.writable_by(u, P.FUNDING_INSTRUCT),
        "programme",
        {"93": "admin pmi caf", "26": "admin_26"},
    ),
    (
        lambda u: Call.objects.visible_to(u, P.FUNDING_VIEW),
        "call",
        {"93": "admin analyst pmi caf state", "26": "admin_26"},
    ),
    (
        lambda u: Operator.objects.visible_to(u, P.FUNDING_VIEW),
        "funding_operator",
        {"93": "admin analyst pmi caf commune state structure", "26": "admin_26"},
    ),
    (
        lambda u: Operator.objects.writable_by(u, P.FUNDING_APPLY),
        "funding_operator",
        {"93": "structure", "26": ""},
    ),
    (
        lambda u: Application.objects.visible_to(u, P.FUNDING_VIEW),
        "funding_application",
        {"93": "admin analyst pmi caf state structure", "26": "admin_26"},
    ),
    (
        lambda u: Application.objects.writable_by(u, P.FUNDING_INSTRUCT),
        "funding_application",
        {"93": "admin pmi caf", "26": "admin_26"},
    ),
    (
        lambda u: Application.objects.writable_by(u, P.FUNDING_APPLY),
        "funding_application",
        {"93": "structure", "26": ""},
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
