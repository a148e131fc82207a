"""Decision letters: what a sendable letter says for each outcome, in the family's language,
what validation announces before it sends, and the bounds of a round's numbers."""

import io

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation
from pypdf import PdfReader

from sdsf.accounts.models import Institution, Role
from sdsf.allocation import letters, rounds
from sdsf.allocation.forms import RoundForm
from sdsf.allocation.intake import take_pre_applications
from sdsf.allocation.models import AllocationRound
from sdsf.core.downloads import render_to_string
from sdsf.offer.models import Structure
from sdsf.territories.models import Commune, Level
from tests.allocation.test_commission import TODAY, _request, _round, commune_offer  # noqa: F401
from tests.allocation.test_rounds import COMMUNE
from tests.factories import make_pre_application, make_user

pytestmark = pytest.mark.django_db


def _text(pdf: bytes) -> str:
    text = " ".join((page.extract_text() or "") for page in PdfReader(io.BytesIO(pdf)).pages)
    return text.replace("\u2068", "").replace("\u2069", "")


@pytest.fixture
def validated(rf, commune_offer):  # noqa: F811
    """A validated round: one family placed at Les Roses, one without a place, one refused
    by the commission (an override with its reason)."""
    _, roses, _ = commune_offer
    Structure.objects.filter(pk=roses.pk).update(
        category=Structure.Category.COLLECTIVE, address="3 rue des Roses"
    )
    Institution.objects.create(
        name="Ville de Bobigny",
        kind=Institution.Kind.COMMUNE,
        territory_level=Level.COMMUNE,
        territory_code=COMMUNE,
        address="31 avenue Salvador Allende\n93000 Bobigny",
        signatory="Pour le maire, l'adjointe à la petite enfance",
        contact="Service petite enfance, 01 41 60 93 93",
        court="tribunal administratif de Montreuil",
    )
    item = _round(answer_days=8)
    placed = make_pre_application(
        wishes=[roses], situation=["residence"], address="2 rue Hoche, 93000 Bobigny"
    )
    waiting = make_pre_application(wishes=[roses], language="ar", child_first_name="Lina")
    refused = make_pre_application(wishes=[roses], language="en")
    take_pre_applications(item)
    rounds.run(item)
    request = _request(rf)
    target = item.applications.get(reference=refused.reference)
    rounds.override(request, target, None, "Dossier incomplet : justificatif manquant.")
    rounds.validate(request, item, today=TODAY)
    return item, {
        "placed": item.applications.get(reference=placed.reference),
        "waiting": item.applications.get(reference=waiting.reference),
        "refused": target,
    }


def _letter(application, language=None) -> str:
    who = letters.authority(application.round.commune)
    return _text(letters.render(application, who, language or letters.language(application)))


def test_place_letter_says_everything_a_sendable_decision_says(validated):
    item, applications = validated
    text = " ".join(_letter(applications["placed"]).split())
    assert "Parent Test" in text and "2 rue Hoche" in text  # addressee and address
    assert "Ville de Bobigny" in text and "93000 Bobigny" in text  # the authority
    assert applications["placed"].reference in text and TODAY.strftime("%d/%m/%Y") in text
    assert "attribuée à Enfant à la crèche « Crèche EAJE-ROSES »" in text
    assert "3 rue des Roses" in text and item.starts_on.strftime("%d/%m/%Y") in text
    deadline = applications["placed"].answer_deadline.strftime("%d/%m/%Y")
    assert f"au plus tard le {deadline}" in text
    assert "Service petite enfance, 01 41 60 93 93" in text
    assert "Pour le maire, l'adjointe à la petite enfance" in text
    assert "L311-3-1" in text and "paramètres et leur pondération" in text
    assert "recours gracieux" in text and "tribunal administratif de Montreuil" in text
    assert "deux mois" in text
    assert "()" not in text and "( " not in text


