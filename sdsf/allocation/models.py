"""The commission's records: published points grids, rounds and their applications.

Applications are personal data: they are read only through the rounds a person's roles reach
(``AllocationRound.objects.visible_to``, then ``read_personal``).
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from sdsf.accounts.scope import Permission, holding, territory
from sdsf.core.transitions import Transitions
from sdsf.offer import days
from sdsf.offer.days import ALL_DAYS
from sdsf.offer.models import Section

# The most places a structure may declare free in one section (the largest EAJE have ~150).
MAX_DECLARED_PLACES = 500


class PointsGrid(models.Model):
    """The criteria and weights a territory publishes before allocating its places (L312-1-3)."""

    commune = models.ForeignKey(
        "territories.Commune", on_delete=models.PROTECT, related_name="points_grids"
    )
    name = models.CharField(_("nom"), max_length=200)
    source = models.TextField(_("source"), help_text=_("D'où vient la grille (document, date)."))

    class Meta:
        ordering = ["commune", "name"]
        verbose_name = _("grille de points")
        constraints = [
            models.UniqueConstraint(fields=["commune", "name"], name="unique_grid_per_commune")
        ]

    def __str__(self):
        return self.name


class Criterion(models.Model):
    """One line of a grid: the points a situation earns, and why the territory asks for it.

    Most lines are fixed points (negative ones too: a refused proposal costs points in some
    cities); some are a range within which a professional chooses (a medico-social follow-up,
    10 to 100 points in Pessac); some count per commission the application went through. The
    family declares its own situation; the commission sets the lines it alone may judge.
    """

    class Kind(models.TextChoices):
        FIXED = "fixed", _("points fixes")
        RANGE = "range", _("points choisis dans une fourchette par un professionnel")
        PER_COMMISSION = "per_commission", _("points par passage en commission")

    class DeclaredBy(models.TextChoices):
        FAMILY = "family", _("la famille")
        COMMISSION = "commission", _("la commission")

    grid = models.ForeignKey(PointsGrid, on_delete=models.CASCADE, related_name="criteria")
    position = models.PositiveSmallIntegerField(_("ordre"))
    key = models.SlugField(_("clé"), max_length=50)
    group = models.CharField(_("rubrique"), max_length=100, blank=True)
    label = models.CharField(_("libellé"), max_length=200)
    kind = models.CharField(_("type"), max_length=15, choices=Kind.choices, default=Kind.FIXED)
    declared_by = models.CharField(
        _("déclaré par"), max_length=10, choices=DeclaredBy.choices, default=DeclaredBy.FAMILY
    )
    weight = models.DecimalField(
        _("points"),
        max_digits=7,
        decimal_places=2,
        help_text=_("Points fixes, ou par passage en commission ; négatifs pour un malus."),
    )
    min_weight = models.DecimalField(
        _("points au moins"), max_digits=7, decimal_places=2, null=True, blank=True
    )
    max_weight = models.DecimalField(
        _("points au plus"), max_digits=7, decimal_places=2, null=True, blank=True
    )
    proof = models.CharField(_("justificatif"), max_length=300, blank=True)
    reason = models.TextField(_("raison"))
    # {"en": {"label": …, "reason": …, "proof": …}, "ar": {…}}: the family pages' languages.
    translations = models.JSONField(_("traductions"), default=dict, blank=True)

    class Meta:
        ordering = ["grid", "position"]
        verbose_name = _("critère")
        constraints = [models.UniqueConstraint(fields=["grid", "key"], name="unique_criterion_key")]

    def __str__(self):
        return self.label

    def _translated(self, name: str) -> str:
        own = getattr(self, name)
        return (self.translations.get(get_language() or "", {}) or {}).get(name) or own

    @property
    def display_label(self) -> str:
        """The label in the active language (the grid's French one when none is given)."""
        return self._translated("label")

    @property
    def display_reason(self) -> str:
        return self._translated("reason")

    @property
    def display_proof(self) -> str:
        return self._translated("proof") if self.proof else ""


# Bounds of a round's numbers: SQLite stores any integer, and a delay past a few thousand years
# no longer makes a date. Three months is longer than any commission gives a family; the seed
# fits a 32-bit integer on every database.
MAX_ANSWER_DAYS = 90
MAX_SEED = 2**31 - 1


class AllocationRoundQuerySet(models.QuerySet):
    """The gate's rule for commissions (see :mod:`sdsf.accounts.scope`)."""

    def visible_to(self, user, permission: Permission):
        """Rounds of the communes the person's roles granting ``permission`` cover."""
        return self.filter(territory(holding(user, permission), "commune__"))

    def writable_by(self, user, permission: Permission):
        """Rounds a person may change with ``permission`` (prepare, import, run, override,
        validate, record answers): same rule as :meth:`visible_to`, given a write permission.
        The structures a round's applications point to are checked where they are written
        (:mod:`sdsf.allocation.waiting_list`, :func:`sdsf.allocation.rounds.override`)."""
        return self.visible_to(user, permission)


class AllocationRound(models.Model):
    """One commission of a territory for one period, allocating with one published grid."""

    audit_departement = "commune__departement"  # see sdsf.audit.territory

    class Status(models.TextChoices):
        DRAFT = "draft", _("en préparation")
        PUBLISHED = "published", _("grille publiée")
        RUNNING = "running", _("calcul en cours")
        RUN = "run", _("proposition calculée")
        VALIDATED = "validated", _("validée")

    # Published, then run in the background (back to the state it had when a run fails) or
    # directly (demo, shell), re-run as long as no proposal was changed by hand, validated once
    # (sdsf.allocation.rounds).
    TRANSITIONS = Transitions(
        "status",
        {
            Status.DRAFT: {Status.PUBLISHED},
            Status.PUBLISHED: {Status.RUNNING, Status.RUN},
            Status.RUNNING: {Status.RUN, Status.PUBLISHED},
            Status.RUN: {Status.RUNNING, Status.VALIDATED},
            Status.VALIDATED: set(),
        },
    )

    commune = models.ForeignKey(
        "territories.Commune", on_delete=models.PROTECT, related_name="allocation_rounds"
    )
    name = models.CharField(_("nom"), max_length=200)
    meets_on = models.DateField(_("date de la commission"), null=True, blank=True)
    starts_on = models.DateField(_("date d'entrée des enfants"))
    ends_on = models.DateField(_("fin de la période"))
    grid = models.ForeignKey(PointsGrid, on_delete=models.PROTECT, related_name="rounds")
    status = models.CharField(
        _("état"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    seed = models.PositiveIntegerField(
        _("graine du tirage au sort"),
        default=0,
        help_text=_("Départage des égalités."),
        validators=[MaxValueValidator(MAX_SEED)],
    )
    answer_days = models.PositiveSmallIntegerField(
        _("délai de réponse des familles (jours)"),
        default=8,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_ANSWER_DAYS)],
        help_text=_("De 1 à 90 jours."),
    )
    progress = models.PositiveSmallIntegerField(_("avancement du calcul (%)"), default=0)
    progress_note = models.CharField(_("étape du calcul"), max_length=200, blank=True)
    run_error = models.TextField(_("erreur du calcul"), blank=True)
    validated_on = models.DateField(_("validée le"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = AllocationRoundQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_on", "name"]
        verbose_name = _("commission d'attribution")

    def __str__(self):
        return self.name


class Answer(models.TextChoices):
    """The family's answer to a validated proposal; refused and expired places go back."""

    PENDING = "pending", _("en attente de réponse")
    ACCEPTED = "accepted", _("acceptée")
    REFUSED = "refused", _("refusée")
    EXPIRED = "expired", _("sans réponse dans le délai")


class Application(models.Model):
    """A family's application in a round: situation (criterion keys), wishes, computed points."""

    audit_departement = "round__commune__departement"  # see sdsf.audit.territory

    round = models.ForeignKey(
        AllocationRound, on_delete=models.CASCADE, related_name="applications"
    )
    reference = models.CharField(_("référence"), max_length=40)
    section = models.CharField(_("section"), max_length=10, choices=Section.choices)
    submitted_on = models.DateField(_("date de la demande"))
    insertion = models.BooleanField(_("parcours d'insertion"), default=False)
    benefit = models.BooleanField(
        _("bénéficiaire d'un minimum social"),
        default=False,
        help_text=_("Compte pour la réserve de l'article D214-7 du CASF."),
    )
    days = models.PositiveSmallIntegerField(
        _("jours d'accueil"),
        default=ALL_DAYS,
        validators=[MinValueValidator(1), MaxValueValidator(ALL_DAYS)],
        help_text=_("Un bit par demi-journée, du lundi matin au vendredi après-midi."),
    )
    group = models.CharField(
        _("fratrie"),
        max_length=40,
        blank=True,
        help_text=_(
            "Enfants d'une même demande groupée (jumeaux…) : placés dans la même structure ou "
            "pas du tout."
        ),
    )
    current_structure = models.ForeignKey(
        "offer.Structure",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("structure actuelle"),
        help_text=_("Demande de changement : l'enfant garde sa place sauf s'il obtient mieux."),
    )
    criteria = models.JSONField(_("critères remplis"), default=list)
    chosen_points = models.JSONField(
        _("points choisis par un professionnel"),
        default=dict,
        blank=True,
        help_text=_("Par clé de critère à fourchette, les points retenus."),
    )
    commissions_passed = models.PositiveSmallIntegerField(
        _("passages en commission"),
        default=0,
        help_text=_("Commissions validées où la demande est déjà passée, à cette date d'entrée."),
    )
    wishes = models.JSONField(_("vœux"), default=list)
    points = models.DecimalField(_("points"), max_digits=9, decimal_places=2)
    proposed_structure = models.ForeignKey(
        "offer.Structure", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    wish_rank = models.PositiveSmallIntegerField(_("rang du vœu obtenu"), null=True, blank=True)
    explanation = models.JSONField(_("explication"), default=dict, blank=True)
    decided_structure = models.ForeignKey(
        "offer.Structure",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Place décidée par la commission quand elle modifie la proposition."),
    )
    override_reason = models.TextField(_("motif de la modification"), blank=True)
    pre_application = models.ForeignKey(
        "families.PreApplication",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="round_applications",
        help_text=_(
            "La pré-demande en ligne d'où vient la demande (vide pour une liste importée)."
        ),
    )
    answer = models.CharField(
        _("réponse de la famille"), max_length=10, choices=Answer.choices, blank=True
    )
    # No answer before the round's validation, then pending until the family (or an agent for
    # it) answers, or the deadline passes (sdsf.allocation.answers).
    ANSWERS = Transitions(
        "answer",
        {
            "": {Answer.PENDING},
            Answer.PENDING: {Answer.ACCEPTED, Answer.REFUSED, Answer.EXPIRED},
            Answer.ACCEPTED: set(),
            Answer.REFUSED: set(),
            Answer.EXPIRED: set(),
        },
    )
    answer_deadline = models.DateField(_("répondre avant le"), null=True, blank=True)
    answer_reason = models.TextField(_("motif du refus"), blank=True)
    answered_at = models.DateTimeField(_("réponse le"), null=True, blank=True)
    reminder_sent_at = models.DateTimeField(_("rappel envoyé le"), null=True, blank=True)
    enrolment = models.OneToOneField(
        "offer.Enrolment",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("L'inscription créée quand la famille a accepté la place."),
    )
    decision_sent_at = models.DateTimeField(
        _("décision envoyée le"),
        null=True,
        blank=True,
        help_text=_("Envoi de la lettre de décision par e-mail (ou constat qu'elle est à poster)."),
    )
    vacated_on = models.DateField(
        _("place libérée le"),
        null=True,
        blank=True,
        help_text=_("L'enfant a quitté la place : elle revient à la commission suivante."),
    )

    class Meta:
        ordering = ["round", "-points", "submitted_on", "reference"]
        verbose_name = _("demande")
        constraints = [
            models.UniqueConstraint(
                fields=["round", "reference"], name="unique_application_per_round"
            )
        ]

    def __str__(self):
        return self.reference

    @property
    def days_label(self) -> str:
        return days.label(self.days)

    @property
    def overridden(self) -> bool:
        return bool(self.override_reason)

    @property
    def final_structure_id(self):
        return self.decided_structure_id if self.overridden else self.proposed_structure_id


class Vacancy(models.Model):
    """Free places a structure declares for a round: they replace the places counted from its
    capacity and enrolments (:mod:`sdsf.allocation.places`).

    One row per section, or one ``all`` row for places any section may take (a pool; with
    section rows beside it, those are caps inside the pool). ``days``: the places are free on
    those days only (a child leaving on Wednesdays frees Wednesdays). ``leaving``: the
    departures the declaration already counts (children leaving for school), shown to the
    commission.
    """

    round = models.ForeignKey(AllocationRound, on_delete=models.CASCADE, related_name="vacancies")
    structure = models.ForeignKey(
        "offer.Structure", on_delete=models.CASCADE, related_name="+", verbose_name=_("structure")
    )
    section = models.CharField(_("section"), max_length=10, choices=Section.choices)
    places = models.PositiveSmallIntegerField(
        _("places libres"), validators=[MaxValueValidator(MAX_DECLARED_PLACES)]
    )
    days = models.PositiveSmallIntegerField(
        _("jours"),
        default=ALL_DAYS,
        validators=[MinValueValidator(1), MaxValueValidator(ALL_DAYS)],
    )
    leaving = models.PositiveSmallIntegerField(
        _("départs connus"), default=0, validators=[MaxValueValidator(MAX_DECLARED_PLACES)]
    )
    declared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    declared_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["round", "structure", "section"]
        verbose_name = _("places déclarées")
        constraints = [
            models.UniqueConstraint(
                fields=["round", "structure", "section"], name="unique_vacancy_per_section"
            )
        ]

    def __str__(self):
        return f"{self.structure_id} {self.section} {self.places}"
