"""The comité départemental des services aux familles: its yearly summary (service).

Article D214-2-1 CASF: the committee sends each year a summary of its work. It is generated
here from what the platform already holds: the departmental scheme's yearly review (its actions'
status and indicators), the scheme's own indicators, the committee's meetings with their
attendance, and its decisions with the actions they concern; the local schémas adopted in the
département that year.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from sdsf.publicservice.models import College, LocalSchema, Meeting, Member
from sdsf.publicservice.schemas import current_scheme
from sdsf.steering import reviews
from sdsf.steering.models import Scheme
from sdsf.territories.models import Departement


@dataclass
class YearlySummary:
    departement: Departement
    year: int
    scheme: Scheme | None
    review: dict | None
    review_validated: bool
    meetings: list[Meeting]
    colleges: list[dict]
    schemas: list[LocalSchema]

    @property
    def decisions(self) -> int:
        return sum(len(m.decisions.all()) for m in self.meetings)


def yearly_summary(departement: Departement, year: int) -> YearlySummary:
    scheme = current_scheme(departement.code)
    review = scheme.reviews.filter(year=year).first() if scheme else None
    meetings = list(
        Meeting.objects.filter(departement=departement, held_on__year=year)
        .order_by("held_on")
        .prefetch_related("decisions__actions", "attendees")
    )
    members = Member.objects.filter(departement=departement)
    in_office = Counter(
        m.college
        for m in members
        if m.mandate_start.year <= year and (m.mandate_end is None or m.mandate_end.year >= year)
    )
    return YearlySummary(
        departement=departement,
        year=year,
        scheme=scheme,
        review=reviews.content(review) if review else None,
        review_validated=bool(review and review.frozen),
        meetings=meetings,
        colleges=[{"label": label, "members": in_office[key]} for key, label in College.choices],
        schemas=list(LocalSchema.objects.filter(departement=departement, adopted_on__year=year)),
    )
