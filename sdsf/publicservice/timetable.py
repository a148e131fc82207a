"""The renewal calendar of a departmental scheme after municipal elections (pure core).

The scheme runs six years and is renewed within twelve months after the general renewal of
municipal councils (article L214-5 CASF): the elections of 15 and 22 March 2026 put every
scheme's renewal before 22 March 2027. The communes' college of the committee is named again
after the elections (their members' mandates follow the municipal ones).
"""

import calendar
import datetime
from dataclasses import dataclass

SCHEME_YEARS = 6
RENEWAL_MONTHS = 12
# Second round of each general renewal of the municipal councils.
MUNICIPAL_ELECTIONS = (datetime.date(2020, 6, 28), datetime.date(2026, 3, 22))


@dataclass(frozen=True)
class Step:
    on: datetime.date
    label: str
    done: bool


def add_months(day: datetime.date, months: int) -> datetime.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    last = calendar.monthrange(year, month)[1]
    return datetime.date(year, month, min(day.day, last))


def last_elections(today: datetime.date) -> datetime.date:
    """The latest general municipal elections on or before ``today`` (the first known ones
    before that)."""
    past = [day for day in MUNICIPAL_ELECTIONS if day <= today]
    return past[-1] if past else MUNICIPAL_ELECTIONS[0]


def renewal_deadline(elections: datetime.date) -> datetime.date:
    return add_months(elections, RENEWAL_MONTHS)


def next_period(elections: datetime.date) -> tuple[int, int]:
    """First and last year of the scheme adopted after ``elections``: it starts the year its
    deadline falls in and runs six years."""
    start = renewal_deadline(elections).year
    return start, start + SCHEME_YEARS - 1


def steps(elections: datetime.date, today: datetime.date) -> list[Step]:
    """The renewal's milestones, in order, each marked done once its date is past."""
    deadline = renewal_deadline(elections)
    dates = [
        (elections, "Second tour des élections municipales"),
        (add_months(elections, 3), "Désignation des représentants des communes et EPCI au comité"),
        (add_months(elections, 6), "Bilan du schéma en cours et nouveau diagnostic partagé"),
        (add_months(elections, 9), "Projet de schéma soumis au comité départemental"),
        (deadline, "Date limite d'adoption du nouveau schéma (douze mois après les élections)"),
    ]
    return [Step(on, label, on <= today) for on, label in dates]
