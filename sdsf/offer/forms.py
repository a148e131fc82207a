"""Filters of the registry lists, the upload and availability forms, and the registry's
editing forms (structures, dated capacity, agrément decisions)."""

import re

from django import forms

from sdsf.core import clock
from sdsf.offer.importers.assistants import MAX_CHILDREN
from sdsf.offer.importing import KIND_LABELS
from sdsf.offer.models import (
    ACTIVE_STATUSES,
    Agrement,
    AgrementStatus,
    AssistantMaternel,
    Decision,
    Status,
    Structure,
)

MAX_UPLOAD_BYTES = 30 * 1024 * 1024
IDENTIFIER = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")  # a URL segment as it is


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


DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
MAX_SECTION_PLACES = 500  # far above any EAJE (the largest hold about 150)


class StructureForm(forms.ModelForm):
    """A structure's identity, address and position, hours, AVIP label and funding; for a
    relais, the communes it covers among the editor's (the others stay as they are)."""

    latitude = forms.FloatField(
        label="Latitude",
        required=False,
        min_value=-90,
        max_value=90,
        localize=True,
        help_text="En degrés décimaux, ex. : 48,9086",
    )
    longitude = forms.FloatField(
        label="Longitude",
        required=False,
        min_value=-180,
        max_value=180,
        localize=True,
        help_text="En degrés décimaux, ex. : 2,4397",
    )
    avip_share = forms.IntegerField(
        label="Part de places AVIP (%)", required=False, min_value=0, max_value=100
    )
    website = forms.URLField(
        label="Site internet", required=False, max_length=200, assume_scheme="https"
    )
    covered = forms.ModelMultipleChoiceField(
        label="Communes couvertes",
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Les communes de votre territoire dont le relais accueille les familles.",
    )

    class Meta:
        model = Structure
        fields = [
            "name",
            "category",
            "manager_name",
            "address",
            "latitude",
            "longitude",
            "funding",
            "opening_days",
            "opens_at",
            "closes_at",
            "avip",
            "avip_share",
            "pmi_authorised_on",
            "status",
            "opened_on",
            "closed_on",
            "phone",
            "email",
            "website",
        ]
        widgets = {
            "opens_at": TIME,
            "closes_at": TIME,
            "pmi_authorised_on": DATE,
            "opened_on": DATE,
            "closed_on": DATE,
        }

    EAJE_ONLY = ("funding", "opening_days", "opens_at", "closes_at", "avip", "avip_share")

    def __init__(self, *args, communes=None, **kwargs):
        super().__init__(*args, **kwargs)
        kind = self.instance.kind
        categories = {
            Structure.Kind.EAJE: Structure.Category.choices[:7],
            Structure.Kind.SOCIAL: Structure.Category.choices[7:],
        }.get(kind)
        if categories is None:
            del self.fields["category"]
        else:
            self.fields["category"].choices = categories
        if kind != Structure.Kind.EAJE:
            for name in self.EAJE_ONLY + ("pmi_authorised_on",):
                del self.fields[name]
        if kind == Structure.Kind.RPE:
            self.fields["covered"].queryset = communes.order_by("name")
            self.initial["covered"] = list(
                self.instance.covered_communes.filter(pk__in=communes).values_list("pk", flat=True)
            )
        else:
            del self.fields["covered"]

    def clean(self):
        data = super().clean()
        if (data.get("latitude") is None) != (data.get("longitude") is None):
            raise forms.ValidationError("La latitude et la longitude vont ensemble.")
        opens, closes = data.get("opens_at"), data.get("closes_at")
        if opens and closes and closes <= opens:
            self.add_error("closes_at", "L'heure de fermeture précède l'heure d'ouverture.")
        if data.get("avip_share") and not data.get("avip"):
            self.add_error("avip_share", "Une part de places AVIP suppose le label AVIP.")
        opened, closed = data.get("opened_on"), data.get("closed_on")
        if opened and closed and closed < opened:
            self.add_error("closed_on", "La date de fermeture précède la date d'ouverture.")
        return data


