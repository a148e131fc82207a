"""Forms of the communes' and the committee's pages (French labels; rules in the services)."""

from django import forms

from sdsf.publicservice.models import (
    CompetenceTransfer,
    LocalSchema,
    Meeting,
    Member,
    Orientation,
    SchemaReview,
)
from sdsf.publicservice.schemas import BINDINGS
from sdsf.steering.models import Action
from sdsf.territories.models import Commune

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class TransferForm(forms.ModelForm):
    """The département records that a commune gave the competence to its EPCI."""

    commune = forms.CharField(label="Code INSEE de la commune", max_length=5)

    class Meta:
        model = CompetenceTransfer
        fields = ["effective_from"]
        widgets = {"effective_from": DATE}

    def __init__(self, *args, departement_code: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.departement_code = departement_code

    def clean_commune(self):
        code = self.cleaned_data["commune"].strip()
        commune = Commune.objects.filter(pk=code, departement_id=self.departement_code).first()
        if commune is None:
            raise forms.ValidationError("Aucune commune de ce département ne porte ce code.")
        if commune.epci_id is None:
            raise forms.ValidationError("Cette commune n'appartient à aucun EPCI.")
        return commune


class SchemaForm(forms.ModelForm):
    class Meta:
        model = LocalSchema
        fields = ["start_year", "end_year", "coverage_threshold", "inventory", "needs", "zones"]

    def clean(self):
        data = super().clean()
        start, end = data.get("start_year"), data.get("end_year")
        if start and end and end < start:
            self.add_error("end_year", "La dernière année précède la première.")
        return data


class OrientationForm(forms.ModelForm):
    bindings = forms.MultipleChoiceField(
        label="Indicateurs liés aux chiffres de l'observatoire",
        choices=[(key, label) for key, (label, _unit) in BINDINGS.items()],
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    class Meta:
        model = Orientation
        fields = ["text", "actions", "bindings"]
        widgets = {"actions": forms.SelectMultiple}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        scheme = self.instance.schema.scheme
        self.fields["actions"].queryset = (
            Action.objects.filter(scheme=scheme) if scheme else Action.objects.none()
        )
        self.fields[
            "actions"
        ].help_text = (
            "La compatibilité avec le schéma départemental se lit dans les actions servies."
        )


class AdoptionForm(forms.Form):
    adopted_on = forms.DateField(label="Date de la délibération du conseil", widget=DATE)
    deliberation = forms.CharField(
        label="Référence de la délibération", max_length=200, required=False
    )


class ReviewForm(forms.ModelForm):
    class Meta:
        model = SchemaReview
        fields = ["year", "summary"]


class MemberForm(forms.ModelForm):
    class Meta:
        model = Member
        fields = [
            "college",
            "name",
            "organisation",
            "function",
            "email",
            "phone",
            "mandate_start",
            "mandate_end",
        ]
        widgets = {"mandate_start": DATE, "mandate_end": DATE}

    def clean(self):
        data = super().clean()
        start, end = data.get("mandate_start"), data.get("mandate_end")
        if start and end and end < start:
            self.add_error("mandate_end", "La fin du mandat précède son début.")
        return data


class MeetingForm(forms.ModelForm):
    class Meta:
        model = Meeting
        fields = ["held_on", "title", "agenda", "documents", "minutes", "attendees"]
        widgets = {"held_on": DATE, "attendees": forms.CheckboxSelectMultiple}

    def __init__(self, *args, departement_code: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["attendees"].queryset = Member.objects.filter(departement_id=departement_code)
        self.fields["attendees"].label = "Présents"


class DecisionForm(forms.Form):
    text = forms.CharField(label="Décision", widget=forms.Textarea, max_length=5000)
    actions = forms.ModelMultipleChoiceField(
        label="Actions du schéma concernées",
        queryset=Action.objects.none(),
        widget=forms.SelectMultiple,
        required=False,
    )

    def __init__(self, *args, scheme=None, **kwargs):
        super().__init__(*args, **kwargs)
        if scheme is not None:
            self.fields["actions"].queryset = scheme.actions.all()


class RenewalForm(forms.Form):
    start_year = forms.IntegerField(
        label="Première année du nouveau schéma", min_value=2020, max_value=2100
    )
