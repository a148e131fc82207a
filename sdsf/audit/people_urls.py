from django.urls import path

from sdsf.audit import institutions, people, people_admin

# Mounted under /compte/ beside the accounts' own pages (sdsf/urls.py).
app_name = "people"
urlpatterns = [
    path("personnes/", people.people, name="list"),
    path("personnes/inviter/", people_admin.invite, name="invite"),
    path("personnes/<int:person>/", people_admin.person, name="person"),
    path("personnes/<int:person>/roles/", people_admin.role_add, name="role_add"),
    path(
        "personnes/<int:person>/roles/<int:assignment>/retirer/",
        people_admin.role_withdraw,
        name="role_withdraw",
    ),
    path("personnes/<int:person>/activation/", people_admin.person_active, name="person_active"),
    path("personnes/<int:person>/invitation/", people_admin.resend, name="resend"),
    path("institutions/", institutions.institutions, name="institutions"),
    path("institutions/nouvelle/", institutions.institution_create, name="institution_create"),
    path("institutions/<int:institution>/", institutions.institution_edit, name="institution_edit"),
]
