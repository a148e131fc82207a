"""Forms of the funding pages; every number bounded, every text limited."""

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError

from sdsf.core import clock
from sdsf.funding.models import (
    MAX_EUR,
    MAX_YEAR,
    MIN_YEAR,
    Application,
    FinalReport,
    Operator,
)
from sdsf.funding.rules import RuleError, exceptional_aid_categories

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")  # what a date input reads
EUROS = {
    "max_digits": 13,
    "decimal_places": 2,
    "min_value": Decimal(0),
    "max_value": MAX_EUR,
}


class ApplicationForm(forms.ModelForm):
    operator = forms.ModelChoiceField(queryset=Operator.objects.none(), label="Porteur de projet")
    documents = forms.FileField(
        label="Pièces justificatives (PDF, JPEG ou PNG, 10 Mo au plus chacune)",
        required=False,
        widget=forms.ClearableFileInput(attrs={"allow_multiple_selected": True}),
    )

    class Meta:
        model = Application
        fields = ["operator", "title", "description", "requested_eur", "planned_beneficiaries"]

    def __init__(self, *args, operators, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["operator"].queryset = operators


class InstructionForm(forms.Form):
    eligible = forms.TypedChoiceField(
        label="Recevabilité",
        choices=[("1", "Recevable"), ("0", "Non recevable")],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label="Motif", max_length=2000, required=False, widget=forms.Textarea)

    def __init__(self, *args, criteria=(), **kwargs):
        super().__init__(*args, **kwargs)
        for criterion in criteria:
            self.fields[f"criterion_{criterion.pk}"] = forms.IntegerField(
                label=f"{criterion.label} (sur {criterion.max_points})",
                min_value=0,
                max_value=criterion.max_points,
                required=False,
            )

    def points(self) -> dict[int, int]:
        return {
            int(name.removeprefix("criterion_")): value or 0
            for name, value in self.cleaned_data.items()
            if name.startswith("criterion_")
        }


class DecisionForm(forms.Form):
    decided_on = forms.DateField(label="Date du comité", widget=DATE)
    minutes = forms.CharField(label="Procès-verbal", max_length=5000, widget=forms.Textarea)
    refusal_reason = forms.CharField(
        label="Motif du refus (si aucun montant)",
        max_length=2000,
        required=False,
        widget=forms.Textarea,
    )

    def __init__(self, *args, funders=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.funders = {f"funder_{f.pk}": f for f in funders}
        for name, funder in self.funders.items():
            self.fields[name] = forms.DecimalField(
                label=f"Montant accordé par {funder} (€)", required=False, **EUROS
            )
        self.order_fields(["decided_on", "minutes", *self.funders, "refusal_reason"])

    def amounts(self) -> dict:
        return {f: self.cleaned_data.get(name) or Decimal(0) for name, f in self.funders.items()}


class DateForm(forms.Form):
    on = forms.DateField(label="Date", widget=DATE)


class ReportForm(forms.ModelForm):
    class Meta:
        model = FinalReport
        fields = ["beneficiaries", "families_reached", "actions_held", "summary"]


class TerritoryForm(forms.Form):
    level = forms.ChoiceField(
        label="Niveau",
        choices=[("commune", "Commune"), ("epci", "EPCI"), ("departement", "Département")],
    )
    code = forms.CharField(label="Code INSEE ou SIREN", max_length=9)
    year = forms.IntegerField(
        label="Année", min_value=MIN_YEAR, max_value=MAX_YEAR, initial=lambda: clock.today().year
    )


class AidForm(forms.Form):
    """The rule-based aids: enough to compute each one; an empty part skips its aid."""

    on = forms.DateField(label="Date d'application", widget=DATE)
    places = forms.IntegerField(label="Places de la structure", min_value=1, max_value=1000)
    psu_funded = forms.BooleanField(label="Financée par la PSU", required=False)
    micro_creche = forms.BooleanField(label="Micro-crèche", required=False)
    average_hourly_contribution = forms.DecimalField(
        label="Participation familiale horaire moyenne (€)",
        required=False,
        min_value=Decimal(0),
        max_value=Decimal(100),
        decimal_places=4,
    )
    children_enrolled = forms.IntegerField(
        label="Enfants inscrits dans l'année", required=False, min_value=1, max_value=10000
    )
    children_aeeh = forms.IntegerField(
        label="Dont enfants bénéficiaires de l'AEEH", required=False, min_value=0, max_value=10000
    )
    yearly_costs = forms.DecimalField(label="Dépenses de l'année (€)", required=False, **EUROS)
    closure_category = forms.ChoiceField(label="Catégorie (aide exceptionnelle)", required=False)
    closed_places = forms.IntegerField(
        label="Places fermées ou non pourvues", required=False, min_value=1, max_value=1000
    )
    closed_days = forms.IntegerField(
        label="Jours de fermeture", required=False, min_value=1, max_value=366
    )
    plan_budget = forms.DecimalField(
        label="Budget du plan d'action (structure en difficulté, €)", required=False, **EUROS
    )
    plan_cosigned = forms.BooleanField(
        label="Plan co-signé par le gestionnaire et la CAF", required=False
    )
    factors = forms.CharField(
        label="Facteurs de déstabilisation (un par ligne)",
        required=False,
        max_length=2000,
        widget=forms.Textarea,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        try:
            on = forms.DateField().clean(self.data.get("on") or clock.today().isoformat())
            categories = exceptional_aid_categories(on)
        except (ValidationError, RuleError):  # a date outside every period: the page says so
            categories = {}
        self.fields["closure_category"].choices = [("", "—"), *categories.items()]
