from django.urls import path

from sdsf.territories import map_views

app_name = "maps"
urlpatterns = [
    path("communes.geojson", map_views.communes, name="communes"),
    path("departements/<str:code>.geojson", map_views.departement, name="departement"),
    path(
        "departements/<str:code>/communes.geojson",
        map_views.departement_communes,
        name="departement_communes",
    ),
]
