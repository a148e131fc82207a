from django.urls import path

from sdsf.steering import survey_views, views

app_name = "steering"
urlpatterns = [
    path("", views.index, name="index"),
    path("schemas/<int:scheme>/", views.scheme, name="scheme"),
    path("schemas/<int:scheme>/actions/nouvelle/", views.action_create, name="action_create"),
    path("schemas/<int:scheme>/versions/", views.version_list, name="versions"),
    path("schemas/<int:scheme>/bilans/", views.review_list, name="reviews"),
    path("schemas/<int:scheme>/gouvernance/", views.governance, name="governance"),
    path(
        "schemas/<int:scheme>/gouvernance/modifier/",
        views.governance_edit,
        name="governance_edit",
    ),
    path("schemas/<int:scheme>/rapport.pdf", views.report_pdf, name="report_pdf"),
    path("schemas/<int:scheme>/rapport.xlsx", views.report_xlsx, name="report_xlsx"),
    path("schemas/<int:scheme>/enquetes/", survey_views.survey_list, name="surveys"),
    path("actions/<int:action>/", views.action, name="action"),
    path("actions/<int:action>/mise-a-jour/", views.action_update, name="action_update"),
    path("actions/<int:action>/validation/", views.action_validate, name="action_validate"),
    path("actions/<int:action>/modifier/", views.action_change, name="action_change"),
    path("actions/<int:action>/arret/", views.action_end, name="action_end"),
    path("actions/<int:action>/budget-jalons/", views.action_budget, name="action_budget"),
    path("indicateurs/<int:indicator>/valeur/", views.indicator_value, name="indicator_value"),
    path("versions/<int:version>/", views.version, name="version"),
    path("bilans/<int:review>/", views.review, name="review"),
    path("bilans/<int:review>/commentaire/", views.review_comment, name="review_comment"),
    path("bilans/<int:review>/synthese/", views.review_summary, name="review_summary"),
    path("bilans/<int:review>/validation/", views.review_freeze, name="review_freeze"),
    path("enquetes/<int:survey>/", survey_views.survey, name="survey"),
    path("enquetes/<int:survey>/questions/", survey_views.question_add, name="question_add"),
    path("enquetes/<int:survey>/listes/", survey_views.recipients_add, name="recipients_add"),
    path("enquetes/<int:survey>/reponses.xlsx", survey_views.survey_export, name="survey_export"),
    path("repondre/<str:token>/", survey_views.survey_answer, name="survey_answer"),
]
