from decimal import Decimal

import pytest
from django.urls import reverse

from sdsf.accounts.models import Role
from sdsf.steering import reviews, versions
from sdsf.steering.models import Action
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def test_yearly_adjustment_adds_changes_and_ends_actions_history_kept(ssd):
    initial = versions.publish(ssd, 2020, "Plan initial", "", user=None)
    added = Action.objects.create(
        scheme=ssd, axis=ssd.axes.get(code="3"), code="16", title="Nouvelle action 2021"
    )
    ssd.actions.filter(code="3").update(status=Action.Status.ENDED)
    ssd.actions.filter(code="9").update(title="Rendre lisible l'attribution des places")
    pending = versions.pending_changes(ssd)
    assert [a["code"] for a in pending.added] == ["16"]
    assert [a["code"] for a in pending.ended] == ["3"]
    changed = {a["code"]: fields for a, fields in pending.changed}
    assert changed["9"] == ["intitulé"] and changed["3"] == ["statut"]

    adjusted = versions.publish(ssd, 2021, "Ajustement 2021", "Une action ajoutée", user=None)
    assert adjusted.number == 2
    # the first version still shows the plan as signed
    first = versions.flat_actions(initial.snapshot)
    assert "16" not in first and first["3"]["status"] == "prevue"
    assert first["9"]["title"].startswith("Rendre lisible le processus")
    diff = versions.compare(versions.previous(adjusted).snapshot, adjusted.snapshot)
    assert [a["code"] for a in diff.added] == [added.code]
    assert versions.pending_changes(ssd).empty


def test_version_page_shows_snapshot_and_diff(client, ssd):
    versions.publish(ssd, 2020, "Plan initial", "", user=None)
    ssd.actions.filter(code="3").update(status=Action.Status.ENDED)
    second = versions.publish(ssd, 2021, "Ajustement 2021", "", user=None)
    client.force_login(make_user(Role.ANALYST))
    page = client.get(reverse("steering:version", kwargs={"version": second.pk})).content.decode()
    assert "Arrêtée : 3. Coordination" in page
    assert page.count("<tr><td>1. Agir pour") == 5


def test_publishing_a_version_needs_the_coordinator(client, ssd):
    url = reverse("steering:versions", kwargs={"scheme": ssd.pk})
    client.force_login(make_user(Role.PMI_AGENT))
    assert client.post(url, {"year": 2021, "label": "x"}).status_code == 403
    client.force_login(make_user(Role.ADMINISTRATOR))
    assert client.post(url, {"year": 2021, "label": "Ajustement"}).status_code == 302
    assert ssd.versions.get().label == "Ajustement"


def test_review_is_frozen_once_validated_and_compared_with_previous_year(ssd):
    action = ssd.actions.get(code="7")
    indicator = action.indicators.create(scheme=ssd, code="PART", label="Participants")
    indicator.values.create(year=2020, value=Decimal("60"))
    action.status, action.progress = Action.Status.IN_PROGRESS, 30
    action.save()
    review_2020 = reviews.open_review(ssd, 2020)
    reviews.set_comment(review_2020, action, "Rencontre du 24 novembre préparée")
    reviews.freeze(review_2020, user=None)

    # the plan moves on; the 2020 review does not
    action.status, action.progress = Action.Status.DONE, 100
    action.save()
    indicator.values.create(year=2021, value=Decimal("85"))
    frozen = reviews.content(review_2020)
    row = next(a for a in frozen["actions"] if a["code"] == "7")
    assert (row["status"], row["progress"], row["indicators"][0]["value"]) == (
        "in_progress",
        30,
        60,
    )
    assert row["comment"] == "Rencontre du 24 novembre préparée"
    with pytest.raises(reviews.ReviewFrozen):
        reviews.set_comment(review_2020, action, "trop tard")
    with pytest.raises(reviews.ReviewFrozen):
        reviews.freeze(review_2020, user=None)

    review_2021 = reviews.open_review(ssd, 2021)
    previous, rows = reviews.compare_with_previous(review_2021)
    assert previous == review_2020
    row = next(r for r in rows if r.code == "7")
    assert (row.previous_status, row.status) == ("En cours", "Réalisée")
    assert (row.previous_progress, row.progress) == (30, 100)
    assert row.indicators[0]["previous"] == 60 and row.indicators[0]["value"] == 85


def test_review_pages_freeze_by_coordinator_only(client, ssd):
    review = reviews.open_review(ssd, 2020)
    url = reverse("steering:review_freeze", kwargs={"review": review.pk})
    client.force_login(make_user(Role.CAF_ADVISOR))
    assert client.post(url).status_code == 403
    client.force_login(make_user(Role.ADMINISTRATOR))
    assert client.post(url).status_code == 302
    review.refresh_from_db()
    assert review.frozen
    page = client.get(reverse("steering:review", kwargs={"review": review.pk})).content.decode()
    assert "il est figé" in page and "Valider et figer" not in page
