"""The family account: sign-up, e-mail verification, log-in, password reset, the family space.

Log-in reuses the agents' view and form (same lockout), on a page in the families' style that
leads to the family space; log-out is the agents' view too (POST, with ``next``).
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sdsf.accounts.views import LoginView as AgentLoginView
from sdsf.core import throttle
from sdsf.families import accounts, invitations
from sdsf.families.access import family_of, family_required
from sdsf.families.forms import FamilyLoginForm, FamilyPasswordResetForm, SignUpForm
from sdsf.families.models import PreApplication

BACKEND = "django.contrib.auth.backends.ModelBackend"


def _too_many() -> str:
    return _("Trop de demandes d'e-mail : réessayez dans une heure.")


def signup(request):
    if request.user.is_authenticated:
        return redirect("families:space")
    form = SignUpForm(request.POST or None)
    if form.is_valid() and not throttle.e_mail_allowed(
        request, "signup", form.cleaned_data["email"]
    ):
        form.add_error(None, _too_many())
    if form.is_valid():
        family = accounts.sign_up(
            email=form.cleaned_data["email"],
            password=form.cleaned_data["password1"],
            first_name=form.cleaned_data["first_name"],
            last_name=form.cleaned_data["last_name"],
        )
        login(request, family.user, backend=BACKEND)
        accounts.send_verification(request, family)
        messages.success(
            request,
            _("Votre compte est créé. Un lien de vérification a été envoyé à %(email)s.")
            % {"email": family.user.email},
        )
        return redirect("families:space")
    return render(request, "families/account/signup.html", {"form": form})


def verify(request, token):
    family = accounts.verify(token)
    return render(request, "families/account/verified.html", {"verified_family": family})


@family_required
@require_POST
def verify_resend(request):
    family = family_of(request.user)
    if not family.email_verified and not throttle.e_mail_allowed(
        request, "signup", family.user.email
    ):
        messages.error(request, _too_many())
    elif not family.email_verified:
        accounts.send_verification(request, family)
        messages.success(request, _("Un nouveau lien de vérification vous a été envoyé."))
    return redirect("families:space")


class LoginView(AgentLoginView):
    template_name = "families/account/login.html"
    authentication_form = FamilyLoginForm
    next_page = reverse_lazy("families:space")


class PasswordResetView(auth_views.PasswordResetView):
    """Past the limit of its connection the request is refused; past the limit of the address
    nothing is sent, with the same answer as a sent e-mail (which addresses have an account
    stays unknown)."""

    def form_valid(self, form):
        address = form.cleaned_data["email"]
        if not throttle.hit(
            "reset", "ip", throttle.client_ip(self.request), settings.SDSF_MAIL_LIMIT_PER_IP
        ):
            form.add_error(None, _too_many())
            return self.form_invalid(form)
        if not throttle.hit("reset", "address", address, settings.SDSF_MAIL_LIMIT_PER_ADDRESS):
            return redirect(self.get_success_url())
        return super().form_valid(form)


_RESET = "families/account/password_reset"
password_reset = PasswordResetView.as_view(
    template_name=f"{_RESET}_form.html",
    form_class=FamilyPasswordResetForm,
    email_template_name=f"{_RESET}_email.txt",
    subject_template_name=f"{_RESET}_subject.txt",
    success_url=reverse_lazy("families:password_reset_done"),
)
password_reset_done = auth_views.PasswordResetDoneView.as_view(template_name=f"{_RESET}_done.html")
password_reset_confirm = auth_views.PasswordResetConfirmView.as_view(
    template_name=f"{_RESET}_confirm.html",
    success_url=reverse_lazy("families:password_reset_complete"),
)
password_reset_complete = auth_views.PasswordResetCompleteView.as_view(
    template_name=f"{_RESET}_complete.html"
)


@family_required
def space(request):
    """The family's pré-demandes, drafts first, whether its address is verified, and the
    guichet unique's invitations to attach a file that it may answer."""
    family = family_of(request.user)
    return render(
        request,
        "families/account/space.html",
        {
            "family": family,
            "pre_applications": PreApplication.objects.of_family(request.user).order_by(
                "-created_at"
            ),
            "invitations": [
                {"invitation": item, "token": invitations.token(item)}
                for item in invitations.pending_for(family)
            ],
        },
    )
