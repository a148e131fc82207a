from django.urls import path

from sdsf.funding import views

app_name = "funding"
urlpatterns = [
    path("", views.index, name="index"),
    path("programmes/<int:programme>/", views.programme, name="programme"),
    path(
        "programmes/<int:programme>/etat-<int:year>.pdf",
        views.statement_file,
        {"fmt": "pdf"},
        name="statement_pdf",
    ),
    path(
        "programmes/<int:programme>/etat-<int:year>.xlsx",
        views.statement_file,
        {"fmt": "xlsx"},
        name="statement_xlsx",
    ),
    path("territoire/", views.territory, name="territory"),
    path("porteurs/<int:operator>/", views.operator, name="operator"),
    path("appels/", views.call_list, name="calls"),
    path("appels/<slug:slug>/", views.call, name="call"),
    path("appels/<slug:slug>/candidater/", views.apply, name="apply"),
    path("candidatures/<int:application>/", views.application, name="application"),
    path("candidatures/<int:application>/instruction/", views.instruct, name="instruct"),
    path("candidatures/<int:application>/decision/", views.decide, name="decide"),
    path("candidatures/<int:application>/signature/", views.sign, name="sign"),
    path("candidatures/<int:application>/bilan/", views.report, name="report"),
    path("candidatures/<int:application>/convention.pdf", views.convention, name="convention"),
    path("pieces/<int:document>/", views.document, name="document"),
    path("versements/<int:payment>/", views.pay, name="pay"),
    path("aides/", views.aids, name="aids"),
    path("donnees-ouvertes.csv", views.open_data, name="open_data"),
]
