from django.conf import settings
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.shortcuts import redirect, render

from sdsf.accounts import invitations
from sdsf.accounts.forms import LoginForm, WelcomeForm


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


def welcome(request, token):
    """The invitation link: the invited person chooses a password, then is logged in (the
    login is audited). Public: the signed token is the credential."""
    person = invitations.person_of(token)
    if person is None:
        return render(request, "accounts/welcome.html", {"form": None})
    form = WelcomeForm(person, request.POST or None)
    if request.method == "POST" and form.is_valid():
        form.save()
        login(request, person, backend="django.contrib.auth.backends.ModelBackend")
        return redirect(settings.LOGIN_REDIRECT_URL)
    return render(request, "accounts/welcome.html", {"form": form, "person": person})
