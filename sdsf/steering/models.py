"""The signed scheme and its steering: plan (axes → objectives → actions), indicators,
governance, plan versions, yearly reviews and surveys.

The plan's description (what ``plan_export`` prints) lives in the tables of a :class:`Scheme`;
history lives in frozen JSON snapshots (:class:`PlanVersion`, :class:`Review`) so that a later
change of the plan never rewrites what was signed or validated.
"""

import secrets
from functools import reduce
from operator import or_

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from sdsf.accounts.models import Institution
from sdsf.accounts.scope import Permission, departements, holding, territory
from sdsf.core import formats
from sdsf.funding.models import Programme
from sdsf.territories.models import Commune, Departement, Level


class SchemeQuerySet(models.QuerySet):
    """The gate's rule for schemes (see :mod:`sdsf.accounts.scope`)."""

    def visible_to(self, user, permission: Permission):
        """Schemes of the départements the person's roles granting ``permission`` work in."""
        return self.filter(departement__in=departements(user, permission))

    def writable_by(self, user, permission: Permission):
        """Schemes a person changes with ``permission`` (coordinate the plan, run surveys):
        same rule as :meth:`visible_to`, given a write permission."""
        return self.visible_to(user, permission)


class InSchemeQuerySet(models.QuerySet):
    """Rows of one scheme (versions, reviews, surveys...): whoever reaches the scheme with a
    permission reaches them with it."""

    def visible_to(self, user, permission: Permission):
        return self.filter(scheme__in=Scheme.objects.visible_to(user, permission))

    def writable_by(self, user, permission: Permission):
        """Same rule as :meth:`visible_to`, given a write permission."""
        return self.visible_to(user, permission)


class ActionQuerySet(InSchemeQuerySet):
    def writable_by(self, user, permission: Permission):
        """Actions a person changes with ``permission``.

        Updating an action (``STEERING_EDIT_ACTION``: status, progress, indicator values,
        review comments) is for the coordinators of its scheme and for its pilots: people
        whose role granting that permission belongs to an institution named pilot of the
        action, in a scheme of that role's départements. Any other permission (changing the
        plan: ``STEERING_COORDINATE``) reaches every action of the schemes it reaches.
        """
        coordinated = Q(scheme__in=Scheme.objects.writable_by(user, Permission.STEERING_COORDINATE))
        if permission != Permission.STEERING_EDIT_ACTION:
            return self.filter(scheme__in=Scheme.objects.writable_by(user, permission))
        piloting = [
            Q(
                scheme__departement_id__in=Commune.objects.filter(territory([a])).values(
                    "departement_id"
                ),
                actors__part=Actor.Part.PILOT,
                actors__institution_id=a.institution_id,
            )
            for a in holding(user, permission)
        ]
        writable = Action.objects.filter(reduce(or_, piloting, coordinated)).values("pk")
        return self.filter(pk__in=writable)


class IndicatorQuerySet(InSchemeQuerySet):
    def writable_by(self, user, permission: Permission = Permission.STEERING_EDIT_ACTION):
        """Indicators whose values a person types: those of an action they may update
        (:meth:`ActionQuerySet.writable_by`), and the scheme's own indicators for its
        coordinators."""
        actions = Action.objects.writable_by(user, permission)
        coordinated = Scheme.objects.writable_by(user, Permission.STEERING_COORDINATE)
        return self.filter(Q(action__in=actions) | Q(action__isnull=True, scheme__in=coordinated))


class Field(models.TextChoices):
    """Fields a scheme may cover (circular of 22 January 2015)."""

    EARLY_CHILDHOOD = "early_childhood", _("Petite enfance")
    PARENTING = "parenting", _("Parentalité")
    CHILDHOOD = "childhood", _("Enfance")
    YOUTH = "youth", _("Jeunesse")
    SOCIAL_LIFE = "social_life", _("Animation de la vie sociale")


