"""Forms of the commission: a new round, the waiting-list upload, an override."""

from django import forms

from sdsf.allocation.models import MAX_DECLARED_PLACES, AllocationRound, Criterion, PointsGrid
from sdsf.core import formats
from sdsf.offer import days
from sdsf.offer.models import Section

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
NO_PLACE = ""


class RoundForm(forms.ModelForm):
    class Meta:
        model = AllocationRound
        fields = [
            "commune",
            "name",
            "grid",
            "meets_on",
            "starts_on",
            "ends_on",
            "seed",
            "answer_days",
        ]
        widgets = {
            "meets_on": forms.DateInput(attrs={"type": "date"}),
            "starts_on": forms.DateInput(attrs={"type": "date"}),
            "ends_on": forms.DateInput(attrs={"type": "date"}),
        }

    def __init__(self, data, communes):
        super().__init__(data)
        self.fields["commune"].queryset = communes.order_by("name")
        self.fields["grid"].queryset = PointsGrid.objects.filter(commune__in=communes)

    def clean(self):
        data = super().clean()
        commune, grid = data.get("commune"), data.get("grid")
        if commune and grid and grid.commune_id != commune.code:
            self.add_error("grid", "Choisissez une grille publiée par cette commune.")
        if data.get("starts_on") and data.get("ends_on") and data["ends_on"] < data["starts_on"]:
            self.add_error("ends_on", "La fin de la période précède son début.")
        return data


class UploadForm(forms.Form):
    file = forms.FileField(label="Liste d'attente (CSV ou XLSX)")

    def clean_file(self):
        file = self.cleaned_data["file"]
        if file.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError("Fichier trop volumineux (10 Mo au plus).")
        return file


class OverrideForm(forms.Form):
    structure = forms.ChoiceField(label="Place décidée", required=False)
    reason = forms.CharField(
        label="Motif de la modification (obligatoire)",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
    )

    def __init__(self, data, structures):
        super().__init__(data)
        self.structures = {s.identifier: s for s in structures}
        self.fields["structure"].choices = [(NO_PLACE, "Aucune place")] + [
            (s.identifier, s.name) for s in structures
        ]

    def chosen_structure(self):
        return self.structures.get(self.cleaned_data["structure"])


class AgentAnswerForm(forms.Form):
    """The answer of a family without an account, recorded by a commune agent."""

    answer = forms.ChoiceField(
        label="Réponse de la famille",
        choices=[("accepted", "La famille accepte la place"), ("refused", "La famille refuse")],
    )
    reason = forms.CharField(
        label="Motif du refus (obligatoire en cas de refus)",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        required=False,
    )

    def clean(self):
        data = super().clean()
        if data.get("answer") == "refused" and not data.get("reason", "").strip():
            self.add_error("reason", "Le motif du refus est obligatoire.")
        return data


class VacateForm(forms.Form):
    on = forms.DateField(
        label="Place libérée à partir du", widget=forms.DateInput(attrs={"type": "date"})
    )
    reason = forms.CharField(
        label="Motif (obligatoire)", widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )


WEEKDAY_CHOICES = list(zip(days.DAY_NAMES, days.DAY_LABELS, strict=True))
DECLARED_SECTIONS = (
    (Section.ALL, "Toutes sections (places que tout âge peut prendre)"),
    (Section.BABIES, "Bébés"),
    (Section.MIDDLE, "Moyens"),
    (Section.OLDER, "Grands"),
)


class VacancyForm(forms.Form):
    """A structure's free places for one round: per section (or pooled), on which days, and the
    departures the figures already count. Every number is bounded; an empty form withdraws the
    declaration (the places are then counted from the capacity and the enrolments)."""

    leaving = forms.IntegerField(
        label="Départs connus (enfants qui partent à l'école…)",
        min_value=0,
        max_value=MAX_DECLARED_PLACES,
        required=False,
    )

    def __init__(self, data=None, initial=None):
        super().__init__(data, initial=initial)
        for section, label in DECLARED_SECTIONS:
            self.fields[f"places_{section}"] = forms.IntegerField(
                label=f"{label} : places libres",
                min_value=0,
                max_value=MAX_DECLARED_PLACES,
                required=False,
            )
            self.fields[f"days_{section}"] = forms.MultipleChoiceField(
                label=f"{label} : libres seulement ces jours (aucun coché : toute la semaine)",
                choices=WEEKDAY_CHOICES,
                widget=forms.CheckboxSelectMultiple,
                required=False,
            )

    def sections(self):
        """(places field, days field) per section, for the template."""
        return [
            (self[f"places_{section}"], self[f"days_{section}"]) for section, _ in DECLARED_SECTIONS
        ]

    def rows(self) -> list[tuple[str, int, int]]:
        """(section, places, days) of each section given."""
        data = self.cleaned_data
        return [
            (section, data[f"places_{section}"], days.parse("|".join(data[f"days_{section}"])))
            for section, _ in DECLARED_SECTIONS
            if data.get(f"places_{section}") is not None
        ]

    @staticmethod
    def initial_from(vacancies) -> dict:
        initial = {}
        for row in vacancies:
            initial[f"places_{row.section}"] = row.places
            if row.days != days.ALL_DAYS:
                initial[f"days_{row.section}"] = days.written(days.whole_days(row.days)).split("|")
            initial["leaving"] = initial.get("leaving", 0) + row.leaving
        return initial


class ValidateForm(forms.Form):
    confirm = forms.BooleanField(
        label="Je confirme la validation : les décisions deviennent définitives et partent "
        "aux familles."
    )


class CommissionPointsForm(forms.Form):
    """What the commission alone sets on an application: the grid's lines it judges (ticked),
    and the points a professional chose within each range (blank: not retained)."""

    def __init__(self, data, criteria, application):
        super().__init__(data)
        self.criteria = criteria
        for c in criteria:
            if c.kind == Criterion.Kind.RANGE:
                low, high = c.min_weight, c.max_weight
                self.fields[c.key] = forms.DecimalField(
                    label=f"{c.label} (de {formats.number(low)} à {formats.number(high)} points)",
                    min_value=low,
                    max_value=high,
                    max_digits=7,
                    decimal_places=2,
                    required=False,
                    initial=application.chosen_points.get(c.key),
                    help_text="Laissez vide si le critère n'est pas retenu.",
                )
                # the browser's bounds, written as HTML numbers (never localised: "10,00")
                self.fields[c.key].widget.attrs.update(
                    min=formats.plain(low), max=formats.plain(high), step="any"
                )
            else:
                self.fields[c.key] = forms.BooleanField(
                    label=f"{c.label} ({formats.signed(c.weight, 0)} points)",
                    required=False,
                    initial=c.key in application.criteria,
                )

    def chosen(self) -> tuple[set[str], dict[str, str]]:
        """The ticked keys, and the points chosen by range key."""
        ticked = {c.key for c in self.criteria if c.kind == Criterion.Kind.FIXED}
        ticked = {key for key in ticked if self.cleaned_data.get(key)}
        chosen = {
            c.key: str(self.cleaned_data[c.key])
            for c in self.criteria
            if c.kind == Criterion.Kind.RANGE and self.cleaned_data.get(c.key) is not None
        }
        return ticked, chosen
