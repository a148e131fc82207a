"""The people page: the accounts an administrator manages (:func:`sdsf.accounts.scope.people`).

Names and e-mail addresses are personal data, so each page read is audited: the page belongs to
the accounts' domain but sits here, in the app that records the reads.
"""

from django.core.paginator import Paginator
from django.shortcuts import render

from sdsf.accounts import scope
from sdsf.accounts.models import label_scopes
from sdsf.accounts.scope import Permission, permission_required
from sdsf.audit.log import read_personal


@permission_required(Permission.VIEW_PEOPLE)
def people(request):
    """Accounts in the administrator's scope; names and e-mails are personal data: audited."""
    page = Paginator(scope.people(request.user).order_by("last_name", "email"), 50).get_page(
        request.GET.get("page")
    )
    read_personal(request, page.object_list)
    label_scopes(a for person in page.object_list for a in person.assignments.all())
    return render(
        request,
        "audit/people.html",
        {
            "page": page,
            "can_manage": scope.can(request.user, Permission.PEOPLE_MANAGE),
            "can_institutions": scope.can(request.user, Permission.INSTITUTIONS_MANAGE),
        },
    )