class Scheme(models.Model):
    """A signed scheme of one département for one period (SDSF, SDPEP...)."""

    audit_departement = "departement"  # see sdsf.audit.territory

    reference = models.SlugField(_("référence"), max_length=60, unique=True)
    departement = models.ForeignKey(
        Departement, on_delete=models.PROTECT, related_name="schemes", verbose_name=_("département")
    )
    name = models.CharField(_("intitulé"), max_length=300)
    short_name = models.CharField(_("sigle"), max_length=20, blank=True)
    start_year = models.PositiveSmallIntegerField(_("première année"))
    end_year = models.PositiveSmallIntegerField(_("dernière année"))
    signed_on = models.DateField(_("date de signature"), null=True, blank=True)
    fields = models.JSONField(_("champs couverts"), default=list)
    threads = models.JSONField(_("fils conducteurs transverses"), default=list)
    source = models.TextField(_("source"), blank=True)

    objects = SchemeQuerySet.as_manager()

    class Meta:
        ordering = ["departement", "-start_year"]
        verbose_name = _("schéma")

    def __str__(self):
        return f"{self.short_name or self.name} {self.start_year}-{self.end_year}"

    @property
    def years(self) -> range:
        return range(self.start_year, self.end_year + 1)

    def field_labels(self) -> list[str]:
        return [str(Field(f).label) for f in self.fields]


class Signatory(models.Model):
    scheme = models.ForeignKey(Scheme, on_delete=models.CASCADE, related_name="signatories")
    position = models.PositiveSmallIntegerField(default=0)
    label = models.CharField(_("signataire"), max_length=200)
    kind = models.CharField(_("type"), max_length=20, choices=Institution.Kind.choices, blank=True)
    represented_by = models.CharField(_("représenté par"), max_length=300, blank=True)
    signed_on = models.DateField(_("date de signature"), null=True, blank=True)

    class Meta:
        ordering = ["position"]

    def __str__(self):
        return self.label


class Marker(models.Model):
    """A scheme-defined tag put on actions (Drôme: C, N, P)."""

    scheme = models.ForeignKey(Scheme, on_delete=models.CASCADE, related_name="markers")
    code = models.CharField(_("code"), max_length=10)
    label = models.CharField(_("libellé"), max_length=200)

    class Meta:
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["scheme", "code"], name="unique_marker_code")
        ]

    def __str__(self):
        return f"{self.code} — {self.label}"


