"""The public cost estimate pages, in French, English and Arabic (right to left)."""

import re
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from sdsf.accounts.models import Role
from sdsf.core.formats import euros as fr_eur
from sdsf.families.tariffs import estimate_cmg_assistant_maternel, estimate_psu_price
from sdsf.territories.models import Level
from tests.factories import make_user

pytestmark = pytest.mark.django_db

URL = reverse("families:cost")
PSU_QUERY = {
    "calcul": "psu",
    "psu-on": "2026-03-01",
    "psu-children": "2",
    "psu-resources": "9 000,00",  # above the ceiling, typed the French way
    "psu-hours": "120",
}
# The CNAF's own example of the reformed CMG: 1 child, 3,000 EUR a month, 125 h at 4.85 EUR.
CMG_QUERY = {
    "calcul": "cmg",
    "cmg-on": "2025-10-01",
    "cmg-children": "1",
    "cmg-resources": "3000",
    "cmg-hours": "125",
    "cmg-hourly_wage": "4,85",
}


def _html_tag(html: str) -> str:
    """The <html> start tag, whitespace normalised."""
    return " ".join(re.search(r"<html[^>]*>", html).group(0).split()).replace(" >", ">")


def _page(client, query=None, language="fr", **headers) -> str:
    response = client.get(URL, query or {}, HTTP_ACCEPT_LANGUAGE=language, **headers)
    assert response.status_code == 200
    return response.content.decode()


def test_empty_page_offers_both_calculators_in_french(client):
    html = _page(client)
    assert _html_tag(html) == '<html lang="fr" data-fr-scheme="system">'
    assert "Estimer le coût de l'accueil" in html
    assert 'name="psu-resources"' in html and 'name="cmg-hourly_wage"' in html
    assert "Résultat" not in html
    # the language selector, posted to Django's set_language view
    assert f'action="{reverse("set_language")}"' in html
    assert 'value="ar" lang="ar" dir="rtl"' in html


def test_psu_result_shows_the_calculator_lines_and_the_estimate_warning(client):
    html = _page(client, PSU_QUERY)
    estimate = estimate_psu_price(
        date(2026, 3, 1), 2, Decimal("9000"), hours_per_month=Decimal("120")
    )
    assert fr_eur(estimate.hourly_price) in html
    assert fr_eur(estimate.monthly_price) in html
    for line in estimate.lines:
        assert escape(line) in html
    assert "le plafond de 8\u00a0500,00 € est retenu" in html  # the ceiling applied, explained
    assert "Ceci est une estimation" in html
    assert "lettre-circulaire 2019-005" in html  # the source of the barème


def test_disabled_child_counts_as_one_more(client):
    query = {**PSU_QUERY, "psu-disabled_child": "on", "psu-resources": "3000"}
    html = _page(client, query)
    estimate = estimate_psu_price(
        date(2026, 3, 1), 2, Decimal(3000), hours_per_month=Decimal(120), disabled_child=True
    )
    assert "le taux appliqué est celui de 3 enfants" in html
    assert fr_eur(estimate.hourly_price) in html
    assert fr_eur(estimate.hourly_price) != fr_eur(
        estimate_psu_price(date(2026, 3, 1), 2, Decimal(3000)).hourly_price
    )


def test_cmg_result_matches_the_cnaf_example(client):
    html = _page(client, CMG_QUERY)
    estimate = estimate_cmg_assistant_maternel(
        date(2025, 10, 1), 1, Decimal(3000), Decimal(125), Decimal("4.85")
    )
    assert (fr_eur(estimate.cmg), fr_eur(estimate.remaining_cost)) == ("374,13 €", "232,12 €")
    assert "374,13 €" in html and "232,12 €" in html
    assert "Reste à votre charge" in html
    for line in estimate.lines:
        assert escape(line) in html


def test_page_in_english(client):
    html = _page(client, CMG_QUERY, language="en")
    assert _html_tag(html) == '<html lang="en" data-fr-scheme="system">'
    assert "Estimate the cost of childcare" in html
    assert "Left for you to pay" in html
    # the calculator's explanation lines are translated too, amounts keep the French format
    assert "Estimated CMG: 374,13 €; left for the family to pay: 232,12 €." in html


def test_page_in_arabic_is_right_to_left(client):
    html = _page(client, PSU_QUERY, language="ar")
    assert _html_tag(html) == '<html lang="ar" dir="rtl" data-fr-scheme="system">'
    assert "تقدير تكلفة الاستقبال" in html
    assert "السعر بالساعة" in html
    assert "هذا تقدير" in html


def test_language_chosen_with_the_selector_sticks(client):
    response = client.post(reverse("set_language"), {"language": "ar", "next": URL})
    assert response.status_code == 302 and response.url == URL
    assert '<html lang="ar" dir="rtl"' in _page(client)  # from the cookie, not the browser


@pytest.mark.parametrize("page", ["site:home", "families:desk"])
def test_staff_pages_stay_french(client, page):
    """Staff pages, the agents' desk under /familles/ included, ignore the family's choice."""
    client.post(reverse("set_language"), {"language": "ar", "next": URL})
    client.force_login(make_user(Role.COMMUNE_AGENT, Level.COMMUNE, "93008"))
    html = client.get(reverse(page), HTTP_ACCEPT_LANGUAGE="ar").content.decode()
    assert _html_tag(html) == '<html lang="fr" data-fr-scheme="system">'
    assert "Se déconnecter" in html
    assert "sdsf-translate-menu" not in html  # no language selector on staff pages


def test_date_outside_the_barème_shows_a_french_error(client):
    html = _page(client, {**PSU_QUERY, "psu-on": "2010-01-01"})
    assert "Le barème PSU commence le 01/01/2018" in html
    assert 'role="alert"' in html
    assert "Résultat" not in html


def test_bad_numbers_are_refused_with_french_messages(client):
    html = _page(client, {**CMG_QUERY, "cmg-resources": "-5", "cmg-hourly_wage": "abc"})
    assert "Assurez-vous que cette valeur est supérieure ou égale à 0." in html
    assert "Saisissez un nombre." in html
    assert "Reste à votre charge" not in html


def test_error_from_the_calculator_in_english(client):
    html = _page(client, {**CMG_QUERY, "cmg-on": "2014-06-01"}, language="en")
    assert "The CMG calculation is only available from 01/01/2015." in html


def test_htmx_request_gets_only_the_calculator(client):
    response = client.get(URL, CMG_QUERY, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "<html" not in html
    assert html.strip().startswith("<section") or '<section class="fr-mb-6w" id="cmg"' in html
    assert "374,13 €" in html


def test_command_line_stays_french_whatever_the_active_language():
    """The calculators read the active language: outside a request, French (LANGUAGE_CODE)."""
    estimate = estimate_psu_price(date(2026, 3, 1), 1, Decimal(3000))
    assert estimate.lines[1] == "Enfants à charge : 1."
    with translation.override("en"):
        assert estimate.lines[1] == "Dependent children: 1."
