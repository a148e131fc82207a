"""The public search (sdsf.families.search): communes, distances, what is public, filters."""

import math
from datetime import date, time, timedelta
from pathlib import Path

import pytest
from django.db import transaction
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from sdsf.core import clock
from sdsf.families.search import (
    EARTH_RADIUS_KM,
    RADIUS_CHOICES,
    Filters,
    Kind,
    SearchForm,
    bounding_box,
    find_communes,
    haversine_km,
    search,
)
from sdsf.offer.importing import import_offer
from sdsf.offer.models import (
    AGE_BOUNDS,
    AgrementStatus,
    AssistantMaternel,
    Capacity,
    ParentingAction,
    ParentingEvent,
    Section,
    Status,
    Structure,
    agrement_age_range,
)
from sdsf.territories.models import Commune
from tests.factories import make_assistant, make_structure

pytestmark = pytest.mark.django_db


@pytest.fixture
def bobigny():
    return Commune.objects.get(code="93008")


def east_of(commune, km):
    """(lat, lon) ``km`` east of the commune's centre."""
    lat = commune.centroid_lat
    return lat, commune.centroid_lon + km / (111.195 * math.cos(math.radians(lat)))


def at(commune, km, **fields):
    lat, lon = east_of(commune, km)
    return {"latitude": lat, "longitude": lon, **fields}


def around(commune, **options):
    return Filters(latitude=commune.centroid_lat, longitude=commune.centroid_lon, **options)


def names(found):
    return [r.name for r in found.results]


def test_haversine_and_bounding_box():
    # Paris (Notre-Dame) to Lyon (Bellecour): 392 km as the crow flies.
    assert haversine_km(48.8530, 2.3499, 45.7578, 4.8320) == pytest.approx(392, abs=2)
    lat_min, lat_max, lon_min, lon_max = bounding_box(48.9, 2.45, 10)
    for bearing in range(0, 360, 15):
        dlat = 10 / 111.2 * math.cos(math.radians(bearing))
        dlon = 10 / (111.2 * math.cos(math.radians(48.9))) * math.sin(math.radians(bearing))
        assert lat_min <= 48.9 + dlat * 0.999 <= lat_max
        assert lon_min <= 2.45 + dlon * 0.999 <= lon_max


def test_find_communes_by_name_postal_code_insee_code():
    assert [c.code for c in find_communes("Bobigny")] == ["93008"]
    assert [c.code for c in find_communes("  bobigny ")] == ["93008"]
    assert [c.code for c in find_communes("93008")] == ["93008"]
    assert [c.code for c in find_communes("93000")] == ["93008"]  # postal code
    assert [c.code for c in find_communes("Saint-Denis (93066)")] == ["93066"]
    assert [c.code for c in find_communes("epinay sur seine")] == ["93031"]  # accents, hyphens
    saint_denis = [c.code for c in find_communes("Saint-Denis")]
    assert "93066" in saint_denis and "11339" in saint_denis
    assert find_communes("Nulle-Part-sur-Mer") == []


def test_radius_sorting_and_what_is_public(bobigny):
    make_structure(name="Crèche à 1 km", category="multi_accueil", **at(bobigny, 1))
    make_structure(name="Micro-crèche à 3 km", category="micro_creche", **at(bobigny, 3))
    make_structure(name="Crèche à 15 km", category="multi_accueil", **at(bobigny, 15))
    make_structure(
        name="Crèche fermée",
        status=Status.CLOSED,
        closed_on=date(2024, 1, 1),
        **at(bobigny, 1),
    )
    make_structure(name="Centre social", kind=Structure.Kind.SOCIAL, **at(bobigny, 1))
    make_assistant(first_name="Awa", last_name="Diallo", available_places=2, **at(bobigny, 2))
    make_assistant(first_name="Sans", last_name="Place", available_places=0, **at(bobigny, 2))
    make_assistant(first_name="Non", last_name="Declare", **at(bobigny, 2))
    make_assistant(
        first_name="Expire",
        last_name="X",
        available_places=1,
        agrement_expiry=clock.today() - timedelta(days=1),
        **at(bobigny, 2),
    )
    make_assistant(
        first_name="Suspendu",
        last_name="Y",
        available_places=1,
        agrement_status=AgrementStatus.SUSPENDED,
        **at(bobigny, 2),
    )
    results = search(around(bobigny, radius_km=5)).results
    assert [r.name for r in results] == ["Crèche à 1 km", "Awa D.", "Micro-crèche à 3 km"]
    assert [r.kind for r in results] == [Kind.CRECHE, Kind.ASSISTANT, Kind.MICRO_CRECHE]
    assert results[0].distance_km == pytest.approx(1, abs=0.1)
    assert "Crèche à 15 km" in names(search(around(bobigny, radius_km=20)))