class KeyFigure(models.Model):
    """A figure the scheme's documents publish (diagnostic, previous scheme's results)."""

    scheme = models.ForeignKey(Scheme, on_delete=models.CASCADE, related_name="key_figures")
    position = models.PositiveSmallIntegerField(default=0)
    label = models.CharField(_("libellé"), max_length=300)
    value = models.DecimalField(_("valeur"), max_digits=14, decimal_places=2)
    unit = models.CharField(_("unité"), max_length=30, blank=True)
    year = models.PositiveSmallIntegerField(_("année"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=300, blank=True)

    class Meta:
        ordering = ["position"]

    def __str__(self):
        return f"{self.label} : {self.value} {self.unit}".strip()


class Axis(models.Model):
    scheme = models.ForeignKey(Scheme, on_delete=models.CASCADE, related_name="axes")
    position = models.PositiveSmallIntegerField(default=0)
    code = models.CharField(_("code"), max_length=20)
    title = models.CharField(_("intitulé"), max_length=400)
    field = models.CharField(_("champ"), max_length=30, choices=Field.choices, blank=True)

    class Meta:
        ordering = ["position"]
        constraints = [models.UniqueConstraint(fields=["scheme", "code"], name="unique_axis_code")]

    def __str__(self):
        return f"{self.code}. {self.title}"


class Objective(models.Model):
    axis = models.ForeignKey(Axis, on_delete=models.CASCADE, related_name="objectives")
    position = models.PositiveSmallIntegerField(default=0)
    code = models.CharField(_("code"), max_length=20)
    title = models.CharField(_("intitulé"), max_length=400)

    class Meta:
        ordering = ["position"]

    def __str__(self):
        return self.title


class Action(models.Model):
    audit_departement = "scheme__departement"  # see sdsf.audit.territory

    class Status(models.TextChoices):
        PLANNED = "planned", _("Prévue")
        IN_PROGRESS = "in_progress", _("En cours")
        DONE = "done", _("Réalisée")
        DELAYED = "delayed", _("Retardée")
        ENDED = "ended", _("Arrêtée")

    scheme = models.ForeignKey(Scheme, on_delete=models.CASCADE, related_name="actions")
    axis = models.ForeignKey(Axis, on_delete=models.CASCADE, related_name="actions")
    objective = models.ForeignKey(
        Objective, on_delete=models.CASCADE, related_name="actions", null=True, blank=True
    )
    position = models.PositiveSmallIntegerField(default=0)
    code = models.CharField(_("code"), max_length=20)
    title = models.CharField(_("intitulé"), max_length=400)
    description = models.TextField(_("description"), blank=True)
    status = models.CharField(
        _("statut"), max_length=12, choices=Status.choices, default=Status.PLANNED
    )
    progress = models.PositiveSmallIntegerField(_("avancement (%)"), null=True, blank=True)
    start_year = models.PositiveSmallIntegerField(_("début"), null=True, blank=True)
    end_year = models.PositiveSmallIntegerField(_("fin"), null=True, blank=True)
    markers = models.ManyToManyField(Marker, related_name="actions", blank=True)
    # Set by a pilot's update, cleared by the coordinator's validation.
    awaiting_validation = models.BooleanField(_("à valider"), default=False)

    objects = ActionQuerySet.as_manager()

    class Meta:
        ordering = ["axis__position", "position"]
        constraints = [
            models.UniqueConstraint(fields=["scheme", "code"], name="unique_action_code")
        ]

    def __str__(self):
        return f"{self.code}. {self.title}"

    def pilot_institution_ids(self) -> set[int]:
        return {a.institution_id for a in self.actors.all() if a.is_pilot and a.institution_id}


class Actor(models.Model):
    """A pilot or partner of an action, named as the plan names it.

    ``institution`` links the name to the platform's institution when one of that kind serves
    the scheme's département: that link is what lets the institution's people edit the action.
    """

    class Part(models.TextChoices):
        PILOT = "pilot", _("Pilote")
        PARTNER = "partner", _("Partenaire")

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="actors")
    part = models.CharField(max_length=12, choices=Part.choices)
    position = models.PositiveSmallIntegerField(default=0)
    label = models.CharField(_("nom"), max_length=200)
    kind = models.CharField(_("type"), max_length=20, choices=Institution.Kind.choices, blank=True)
    institution = models.ForeignKey(
        Institution, on_delete=models.SET_NULL, null=True, blank=True, related_name="steered"
    )

    class Meta:
        ordering = ["part", "position"]

    def __str__(self):
        return self.label

    @property
    def is_pilot(self) -> bool:
        return self.part == self.Part.PILOT


class ActionTerritory(models.Model):
    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="territories")
    level = models.CharField(max_length=12, choices=Level.choices)
    code = models.CharField(max_length=9)

    class Meta:
        ordering = ["level", "code"]

    def __str__(self):
        return f"{self.level} {self.code}"


class BudgetLine(models.Model):
    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="budget")
    financer = models.CharField(_("financeur"), max_length=200)
    year = models.PositiveSmallIntegerField(_("année"))
    amount = models.DecimalField(_("montant (€)"), max_digits=14, decimal_places=2)

    class Meta:
        ordering = ["year", "financer"]

    def __str__(self):
        return f"{self.financer} {self.year} : {self.amount} €"


class ActionFunding(models.Model):
    """A programme of the co-financing ledger that serves this action. Stored here because
    funding sits below steering (docs/decisions/0005-funding-below-steering.md): the budget
    lines then show what the action planned beside what its programmes' grants gave."""

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="fundings")
    programme = models.ForeignKey(
        Programme, on_delete=models.CASCADE, related_name="+", verbose_name=_("programme")
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["action", "programme"], name="unique_action_funding")
        ]

    def __str__(self):
        return f"{self.action} ← {self.programme}"


class Milestone(models.Model):
    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="milestones")
    position = models.PositiveSmallIntegerField(default=0)
    title = models.CharField(_("jalon"), max_length=400)
    due_on = models.DateField(_("échéance"), null=True, blank=True)
    done_on = models.DateField(_("réalisé le"), null=True, blank=True)

    class Meta:
        ordering = ["position"]

    def __str__(self):
        return self.title


