from django.contrib.auth import views as auth_views
from django.core.paginator import Paginator
from django.shortcuts import render

from sdsf.accounts import scope
from sdsf.accounts.forms import LoginForm
from sdsf.accounts.models import label_scopes
from sdsf.accounts.scope import Permission, permission_required


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


@permission_required(Permission.VIEW_PEOPLE)
def people(request):
    """Accounts in the administrator's scope; names and e-mails are personal data: audited."""
    page = Paginator(scope.people(request.user).order_by("last_name", "email"), 50).get_page(
        request.GET.get("page")
    )
    scope.read_personal(request, page.object_list)
    label_scopes(a for person in page.object_list for a in person.assignments.all())
    return render(request, "accounts/people.html", {"page": page})
