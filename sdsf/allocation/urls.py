from django.urls import path

from sdsf.allocation import places_views, views

app_name = "allocation"
urlpatterns = [
    path("", views.index, name="index"),
    path("nouvelle/", views.round_create, name="round_create"),
    path("places/", places_views.declarations, name="declarations"),
    path("<int:round>/places/", places_views.round_places, name="round_places"),
    path("<int:round>/places/<str:identifier>/", places_views.declare, name="declare_places"),
    path("<int:round>/", views.round_detail, name="round"),
    path("<int:round>/grille/", views.public_grid, name="public_grid"),
    path("<int:round>/publier/", views.round_publish, name="round_publish"),
    path("<int:round>/import/", views.round_import, name="round_import"),
    path("<int:round>/import/<int:job>/", views.round_import_job, name="round_import_job"),
    path(
        "<int:round>/import/<int:job>/progression/",
        views.round_import_progress,
        name="round_import_progress",
    ),
    path("<int:round>/pre-demandes/", views.round_intake, name="round_intake"),
    path("<int:round>/calcul/", views.round_run, name="round_run"),
    path("<int:round>/calcul/avancement/", views.round_progress, name="round_progress"),
    path("<int:round>/validation/", views.round_validate, name="round_validate"),
    path("<int:round>/structure/<str:identifier>/", views.round_structure, name="round_structure"),
    path(
        "<int:round>/demande/<int:application>/points/",
        views.commission_points,
        name="commission_points",
    ),
    path(
        "<int:round>/demande/<int:application>/modifier/",
        views.application_override,
        name="application_override",
    ),
    path(
        "<int:round>/demande/<int:application>/reponse/",
        views.application_answer,
        name="application_answer",
    ),
    path(
        "<int:round>/demande/<int:application>/liberer/",
        views.application_vacate,
        name="application_vacate",
    ),
    path(
        "<int:round>/demande/<int:application>/lettre.pdf",
        views.application_letter,
        name="application_letter",
    ),
]
