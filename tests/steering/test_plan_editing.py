"""The coordinator edits an action's budget and milestones and the scheme's governance in the
interface; the plan's JSON export then carries the changes."""

from django.urls import reverse

from sdsf.accounts.models import Role
from sdsf.steering.planio import export_plan
from tests.factories import make_user


def _management(prefix: str, total: int, initial: int) -> dict:
    return {f"{prefix}-TOTAL_FORMS": str(total), f"{prefix}-INITIAL_FORMS": str(initial)}


def test_budget_and_milestones_are_edited_and_exported(client, ssd):
    client.force_login(make_user(Role.ADMINISTRATOR))
    action = ssd.actions.first()
    url = reverse("steering:action_budget", args=[action.pk])
    assert "Budget et jalons" in client.get(url).content.decode()
    response = client.post(
        url,
        {
            **_management("budget", 1, 0),
            "budget-0-financer": "CAF de la Seine-Saint-Denis",
            "budget-0-year": "2024",
            "budget-0-amount": "150000",
            **_management("milestones", 1, 0),
            "milestones-0-title": "Ouverture de la crèche",
            "milestones-0-due_on": "2024-09-01",
        },
    )
    assert response.status_code == 302
    exported = export_plan(ssd)
    first = next(
        a
        for axis in exported["axes"]
        for a in axis["actions"] + [x for o in axis["objectives"] for x in o["actions"]]
        if a["code"] == action.code
    )
    assert [b["financer"] for b in first["budget"]][-1] == "CAF de la Seine-Saint-Denis"
    assert first["milestones"][-1]["title"] == "Ouverture de la crèche"


def test_a_negative_amount_or_a_wild_year_is_refused_and_nothing_written(client, ssd):
    client.force_login(make_user(Role.ADMINISTRATOR))
    action = ssd.actions.first()
    before = action.budget.count()
    response = client.post(
        reverse("steering:action_budget", args=[action.pk]),
        {
            **_management("budget", 2, 0),
            "budget-0-financer": "CAF",
            "budget-0-year": "2024",
            "budget-0-amount": "1000",
            "budget-1-financer": "CAF",
            "budget-1-year": "9999",
            "budget-1-amount": "-5",
            **_management("milestones", 0, 0),
        },
    )
    assert response.status_code == 200
    assert action.budget.count() == before


def test_governance_bodies_are_edited(client, ssd):
    client.force_login(make_user(Role.ADMINISTRATOR))
    bodies = list(ssd.bodies.all())
    data = {**_management("bodies", len(bodies) + 1, len(bodies))}
    for i, body in enumerate(bodies):
        data |= {
            f"bodies-{i}-id": str(body.pk),
            f"bodies-{i}-kind": body.kind,
            f"bodies-{i}-name": body.name,
            f"bodies-{i}-chair": body.chair,
        }
    n = len(bodies)
    data |= {
        f"bodies-{n}-kind": "commission",
        f"bodies-{n}-name": "Comité départemental des services aux familles",
        f"bodies-{n}-chair": "Préfet",
        f"bodies-{n}-members_text": "Présidente du Département — vice-présidence\nCAF",
    }
    response = client.post(reverse("steering:governance_edit", args=[ssd.pk]), data)
    assert response.status_code == 302
    body = ssd.bodies.get(name__startswith="Comité départemental")
    assert body.members == [
        {"label": "Présidente du Département", "role": "vice-présidence"},
        {"label": "CAF"},
    ]


def test_the_state_cannot_edit_the_plan(client, ssd):
    client.force_login(make_user(Role.STATE))
    url = reverse("steering:governance_edit", args=[ssd.pk])
    assert client.get(url).status_code == 403
