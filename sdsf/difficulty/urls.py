from django.urls import path

from sdsf.difficulty import views

app_name = "difficulty"

urlpatterns = [
    path("", views.index, name="index"),
    path("structures.geojson", views.structures_geojson, name="structures_geojson"),
    path("territoire/<str:code>/", views.territory, name="territory"),
    path("territoire/<str:code>/seuils/", views.thresholds, name="thresholds"),
    path("structures/<str:identifier>/", views.structure, name="structure"),
    path("structures/<str:identifier>/activite/", views.activity, name="activity"),
    path("structures/<str:identifier>/filoue/", views.filoue, name="filoue"),
    path("structures/<str:identifier>/suivi/", views.file_open, name="file_open"),
    path("dossiers/<int:file>/", views.file, name="file"),
    path("dossiers/<int:file>/signer/", views.file_sign, name="file_sign"),
    path("dossiers/<int:file>/statut/", views.file_status, name="file_status"),
    path("dossiers/<int:file>/aide/", views.aid_decide, name="aid_decide"),
    path("dossiers/<int:file>/<str:part>/", views.file_edit, name="file_edit"),
]
