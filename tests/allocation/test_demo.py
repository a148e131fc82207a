"""The demo commission of the demo département: a full proposal, and the documented waiting
list imports into it as it is."""

from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import override_settings

from sdsf.allocation import rounds
from sdsf.allocation.models import AllocationRound
from sdsf.allocation.waiting_list import import_waiting_list
from sdsf.core import clock
from sdsf.offer.models import Enrolment, Structure

pytestmark = pytest.mark.django_db
EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "waiting_list.csv"


@override_settings(DEBUG=True)
def test_demo_round_places_children_in_most_crèches_and_takes_the_example():
    call_command("load_demo", departement="93")
    item = AllocationRound.objects.get(commune_id="93008", name__contains="démonstration")
    assert item.starts_on > item.meets_on > clock.today()
    crèches = Structure.objects.filter(commune_id="93008", kind="eaje", is_demo=True)
    receiving = item.applications.exclude(proposed_structure=None).values("proposed_structure")
    assert receiving.distinct().count() >= crèches.count() - 2
    assert Enrolment.objects.filter(structure__in=crèches).exists()
    assert item.vacancies.exists()
    assert item.applications.exclude(group="").count() == 2
    assert item.applications.exclude(current_structure=None).exists()
    assert "calcul exact" in item.progress_note

    result = import_waiting_list(item, str(EXAMPLE), "waiting_list.csv")
    assert result.created == 6
    item.status = AllocationRound.Status.PUBLISHED
    item.save()
    assert rounds.run(item) > 0
