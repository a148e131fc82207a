"""Staff pages of emergency childcare (mounted at /urgence/)."""

from django.urls import path

from sdsf.emergency import views

app_name = "emergency"
urlpatterns = [
    path("", views.index, name="index"),
    path("ouvrir/", views.open_period, name="open"),
    path("<int:period>/", views.period_detail, name="period"),
    path("<int:period>/places.geojson", views.period_geojson, name="period_geojson"),
    path("<int:period>/places/", views.places, name="places"),
    path("<int:period>/demandes/", views.requests, name="requests"),
    path("<int:period>/demandes/nouvelle/", views.request_new, name="request_new"),
    path("<int:period>/appariement/", views.run, name="run"),
    path("<int:period>/cloture/", views.close, name="close"),
]
