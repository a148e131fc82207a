"""Forms of the steering pages (French labels; domain rules live in the service modules)."""

from django import forms

from sdsf.accounts.models import Institution
from sdsf.steering.models import (
    Action,
    Body,
    BudgetLine,
    Milestone,
    Objective,
    Question,
    RecipientList,
    Scheme,
    Survey,
)
from sdsf.territories.models import Level
from sdsf.territories.queries import TerritoryRef


class ActionUpdateForm(forms.Form):
    status = forms.ChoiceField(label="Statut", choices=Action.Status.choices)
    progress = forms.IntegerField(
        label="Avancement (%)", min_value=0, max_value=100, required=False
    )
    comment = forms.CharField(label="Commentaire", widget=forms.Textarea, required=False)


class IndicatorValueForm(forms.Form):
    year = forms.TypedChoiceField(label="Année", coerce=int)
    value = forms.DecimalField(label="Valeur", max_digits=14, decimal_places=2)
    source = forms.CharField(label="Source", max_length=300, required=False)

    def __init__(self, *args, scheme: Scheme, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [(y, y) for y in scheme.years]


class ActionForm(forms.ModelForm):
    """The coordinator's adjustment of the plan: add or change an action."""

    pilots = forms.ModelMultipleChoiceField(
        label="Institutions pilotes",
        queryset=Institution.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Les personnes de ces institutions mettent l'action à jour.",
    )

    class Meta:
        model = Action
        fields = [
            "axis",
            "objective",
            "code",
            "title",
            "description",
            "start_year",
            "end_year",
            "markers",
        ]
        widgets = {"markers": forms.CheckboxSelectMultiple}

    def __init__(self, *args, scheme: Scheme, **kwargs):
        super().__init__(*args, **kwargs)
        self.scheme = scheme
        self.instance.scheme = scheme
        self.fields["axis"].queryset = scheme.axes.all()
        self.fields["objective"].queryset = Objective.objects.filter(axis__scheme=scheme)
        self.fields["markers"].queryset = scheme.markers.all()
        self.fields["pilots"].queryset = Institution.objects.filter(
            territory_level=Level.DEPARTEMENT, territory_code=scheme.departement_id
        )
        if self.instance.pk:
            self.fields["pilots"].initial = [
                a.institution_id for a in self.instance.actors.all() if a.institution_id
            ]

    def clean(self):
        data = super().clean()
        axis, objective = data.get("axis"), data.get("objective")
        if objective and axis and objective.axis_id != axis.pk:
            self.add_error("objective", "Cet objectif n'appartient pas à l'axe choisi.")
        code = data.get("code")
        clash = self.scheme.actions.filter(code=code).exclude(pk=self.instance.pk)
        if code and clash.exists():
            self.add_error("code", "Une autre action du plan porte déjà ce code.")
        return data


class VersionForm(forms.Form):
    year = forms.IntegerField(label="Année de l'ajustement", min_value=1900, max_value=2100)
    label = forms.CharField(label="Intitulé", max_length=200)
    note = forms.CharField(label="Ajustements", widget=forms.Textarea, required=False)


class ReviewOpenForm(forms.Form):
    year = forms.TypedChoiceField(label="Année du bilan", coerce=int)

    def __init__(self, *args, scheme: Scheme, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [(y, y) for y in scheme.years]


class ReviewCommentForm(forms.Form):
    action = forms.IntegerField(widget=forms.HiddenInput)
    text = forms.CharField(label="Commentaire du bilan", widget=forms.Textarea, required=False)


class ReviewSummaryForm(forms.Form):
    summary = forms.CharField(label="Synthèse du bilan", widget=forms.Textarea, required=False)


class SurveyForm(forms.ModelForm):
    class Meta:
        model = Survey
        fields = ["title", "introduction", "opens_on", "closes_on"]
        widgets = {
            "opens_on": forms.DateInput(attrs={"type": "date"}),
            "closes_on": forms.DateInput(attrs={"type": "date"}),
        }
        help_texts = {
            "opens_on": "Vide : ouverte dès qu'elle a une question.",
            "closes_on": "Réponses acceptées jusqu'à ce jour inclus ; vide : sans fin.",
        }

    def clean(self):
        data = super().clean()
        opens, closes = data.get("opens_on"), data.get("closes_on")
        if opens and closes and closes <= opens:
            self.add_error("closes_on", "La date de clôture doit suivre la date d'ouverture.")
        return data


class QuestionForm(forms.ModelForm):
    choices_text = forms.CharField(
        label="Réponses proposées (une par ligne)",
        widget=forms.Textarea,
        required=False,
        help_text="Pour les questions à choix unique ou multiples.",
    )

    class Meta:
        model = Question
        fields = ["text", "kind", "required"]

    def clean(self):
        data = super().clean()
        choices = [c.strip() for c in data.get("choices_text", "").splitlines() if c.strip()]
        kind = data.get("kind")
        if kind in (Question.Kind.SINGLE, Question.Kind.MULTIPLE) and len(choices) < 2:
            self.add_error("choices_text", "Indiquez au moins deux réponses proposées.")
        if len(set(choices)) != len(choices):
            self.add_error("choices_text", "Une réponse proposée figure deux fois.")
        self.instance.choices = choices if kind != Question.Kind.TEXT else []
        return data


class RecipientListForm(forms.ModelForm):
    """A recipient list names a territory (its answers are counted by territory): one inside
    ``communes``, the territory the person may survey within the survey's scheme."""

    class Meta:
        model = RecipientList
        fields = ["name", "territory_level", "territory_code", "recipients"]

    def __init__(self, *args, communes, **kwargs):
        super().__init__(*args, **kwargs)
        self.communes = communes

    def clean(self):
        data = super().clean()
        level, code = data.get("territory_level"), data.get("territory_code")
        if not (level and code):
            return data
        territory = TerritoryRef(level, code)
        if territory.get() is None:
            self.add_error("territory_code", "Territoire inconnu à ce niveau.")
        elif territory.communes().exclude(pk__in=self.communes.values("pk")).exists():
            self.add_error("territory_code", "Ce territoire n'est pas dans votre périmètre.")
        return data


def answer_form(survey: Survey, data=None) -> forms.Form:
    """The public form of a survey, one field per question (named ``q<id>``)."""
    form = forms.Form(data)
    for q in survey.questions.all():
        name, label = f"q{q.pk}", q.text
        if q.kind == Question.Kind.SINGLE:
            field = forms.ChoiceField(
                label=label, choices=[(c, c) for c in q.choices], widget=forms.RadioSelect
            )
        elif q.kind == Question.Kind.MULTIPLE:
            field = forms.MultipleChoiceField(
                label=label,
                choices=[(c, c) for c in q.choices],
                widget=forms.CheckboxSelectMultiple,
            )
        elif q.kind == Question.Kind.NUMBER:
            field = forms.DecimalField(label=label, max_digits=14, decimal_places=2)
        else:
            field = forms.CharField(label=label, widget=forms.Textarea, max_length=5000)
        field.required = q.required
        form.fields[name] = field
    return form


# The plan's budget, milestones and governance, edited in the interface (the plan's JSON
# carries the same parts: ``plan_import`` replaces them, these forms change them in place).
class BudgetLineForm(forms.ModelForm):
    year = forms.IntegerField(label="Année", min_value=2000, max_value=2100)
    amount = forms.DecimalField(
        label="Montant (€)", min_value=0, max_value=10**11, max_digits=14, decimal_places=2
    )

    class Meta:
        model = BudgetLine
        fields = ["financer", "year", "amount"]


BudgetFormSet = forms.inlineformset_factory(
    Action, BudgetLine, form=BudgetLineForm, extra=2, can_delete=True
)
MilestoneFormSet = forms.inlineformset_factory(
    Action,
    Milestone,
    fields=["title", "due_on", "done_on"],
    extra=2,
    can_delete=True,
    widgets={
        "due_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        "done_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    },
)


class BodyForm(forms.ModelForm):
    """A governance body; its members typed one a line (« nom — rôle »)."""

    members_text = forms.CharField(
        label="Membres (un par ligne : nom — rôle)", widget=forms.Textarea, required=False
    )

    class Meta:
        model = Body
        fields = ["kind", "name", "chair"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["members_text"].initial = "\n".join(
            " — ".join(filter(None, [m.get("label", ""), m.get("role", "")]))
            if isinstance(m, dict)
            else str(m)
            for m in self.instance.members
        )

    def clean_members_text(self):
        members = []
        for line in self.cleaned_data["members_text"].splitlines():
            label, _, role = (part.strip() for part in line.partition("—"))
            if len(label) > 200 or len(role) > 200:
                raise forms.ValidationError("Un nom ou un rôle dépasse 200 caractères.")
            if label:
                members.append({"label": label, "role": role} if role else {"label": label})
        return members

    def save(self, commit=True):
        self.instance.members = self.cleaned_data["members_text"]
        return super().save(commit)


BodyFormSet = forms.inlineformset_factory(Scheme, Body, form=BodyForm, extra=1, can_delete=True)
