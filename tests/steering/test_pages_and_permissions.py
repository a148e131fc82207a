import pytest
from django.urls import reverse

from sdsf.accounts.models import Assignment, Institution, Role
from sdsf.steering.models import Action, ActionUpdate, IndicatorValue
from tests.factories import make_user
from tests.steering.conftest import SSD_PLAN, load

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan_with_pilot(db):
    """The SSD plan imported after the CAF of the 93 exists: the CAF pilots action 7."""
    caf_advisor = make_user(Role.CAF_ADVISOR)  # institution: CAF of the 93
    scheme = load(SSD_PLAN)
    return scheme, caf_advisor


def test_plan_tree_lists_axes_and_actions(client, ssd):
    client.force_login(make_user(Role.COMMUNE_AGENT, "commune", "93008"))
    page = client.get(reverse("steering:scheme", kwargs={"scheme": ssd.pk})).content.decode()
    assert "Axe 4 — Coordonner une communication efficace" in page
    assert page.count('href="/pilotage/actions/') == 17
    assert "Taux de couverture global" in page  # scheme-level indicator


def test_filters_by_pilot_marker_and_territory(client, ssd, drome):
    client.force_login(make_user(Role.PMI_AGENT))
    url = reverse("steering:scheme", kwargs={"scheme": ssd.pk})
    page = client.get(url, {"pilote": "Région Île-de-France"}).content.decode()
    assert page.count('href="/pilotage/actions/') == 1
    page = client.get(url, {"territoire": "ept:200058790"}).content.decode()
    assert "Grand Paris Grand Est" in page and page.count('href="/pilotage/actions/') == 1
    client.force_login(make_user(Role.PMI_AGENT, "departement", "26"))
    page = client.get(
        reverse("steering:scheme", kwargs={"scheme": drome.pk}), {"repere": "C"}
    ).content.decode()
    assert page.count('href="/pilotage/actions/') == 4  # C: 1 enfance, 1 jeunesse, 2 transv.


def test_other_departement_gets_404(client, ssd):
    client.force_login(make_user(Role.ADMINISTRATOR, "departement", "26"))
    assert client.get(reverse("steering:scheme", kwargs={"scheme": ssd.pk})).status_code == 404


def test_a_pilot_edits_their_actions_only(client, plan_with_pilot):
    scheme, caf_advisor = plan_with_pilot
    own, other = scheme.actions.get(code="7"), scheme.actions.get(code="1")
    client.force_login(caf_advisor)
    page = client.get(reverse("steering:action", kwargs={"action": own.pk})).content.decode()
    assert "Mettre à jour l'action" in page
    answer = client.post(
        reverse("steering:action_update", kwargs={"action": own.pk}),
        {"status": "in_progress", "progress": "40", "comment": "Rencontre préparée"},
    )
    assert answer.status_code == 302
    own.refresh_from_db()
    assert (own.status, own.progress, own.awaiting_validation) == ("in_progress", 40, True)
    refused = client.post(
        reverse("steering:action_update", kwargs={"action": other.pk}), {"status": "done"}
    )
    assert refused.status_code == 403
    assert Action.objects.get(pk=other.pk).status == "planned"
    page = client.get(reverse("steering:action", kwargs={"action": other.pk})).content.decode()
    assert "Mettre à jour l'action" not in page


def test_a_colleague_of_another_institution_cannot_edit(client, plan_with_pilot):
    scheme, _ = plan_with_pilot
    action = scheme.actions.get(code="7")
    commune_agent = make_user(Role.COMMUNE_AGENT, "commune", "93008")
    client.force_login(commune_agent)
    url = reverse("steering:action_update", kwargs={"action": action.pk})
    assert client.post(url, {"status": "done"}).status_code == 403


def test_coordinator_validates_pilot_update_and_values(client, plan_with_pilot):
    scheme, caf_advisor = plan_with_pilot
    action = scheme.actions.get(code="7")
    indicator = action.indicators.create(scheme=scheme, code="RENC", label="Participants")
    client.force_login(caf_advisor)
    client.post(
        reverse("steering:indicator_value", kwargs={"indicator": indicator.pk}),
        {"year": "2020", "value": "85", "source": "Feuille d'émargement"},
    )
    value = IndicatorValue.objects.get(indicator=indicator)
    assert not value.validated
    admin = make_user(Role.ADMINISTRATOR)
    client.force_login(admin)
    client.post(reverse("steering:action_validate", kwargs={"action": action.pk}))
    value.refresh_from_db()
    action.refresh_from_db()
    assert value.validated and not action.awaiting_validation


def test_pilot_cannot_validate(client, plan_with_pilot):
    scheme, caf_advisor = plan_with_pilot
    client.force_login(caf_advisor)
    url = reverse("steering:action_validate", kwargs={"action": scheme.actions.get(code="7").pk})
    assert client.post(url).status_code == 403


def test_coordinator_adds_an_action_with_a_pilot(client, ssd):
    caf = Institution.objects.create(
        name="CAF 93", kind="caf", territory_level="departement", territory_code="93"
    )
    client.force_login(make_user(Role.ADMINISTRATOR))
    answer = client.post(
        reverse("steering:action_create", kwargs={"scheme": ssd.pk}),
        {
            "axis": ssd.axes.get(code="2").pk,
            "code": "16",
            "title": "Nouvelle action de l'ajustement 2021",
            "start_year": "2021",
            "pilots": [caf.pk],
        },
    )
    assert answer.status_code == 302, answer.content.decode()
    action = ssd.actions.get(code="16")
    assert action.pilot_institution_ids() == {caf.pk}
    person = make_user(Role.CAF_ADVISOR)
    Assignment.objects.filter(user=person).update(institution=caf)
    client.force_login(person)
    update = reverse("steering:action_update", kwargs={"action": action.pk})
    assert client.post(update, {"status": "in_progress"}).status_code == 302
    assert ActionUpdate.objects.filter(action=action).count() == 1


def test_menu_shows_pilotage(client):
    client.force_login(make_user(Role.COMMISSION_MEMBER, "commune", "93008"))
    assert "Pilotage" in client.get(reverse("site:home")).content.decode()


def test_every_page_of_a_scheme_renders_for_the_coordinator(client, ssd):
    client.force_login(make_user(Role.ADMINISTRATOR))
    action = ssd.actions.get(code="7")
    pages = [
        reverse("steering:index"),
        *(
            reverse(f"steering:{name}", kwargs={"scheme": ssd.pk})
            for name in ("versions", "reviews", "governance", "surveys", "action_create")
        ),
        reverse("steering:action_change", kwargs={"action": action.pk}),
    ]
    for url in pages:
        answer = client.get(url, follow=True)
        assert answer.status_code == 200, url
    governance = client.get(reverse("steering:governance", kwargs={"scheme": ssd.pk}))
    assert "Séminaire" in governance.content.decode() and "80 participant" in (
        governance.content.decode()
    )
