from django.urls import path

from sdsf.offer import availability_views, edit_views, views

app_name = "offer"
urlpatterns = [
    path("", views.index, name="index"),
    path("structures.geojson", views.structures_geojson, name="structures_geojson"),
    path("structures/export/", views.structures_export, name="structures_export"),
    path("structures/nouvelle/", edit_views.structure_create, name="structure_create"),
    path("structures/<str:identifier>/", views.structure, name="structure"),
    path(
        "structures/<str:identifier>/disponibilites/",
        views.structure_availability,
        name="structure_availability",
    ),
    path(
        "structures/<str:identifier>/modifier/",
        edit_views.structure_edit,
        name="structure_edit",
    ),
    path(
        "structures/<str:identifier>/capacite/",
        edit_views.structure_capacity,
        name="structure_capacity",
    ),
    path("assistants-maternels/", views.assistants, name="assistants"),
    path("assistants-maternels/export/", views.assistants_export, name="assistants_export"),
    path("assistants-maternels/<str:identifier>/", views.assistant, name="assistant"),
    path(
        "assistants-maternels/<str:identifier>/agrement/",
        edit_views.assistant_agrement,
        name="assistant_agrement",
    ),
    path("agrements-a-renouveler/", views.alerts, name="alerts"),
    path("parentalite/", views.parenting, name="parenting"),
    path("import/", views.import_file, name="import"),
    path("import/<int:job>/", views.import_job, name="import_job"),
    path("import/<int:job>/progression/", views.import_progress, name="import_progress"),
    # Public: the signed link of the availability reminder (the token is the credential).
    path(
        "disponibilites/<str:token>/",
        availability_views.availability_link,
        name="availability_link",
    ),
]
