"""The platform's HTTP API (OpenAPI at /api/docs), behind the same gate as the pages."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from ninja import NinjaAPI
from ninja.security import SessionAuth

from sdsf.observatory.api import router as observatory_router
from sdsf.offer.api import router as offer_router
from sdsf.territories.api import router as territories_router

api = NinjaAPI(
    title="SDSF API",
    version="1",
    description="Données des services aux familles : territoires, offre, indicateurs.",
    auth=SessionAuth(),
    urls_namespace="api",
    docs_decorator=login_required,
)


@api.exception_handler(PermissionDenied)
def permission_denied(request, exc):
    return api.create_response(request, {"detail": "Accès refusé."}, status=403)


api.add_router("/territories", territories_router)
api.add_router("/offer", offer_router)
api.add_router("/indicators", observatory_router)
