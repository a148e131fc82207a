from django.urls import include, path

from sdsf.api import api

urlpatterns = [
    path("", include("sdsf.core.urls")),
    path("compte/", include("sdsf.accounts.urls")),
    path("territoires/", include("sdsf.territories.urls")),
    path("audit/", include("sdsf.audit.urls")),
    path("api/", api.urls),
]
