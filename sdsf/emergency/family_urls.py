"""Family pages of emergency childcare (under /familles/urgence/, translated)."""

from django.urls import path

from sdsf.emergency import family_views

app_name = "emergency_family"
urlpatterns = [
    path("", family_views.periods, name="periods"),
    path("<int:period>/", family_views.request_form, name="request"),
]