class ActionUpdate(models.Model):
    """A pilot's update of status and progress, kept with its validation by the coordinator."""

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="updates")
    at = models.DateTimeField(auto_now_add=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True)
    status = models.CharField(max_length=12, choices=Action.Status.choices)
    progress = models.PositiveSmallIntegerField(null=True, blank=True)
    comment = models.TextField(_("commentaire"), blank=True)
    validated_at = models.DateTimeField(null=True, blank=True)
    validated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        ordering = ["-at"]

    def __str__(self):
        return f"{self.action} — {self.get_status_display()}"


class Indicator(models.Model):
    """An indicator of the plan (of one action, or of the scheme when ``action`` is empty).

    A bound indicator (``binding`` set) takes its yearly values from an observatory figure
    (:mod:`sdsf.steering.bindings`); the others hold typed :class:`IndicatorValue` rows.
    """

    scheme = models.ForeignKey(Scheme, on_delete=models.CASCADE, related_name="indicators")
    action = models.ForeignKey(
        Action, on_delete=models.CASCADE, related_name="indicators", null=True, blank=True
    )
    position = models.PositiveSmallIntegerField(default=0)
    code = models.CharField(_("code"), max_length=30)
    label = models.CharField(_("libellé"), max_length=300)
    unit = models.CharField(_("unité"), max_length=30, blank=True)
    baseline_value = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    baseline_year = models.PositiveSmallIntegerField(null=True, blank=True)
    target_value = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    target_year = models.PositiveSmallIntegerField(null=True, blank=True)
    binding = models.CharField(_("chiffre de l'observatoire"), max_length=60, blank=True)
    source = models.CharField(_("source"), max_length=300, blank=True)

    objects = IndicatorQuerySet.as_manager()

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["scheme", "code"], name="unique_indicator_code")
        ]

    def __str__(self):
        return self.label


class IndicatorValue(models.Model):
    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="values")
    year = models.PositiveSmallIntegerField(_("année"))
    value = models.DecimalField(_("valeur"), max_digits=14, decimal_places=2)
    source = models.CharField(_("source"), max_length=300, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    validated = models.BooleanField(_("validée"), default=True)

    class Meta:
        ordering = ["year"]
        constraints = [
            models.UniqueConstraint(fields=["indicator", "year"], name="unique_indicator_year")
        ]

    def __str__(self):
        return f"{self.indicator} {self.year} : {self.value}"


class PlanVersion(models.Model):
    """A published state of the plan (initial plan, then each yearly adjustment), frozen."""

    scheme = models.ForeignKey(Scheme, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveSmallIntegerField(_("numéro"))
    year = models.PositiveSmallIntegerField(_("année"))
    label = models.CharField(_("intitulé"), max_length=200)
    note = models.TextField(_("ajustements"), blank=True)
    published_at = models.DateTimeField(auto_now_add=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    snapshot = models.JSONField()

    objects = InSchemeQuerySet.as_manager()

    class Meta:
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(fields=["scheme", "number"], name="unique_plan_version")
        ]

    def __str__(self):
        return f"Version {self.number} ({self.year}) — {self.label}"


class Review(models.Model):
    """The yearly review: live while a draft, a frozen snapshot once validated."""

    scheme = models.ForeignKey(Scheme, on_delete=models.CASCADE, related_name="reviews")
    year = models.PositiveSmallIntegerField(_("année"))
    summary = models.TextField(_("synthèse"), blank=True)
    validated_at = models.DateTimeField(null=True, blank=True)
    validated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    snapshot = models.JSONField(null=True, blank=True)

    objects = InSchemeQuerySet.as_manager()

    class Meta:
        ordering = ["-year"]
        constraints = [models.UniqueConstraint(fields=["scheme", "year"], name="unique_review")]

    def __str__(self):
        return f"Bilan {self.year}"

    @property
    def frozen(self) -> bool:
        return self.validated_at is not None


class ReviewComment(models.Model):
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="comments")
    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="review_comments")
    text = models.TextField(_("commentaire"))

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["review", "action"], name="unique_review_comment")
        ]

    def __str__(self):
        return self.text[:60]


