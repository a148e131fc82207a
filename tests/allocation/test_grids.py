"""The grid engine on a real grid (Pessac 2022): a range a professional chooses, negative points,
points per commission passed, what the family is asked and what the commission sets."""

import datetime
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation

from sdsf.accounts.models import Role
from sdsf.allocation.grids import copy_criteria, load_grid
from sdsf.allocation.intake import take_pre_applications
from sdsf.allocation.models import AllocationRound, Application, PointsGrid
from sdsf.allocation.points import questions
from sdsf.allocation.waiting_list import import_waiting_list
from sdsf.core.imports import ImportFailed
from sdsf.territories.models import Level
from tests.allocation.test_commission import _round, commune_offer  # noqa: F401
from tests.allocation.test_rounds import COMMUNE, GRIDS, START
from tests.factories import make_pre_application, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def pessac_grid():
    """Pessac's grid, published by the test commune (its name in place of Pessac's)."""
    pessac = load_grid(GRIDS / "pessac-2022.json")
    grid = PointsGrid.objects.create(commune_id=COMMUNE, name="Grille", source=pessac.source)
    copy_criteria(pessac, grid, ("Pessac", "Bobigny"))
    return grid


def test_family_is_asked_only_what_it_declares(pessac_grid, commune_offer):  # noqa: F811
    _, roses, _ = commune_offer
    pre = make_pre_application(wishes=[roses])
    keys = [q.key for q in questions(pre)]
    assert "residence" in keys and "single_parent" in keys
    assert not {"medico_social_follow_up", "commissions_passed", "refused_offer"} & set(keys)
    with translation.override("ar"):
        labels = {q.key: q.label for q in questions(pre)}
    assert labels["residence"] == "مقيم في Bobigny"


def test_commissions_passed_count_in_the_next_round(pessac_grid, commune_offer):  # noqa: F811
    _, roses, _ = commune_offer
    pre = make_pre_application(wishes=[roses], situation=["residence", "refused_offer"])
    for months in (6, 3):
        earlier = _round(
            name=f"Il y a {months} mois",
            starts_on=START - datetime.timedelta(days=30 * months),
            grid=pessac_grid,
        )
        AllocationRound.objects.filter(pk=earlier.pk).update(
            status=AllocationRound.Status.VALIDATED
        )
        Application.objects.create(
            round=earlier,
            reference=pre.reference,
            pre_application=pre,
            section="babies",
            submitted_on=datetime.date(2026, 1, 1),
            points=0,
        )
    item = _round(grid=pessac_grid)
    take_pre_applications(item)
    application = item.applications.get()
    assert application.commissions_passed == 2
    # residence 300, two commissions 2 × 10; "refused_offer" is the commission's, not declared
    assert application.points == 320 and application.criteria == ["residence"]


def test_commission_sets_a_bounded_range_and_a_malus(client, pessac_grid, commune_offer):  # noqa: F811
    _, roses, _ = commune_offer
    make_pre_application(wishes=[roses], situation=["residence"])
    item = _round(grid=pessac_grid)
    take_pre_applications(item)
    application = item.applications.get()
    client.force_login(make_user(Role.COMMUNE_AGENT, Level.COMMUNE, COMMUNE))
    url = reverse(
        "allocation:commission_points", kwargs={"round": item.pk, "application": application.pk}
    )
    page = client.get(url).content.decode()
    assert 'min="10"' in page and 'max="100"' in page and "(−20 points)" in page
    refused = client.post(url, {"medico_social_follow_up": "150"})
    assert refused.status_code == 200 and "inférieure ou égale à 100" in refused.content.decode()
    client.post(url, {"medico_social_follow_up": "40", "refused_offer": "on"})
    application.refresh_from_db()
    assert application.points == 300 + 40 - 20
    assert application.chosen_points == {"medico_social_follow_up": "40"}
    take_pre_applications(item)  # taken again: what the commission set stays
    again = item.applications.get()
    assert again.points == 320
    client.post(
        reverse("allocation:commission_points", kwargs={"round": item.pk, "application": again.pk}),
        {},
    )
    assert item.applications.get().points == 300


def test_waiting_list_gives_a_range_its_points(pessac_grid, commune_offer):  # noqa: F811
    item = _round(grid=pessac_grid)
    header = "reference,section,date_demande,insertion,voeux,criteres\n"
    good = "W-1,bebes,2026-01-02,non,EAJE-ROSES,residence|medico_social_follow_up=55\n"
    import_waiting_list(item, io.BytesIO((header + good).encode()), "liste.csv")
    assert item.applications.get().points == Decimal(355)
    bad = "W-2,bebes,2026-01-02,non,EAJE-ROSES,medico_social_follow_up=5|residence=3\n"
    with pytest.raises(ImportFailed) as failure:
        import_waiting_list(item, io.BytesIO((header + bad).encode()), "liste.csv")
    report = failure.value.report()
    assert "Ligne 2" in report and "points entre 10 et 100 attendus" in report
    assert "« residence » n'est pas une fourchette de points" in report