class CapacityForm(forms.Form):
    """Places agréées in force from a date: either by age section, or « toutes sections »."""

    start = forms.DateField(label="En vigueur à partir du", widget=DATE)
    all = forms.IntegerField(
        label="Toutes sections (places non réparties par âge)",
        required=False,
        min_value=0,
        max_value=MAX_SECTION_PLACES,
    )
    babies = forms.IntegerField(
        label="Bébés (moins de 18 mois)", required=False, min_value=0, max_value=MAX_SECTION_PLACES
    )
    middle = forms.IntegerField(
        label="Moyens (18 mois à 2 ans)", required=False, min_value=0, max_value=MAX_SECTION_PLACES
    )
    older = forms.IntegerField(
        label="Grands (plus de 2 ans)", required=False, min_value=0, max_value=MAX_SECTION_PLACES
    )

    SECTIONS = ("all", "babies", "middle", "older")

    def clean(self):
        data = super().clean()
        places = {s: data.get(s) or 0 for s in self.SECTIONS}
        if places["all"] and any(places[s] for s in self.SECTIONS[1:]):
            raise forms.ValidationError(
                "Indiquez soit les places par section, soit « toutes sections », pas les deux."
            )
        data["places"] = places
        return data


class AgrementForm(forms.ModelForm):
    """A decision of the PMI on a childminder's agrément, in force from its date."""

    DECISION_STATUS = {
        Decision.GRANT: AgrementStatus.GRANTED,
        Decision.RENEWAL: AgrementStatus.RENEWED,
        Decision.SUSPENSION: AgrementStatus.SUSPENDED,
        Decision.WITHDRAWAL: AgrementStatus.WITHDRAWN,
    }
    NEEDS_REASON = (Decision.SUSPENSION, Decision.WITHDRAWAL)

    decision = forms.ChoiceField(label="Décision", choices=Decision.choices)
    places = forms.IntegerField(label="Nombre d'enfants", min_value=1, max_value=MAX_CHILDREN)

    class Meta:
        model = Agrement
        fields = ["decision", "effective_from", "places", "ages", "start", "expiry", "reason"]
        widgets = {"effective_from": DATE, "start": DATE, "expiry": DATE}
        help_texts = {
            "ages": "Ex. : « 2 enfants de 0 à 3 ans, 1 enfant de 3 à 6 ans » ou « 0-6 ans ».",
            "reason": "Obligatoire pour une suspension ou un retrait.",
            "effective_from": "La date de la décision.",
        }

    def __init__(self, *args, assistant: AssistantMaternel, **kwargs):
        super().__init__(*args, **kwargs)
        self.assistant = assistant
        if not self.is_bound:
            self.initial.update(
                effective_from=clock.today(),
                places=assistant.agrement_places,
                ages=assistant.agrement_ages,
                start=assistant.agrement_start,
                expiry=assistant.agrement_expiry,
            )

    def clean(self):
        data = super().clean()
        decision = data.get("decision")
        if decision in self.NEEDS_REASON and not data.get("reason", "").strip():
            self.add_error("reason", "Indiquez le motif de la suspension ou du retrait.")
        start, expiry = data.get("start"), data.get("expiry")
        if start and expiry and expiry <= start:
            self.add_error("expiry", "L'échéance doit être postérieure au début de l'agrément.")
        if decision:
            # An extension or a change keeps the agrément's status (an active one by default).
            current = self.assistant.agrement_status
            self.instance.status = self.DECISION_STATUS.get(
                decision, current if current in ACTIVE_STATUSES else AgrementStatus.GRANTED
            )
        return data


class NewStructureForm(forms.ModelForm):
    """A new structure: its registry identifier, kind, name and commune (one of the editor's);
    the rest is filled in on its form."""

    class Meta:
        model = Structure
        fields = ["identifier", "kind", "name", "commune", "status"]
        help_texts = {
            "identifier": "Unique dans le registre, par ex. « EAJE-93-0150 » : les fichiers "
            "d'import désignent la structure par cet identifiant."
        }

    def __init__(self, *args, communes=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["commune"].queryset = communes.order_by("name")
        self.fields["commune"].empty_label = "Choisir une commune"
        self.fields["status"].initial = Status.PLANNED

    def clean_identifier(self):
        identifier = self.cleaned_data["identifier"].strip()
        if not IDENTIFIER.fullmatch(identifier):
            raise forms.ValidationError(
                "Lettres sans accent, chiffres, tirets et points seulement, sans espace."
            )
        return identifier
