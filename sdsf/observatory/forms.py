"""The upload form of the observatory's files: the file, its kind, what the file does not say."""

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator

from sdsf.observatory.importers import FIRST_YEAR, LAST_YEAR
from sdsf.observatory.importing import KINDS

# INSEE's national census table is about 35 MB as CSV.
MAX_UPLOAD_BYTES = 80 * 1024 * 1024
UNITS = [("%", "% (pour 100)"), ("‰", "‰ (pour 1 000)")]


class ObservatoryImportForm(forms.Form):
    departement = forms.ChoiceField(label="Département")
    kind = forms.ChoiceField(
        label="Type de fichier", choices=[(k, kind.label) for k, kind in KINDS.items()]
    )
    file = forms.FileField(
        label="Fichier",
        help_text="CSV (séparateur ; ou ,) ou XLSX, tel que publié par l'INSEE ou la CNAF.",
    )
    year = forms.IntegerField(
        label="Année",
        required=False,
        validators=[MinValueValidator(FIRST_YEAR), MaxValueValidator(LAST_YEAR)],
        help_text="Année du recensement, des naissances ou des valeurs ; pour les taux CNAF, "
        "seulement si le fichier n'a pas de colonne « annee ».",
    )
    name = forms.CharField(
        label="Nom de l'indicateur",
        required=False,
        max_length=200,
        help_text="Pour un autre indicateur, ex. « Taux de pauvreté ».",
    )
    unit = forms.ChoiceField(label="Unité de l'indicateur", choices=UNITS, required=False)
    source = forms.CharField(
        label="Source de l'indicateur",
        required=False,
        max_length=200,
        help_text="Le document de l'éditeur, ex. « INSEE, Filosofi 2021 ».",
    )

    def __init__(self, *args, departements, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["departement"].choices = [(d.code, str(d)) for d in departements]
        if len(departements) == 1:
            self.fields["departement"].initial = departements[0].code
            self.fields["departement"].widget = forms.HiddenInput()

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError("Fichier trop volumineux (80 Mo au plus).")
        return upload

    def clean(self):
        data = super().clean()
        kind = KINDS.get(data.get("kind"))
        if kind is None:
            return data
        if "year" in kind.asks and data.get("year") is None:
            self.add_error("year", "Indiquez l'année des données de ce fichier.")
        if "indicator" in kind.asks:
            for name in ("name", "source"):
                if not (data.get(name) or "").strip():
                    self.add_error(name, "Champ obligatoire pour un indicateur.")
            if not data.get("unit"):
                self.add_error("unit", "Choisissez l'unité de l'indicateur.")
        return data

    def options(self) -> dict:
        """What the importer needs besides the file (stored on the job)."""
        data = self.cleaned_data
        asks = KINDS[data["kind"]].asks
        options = {}
        if data.get("year") is not None and ("year" in asks or "year?" in asks):
            options["year"] = data["year"]
        if "indicator" in asks:
            options |= {k: data[k].strip() for k in ("name", "unit", "source")}
        return options
