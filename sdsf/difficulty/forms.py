"""Forms of the difficulty pages (French labels, every number bounded by the model's
validators; the rules live in :mod:`sdsf.difficulty.followup`)."""

from decimal import Decimal

from django import forms

from sdsf.difficulty.health import SIGNALS
from sdsf.difficulty.importers import FIGURES, FIRST_YEAR, LAST_YEAR
from sdsf.difficulty.models import (
    AID_FUNDERS,
    MAX_EUROS,
    ActivityYear,
    Aid,
    Cause,
    FollowUp,
    Meeting,
    PlanAction,
    ThresholdSet,
)
from sdsf.difficulty.service import SIGNAL_LABELS
from sdsf.offer.models import Structure


class ListFilter(forms.Form):
    year = forms.IntegerField(
        label="Année", required=False, min_value=FIRST_YEAR, max_value=LAST_YEAR
    )
    commune = forms.ChoiceField(label="Commune", required=False)
    kind = forms.ChoiceField(
        label="Type",
        required=False,
        choices=[("", "EAJE et MAM"), (Structure.Kind.EAJE, "EAJE"), (Structure.Kind.MAM, "MAM")],
    )
    signal = forms.ChoiceField(
        label="Signal",
        required=False,
        choices=[("", "Tous"), ("any", "Au moins un signal")]
        + [(code, SIGNAL_LABELS[code]) for code in SIGNALS],
    )

    def __init__(self, data, communes):
        super().__init__(data)
        self.fields["commune"].choices = [("", "Toutes")] + [(c.code, c.name) for c in communes]


class ActivityForm(forms.ModelForm):
    """A manager's year: every figure optional (unknown), bounded like the file's."""

    class Meta:
        model = ActivityYear
        fields = ["year", *FIGURES]

    def clean(self):
        data = super().clean()
        if data.get("hours_invoiced") and not data.get("hours_realised"):
            self.add_error("hours_realised", "Des heures facturées demandent les heures réalisées.")
        return data


# A year of 500,000 child-periods is about 52 MB (docs/performance.md).
MAX_FILOUE_BYTES = 100 * 1024 * 1024


class FiloueForm(forms.Form):
    file = forms.FileField(
        label="Fichier FILOUÉ (CSV « ; »)",
        help_text="Le fichier par enfant transmis à la CNAF : seuls des totaux par mois sont "
        "conservés, aucune donnée personnelle.",
    )
    dry_run = forms.BooleanField(label="Vérifier seulement", required=False)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_FILOUE_BYTES:
            raise forms.ValidationError("Fichier trop volumineux (100 Mo au plus).")
        return upload


class CausesForm(forms.ModelForm):
    causes = forms.MultipleChoiceField(
        label="Causes identifiées",
        choices=Cause.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = FollowUp
        fields = ["causes", "causes_notes"]
        labels = {"causes_notes": "Précisions"}


class PlanActionForm(forms.ModelForm):
    class Meta:
        model = PlanAction
        fields = ["title", "who", "due_on", "budget_eur"]
        widgets = {"due_on": forms.DateInput(attrs={"type": "date"})}


class MeetingForm(forms.ModelForm):
    class Meta:
        model = Meeting
        fields = ["kind", "held_on", "notes"]
        widgets = {"held_on": forms.DateInput(attrs={"type": "date"})}


class MamFiguresForm(forms.ModelForm):
    class Meta:
        model = FollowUp
        fields = ["mam_childminders", "mam_children", "mam_places"]


class StatusForm(forms.Form):
    status = forms.ChoiceField(label="Nouveau statut", choices=FollowUp.Status.choices)


class AidRequestForm(forms.Form):
    funder = forms.ChoiceField(label="Financeur", choices=AID_FUNDERS)
    requested = forms.DecimalField(
        label="Montant demandé (€)",
        min_value=Decimal(0),
        max_value=MAX_EUROS,
        max_digits=12,
        decimal_places=2,
    )


class AidDecisionForm(forms.Form):
    aid = forms.IntegerField(widget=forms.HiddenInput)
    decision = forms.ChoiceField(
        label="Décision",
        choices=[(s, label) for s, label in Aid.Status.choices if s != Aid.Status.REQUESTED],
    )
    granted = forms.DecimalField(
        label="Montant accordé (€)",
        required=False,
        min_value=Decimal(0),
        max_value=MAX_EUROS,
        max_digits=12,
        decimal_places=2,
    )


class ThresholdsForm(forms.ModelForm):
    class Meta:
        model = ThresholdSet
        fields = [
            "occupancy_low_pct",
            "occupancy_fall_points",
            "invoicing_low_pct",
            "invoicing_high_pct",
            "staff_costs_high_pct",
            "deficit_high_pct",
            "children_per_place_low",
            "children_per_place_high",
            "opening_days_low",
        ]

    def clean(self):
        data = super().clean()
        pairs = (
            ("invoicing_low_pct", "invoicing_high_pct"),
            ("children_per_place_low", "children_per_place_high"),
        )
        for low, high in pairs:
            if data.get(low) is not None and data.get(high) is not None and data[low] > data[high]:
                self.add_error(high, "Le seuil haut doit être au moins égal au seuil bas.")
        return data
