"""The family's answer to a proposal: see it with its explanation, accept, refuse.

Family pages, mounted under ``/familles/`` (sdsf/urls.py) so that the family's language applies.
"""

from django.urls import path

from sdsf.allocation import proposal_views as views

app_name = "proposals"
urlpatterns = [
    path("compte/propositions/<int:proposal>/", views.proposal, name="detail"),
    path("compte/propositions/<int:proposal>/accepter/", views.proposal_accept, name="accept"),
    path("compte/propositions/<int:proposal>/refuser/", views.proposal_refuse, name="refuse"),
]