def test_waiting_and_refusal_letters(validated):
    _, applications = validated
    french = " ".join(_letter(applications["waiting"], "fr").split())
    assert "reste inscrite sur la liste d'attente" in french
    refusal = " ".join(_letter(applications["refused"], "fr").split())
    assert "ne vous attribue pas de place" in refusal
    assert "Dossier incomplet : justificatif manquant." in refusal


def test_letters_follow_the_family_language(validated):
    item, applications = validated
    english = " ".join(_letter(applications["refused"]).split())
    assert "Means and time limits of appeal" in english and "two months" in english
    waiting = " ".join(_letter(applications["waiting"], "en").split())
    assert "No place could be offered to you among your choices." in waiting  # the engine's
    assert "the last family admitted had 300 points" in waiting
    context = letters.context(applications["waiting"], letters.authority(item.commune))
    with translation.override("ar"):
        html = render_to_string(letters.TEMPLATE, context)
    assert 'lang="ar" dir="rtl"' in html
    assert "،" in html  # Arabic comma, not the Latin one


def test_validation_says_what_it_sends_then_sends_it(client, rf, commune_offer):  # noqa: F811
    _, roses, _ = commune_offer
    item = _round()
    make_pre_application(wishes=[roses], situation=["residence"])
    make_pre_application(wishes=[roses], email="")
    take_pre_applications(item)
    rounds.run(item)
    client.force_login(make_user(Role.COMMUNE_AGENT, Level.COMMUNE, COMMUNE))
    url = reverse("allocation:round_validate", kwargs={"round": item.pk})
    page = client.get(url).content.decode()
    assert "Place attribuée" in page and "Valider et envoyer les décisions" in page
    assert "liste d&#x27;attente" in page
    rows = {row.outcome: (row.by_email, row.by_post) for row in letters.dispatch(item)}
    assert sorted(rows.values()) == [(0, 1), (1, 0)]
    client.post(url, {"confirm": "on"})
    item.refresh_from_db()
    assert item.status == AllocationRound.Status.VALIDATED and item.validated_on == TODAY


def test_round_numbers_are_bounded():
    communes = Commune.objects.filter(code=COMMUNE)
    data = {
        "commune": COMMUNE,
        "name": "Commission",
        "starts_on": "2027-01-04",
        "ends_on": "2027-01-29",
        "seed": "99999999999",
        "answer_days": "100000000000",
    }
    form = RoundForm(data, communes)
    assert not form.is_valid()
    assert set(form.errors) >= {"seed", "answer_days"}
    assert not RoundForm({**data, "seed": "1", "answer_days": "0"}, communes).is_valid()


def test_history_notes_follow_the_reader_language(validated):
    _, applications = validated
    pre = applications["placed"].pre_application
    event = pre.events.get(kind="proposal")
    assert event.display_note.startswith("Place proposée à Crèche EAJE-ROSES ; réponse attendue")
    with translation.override("en"):
        assert event.display_note.startswith("Place offered at Crèche EAJE-ROSES; answer expected")
    waiting = applications["waiting"].pre_application.events.order_by("pk").last()
    with translation.override("ar"):
        assert "لم يتسنَّ عرض أي مكان" in waiting.display_note


def test_decision_signature_command(capsys):
    Institution.objects.create(
        name="Ville de Bondy",
        kind=Institution.Kind.COMMUNE,
        territory_level=Level.COMMUNE,
        territory_code="93010",
    )
    call_command(
        "decision_signature",
        "Ville de Bondy",
        "--address",
        "1 place de la Mairie|93140 Bondy",
        "--court",
        "tribunal administratif de Montreuil",
    )
    bondy = letters.authority(Commune.objects.get(code="93010"))
    assert bondy.address == "1 place de la Mairie\n93140 Bondy"
    assert bondy.court == "tribunal administratif de Montreuil"
    with pytest.raises(SystemExit):
        call_command("decision_signature", "Ville inconnue", "--contact", "x")
    assert "inconnue" in capsys.readouterr().err
