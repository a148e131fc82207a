from django.urls import path

from sdsf.publicservice import committee_views, views

app_name = "publicservice"
urlpatterns = [
    path("", views.index, name="index"),
    path("departements/<str:code>/", views.obligations_page, name="obligations"),
    path(
        "departements/<str:code>/obligations.<str:fmt>",
        views.obligations_export,
        name="obligations_export",
    ),
    path("departements/<str:code>/transferts/", views.transfer_add, name="transfer_add"),
    path("schemas/", views.schema_open, name="schema_open"),
    path("schemas/<int:schema>/", views.schema, name="schema"),
    path("schemas/<int:schema>/schema.pdf", views.schema_pdf, name="schema_pdf"),
    path("schemas/<int:schema>/modifier/", views.schema_edit, name="schema_edit"),
    path("schemas/<int:schema>/donnees/", views.schema_refill, name="schema_refill"),
    path(
        "schemas/<int:schema>/orientations/<str:part>/",
        views.orientation_edit,
        name="orientation_edit",
    ),
    path("schemas/<int:schema>/adoption/", views.schema_adopt, name="schema_adopt"),
    path("schemas/<int:schema>/mise-a-jour/", views.schema_update, name="schema_update"),
    path("schemas/<int:schema>/bilans/", views.schema_review, name="schema_review"),
    path("comite/<str:code>/", committee_views.committee_page, name="committee"),
    path("comite/<str:code>/membres/", committee_views.member_add, name="member_add"),
    path("comite/<str:code>/reunions/", committee_views.meeting_add, name="meeting_add"),
    path("comite/<str:code>/bilan/<int:year>/", committee_views.summary, name="summary"),
    path(
        "comite/<str:code>/bilan/<int:year>/bilan.pdf",
        committee_views.summary_pdf,
        name="summary_pdf",
    ),
    path("reunions/<int:meeting>/", committee_views.meeting, name="meeting"),
    path("reunions/<int:meeting>/modifier/", committee_views.meeting_edit, name="meeting_edit"),
    path("reunions/<int:meeting>/decisions/", committee_views.decision_add, name="decision_add"),
    path("renouvellement/<int:scheme>/", committee_views.renewal_page, name="renewal"),
]
