from django.urls import path

from sdsf.observatory import import_views, views

app_name = "observatory"
urlpatterns = [
    path("", views.index, name="index"),
    path("import/", import_views.import_file, name="import"),
    path("import/<int:job>/", import_views.import_job, name="import_job"),
    path("import/<int:job>/avancement/", import_views.import_progress, name="import_progress"),
    path("import/<int:job>/confirmer/", import_views.import_confirm, name="import_confirm"),
    path("<str:level>/<str:code>/", views.territory_page, name="territory"),
    path(
        "<str:level>/<str:code>/communes.geojson",
        views.territory_geojson,
        name="territory_geojson",
    ),
    path(
        "<str:level>/<str:code>/export.<str:fmt>", views.territory_export, name="territory_export"
    ),
    path("<str:level>/<str:code>/fiche.pdf", views.territory_pdf, name="territory_pdf"),
    path(
        "<str:level>/<str:code>/demande-non-satisfaite.csv",
        views.unmet_demand_export,
        name="unmet_demand_export",
    ),
    path(
        "departements/<str:code>/chiffres-cles.pdf",
        views.key_figures_pdf,
        name="key_figures_pdf",
    ),
    path("departements/<str:code>/prioritaires/", views.priority, name="priority"),
    path(
        "departements/<str:code>/prioritaires.geojson",
        views.priority_geojson,
        name="priority_geojson",
    ),
    path(
        "departements/<str:code>/prioritaires.<str:fmt>",
        views.priority_export,
        name="priority_export",
    ),
]
