import pytest

from sdsf.site.demo import STEPS
from sdsf.steering.demo import load_plan
from sdsf.steering.models import Scheme
from sdsf.territories.models import Departement

pytestmark = pytest.mark.django_db


def test_demo_loads_the_plan_of_the_departement():
    assert any(step.__name__ == "_steering_step" for step in STEPS)
    drome = Departement.objects.get(code="26")
    load_plan(drome)
    lines = load_plan(drome)  # idempotent
    assert "Schéma départemental des services aux familles de la Drôme 2020-2024" in lines[1]
    scheme = Scheme.objects.get()
    assert scheme.versions.count() == 1


def test_no_plan_shipped_says_so():
    lines = load_plan(Departement.objects.get(code="07"))
    assert lines == ["Pilotage : aucun plan livré pour le département 07."]
