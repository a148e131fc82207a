"""A structure's places agréées on a given day: the registry's pages and the family pages show
them."""

from datetime import date

from sdsf.offer.models import Structure


def capacity_on(structure: Structure, on: date) -> dict[str, int]:
    """Places by section in force on ``on`` (prefetched capacities)."""
    latest: dict[str, tuple] = {}
    for row in structure.capacities.all():
        if row.start <= on and (row.section not in latest or row.start > latest[row.section][0]):
            latest[row.section] = (row.start, row.places)
    return {section: places for section, (_, places) in latest.items() if places}