def test_a_dense_search_lists_the_nearest_and_says_there_are_more(bobigny):
    for km in (4, 1, 3, 2):
        make_structure(name=f"Relais à {km} km", kind=Structure.Kind.RPE, **at(bobigny, km))
    make_assistant(first_name="Awa", last_name="Diallo", available_places=1, **at(bobigny, 2.5))
    found = search(around(bobigny, radius_km=5), limit=3)
    assert names(found) == ["Relais à 1 km", "Relais à 2 km", "Awa D."]
    assert found.more
    assert not search(around(bobigny, radius_km=5), limit=5).more


def test_kind_filter(bobigny):
    make_structure(name="Crèche", category="multi_accueil", **at(bobigny, 1))
    make_structure(name="Micro", category="micro_creche", **at(bobigny, 1))
    make_structure(name="Relais", kind=Structure.Kind.RPE, **at(bobigny, 1))
    make_assistant(first_name="Awa", last_name="Diallo", available_places=1, **at(bobigny, 1))
    assert names(search(around(bobigny, kinds=frozenset({Kind.ASSISTANT})))) == ["Awa D."]
    assert names(search(around(bobigny, kinds=frozenset({Kind.MICRO_CRECHE})))) == ["Micro"]
    assert sorted(names(search(around(bobigny, kinds=frozenset({Kind.CRECHE, Kind.RPE}))))) == [
        "Crèche",
        "Relais",
    ]


def test_hours_filter_keeps_structures_open_over_the_needed_hours(bobigny):
    make_structure(name="7h30-18h30", opens_at=time(7, 30), closes_at=time(18, 30))
    make_structure(name="8h-18h", opens_at=time(8), closes_at=time(18))
    make_structure(name="Horaires inconnus")
    make_structure(name="Relais", kind=Structure.Kind.RPE)
    make_assistant(first_name="Awa", last_name="Diallo", available_places=1)
    early = around(bobigny, needed_from=time(7, 45), needed_to=time(18))
    assert sorted(names(search(early))) == ["7h30-18h30", "Awa D.", "Relais"]
    late = around(bobigny, needed_to=time(18, 15))
    assert "8h-18h" not in names(search(late)) and "7h30-18h30" in names(search(late))


def test_age_filter_uses_the_sections_in_force(bobigny):
    today = clock.today()
    by_section = make_structure(name="Grands seulement", category="creche_collective")
    Capacity.objects.create(
        structure=by_section, section=Section.BABIES, places=0, start=today - timedelta(days=9)
    )
    Capacity.objects.create(
        structure=by_section, section=Section.OLDER, places=20, start=today - timedelta(days=9)
    )
    undivided = make_structure(name="Toutes sections", category="multi_accueil")
    Capacity.objects.create(structure=undivided, section=Section.ALL, places=30, start=today)
    future = make_structure(name="Places futures", category="multi_accueil")
    Capacity.objects.create(
        structure=future, section=Section.ALL, places=30, start=today + timedelta(days=30)
    )
    make_assistant(first_name="Petits", last_name="A", agrement_ages="0-3 ans", available_places=1)
    make_assistant(first_name="Libre", last_name="B", agrement_ages="", available_places=1)
    assert sorted(names(search(around(bobigny, age_months=6)))) == [
        "Libre B.",
        "Petits A.",
        "Toutes sections",
    ]
    assert sorted(names(search(around(bobigny, age_months=30)))) == [
        "Grands seulement",
        "Libre B.",
        "Petits A.",
        "Toutes sections",
    ]
    assert sorted(names(search(around(bobigny, age_months=40)))) == [
        "Grands seulement",
        "Libre B.",
        "Toutes sections",
    ]
    assert search(around(bobigny, age_months=80)).results == []