class Body(models.Model):
    """A governance body: commission départementale, steering committee, working group."""

    class Kind(models.TextChoices):
        COMMISSION = "commission", _("Commission départementale")
        STEERING_COMMITTEE = "steering_committee", _("Comité de pilotage")
        WORKING_GROUP = "working_group", _("Groupe de travail")
        OTHER = "other", _("Autre instance")

    scheme = models.ForeignKey(Scheme, on_delete=models.CASCADE, related_name="bodies")
    position = models.PositiveSmallIntegerField(default=0)
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices)
    name = models.CharField(_("nom"), max_length=300)
    chair = models.CharField(_("présidence"), max_length=200, blank=True)
    members = models.JSONField(_("membres"), default=list)

    class Meta:
        ordering = ["position"]

    def __str__(self):
        return self.name


class Meeting(models.Model):
    body = models.ForeignKey(Body, on_delete=models.CASCADE, related_name="meetings")
    held_on = models.DateField(_("date"))
    title = models.CharField(_("objet"), max_length=300)
    participants = models.PositiveIntegerField(_("participants"), null=True, blank=True)
    families = models.PositiveIntegerField(_("dont familles"), null=True, blank=True)
    minutes = models.TextField(_("compte rendu"), blank=True)

    class Meta:
        ordering = ["held_on"]

    def __str__(self):
        return f"{self.body} — {formats.date(self.held_on)}"


class Decision(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="decisions")
    position = models.PositiveSmallIntegerField(default=0)
    text = models.TextField(_("décision"))
    actions = models.ManyToManyField(Action, related_name="decisions", blank=True)

    class Meta:
        ordering = ["position"]

    def __str__(self):
        return self.text[:60]


class Survey(models.Model):
    audit_departement = "scheme__departement"  # see sdsf.audit.territory

    scheme = models.ForeignKey(Scheme, on_delete=models.CASCADE, related_name="surveys")
    title = models.CharField(_("titre"), max_length=300)
    introduction = models.TextField(_("présentation"), blank=True)
    opens_on = models.DateField(_("ouverture"), null=True, blank=True)
    closes_on = models.DateField(_("clôture"), null=True, blank=True)

    objects = InSchemeQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]

    def __str__(self):
        return self.title


class Question(models.Model):
    class Kind(models.TextChoices):
        SINGLE = "single", _("Choix unique")
        MULTIPLE = "multiple", _("Choix multiples")
        NUMBER = "number", _("Nombre")
        TEXT = "text", _("Texte libre")

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField(default=0)
    text = models.CharField(_("question"), max_length=500)
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices)
    choices = models.JSONField(_("réponses proposées"), default=list, blank=True)
    required = models.BooleanField(_("obligatoire"), default=True)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self):
        return self.text

    @property
    def has_choices(self) -> bool:
        return self.kind in (self.Kind.SINGLE, self.Kind.MULTIPLE)


def new_token() -> str:
    return secrets.token_urlsafe(32)


class RecipientList(models.Model):
    """People the survey was sent to (e.g. the assistants maternels of one territory).

    The ``token`` is the public answer link: unguessable, one per list, so answers are counted
    per list (and per territory) without identifying anyone.
    """

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="recipient_lists")
    name = models.CharField(_("liste"), max_length=200)
    territory_level = models.CharField(_("niveau"), max_length=12, choices=Level.choices)
    territory_code = models.CharField(_("code du territoire"), max_length=9)
    recipients = models.PositiveIntegerField(_("destinataires"))
    token = models.CharField(max_length=64, unique=True, default=new_token, editable=False)
    open = models.BooleanField(_("ouverte aux réponses"), default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Response(models.Model):
    recipient_list = models.ForeignKey(
        RecipientList, on_delete=models.CASCADE, related_name="responses"
    )
    submitted_at = models.DateTimeField(auto_now_add=True)
    answers = models.JSONField(default=dict)  # question id (str) → value (str, number or list)

    def __str__(self):
        return f"Réponse {self.pk} — {self.recipient_list}"
