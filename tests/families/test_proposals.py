"""The family answers a proposal in its space: explanation of every wish, accept or refuse."""

import datetime

import pytest
from django.urls import reverse

from sdsf.accounts.models import Role
from sdsf.allocation import rounds
from sdsf.allocation.intake import take_pre_applications
from sdsf.allocation.models import AllocationRound, Answer
from sdsf.audit.models import AuditEvent
from sdsf.core import clock
from sdsf.families.models import Event, PreApplication
from sdsf.territories.models import Level
from tests.allocation.test_rounds import COMMUNE, START, _grid, _structure
from tests.factories import make_family, make_pre_application, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def proposal(rf):
    """A validated round: the family's first wish was full, its second is proposed."""
    lilas = _structure("EAJE-LILAS", {"babies": 1})
    roses = _structure("EAJE-ROSES", {"babies": 1})
    allocation_round = AllocationRound.objects.create(
        commune_id=COMMUNE,
        name="Commission",
        starts_on=START,
        ends_on=START + datetime.timedelta(days=30),
        grid=_grid(),
        status=AllocationRound.Status.PUBLISHED,
    )
    family = make_family()
    pre = make_pre_application(family=family, wishes=[lilas, roses])
    make_pre_application(wishes=[lilas], situation=["residence"])
    take_pre_applications(allocation_round)
    rounds.run(allocation_round)
    request = rf.post("/")
    request.user = make_user(Role.COMMUNE_AGENT, Level.COMMUNE, COMMUNE)
    rounds.validate(request, allocation_round)
    return allocation_round.applications.get(pre_application=pre)


def _url(name, proposal):
    return reverse(f"proposals:{name}", kwargs={"proposal": proposal.pk})


def test_family_sees_the_explanation_of_every_wish(client, proposal):
    client.force_login(proposal.pre_application.family.user)
    page = client.get(_url("detail", proposal))
    text = page.content.decode()
    assert page.status_code == 200
    assert "Crèche EAJE-ROSES" in text and "Crèche EAJE-LILAS" in text
    assert "complète" in text and "la dernière famille admise avait 300 points" in text
    other = make_family()
    client.force_login(other.user)
    assert client.get(_url("detail", proposal)).status_code == 404
    client.force_login(make_user(Role.COMMUNE_AGENT, Level.COMMUNE, COMMUNE))
    assert client.get(_url("detail", proposal)).status_code == 403


def test_refusal_needs_a_reason_and_keeps_the_application_active(client, proposal):
    client.force_login(proposal.pre_application.family.user)
    empty = client.post(_url("refuse", proposal), {"reason": "  "})
    assert empty.status_code == 400
    proposal.refresh_from_db()
    assert proposal.answer == Answer.PENDING
    client.post(_url("refuse", proposal), {"reason": "Trop loin du travail."})
    proposal.refresh_from_db()
    pre = proposal.pre_application
    pre.refresh_from_db()
    assert proposal.answer == Answer.REFUSED and proposal.answer_reason == "Trop loin du travail."
    assert pre.status == PreApplication.Status.REFUSED and pre.active
    assert any("Trop loin" in e.display_note for e in pre.events.filter(kind=Event.Kind.ANSWER))
    assert AuditEvent.objects.filter(detail__contains="Trop loin du travail").exists()
    again = client.post(_url("accept", proposal), follow=True)
    assert "déjà reçu une réponse" in again.content.decode()


def test_acceptance_closes_the_application_for_other_rounds(client, proposal):
    client.force_login(proposal.pre_application.family.user)
    assert client.get(_url("accept", proposal)).status_code == 405
    client.post(_url("accept", proposal))
    proposal.refresh_from_db()
    pre = proposal.pre_application
    pre.refresh_from_db()
    assert proposal.answer == Answer.ACCEPTED and proposal.answered_at
    assert pre.status == PreApplication.Status.ACCEPTED and not pre.active
    later = AllocationRound.objects.create(
        commune_id=COMMUNE,
        name="Commission suivante",
        starts_on=START + datetime.timedelta(days=90),
        ends_on=START + datetime.timedelta(days=120),
        grid=proposal.round.grid,
        status=AllocationRound.Status.PUBLISHED,
    )
    take_pre_applications(later)
    assert not later.applications.filter(pre_application=pre).exists()


def test_no_answer_after_the_deadline(client, proposal):
    proposal.answer_deadline = clock.today() - datetime.timedelta(days=1)
    proposal.save()
    client.force_login(proposal.pre_application.family.user)
    answered = client.post(_url("accept", proposal), follow=True)
    assert "délai de réponse est dépassé" in answered.content.decode()
    proposal.refresh_from_db()
    assert proposal.answer == Answer.PENDING


def test_status_page_links_to_the_proposal(client, proposal):
    pre = proposal.pre_application
    client.force_login(pre.family.user)
    page = client.get(reverse("families:application", kwargs={"reference": pre.reference}))
    assert page.status_code == 200
    assert _url("detail", proposal) in page.content.decode()