def test_agrement_age_range():
    assert agrement_age_range("0-6 ans") == (0, 72)
    assert agrement_age_range("de 3 mois à 3 ans") == (3, 36)
    assert agrement_age_range("périscolaire") is None


def bounds(assistant):
    assistant.refresh_from_db()
    return assistant.agrement_min_months, assistant.agrement_max_months


def test_the_agrément_ages_are_read_on_every_write_path():
    assistant = make_assistant(agrement_ages="3 mois à 3 ans")
    assert bounds(assistant) == (3, 36)
    assistant.agrement_ages = "périscolaire"
    assistant.save(update_fields=["agrement_ages"])
    assert bounds(assistant) == (None, None)
    assistant.agrement_ages = "0-6 ans"
    AssistantMaternel.objects.bulk_update([assistant], ["agrement_ages"])
    assert bounds(assistant) == (0, 72)
    copy = AssistantMaternel.objects.get(pk=assistant.pk)
    copy.pk, copy.identifier, copy.agrement_ages = None, "AM-BULK-1", "0-2 ans"
    AssistantMaternel.objects.bulk_create([copy])
    assert bounds(AssistantMaternel.objects.get(identifier="AM-BULK-1")) == (0, 24)


def test_the_importer_reads_the_agrément_ages():
    examples = Path(__file__).resolve().parents[2] / "docs" / "examples"
    for kind in ("mam", "am"):  # the AM file refers to a MAM
        import_offer(kind, examples / f"{kind}.csv", today=date(2025, 11, 1))
    rows = AssistantMaternel.objects.filter(identifier__in=["AM-93-000001", "AM-93-000002"])
    assert sorted(rows.values_list("agrement_ages", *AGE_BOUNDS)) == [
        ("0-3 ans", 0, 36),
        ("0-6 ans", 0, 72),
    ]


def test_a_page_of_results_reads_only_its_places(bobigny, django_assert_num_queries):
    for km in (1, 2, 3):
        make_structure(name=f"Relais à {km} km", kind=Structure.Kind.RPE, **at(bobigny, km))
    make_assistant(first_name="Awa", last_name="Diallo", available_places=1, **at(bobigny, 2.5))
    found = search(around(bobigny, radius_km=5))
    assert len(found) == 4 and [h.name for h in found.hits][:2] == [
        "Relais à 1 km",
        "Relais à 2 km",
    ]
    with django_assert_num_queries(2):  # one per table listed
        page = found[1:3]
    assert [(r.name, r.kind, r.commune) for r in page] == [
        ("Relais à 2 km", Kind.RPE, "Bobigny"),
        ("Awa D.", Kind.ASSISTANT, "Bobigny"),
    ]
    assert found.results[1:3] == page


