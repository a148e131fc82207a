from django.urls import path

from sdsf.site import views

app_name = "site"
urlpatterns = [
    path("", views.root, name="root"),
    path("accueil/", views.home, name="home"),
    # The footer's pages: public, in the families' languages (settings.FAMILY_LANGUAGE_PATHS).
    path("informations/mentions-legales/", views.legal_notice, name="legal_notice"),
    path("informations/accessibilite/", views.accessibility, name="accessibility"),
    path("informations/donnees-personnelles/", views.personal_data, name="personal_data"),
    path("informations/plan-du-site/", views.sitemap, name="sitemap"),
    path("informations/cookies/", views.cookies, name="cookies"),
]
