from decimal import Decimal

import pytest
from django.urls import reverse

from sdsf.accounts.models import Role
from sdsf.steering import bindings
from sdsf.steering.indicators import BoundIndicatorError, record_value, yearly_values
from tests.factories import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def figure():
    """A test figure: known for 2021 and 2022 in the 93, unknown elsewhere."""
    calls = []

    @bindings.register("test_figure", "Chiffre de test", "%")
    def test_figure(departement_code: str, year: int) -> Decimal | None:
        calls.append((departement_code, year))
        known = {("93", 2021): Decimal("32.5"), ("93", 2022): Decimal("33.1")}
        return known.get((departement_code, year))

    yield calls
    bindings.unregister("test_figure")


def test_bound_indicator_takes_values_from_the_figure(ssd, figure):
    indicator = ssd.indicators.create(code="OBS", label="Lié", binding="test_figure")
    values = yearly_values(indicator, ssd.years)
    assert values == {
        2020: None,
        2021: Decimal("32.5"),
        2022: Decimal("33.1"),
        2023: None,
        2024: None,
    }
    assert ("93", 2021) in figure


def test_typing_a_value_of_a_bound_indicator_is_refused(ssd, figure):
    indicator = ssd.indicators.create(code="OBS", label="Lié", binding="test_figure")
    with pytest.raises(BoundIndicatorError):
        record_value(indicator, 2021, Decimal("1"), "", None, validated=True)


def test_unregistered_binding_gives_no_value_never_zero(ssd):
    indicator = ssd.indicators.create(code="X", label="Lié à rien", binding="not_registered")
    assert set(yearly_values(indicator, ssd.years).values()) == {None}


def test_coverage_rate_unknown_without_observatory_data(ssd):
    indicator = ssd.indicators.get(code="COUV")  # bound to coverage_rate in the shipped plan
    assert set(yearly_values(indicator, ssd.years).values()) == {None}


def test_action_page_shows_observatory_values(client, ssd, figure):
    action = ssd.actions.get(code="1")
    action.indicators.create(scheme=ssd, code="OBS", label="Couverture liée", binding="test_figure")
    client.force_login(make_user(Role.ANALYST))
    page = client.get(reverse("steering:action", kwargs={"action": action.pk})).content.decode()
    assert "Couverture liée" in page and "32,5" in page and "Observatoire" in page


def test_real_figures_are_registered():
    assert {"coverage_rate", "epci_with_rpe_and_laep_share", "places_created"} <= set(
        bindings.REGISTRY
    )


def test_epci_share_from_the_offer_registry(drome):
    from sdsf.offer.models import Structure
    from sdsf.territories.models import Commune, Epci

    indicator = drome.indicators.get(code="EPCI-RPE-LAEP")
    assert bindings.value(indicator.binding, "26", 2020) is None  # empty registry: unknown
    epci_count = Epci.objects.filter(communes__departement_id="26").distinct().count()
    commune = Commune.objects.filter(departement_id="26", epci__isnull=False).first()
    rpe = Structure.objects.create(identifier="T-RPE", kind="rpe", name="RPE", commune=commune)
    rpe.covered_communes.add(commune)
    Structure.objects.create(identifier="T-LAEP", kind="laep", name="LAEP", commune=commune)
    expected = (Decimal(100) / epci_count).quantize(Decimal("0.1"))
    assert yearly_values(indicator, [2024])[2024] == expected
    Structure.objects.filter(identifier="T-LAEP").update(is_demo=True)
    assert yearly_values(indicator, [2024])[2024] is None  # never a demo figure as a result


def test_a_bound_indicator_without_values_says_why_and_where_to_import(client, ssd):
    indicator = ssd.indicators.get(code="COUV")  # bound to coverage_rate, nothing imported
    client.force_login(make_user(Role.ANALYST))
    assert indicator.binding == "coverage_rate"
    url = reverse("steering:scheme", kwargs={"scheme": ssd.pk})
    page = client.get(url).content.decode().replace("&#x27;", "'")
    assert "Pas de valeur pour 2020, 2021, 2022, 2023, 2024" in page
    assert "Observatoire › Importer un fichier" in page
