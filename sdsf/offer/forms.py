"""Filters of the registry lists, the upload form and the availability form."""

from django import forms

from sdsf.offer.importing import KIND_LABELS
from sdsf.offer.models import AgrementStatus, Status, Structure

MAX_UPLOAD_BYTES = 30 * 1024 * 1024


def _blank(choices, label="Tous") -> list:
    return [("", label), *choices]


class StructureFilter(forms.Form):
    q = forms.CharField(label="Nom ou identifiant", required=False)
    kind = forms.ChoiceField(label="Type", required=False, choices=_blank(Structure.Kind.choices))
    funding = forms.ChoiceField(
        label="Financement", required=False, choices=_blank(Structure.Funding.choices)
    )
    status = forms.ChoiceField(label="Statut", required=False, choices=_blank(Status.choices))
    commune = forms.ChoiceField(label="Commune", required=False)

    def __init__(self, data, communes):
        super().__init__(data)
        self.fields["commune"].choices = _blank([(c.code, c.name) for c in communes], "Toutes")

    def apply(self, structures):
        if not self.is_valid():
            return structures.none()
        data = self.cleaned_data
        if data["q"]:
            structures = structures.filter(name__icontains=data["q"]) | structures.filter(
                identifier=data["q"]
            )
        for field in ("kind", "funding", "status"):
            if data[field]:
                structures = structures.filter(**{field: data[field]})
        if data["commune"]:
            structures = structures.filter(commune_id=data["commune"])
        return structures


class AssistantFilter(forms.Form):
    q = forms.CharField(label="Nom ou n° d'agrément", required=False)
    status = forms.ChoiceField(
        label="Statut de l'agrément", required=False, choices=_blank(AgrementStatus.choices)
    )
    commune = forms.ChoiceField(label="Commune", required=False)
    available = forms.BooleanField(label="Avec des places disponibles", required=False)

    def __init__(self, data, communes):
        super().__init__(data)
        self.fields["commune"].choices = _blank([(c.code, c.name) for c in communes], "Toutes")

    def apply(self, assistants):
        if not self.is_valid():
            return assistants.none()
        data = self.cleaned_data
        if data["q"]:
            assistants = assistants.filter(last_name__icontains=data["q"]) | assistants.filter(
                identifier=data["q"]
            )
        if data["status"]:
            assistants = assistants.filter(agrement_status=data["status"])
        if data["commune"]:
            assistants = assistants.filter(commune_id=data["commune"])
        if data["available"]:
            assistants = assistants.filter(available_places__gt=0)
        return assistants


class ImportForm(forms.Form):
    kind = forms.ChoiceField(label="Type de fichier", choices=list(KIND_LABELS.items()))
    file = forms.FileField(
        label="Fichier",
        help_text="CSV (séparateur ; ou ,) ou XLSX, colonnes décrites dans la documentation.",
    )
    dry_run = forms.BooleanField(label="Vérifier seulement, sans enregistrer", required=False)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError("Fichier trop volumineux (30 Mo au plus).")
        return upload


class AvailabilityForm(forms.ModelForm):
    class Meta:
        model = Structure
        fields = ["available_places", "available_from"]
        widgets = {"available_from": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}
