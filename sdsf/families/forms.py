"""Forms of the family account and of the pré-demande, shared by families and the guichet unique.

Each step of the pré-demande has one form; the agent at the desk fills in the same forms (with
one more field to attach the file to an existing family account).
"""

from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import PasswordResetForm
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from sdsf.accounts.forms import LoginForm
from sdsf.accounts.models import User
from sdsf.core import clock
from sdsf.families.models import Document, PreApplication
from sdsf.offer.models import Structure
from sdsf.territories.models import Commune


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%H:%M")


class TelInput(forms.TextInput):
    input_type = "tel"


# ---- account ----------------------------------------------------------------------------------


class SignUpForm(forms.Form):
    first_name = forms.CharField(
        label=_("Prénom"), max_length=150, widget=forms.TextInput({"autocomplete": "given-name"})
    )
    last_name = forms.CharField(
        label=_("Nom"), max_length=150, widget=forms.TextInput({"autocomplete": "family-name"})
    )
    email = forms.EmailField(
        label=_("Adresse e-mail"),
        help_text=_("Un lien vous y sera envoyé pour la vérifier."),
        widget=forms.EmailInput({"autocomplete": "email"}),
    )
    password1 = forms.CharField(
        label=_("Mot de passe"),
        strip=False,
        help_text=_("Au moins 12 caractères, pas uniquement des chiffres, pas trop courant."),
        widget=forms.PasswordInput({"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label=_("Confirmez le mot de passe"),
        strip=False,
        widget=forms.PasswordInput({"autocomplete": "new-password"}),
    )

    def clean_email(self):
        email = self.cleaned_data["email"].lower()
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(
                _(
                    "Un compte existe déjà avec cette adresse : connectez-vous ou réinitialisez "
                    "votre mot de passe."
                )
            )
        return email

    def clean(self):
        data = super().clean()
        first, second = data.get("password1"), data.get("password2")
        if first and second and first != second:
            self.add_error("password2", _("Les deux mots de passe ne sont pas identiques."))
        elif first:
            candidate = User(
                email=data.get("email", ""),
                first_name=data.get("first_name", ""),
                last_name=data.get("last_name", ""),
            )
            try:
                password_validation.validate_password(first, candidate)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return data


class FamilyLoginForm(LoginForm):
    """The agents' log-in form (same lockout), its words translated for families."""

    username = forms.EmailField(
        label=_("Adresse e-mail"),
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )
    password = forms.CharField(
        label=_("Mot de passe"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    error_messages = {
        "invalid_login": _(
            "Adresse e-mail ou mot de passe incorrect. Après plusieurs essais, "
            "le compte est bloqué pendant une heure."
        ),
        "inactive": _("Ce compte est désactivé."),
    }


class FamilyPasswordResetForm(PasswordResetForm):
    """The family pages reset family accounts only; agents' accounts are managed by their
    administrator."""

    def get_users(self, email):
        return (u for u in super().get_users(email) if hasattr(u, "family"))


# ---- the pré-demande, step by step ------------------------------------------------------------


class CommuneField(forms.Field):
    """A commune typed as a name, a postal code or an INSEE code; a name shared by several
    communes must be made precise with the département, as in « Saint-Denis (93) »."""

    default_error_messages = {
        "unknown": _("Commune introuvable : vérifiez le nom ou saisissez le code postal."),
        "ambiguous": _("Plusieurs communes correspondent : précisez, par exemple %(examples)s."),
    }

    def prepare_value(self, value):
        if isinstance(value, Commune):
            return f"{value.name} ({value.departement_id})"
        if isinstance(value, str) and len(value) == 5 and value.isalnum():
            commune = Commune.objects.filter(code=value).first()
            return self.prepare_value(commune) if commune else value
        return value

    def to_python(self, value):
        text = (value or "").strip()
        if not text:
            return None
        name, departement = text, None
        if text.endswith(")") and "(" in text:
            name, departement = (part.strip() for part in text[:-1].rsplit("(", 1))
        matches = Commune.objects.filter(
            Q(code=text) | Q(postal_codes__contains=text) | Q(name__iexact=name)
        )
        if departement:
            matches = matches.filter(departement_id=departement)
        found = list(matches.order_by("name")[:6])
        if not found:
            raise forms.ValidationError(self.error_messages["unknown"], code="unknown")
        if len(found) > 1:
            examples = ", ".join(f"« {c.name} ({c.departement_id}) »" for c in found[:3])
            raise forms.ValidationError(
                self.error_messages["ambiguous"], code="ambiguous", params={"examples": examples}
            )
        return found[0]


class ParentForm(forms.ModelForm):
    home_commune = CommuneField(
        label=_("Commune de résidence"),
        help_text=_("Nom ou code postal, par exemple « Bobigny » ou « 93000 »."),
        widget=forms.TextInput({"autocomplete": "address-level2", "maxlength": 200}),
    )

    class Meta:
        model = PreApplication
        fields = [
            "parent_first_name",
            "parent_last_name",
            "email",
            "phone",
            "address",
            "home_commune",
        ]
        widgets = {
            "parent_first_name": forms.TextInput({"autocomplete": "given-name"}),
            "parent_last_name": forms.TextInput({"autocomplete": "family-name"}),
            "email": forms.EmailInput({"autocomplete": "email"}),
            "phone": TelInput({"autocomplete": "tel"}),
            "address": forms.TextInput({"autocomplete": "street-address"}),
        }

    def __init__(self, *args, desk: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if desk:
            self.fields["email"].help_text = _("Facultatif. Le récépissé y sera envoyé.")

    def clean(self):
        data = super().clean()
        if not (data.get("email") or data.get("phone")):
            self.add_error("phone", _("Indiquez une adresse e-mail ou un téléphone."))
        return data


class ChildForm(forms.ModelForm):
    born = forms.TypedChoiceField(
        label=_("L'enfant est-il né ?"),
        choices=[("yes", _("Oui")), ("no", _("Pas encore"))],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
    )

    class Meta:
        model = PreApplication
        fields = [
            "child_first_name",
            "child_last_name",
            "child_birth_date",
            "expected_birth_date",
            "siblings",
            "siblings_first_names",
            "siblings_apart",
        ]
        widgets = {"child_birth_date": DateInput(), "expected_birth_date": DateInput()}
        help_texts = {"child_first_name": _("Facultatif avant la naissance.")}

    field_order = [
        "child_first_name",
        "child_last_name",
        "child_birth_date",
        "expected_birth_date",
        "born",
        "siblings",  # a joint application for twins, at the bottom of the page
    ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["child_last_name"].required = True
        self.fields["siblings"].required = False  # one child unless said otherwise
        if self.instance.expected_birth_date and not self.instance.child_birth_date:
            self.initial["born"] = "no"
        elif self.instance.child_birth_date:
            self.initial["born"] = "yes"

    def clean(self):
        data = super().clean()
        today = clock.today()
        if data.get("born") is True:
            data["expected_birth_date"] = None
            birth = data.get("child_birth_date")
            if not birth:
                self.add_error("child_birth_date", _("Indiquez la date de naissance."))
            elif birth > today:
                self.add_error("child_birth_date", _("La date de naissance est dans le futur."))
            if not data.get("child_first_name"):
                self.add_error("child_first_name", _("Indiquez le prénom de l'enfant."))
        elif data.get("born") is False:
            data["child_birth_date"] = None
            if not data.get("expected_birth_date"):
                self.add_error("expected_birth_date", _("Indiquez la date de naissance prévue."))
        data["siblings"] = data.get("siblings") or 0
        if not data["siblings"]:
            data["siblings_first_names"], data["siblings_apart"] = "", False
        return data


DAYS = [
    (0, _("lundi")),
    (1, _("mardi")),
    (2, _("mercredi")),
    (3, _("jeudi")),
    (4, _("vendredi")),
    (5, _("samedi")),
]


class NeedForm(forms.ModelForm):
    days = forms.TypedMultipleChoiceField(
        label=_("Jours d'accueil"),
        choices=DAYS,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = PreApplication
        fields = ["wished_start", "days", "starts_at", "ends_at", "current_structure"]
        widgets = {"wished_start": DateInput(), "starts_at": TimeInput(), "ends_at": TimeInput()}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["wished_start"].required = True
        # The crèches of the family's commune: where a child already enrolled usually is.
        current = self.fields["current_structure"]
        current.queryset = Structure.objects.wishable().filter(
            commune=self.instance.home_commune_id
        )
        current.empty_label = _("aucune : l'enfant n'est pas encore accueilli en crèche")

    def clean(self):
        data = super().clean()
        starts, ends = data.get("starts_at"), data.get("ends_at")
        if starts and ends and ends <= starts:
            self.add_error("ends_at", _("L'heure de départ doit suivre l'heure d'arrivée."))
        return data


class SituationForm(forms.Form):
    """The criteria of the wished communes' grids (see :func:`sdsf.families.commission.questions`)
    and the job-insertion pathway."""

    insertion = forms.BooleanField(
        label=_(
            "Je suis en parcours d'insertion professionnelle (recherche d'emploi "
            "accompagnée, formation)"
        ),
        help_text=_(
            "Les crèches AVIP réservent une part de leurs places aux parents qui "
            "s'engagent dans un parcours vers l'emploi : votre demande y est prioritaire."
        ),
        required=False,
    )

    def __init__(self, *args, questions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = list(questions)
        self.fields["situation"] = forms.MultipleChoiceField(
            label=_("Votre situation"),
            choices=[(q.key, q.label) for q in self.questions],
            required=False,
            widget=forms.CheckboxSelectMultiple,
        )
        self.order_fields(["situation", "insertion"])


class DocumentForm(forms.Form):
    kind = forms.ChoiceField(label=_("Type de pièce"), choices=Document.Kind.choices)
    file = forms.FileField(
        label=_("Fichier"),
        help_text=_("PDF, JPEG ou PNG, 5 Mo au plus. Une photo nette du document suffit."),
        widget=forms.ClearableFileInput({"accept": "application/pdf,image/jpeg,image/png"}),
    )


class ConsentForm(forms.Form):
    consent = forms.BooleanField(
        label=_(
            "J'ai lu l'information sur le traitement de mes données et j'accepte que ma "
            "pré-demande soit traitée pour l'attribution d'une place d'accueil."
        ),
        error_messages={"required": _("Votre accord est nécessaire pour déposer la pré-demande.")},
    )

    def __init__(self, *args, desk: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if desk:
            self.fields["consent"].label = _(
                "La famille a reçu l'information sur le traitement de ses données et accepte que "
                "sa pré-demande soit traitée pour l'attribution d'une place d'accueil."
            )
