"""Forms of emergency childcare: the period, the places of a day, the family's request."""

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext_lazy as _

from sdsf.core import clock
from sdsf.emergency.models import (
    MAX_CHILDREN_PER_REQUEST,
    MAX_PLACES_PER_DAY,
    EmergencyPeriod,
    EmergencyRequest,
)
from sdsf.families.forms import DateInput
from sdsf.territories.models import Commune

MAX_CATEGORIES = 6


class PeriodForm(forms.ModelForm):
    categories = forms.CharField(
        label="Catégories prioritaires, une par ligne, dans l'ordre de priorité",
        help_text="Par exemple : personnels des établissements de santé ; personnels chargés de "
        "la gestion de la crise ; enseignants accueillant les enfants des personnels prioritaires.",
        widget=forms.Textarea({"rows": 4}),
        max_length=2000,
    )

    class Meta:
        model = EmergencyPeriod
        fields = ["departement", "title", "reason", "starts_on", "ends_on", "max_distance_km"]
        widgets = {"starts_on": DateInput(), "ends_on": DateInput(), "reason": forms.Textarea()}

    def __init__(self, data, departements):
        super().__init__(data)
        self.fields["departement"].queryset = departements
        self.fields["departement"].empty_label = None

    def clean_categories(self):
        labels = [line.strip()[:200] for line in self.cleaned_data["categories"].splitlines()]
        labels = [label for label in labels if label]
        if not labels:
            raise forms.ValidationError("Indiquez au moins une catégorie prioritaire.")
        if len(labels) > MAX_CATEGORIES:
            raise forms.ValidationError(f"{MAX_CATEGORIES} catégories au plus.")
        return labels

    def clean(self):
        data = super().clean()
        starts, ends = data.get("starts_on"), data.get("ends_on")
        if starts and starts < clock.today():
            self.add_error("starts_on", "Une période commence aujourd'hui ou plus tard.")
        if starts and ends and ends < starts:
            self.add_error("ends_on", "Le dernier jour doit suivre le premier.")
        return data


class CommuneChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.name


class RequestForm(forms.Form):
    """The family's request (the same form at the desk)."""

    parent_name = forms.CharField(label=_("Nom et prénom du parent"), max_length=200)
    email = forms.EmailField(
        label=_("Adresse e-mail"),
        required=False,
        help_text=_("La proposition de place vous y est envoyée."),
    )
    phone = forms.CharField(
        label=_("Téléphone portable"),
        max_length=30,
        required=False,
        help_text=_("Pour un SMS si vous n'avez pas d'adresse e-mail."),
    )
    employer = forms.CharField(label=_("Employeur"), max_length=200)
    category = forms.ModelChoiceField(label=_("Catégorie prioritaire"), queryset=None)
    home_commune = CommuneChoiceField(label=_("Commune du domicile"), queryset=None)
    work_commune = CommuneChoiceField(
        label=_("Commune du lieu de travail"), queryset=None, required=False
    )

    def __init__(self, data, period: EmergencyPeriod, home_communes=None):
        super().__init__(data)
        self.period = period
        self.fields["category"].queryset = period.categories.all()
        self.fields["category"].empty_label = None
        communes = Commune.objects.filter(departement=period.departement).order_by("name")
        self.fields["home_commune"].queryset = (
            home_communes.order_by("name") if home_communes is not None else communes
        )
        self.fields["work_commune"].queryset = communes
        self.days = period.days()
        today = clock.today()
        self.open_days = [day for day in self.days if day >= today]
        for index in range(MAX_CHILDREN_PER_REQUEST):
            self.fields[f"child_{index}_name"] = forms.CharField(
                label=_("Prénom de l'enfant %(n)s") % {"n": index + 1},
                max_length=100,
                required=index == 0,
            )
            self.fields[f"child_{index}_birth"] = forms.DateField(
                label=_("Date de naissance de l'enfant %(n)s") % {"n": index + 1},
                required=index == 0,
                widget=DateInput(),
            )

    def children(self) -> list[tuple[str, object]]:
        return [
            (self.cleaned_data[f"child_{i}_name"], self.cleaned_data[f"child_{i}_birth"])
            for i in range(MAX_CHILDREN_PER_REQUEST)
            if self.cleaned_data.get(f"child_{i}_name")
        ]

    def child_fields(self):
        return [
            (self[f"child_{i}_name"], self[f"child_{i}_birth"])
            for i in range(MAX_CHILDREN_PER_REQUEST)
        ]

    request_field_names = (
        "parent_name",
        "email",
        "phone",
        "employer",
        "category",
        "home_commune",
        "work_commune",
    )

    def request_fields(self) -> dict:
        """The request's own fields, for :func:`sdsf.emergency.service.file_request`."""
        return {name: self.cleaned_data.get(name) for name in self.request_field_names}

    def chosen_days(self):
        chosen = set(self.data.getlist("days")) if hasattr(self.data, "getlist") else set()
        return [day for day in self.open_days if day.isoformat() in chosen]

    def clean(self):
        data = super().clean()
        if not data.get("email") and not data.get("phone"):
            raise forms.ValidationError(
                _("Indiquez une adresse e-mail ou un téléphone pour recevoir la proposition.")
            )
        today = clock.today()
        for index in range(MAX_CHILDREN_PER_REQUEST):
            name = data.get(f"child_{index}_name")
            birth = data.get(f"child_{index}_birth")
            if name and not birth:
                self.add_error(f"child_{index}_birth", _("Indiquez la date de naissance."))
            if birth and not name:
                self.add_error(f"child_{index}_name", _("Indiquez le prénom."))
            if birth and not (today.replace(year=today.year - 12) <= birth <= today):
                self.add_error(
                    f"child_{index}_birth",
                    _("L'accueil d'urgence concerne les enfants de moins de 12 ans."),
                )
        if not self.chosen_days():
            raise forms.ValidationError(_("Choisissez au moins un jour."))
        return data


class PlacesForm(forms.Form):
    """The places a structure or a childminder opens on each remaining day of the period."""

    def __init__(self, data, period: EmergencyPeriod, current: dict):
        super().__init__(data)
        today = clock.today()
        self.days = [day for day in period.days() if day >= today]
        for day in self.days:
            self.fields[day.isoformat()] = forms.IntegerField(
                label=day.strftime("%d/%m/%Y"),
                min_value=0,
                max_value=MAX_PLACES_PER_DAY,
                required=False,
                initial=current.get(day),
                validators=[MinValueValidator(0), MaxValueValidator(MAX_PLACES_PER_DAY)],
            )

    def places(self) -> dict:
        return {
            day: self.cleaned_data[day.isoformat()]
            for day in self.days
            if self.cleaned_data.get(day.isoformat()) is not None
        }


class RequestStatusForm(forms.Form):
    status = forms.ChoiceField(choices=EmergencyRequest.Status.choices)
    reason = forms.CharField(max_length=300, required=False)
