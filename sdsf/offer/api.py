from ninja import Query, Router, Schema

from sdsf.accounts import scope
from sdsf.accounts.scope import Permission
from sdsf.core.api import ERRORS
from sdsf.core.choices import FileKeys
from sdsf.offer.models import Structure

router = Router(tags=["offre"])
# The API keeps the funding keys it has always returned (the stored key of "autre" is "other").
FUNDING_KEYS = FileKeys(Structure.Funding.values, {Structure.Funding.OTHER: "autre"})


class StructureOut(Schema):
    identifier: str
    kind: str
    category: str
    name: str
    commune_code: str
    latitude: float | None
    longitude: float | None
    location_approximate: bool
    funding: str
    status: str
    is_demo: bool


@router.get("/structures", response={200: list[StructureOut], **ERRORS})
def offer_structures(
    request,
    commune: str | None = Query(None, max_length=5),
    kind: str | None = Query(None, max_length=20),
):
    """The structures of the registry in the caller's scope (optionally one commune or kind)."""
    scope.require(request.user, Permission.OFFER_VIEW)
    rows = Structure.objects.visible_to(request.user, Permission.OFFER_VIEW).order_by("identifier")
    if commune:
        rows = rows.filter(commune_id=commune)
    if kind:
        rows = rows.filter(kind=kind)
    computed = ("commune_code", "funding")
    return [
        StructureOut(
            commune_code=s.commune_id,
            funding=FUNDING_KEYS.public(s.funding),
            **{f: getattr(s, f) for f in StructureOut.model_fields if f not in computed},
        )
        for s in rows
    ]
