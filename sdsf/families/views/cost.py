"""Know the cost: the public estimate of a crèche place (PSU) and of an assistant maternel (CMG).

No account needed. The forms are sent by GET: an estimate changes nothing, can be bookmarked or
shared, and works without JavaScript (htmx, when present, only swaps the calculator's block in
place). The arithmetic and the lines that explain it belong to :mod:`sdsf.families.tariffs`; a
request it refuses (date outside the barème, too many children) comes back as a form error in the
page's language.
"""

from __future__ import annotations

from django import forms
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from sdsf.core import clock, formats
from sdsf.families.tariffs import (
    TariffError,
    estimate_cmg_assistant_maternel,
    estimate_psu_price,
)


class AmountField(forms.DecimalField):
    """Euros or hours as families type them: ``1234,50``, ``1 234.50`` or ``1234``."""

    def to_python(self, value):
        if isinstance(value, str):
            value = value.replace(",", ".").replace(" ", "").replace("\u00a0", "")
            value = value.replace("\u202f", "").replace("€", "")
        return super().to_python(value)


class FamilyForm(forms.Form):
    """What both calculators need to know about the family."""

    on = forms.DateField(
        label=_("Date de l'accueil"),
        help_text=_("Le barème appliqué est celui en vigueur à cette date."),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    children = forms.IntegerField(
        label=_("Nombre d'enfants à charge"),
        min_value=1,
        max_value=10,
        help_text=_("Tous les enfants à charge du foyer, y compris celui à faire garder."),
    )
    disabled_child = forms.BooleanField(
        label=_("Un enfant du foyer est en situation de handicap (il bénéficie de l'AEEH)"),
        required=False,
    )
    resources = AmountField(
        label=_("Ressources mensuelles du foyer (€)"),
        min_value=0,
        max_digits=10,
        decimal_places=2,
        help_text=_("Revenus annuels pris en compte par la CAF, divisés par 12."),
    )


class PsuForm(FamilyForm):
    hours = AmountField(
        label=_("Heures d'accueil par mois (facultatif)"),
        required=False,
        min_value=0,
        max_value=744,
        max_digits=5,
        decimal_places=2,
        help_text=_("Pour obtenir aussi la participation mensuelle."),
    )

    def estimate(self) -> dict:
        data = self.cleaned_data
        estimate = estimate_psu_price(
            data["on"],
            data["children"],
            data["resources"],
            hours_per_month=data["hours"],
            disabled_child=data["disabled_child"],
        )
        figures = [(_("Prix horaire"), formats.euros(estimate.hourly_price))]
        if estimate.monthly_price is not None:
            figures.append((_("Participation mensuelle"), formats.euros(estimate.monthly_price)))
        return {"figures": figures, "lines": estimate.lines}


class CmgForm(FamilyForm):
    hours = AmountField(
        label=_("Heures d'accueil par mois"),
        min_value=0,
        max_value=744,
        max_digits=5,
        decimal_places=2,
    )
    hourly_wage = AmountField(
        label=_("Salaire horaire net de l'assistant maternel (€)"),
        min_value=0,
        max_digits=6,
        decimal_places=2,
        help_text=_("Avec les indemnités d'entretien et de repas si vous voulez les compter."),
    )
    child_aged_3_to_6 = forms.BooleanField(
        label=_("L'enfant gardé a entre 3 et 6 ans (compte seulement avant le 1er septembre 2025)"),
        required=False,
    )

    def estimate(self) -> dict:
        data = self.cleaned_data
        estimate = estimate_cmg_assistant_maternel(
            data["on"],
            data["children"],
            data["resources"],
            data["hours"],
            data["hourly_wage"],
            disabled_child=data["disabled_child"],
            child_aged_3_to_6=data["child_aged_3_to_6"],
        )
        figures = [
            (_("Coût mensuel de la garde"), formats.euros(estimate.monthly_cost)),
            (_("CMG estimé"), formats.euros(estimate.cmg)),
            (_("Reste à votre charge"), formats.euros(estimate.remaining_cost)),
        ]
        return {"figures": figures, "lines": estimate.lines}


CALCULATORS = {
    "psu": {
        "form": PsuForm,
        "title": _("Crèche (prestation de service unique, PSU)"),
        "intro": _(
            "Dans une crèche financée par la CAF, le prix dépend de vos ressources et du nombre "
            "d'enfants à charge, selon un barème national."
        ),
        "source": _(
            "Source : barème national des participations familiales de la CNAF (lettre-circulaire "
            "2019-005 du 5 juin 2019 et notes annuelles fixant le plancher et le plafond)."
        ),
    },
    "cmg": {
        "form": CmgForm,
        "title": _("Assistant maternel (complément de libre choix du mode de garde, CMG)"),
        "intro": _(
            "Quand vous employez un assistant maternel, la CAF verse le CMG, qui réduit le coût "
            "de la garde ; le reste est à votre charge."
        ),
        "source": _(
            "Source : article D531-18 du code de la sécurité sociale (décret 2025-515) ; avant le "
            "1er septembre 2025, montants et plafonds du CMG publiés par la CAF (paramètres "
            "OpenFisca France)."
        ),
    },
}


def cost(request):
    """Both calculators on one page; the one named by ``calcul`` reads the query and answers."""
    chosen = request.GET.get("calcul")
    calculators = []
    for key, calculator in CALCULATORS.items():
        form_class = calculator["form"]
        if key == chosen:
            form = form_class(request.GET, prefix=key)
        else:
            form = form_class(prefix=key, initial={"on": clock.today().isoformat()})
        result = None
        if form.is_bound and form.is_valid():
            try:
                result = form.estimate()
            except TariffError as error:
                form.add_error(None, str(error))
        calculators.append({**calculator, "key": key, "form": form, "result": result})
    if request.htmx and chosen in CALCULATORS:
        calculator = next(item for item in calculators if item["key"] == chosen)
        return render(request, "families/cost/calculator.html", {"calculator": calculator})
    return render(request, "families/cost/index.html", {"calculators": calculators})
