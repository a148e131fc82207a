"""The territories API (``/api/territories``), behind the gate like the territory pages
(:mod:`sdsf.observatory.territory_views`), and in the observatory for the same reason."""

from django.shortcuts import get_object_or_404
from ninja import Path, Router, Schema

from sdsf.accounts import scope
from sdsf.accounts.scope import Permission
from sdsf.core.api import ERRORS
from sdsf.territories.queries import commune_rows

router = Router(tags=["territoires"])


class CommuneOut(Schema):
    code: str
    name: str
    epci_code: str
    epci_name: str
    ept_code: str
    population: int


@router.get("/departements/{code}/communes", response={200: list[CommuneOut], **ERRORS})
def departement_communes(request, code: str = Path(..., max_length=3)):
    """The communes of a département in the caller's scope, with their EPCI, EPT and population."""
    scope.require(request.user, Permission.VIEW_TERRITORY)
    return commune_rows(get_object_or_404(scope.departements(request.user), code=code))
