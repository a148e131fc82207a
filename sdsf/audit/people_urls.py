from django.urls import path

from sdsf.audit import people

# Mounted under /compte/ beside the accounts' own pages (sdsf/urls.py).
app_name = "people"
urlpatterns = [path("personnes/", people.people, name="list")]