CENTRE = (48.9, 2.45)  # near Bobigny: latitude where a degree of longitude is 73 km


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    radius=st.sampled_from(RADIUS_CHOICES),
    limit=st.integers(min_value=1, max_value=6),
    places=st.lists(
        st.tuples(st.floats(0, 1.3), st.floats(0, 2 * math.pi)), min_size=1, max_size=12
    ),
)
# Found on PostgreSQL: the two flat-nearest are R00 and R01 (2 km north, just beyond the
# radius by the great circle); R02 (2 km, north-east) is within it and must still count.
@example(radius=2, limit=1, places=[(0.0, 0.0), (1.0, 0.0), (1.0, 1.0)])
def test_the_nearest_within_the_radius_are_never_dropped(bobigny, radius, limit, places):
    """Places at random distances (up to 1.3 × the radius) and bearings, box corners included:
    the search lists exactly those within the radius (great circle), the nearest first, up to
    the limit, and says when there are more."""
    lat0, lon0 = CENTRE
    km_lon = math.pi * EARTH_RADIUS_KM / 180 * math.cos(math.radians(lat0))
    with transaction.atomic():
        expected = []
        for index, (share, bearing) in enumerate(places):
            km = share * radius
            lat = lat0 + km * math.cos(bearing) / (math.pi * EARTH_RADIUS_KM / 180)
            lon = lon0 + km * math.sin(bearing) / km_lon
            make_structure(
                name=f"R{index:02d}", kind=Structure.Kind.RPE, latitude=lat, longitude=lon
            )
            distance = haversine_km(lat0, lon0, lat, lon)
            if distance <= radius:
                expected.append((round(distance, 1), f"R{index:02d}"))
        found = search(Filters(latitude=lat0, longitude=lon0, radius_km=radius), limit=limit)
        transaction.set_rollback(True)
    listed = [(h.distance_km, h.name) for h in found.hits]
    assert listed == sorted(listed)
    assert set(listed) <= set(expected)
    assert len(listed) == min(limit, len(expected)) and found.more == (len(expected) > limit)
    if len(expected) <= limit:
        assert sorted(expected) == listed


def test_parenting_actions_with_their_next_session(bobigny):
    action = ParentingAction.objects.create(
        identifier="PAR-T-1", title="Café des parents", promoter="Centre social", commune=bobigny
    )
    today = clock.today()
    ParentingEvent.objects.create(action=action, title="passée", date=today - timedelta(days=3))
    ParentingEvent.objects.create(action=action, title="suivante", date=today + timedelta(days=5))
    ParentingEvent.objects.create(action=action, title="après", date=today + timedelta(days=9))
    [result] = search(around(bobigny, kinds=frozenset({Kind.PARENTING}))).results
    assert result.name == "Café des parents"
    assert result.next_event == today + timedelta(days=5)
    assert result.approximate


def test_form_resolves_commune_or_position_and_reports_errors(bobigny):
    form = SearchForm({"commune": "93000", "radius": "5", "kinds": ["creche"]})
    filters = form.filters()
    assert form.place == bobigny
    assert (filters.latitude, filters.radius_km, filters.kinds) == (
        bobigny.centroid_lat,
        5,
        frozenset({"creche"}),
    )
    # A commune typed over a previous position wins.
    form = SearchForm({"commune": "Bobigny", "latitude": "45.0", "longitude": "4.0"})
    assert form.filters().latitude == bobigny.centroid_lat
    assert SearchForm({"latitude": "48.9", "longitude": "2.45"}).filters().latitude == 48.9
    assert SearchForm({}).filters() is None
    # Namesakes: only those the platform can place count (no geometry shipped for the Aude).
    assert SearchForm({"commune": "Saint-Denis"}).filters().latitude == (
        Commune.objects.get(code="93066").centroid_lat
    )
    ambiguous = SearchForm({"commune": "Lemps"})
    assert ambiguous.filters() is None
    assert "07140" in ambiguous.errors["commune"][0] and "26161" in ambiguous.errors["commune"][0]
    unplaced = SearchForm({"commune": "11339"})
    assert unplaced.filters() is None and "position" in unplaced.errors["commune"][0]
    unknown = SearchForm({"commune": "12 rue de la Paix"})
    assert "adresse" in unknown.errors["commune"][0]
    hours = SearchForm({"commune": "Bobigny", "needed_from": "18:00", "needed_to": "08:00"})
    assert hours.filters() is None and "needed_to" in hours.errors
