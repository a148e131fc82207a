"""A child's age section in an EAJE (:class:`~sdsf.offer.models.Section`) on a given day.

The commission places a child in the section of its age on the round's start date; the
observatory counts unmet demand by the same sections.
"""

from datetime import date

from sdsf.offer.models import Section

# Age sections of the EAJE, from the child's age on the day (in whole months).
MIDDLE_FROM_MONTHS = 18
OLDER_FROM_MONTHS = 24


def age_in_months(birth: date, on: date) -> int:
    return (on.year - birth.year) * 12 + on.month - birth.month - (on.day < birth.day)


def child_section(birth: date, on: date) -> str | None:
    """The child's age section on ``on``: bébés under 18 months, moyens from 18 to 24 months,
    grands from 24 months; None for a child not yet born that day."""
    months = age_in_months(birth, on)
    if months < 0:
        return None
    if months < MIDDLE_FROM_MONTHS:
        return Section.BABIES
    if months < OLDER_FROM_MONTHS:
        return Section.MIDDLE
    return Section.OLDER
