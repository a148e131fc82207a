"""A family answers the guichet unique's invitation to attach a file to its account.

The link of the e-mail leads here (anonymous: the families' login page first, then back). The
page shows a summary of the file only to the account of the address invited, verified; the
family accepts or declines (:mod:`sdsf.families.invitations`).
"""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from sdsf.audit.log import read_personal
from sdsf.families import invitations
from sdsf.families.access import family_of, family_required
from sdsf.families.applications import ApplicationError


@family_required
def invitation(request, token):
    item = invitations.from_token(token)
    if item is None:
        return render(request, "families/invitation/detail.html", {"valid": False}, status=404)
    family = family_of(request.user)
    try:
        invitations.check_answerable(item, family)
    except ApplicationError as error:
        return render(
            request,
            "families/invitation/detail.html",
            {"valid": True, "error": " ".join(error.messages), "family": family},
        )
    pre = item.pre_application
    if request.method == "POST":
        answer = request.POST.get("answer")
        try:
            if answer == "accept":
                invitations.accept(request, item, family)
                messages.success(request, _("La pré-demande est rattachée à votre compte."))
                return redirect("families:application", reference=pre.reference)
            if answer == "decline":
                invitations.decline(request, item, family)
                messages.success(request, _("Invitation refusée : rien n'a été rattaché."))
                return redirect("families:space")
        except ApplicationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("families:space")
    read_personal(request, pre)  # a summary of a file not yet the family's
    return render(
        request, "families/invitation/detail.html", {"valid": True, "item": item, "pre": pre}
    )
