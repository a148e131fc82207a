from django.urls import path

from sdsf.observatory import territory_views as views

# The public territory pages (COG data of the person's départements) keep their own namespace and
# path (/territoires/); they live here because they need the gate (accounts), above territories.
app_name = "territories"
urlpatterns = [
    path("", views.index, name="index"),
    path("departements/<str:code>/", views.departement, name="departement"),
    path(
        "departements/<str:code>/communes.geojson",
        views.departement_geojson,
        name="departement_geojson",
    ),
]
