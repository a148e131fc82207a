"""A new departmental scheme started as the copy of the last one (service).

The scheme runs six years and is renewed after the municipal elections
(:mod:`sdsf.publicservice.timetable`). The new scheme keeps the plan's structure (axes,
objectives, actions with their pilots, partners and indicators, governance bodies), goes
through the plan's own JSON format (:mod:`sdsf.steering.planio`, so it is checked as an
imported plan would be), and starts fresh: every action planned, no yearly value, no budget
nor milestone, no meeting; each indicator's baseline is its last known value. The key figures
are the observatory's diagnostic of the département at that date; the previous scheme's last
review's conclusions are kept beside it (:class:`~sdsf.publicservice.models.Renewal`).
"""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction

from sdsf.core import clock
from sdsf.observatory import report
from sdsf.observatory.coverage import CHILDREN, COVERAGE_RATE, TOTAL_PLACES
from sdsf.observatory.service import Observatory, Territory
from sdsf.publicservice.models import Renewal
from sdsf.publicservice.timetable import SCHEME_YEARS
from sdsf.steering import reviews
from sdsf.steering.models import Scheme
from sdsf.steering.plan_format import read_plan
from sdsf.steering.planio import export_plan, write_plan

DIAGNOSTIC = (
    (CHILDREN, "Enfants de moins de 3 ans", "enfants"),
    (TOTAL_PLACES, "Places d'accueil du jeune enfant", "places"),
    (COVERAGE_RATE, "Taux de couverture global", "%"),
)


class AlreadyRenewed(Exception):
    def __str__(self) -> str:
        return "Un schéma commence déjà cette année-là pour ce département."


def diagnostic(scheme: Scheme) -> dict:
    """The département's latest observatory figures (year, and each figure of DIAGNOSTIC)."""
    departement = scheme.departement
    found = report.build(
        Observatory(), Territory("departement", departement.code, departement.name), None
    )
    row = found.row or {}
    return {
        "year": found.year,
        "is_demo": found.is_demo,
        "figures": [
            {"key": key, "label": label, "unit": unit, "value": row.get(key)}
            for key, label, unit in DIAGNOSTIC
        ],
    }


def conclusions(scheme: Scheme) -> str:
    """The summary of the scheme's latest review (validated first), with its year."""
    review = scheme.reviews.order_by("-validated_at", "-year").first()
    if review is None:
        return ""
    summary = reviews.content(review)["summary"]
    return f"Bilan {review.year} : {summary}" if summary else ""


def _last_value(indicator: dict) -> tuple[str | None, int | None]:
    values = indicator.get("values") or []
    if not values:
        return indicator["baseline"].get("value"), indicator["baseline"].get("year")
    last = max(values, key=lambda v: v["year"])
    return last["value"], last["year"]


def _fresh_indicator(indicator: dict) -> None:
    value, year = _last_value(indicator)
    indicator["baseline"] = {"value": value, "year": year}
    indicator["values"] = []


def _fresh_action(action: dict) -> None:
    action.update(status=None, progress=None, start_year=None, end_year=None)
    action["budget"], action["milestones"] = [], []
    for indicator in action["indicators"]:
        _fresh_indicator(indicator)


@transaction.atomic
def renew(previous: Scheme, start_year: int, user) -> Scheme:
    if Scheme.objects.filter(departement=previous.departement, start_year=start_year).exists():
        raise AlreadyRenewed
    doc = export_plan(previous)
    found = diagnostic(previous)
    doc.update(
        reference=f"{previous.reference[:54]}-{start_year}",
        start_year=start_year,
        end_year=start_year + SCHEME_YEARS - 1,
        signed_on=None,
        source=f"Renouvellement du schéma {previous} le {clock.today():%d/%m/%Y}.",
    )
    for signatory in doc["signatories"]:
        signatory["signed_on"] = None
    doc["key_figures"] = [
        {
            "label": figure["label"],
            "value": round(Decimal(str(figure["value"])), 2),
            "unit": figure["unit"],
            "year": found["year"],
            "source": "Observatoire SDSF"
            + (" (données de démonstration)" if found["is_demo"] else ""),
        }
        for figure in found["figures"]
        if figure["value"] is not None
    ]
    for axis in doc["axes"]:
        for action in [*axis["actions"], *(a for o in axis["objectives"] for a in o["actions"])]:
            _fresh_action(action)
    for indicator in doc["indicators"]:
        _fresh_indicator(indicator)
    for body in doc["governance"]:
        body["meetings"] = []
    scheme, _result = write_plan(read_plan(doc, "renouvellement"))
    Renewal.objects.create(
        previous=previous,
        scheme=scheme,
        conclusions=conclusions(previous),
        diagnostic=found,
        created_by=user,
    )
    return scheme
