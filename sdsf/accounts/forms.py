from django import forms
from django.contrib.auth.forms import AuthenticationForm, SetPasswordForm


class LoginForm(AuthenticationForm):
    username = forms.EmailField(
        label="Adresse e-mail",
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )
    password = forms.CharField(
        label="Mot de passe",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    error_messages = {
        "invalid_login": (
            "Adresse e-mail ou mot de passe incorrect. Après plusieurs essais, "
            "le compte est bloqué pendant une heure."
        ),
        "inactive": "Ce compte est désactivé.",
    }

    def clean_username(self):
        return self.cleaned_data["username"].lower()


class WelcomeForm(SetPasswordForm):
    """The invited person's first password (Django's validators: length, common passwords,
    similarity with the name and address)."""

    new_password1 = forms.CharField(
        label="Mot de passe",
        strip=False,
        help_text="12 caractères au moins ; évitez votre nom et les mots de passe courants.",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    new_password2 = forms.CharField(
        label="Mot de passe (confirmation)",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    error_messages = {"password_mismatch": "Les deux mots de passe ne sont pas identiques."}
