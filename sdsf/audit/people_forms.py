"""Forms of the people and institutions pages: choices limited to the administrator's own
territories and institutions, checked again by :mod:`sdsf.accounts.administration`."""

from django import forms
from django.db.models import QuerySet

from sdsf.accounts import administration, scope
from sdsf.accounts.models import Institution, Role
from sdsf.accounts.scope import Permission
from sdsf.territories.models import Commune, Departement, Epci, Ept, Level


def territory_choices(actor, permission: Permission) -> list[tuple[str, str]]:
    """Territories wholly inside the actor's: their départements, then the EPT and EPCI all of
    whose communes are inside, then the communes. Values are ``level:code``."""
    mine = scope.communes(actor, permission)
    others = Commune.objects.exclude(pk__in=mine)

    def whole(model, field: str) -> QuerySet:
        return (
            model.objects.filter(pk__in=mine.values(field))
            .exclude(pk__in=administration.codes_of(others, field))
            .order_by("name")
        )

    choices = [
        (f"{Level.DEPARTEMENT}:{d.code}", f"Département {d.name} ({d.code})")
        for d in whole(Departement, "departement_id")
    ]
    choices += [(f"{Level.EPT}:{t.code}", f"EPT {t.name}") for t in whole(Ept, "ept_id")]
    choices += [(f"{Level.EPCI}:{t.code}", f"EPCI {t.name}") for t in whole(Epci, "epci_id")]
    choices += [
        (f"{Level.COMMUNE}:{c.code}", f"Commune {c.name} ({c.code})")
        for c in mine.only("code", "name").order_by("name")
    ]
    return choices


class TerritoryField(forms.ChoiceField):
    """A territory chosen among :func:`territory_choices`, cleaned to ``(level, code)``."""

    def clean(self, value) -> tuple[str, str]:
        level, _, code = super().clean(value).partition(":")
        return level, code


class RoleForm(forms.Form):
    """A role to give: a role, for an institution, over a territory."""

    role = forms.ChoiceField(label="Rôle", choices=[("", "Choisir un rôle"), *Role.choices])
    institution = forms.ModelChoiceField(
        label="Institution",
        queryset=Institution.objects.none(),
        empty_label="Choisir une institution",
        help_text="L'institution pour laquelle la personne travaille.",
    )
    territory = TerritoryField(
        label="Territoire", help_text="Le territoire sur lequel s'exerce ce rôle."
    )

    def __init__(self, actor, person=None, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.actor, self.person = actor, person
        self.fields["institution"].queryset = administration.institutions(actor)
        self.fields["territory"].choices = [
            ("", "Choisir un territoire"),
            *territory_choices(actor, Permission.PEOPLE_MANAGE),
        ]

    def clean(self):
        data = super().clean()
        if {"role", "institution", "territory"} <= data.keys():
            try:
                administration.check_role(
                    self.actor, self.person, data["institution"], data["role"], *data["territory"]
                )
            except administration.Refused as refused:
                raise forms.ValidationError(str(refused)) from refused
        return data


class InviteForm(RoleForm):
    email = forms.EmailField(label="Adresse e-mail", max_length=254)
    first_name = forms.CharField(label="Prénom", max_length=150)
    last_name = forms.CharField(label="Nom", max_length=150)

    field_order = ["email", "first_name", "last_name", "role", "institution", "territory"]

    def clean_email(self):
        return self.cleaned_data["email"].strip().lower()


class InstitutionForm(forms.ModelForm):
    territory = TerritoryField(
        label="Territoire", help_text="Le territoire que sert l'institution."
    )

    class Meta:
        model = Institution
        fields = ["name", "kind"]

    def __init__(self, actor, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["territory"].choices = [
            ("", "Choisir un territoire"),
            *territory_choices(actor, Permission.INSTITUTIONS_MANAGE),
        ]
        if self.instance.pk:
            self.initial["territory"] = (
                f"{self.instance.territory_level}:{self.instance.territory_code}"
            )

    def save(self, commit=True):
        self.instance.territory_level, self.instance.territory_code = self.cleaned_data["territory"]
        return super().save(commit)
