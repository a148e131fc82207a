"""A structure's places in a round: capacity less the children who stay, declarations, pools."""

from sdsf.allocation import seats
from sdsf.allocation.seats import Child, Declared, Source
from sdsf.offer.days import ALL_DAYS, parse

MONDAY_TUESDAY = parse("lu|ma")


def test_places_are_the_capacity_less_the_children_who_stay():
    offered = seats.offered(
        Source(capacity={"babies": 5, "middle": 5, "older": 5}, staying=[Child("babies")] * 3)
    )
    assert offered.pool == -1
    assert offered.caps == {"babies": 2, "middle": 5, "older": 5}
    assert (offered.capacity, offered.enrolled, offered.offered) == (15, 3, 12)
    assert not offered.uses_declaration


def test_a_pool_is_shared_by_every_section_within_its_caps():
    offered = seats.offered(
        Source(
            capacity={"all": 20, "babies": 6},
            staying=[Child("babies")] * 4 + [Child("older")] * 10,
        )
    )
    assert offered.pool == 6
    assert offered.caps == {"babies": 2, "middle": 6, "older": 6}
    assert offered.offered == 6


def test_a_part_time_child_leaves_its_other_days_to_another():
    offered = seats.offered(
        Source(capacity={"all": 2}, staying=[Child("babies"), Child("", MONDAY_TUESDAY)])
    )
    assert offered.pool == 1
    assert offered.holders == [Child("babies", MONDAY_TUESDAY)]


def test_half_days_count_as_whole_days_unless_the_structure_works_so():
    morning = parse("lu-matin")
    by_day = seats.offered(Source(capacity={"all": 1}, staying=[Child("older", morning)]))
    assert by_day.holders == [Child("older", parse("lu"))]
    by_half = seats.offered(
        Source(capacity={"all": 1}, staying=[Child("older", morning)], half_days=True)
    )
    assert by_half.holders == [Child("older", morning)]


def test_holders_that_do_not_fit_take_whole_places():
    offered = seats.offered(Source(capacity={"all": 1}, staying=[Child("", MONDAY_TUESDAY)] * 2))
    assert offered.pool == 0
    assert offered.holders == []


def test_a_declaration_replaces_the_count():
    offered = seats.offered(
        Source(
            capacity={"all": 30},
            staying=[Child("older")] * 29,
            declared=[Declared("all", 4, leaving=3), Declared("babies", 1)],
        )
    )
    assert offered.uses_declaration
    assert (offered.declared, offered.leaving, offered.offered) == (4, 3, 4)
    assert offered.pool == 4
    assert offered.caps == {"babies": 1, "middle": 4, "older": 4}


def test_a_place_declared_on_some_days_is_held_on_the_others():
    offered = seats.offered(
        Source(capacity={"babies": 10}, declared=[Declared("babies", 1, MONDAY_TUESDAY)])
    )
    assert offered.caps["babies"] == 1
    assert offered.holders == [Child("babies", ALL_DAYS & ~MONDAY_TUESDAY)]


def test_a_transfer_holds_its_seat():
    counted = seats.offered(
        Source(capacity={"all": 10}, staying=[Child("older")] * 10, transfers=[Child("older")])
    )
    assert (counted.pool, counted.offered) == (1, 0)
    declared = seats.offered(
        Source(capacity={"all": 10}, declared=[Declared("all", 2)], transfers=[Child("older")])
    )
    assert (declared.pool, declared.offered) == (3, 2)


def test_reserves_come_from_the_agreed_capacity_within_the_places_left():
    offered = seats.offered(
        Source(
            capacity={"all": 40},
            staying=[Child("older")] * 35,
            avip_share=10,
            benefit_reserve=True,
        )
    )
    assert offered.reserved == {"all": 4}
    assert offered.reserved_benefit == {"all": 1}
