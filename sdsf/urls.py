from django.conf import settings
from django.urls import include, path

from sdsf.api import api

urlpatterns = [
    path("", include("sdsf.site.urls")),
    path("", include("sdsf.core.urls")),
    path("compte/", include("sdsf.accounts.urls")),
    path("compte/", include("sdsf.audit.people_urls")),
    path("territoires/", include("sdsf.observatory.territory_urls")),
    path("cartes/", include("sdsf.territories.map_urls")),  # public outlines under the maps
    path("audit/", include("sdsf.audit.urls")),
    path("offre/", include("sdsf.offer.urls")),
    path("observatoire/", include("sdsf.observatory.urls")),
    path("attribution/", include("sdsf.allocation.urls")),
    path("familles/", include("sdsf.families.urls")),
    # The family's answer to a proposal: a family page (under /familles/, translated) that the
    # commission serves, since it sits above the families app.
    path("familles/", include("sdsf.allocation.proposal_urls")),
    path("familles/urgence/", include("sdsf.emergency.family_urls")),
    path("structures-en-difficulte/", include("sdsf.difficulty.urls")),
    path("financements/", include("sdsf.funding.urls")),
    path("pilotage/", include("sdsf.steering.urls")),
    path("urgence/", include("sdsf.emergency.urls")),
    path("communes/", include("sdsf.publicservice.urls")),
    path("api/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),  # set_language: family pages' selector
]

if settings.SDSF_E2E_API:  # browser tests only (sdsf.settings.e2e): data without authentication
    urlpatterns.append(path("e2e/", include("sdsf.site.e2e")))
