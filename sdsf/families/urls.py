"""Family pages (public search and cost, the family's space) and the guichet unique's desk."""

from django.urls import path

from sdsf.families.views import (
    account,
    apply,
    cost,
    desk,
    invitations,
    privacy,
    public,
)

app_name = "families"
urlpatterns = [
    # Each part adds its routes below, in its own block, from its own views module.
    # Know the cost (public): PSU crèche and CMG assistant maternel estimates.
    path("cout/", cost.cost, name="cost"),
    # Family account: sign-up, e-mail verification, log-in, password reset, the family space.
    path("compte/", account.space, name="space"),
    path("compte/inscription/", account.signup, name="signup"),
    path("compte/connexion/", account.LoginView.as_view(), name="login"),
    path("compte/verification/", account.verify_resend, name="verify_resend"),
    path("compte/verification/<str:token>/", account.verify, name="verify"),
    path("compte/mot-de-passe/", account.password_reset, name="password_reset"),
    path("compte/mot-de-passe/envoye/", account.password_reset_done, name="password_reset_done"),
    path(
        "compte/mot-de-passe/termine/",
        account.password_reset_complete,
        name="password_reset_complete",
    ),
    path(
        "compte/mot-de-passe/<uidb64>/<token>/",
        account.password_reset_confirm,
        name="password_reset_confirm",
    ),
    # The pré-demande (family), its page, receipt, documents, withdrawal.
    path("compte/pre-demande/", apply.apply_new, name="apply"),
    path("compte/pre-demande/<str:reference>/", apply.application, name="application"),
    path(
        "compte/pre-demande/<str:reference>/etape/<slug:step>/", apply.apply_step, name="apply_step"
    ),
    path("compte/pre-demande/<str:reference>/recepisse/", apply.receipt_pdf, name="receipt"),
    path("compte/pre-demande/<str:reference>/retrait/", apply.withdraw, name="withdraw"),
    path(
        "compte/pre-demande/<str:reference>/pieces/<int:document>/", apply.document, name="document"
    ),
    # Guichet unique desk: files of the agent's territory, history, duplicates and their merge;
    # a family's own data and the confirmation of interest (signed link).
    path("guichet-unique/", desk.desk, name="desk"),
    path("guichet-unique/dossiers/<str:reference>/", desk.desk_detail, name="desk_detail"),
    path(
        "guichet-unique/dossiers/<str:reference>/pieces/<int:document>/",
        desk.desk_document,
        name="desk_document",
    ),
    path("guichet-unique/dossiers/<str:reference>/fusion/", desk.desk_merge, name="desk_merge"),
    path(
        "guichet-unique/dossiers/<str:reference>/interet/",
        desk.desk_confirm_interest,
        name="desk_confirm_interest",
    ),
    path(
        "guichet-unique/dossiers/<str:reference>/invitation/",
        desk.desk_invite,
        name="desk_invite",
    ),
    path("compte/mes-donnees/", privacy.my_data, name="my_data"),
    path("confirmation/<str:token>/", privacy.confirm_interest, name="confirm_interest"),
    # Guichet unique: an agent files or completes a pré-demande for a family.
    path("guichet-unique/nouvelle/", apply.desk_new, name="desk_new"),
    path("guichet-unique/<str:reference>/", apply.desk_edit, name="desk_edit"),
    path("guichet-unique/<str:reference>/etape/<slug:step>/", apply.desk_step, name="desk_step"),
    path("guichet-unique/<str:reference>/retrait/", apply.desk_withdraw, name="desk_withdraw"),
    path("guichet-unique/<str:reference>/recepisse/", apply.desk_receipt, name="desk_receipt"),
    # Attach a file filed at the guichet unique: the family answers the desk's invitation.
    path("compte/invitations/<str:token>/", invitations.invitation, name="invitation"),
    # Find the offer (public): search by commune or position, map, detail pages.
    path("", public.search_page, name="search"),
    path("recherche.geojson", public.search_geojson, name="search_geojson"),
    path("structures/<str:identifier>/", public.structure, name="structure"),
    path("assistants-maternels/<str:identifier>/", public.assistant, name="assistant"),
    path("parentalite/<str:identifier>/", public.parenting_action, name="parenting_action"),
]
