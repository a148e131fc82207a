from typing import Literal

from django.http import Http404
from ninja import Field, Query, Router, Schema

from sdsf.accounts import scope
from sdsf.accounts.scope import Permission
from sdsf.core.api import ERRORS
from sdsf.observatory.service import (
    PAGE_LEVELS,
    Observatory,
    codes_of,
    export_rows,
    imported_years,
)
from sdsf.territories.models import Commune

router = Router(tags=["observatoire"])


class IndicatorRow(Schema):
    level: str
    code: str
    name: str
    year: int
    children_under_3: float | None
    eaje_psu_places: float | None
    eaje_other_places: float | None
    am_places: float | None
    home_care_places: float | None
    preschool_places: float | None
    total_places: float | None
    coverage_rate: float | None
    published_coverage_rate: float | None
    is_demo: bool


class IndicatorFilters(Schema):
    level: Literal["commune", "epci", "ept", "departement", "region", "france"] = "departement"
    code: str | None = Field(None, max_length=9)
    year: int | None = Field(None, ge=1900, le=2100)


@router.get("", response={200: list[IndicatorRow], **ERRORS})
def indicators(request, filters: Query[IndicatorFilters]):
    """Coverage of childcare needs, one row per territory (the rows of ``sdsf indicators``).

    Communes, EPCI, EPT and départements: those having communes in the caller's départements;
    régions and France: all (comparison figures). ``year`` defaults to the latest imported;
    rates are per 100 children under 3, one decimal, null where unknown. ``is_demo``: the row
    rests on synthetic figures (Données de démonstration).
    """
    scope.require(request.user, Permission.OBSERVATORY_VIEW)
    years = imported_years()
    year = filters.year if filters.year is not None else (years or [None])[-1]
    if year not in years:  # nothing imported for it (or nothing at all): no rows
        return []
    observatory = Observatory()
    codes = None if filters.code is None else [filters.code]
    if filters.level in PAGE_LEVELS:
        mine = Commune.objects.filter(departement__in=scope.departements(request.user))
        allowed = set(codes_of(filters.level, mine))
        if codes is not None and not set(codes) <= allowed:
            raise Http404
        codes = sorted(allowed) if codes is None else codes
        if not codes:
            return []
    elif filters.level == "france":
        codes = None
    return export_rows(observatory.rows(filters.level, codes, [year]))
