from django.urls import path

from sdsf.territories import views

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
