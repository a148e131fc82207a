"""The platform's HTTP API (OpenAPI at /api/docs), behind the same gate as the pages."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, ValidationError
from ninja.security import SessionAuth

from sdsf.observatory.api import router as observatory_router
from sdsf.observatory.territory_api import router as territories_router
from sdsf.offer.api import router as offer_router

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


@api.exception_handler(AuthenticationError)
def unauthenticated(request, exc):
    return api.create_response(request, {"detail": "Connexion requise."}, status=401)


@api.exception_handler(Http404)
def not_found(request, exc):
    return api.create_response(request, {"detail": "Introuvable."}, status=404)


@api.exception_handler(ValidationError)
def invalid_input(request, exc):
    """A parameter out of its range or of the wrong type: 400 with the parameters named."""
    names = sorted({str(e["loc"][-1]) for e in exc.errors if e.get("loc")})
    detail = "Paramètre invalide : " + ", ".join(names) if names else "Requête invalide."
    return api.create_response(request, {"detail": detail}, status=400)


api.add_router("/territories", territories_router)
api.add_router("/offer", offer_router)
api.add_router("/indicators", observatory_router)
