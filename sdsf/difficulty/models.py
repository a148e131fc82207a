"""Structures in difficulty: their activity and accounts, the thresholds of the signals, and the
follow-up file the CAF, the Département (PMI), the commune and the manager share.

Every row belongs to a structure of the offer registry; people read and write it through the
structure's gate (``Structure.objects.visible_to`` / ``writable_by``): a structure manager only
their own structures, the commune its commune's, the CAF and the PMI their département's.
The indicators and signals are computed by the pure core :mod:`sdsf.difficulty.health` from
:class:`ActivityYear` rows (see :mod:`sdsf.difficulty.service`).
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from sdsf.accounts.scope import Permission
from sdsf.core.transitions import Transitions
from sdsf.difficulty.health import CAF_FINISTERE, Thresholds
from sdsf.funding.models import Funder, Grant
from sdsf.offer.models import Structure
from sdsf.territories.models import Departement

MAX_HOURS = Decimal("99999999.99")
# The funders an aid may come from (the ledger's kinds of funder).
AID_FUNDERS = [
    (kind, label)
    for kind, label in Funder.Kind.choices
    if kind in ("caf", "departement", "commune", "msa", "state")
]
MAX_EUROS = Decimal("999999999.99")


def _hours(label: str, maximum: Decimal = MAX_HOURS) -> models.DecimalField:
    return models.DecimalField(
        label,
        max_digits=11,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(maximum)],
    )


def _euros(label: str) -> models.DecimalField:
    return models.DecimalField(
        label,
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(MAX_EUROS)],
    )


def _count(label: str, maximum: int) -> models.PositiveIntegerField:
    return models.PositiveIntegerField(
        label, null=True, blank=True, validators=[MaxValueValidator(maximum)]
    )


class ByStructureQuerySet(models.QuerySet):
    """Rows of a structure: the gate's rule is the structure's (see :mod:`sdsf.offer.models`)."""

    def visible_to(self, user, permission: Permission):
        return self.filter(structure__in=Structure.objects.visible_to(user, permission))

    def writable_by(self, user, permission: Permission):
        return self.filter(structure__in=Structure.objects.writable_by(user, permission))


class ActivityYear(models.Model):
    """A structure's activity and accounts for one calendar year; an empty figure is unknown."""

    structure = models.ForeignKey(
        Structure, on_delete=models.CASCADE, related_name="activity_years"
    )
    year = models.PositiveSmallIntegerField(
        _("année"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    places = _count(_("places"), 10_000)
    opening_days = _count(_("jours d'ouverture"), 366)
    opening_hours_per_day = _hours(_("heures d'ouverture par jour"), Decimal(24))
    hours_realised = _hours(_("heures réalisées"))
    hours_invoiced = _hours(_("heures facturées"))
    children_enrolled = _count(_("enfants inscrits"), 100_000)
    staff_costs_eur = _euros(_("charges de personnel (€)"))
    total_costs_eur = _euros(_("charges totales (€)"))
    total_income_eur = _euros(_("produits totaux (€)"))
    source = models.CharField(_("source"), max_length=200)
    is_demo = models.BooleanField(_("donnée de démonstration"), default=False)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ByStructureQuerySet.as_manager()

    audit_departement = "structure__commune__departement"

    class Meta:
        ordering = ["structure", "year"]
        verbose_name = _("activité annuelle")
        constraints = [
            models.UniqueConstraint(fields=["structure", "year"], name="unique_activity_year")
        ]

    def __str__(self):
        return f"{self.structure_id} {self.year}"


class ActivityMonth(models.Model):
    """A structure's month from its FILOUÉ file: counts and sums only, no child is kept."""

    structure = models.ForeignKey(
        Structure, on_delete=models.CASCADE, related_name="activity_months"
    )
    month = models.DateField(_("mois (premier jour)"))
    children = models.PositiveIntegerField(_("enfants accueillis"))
    children_allocataires = models.PositiveIntegerField(_("enfants de familles allocataires"))
    hours_invoiced = models.DecimalField(_("heures facturées"), max_digits=11, decimal_places=2)
    hours_realised = models.DecimalField(_("heures réalisées"), max_digits=11, decimal_places=2)
    amount_invoiced_eur = models.DecimalField(
        _("montant facturé (€)"), max_digits=12, decimal_places=2
    )
    source = models.CharField(_("source"), max_length=200)
    is_demo = models.BooleanField(_("donnée de démonstration"), default=False)

    objects = ByStructureQuerySet.as_manager()

    class Meta:
        ordering = ["structure", "month"]
        verbose_name = _("activité mensuelle")
        constraints = [
            models.UniqueConstraint(fields=["structure", "month"], name="unique_activity_month")
        ]

    def __str__(self):
        return f"{self.structure_id} {self.month:%Y-%m}"


def _pct(label: str, default: Decimal) -> models.DecimalField:
    return models.DecimalField(
        label,
        max_digits=5,
        decimal_places=1,
        default=default,
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(500))],
    )


class ThresholdSet(models.Model):
    """A département's thresholds of the signals; without a row, the CAF du Finistère's."""

    departement = models.OneToOneField(
        Departement, on_delete=models.CASCADE, related_name="difficulty_thresholds"
    )
    occupancy_low_pct = _pct(_("taux d'occupation bas, sous (%)"), Decimal(60))
    invoicing_low_pct = _pct(_("taux de facturation bas, sous (%)"), Decimal(107))
    invoicing_high_pct = _pct(_("taux de facturation haut, au-dessus de (%)"), Decimal(117))
    staff_costs_high_pct = _pct(_("part des charges de personnel, au-dessus de (%)"), Decimal(90))
    deficit_high_pct = _pct(_("part du déficit, au-dessus de (%)"), Decimal(10))
    children_per_place_low = models.DecimalField(
        _("enfants par place, sous"),
        max_digits=4,
        decimal_places=2,
        default=Decimal(1),
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(50))],
    )
    children_per_place_high = models.DecimalField(
        _("enfants par place, au-dessus de"),
        max_digits=4,
        decimal_places=2,
        default=Decimal(5),
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(50))],
    )
    opening_days_low = models.PositiveSmallIntegerField(
        _("jours d'ouverture, moins de"), default=220, validators=[MaxValueValidator(366)]
    )
    occupancy_fall_points = _pct(_("baisse du taux d'occupation sur deux ans (points)"), 10)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("seuils des signaux")

    def __str__(self):
        return f"Seuils {self.departement_id}"

    def thresholds(self) -> Thresholds:
        return Thresholds(
            occupancy_low_pct=self.occupancy_low_pct,
            invoicing_low_pct=self.invoicing_low_pct,
            invoicing_high_pct=self.invoicing_high_pct,
            staff_costs_high_pct=self.staff_costs_high_pct,
            deficit_high_pct=self.deficit_high_pct,
            children_per_place_low=self.children_per_place_low,
            children_per_place_high=self.children_per_place_high,
            opening_days_low=self.opening_days_low,
            occupancy_fall_points=Decimal(self.occupancy_fall_points),
        )


def thresholds_of(departement_code: str) -> Thresholds:
    """The département's thresholds, or the CAF du Finistère's when it set none."""
    found = ThresholdSet.objects.filter(departement_id=departement_code).first()
    return found.thresholds() if found else CAF_FINISTERE


class Cause(models.TextChoices):
    """Causes of difficulty a file records (the CAF du Finistère's destabilising factors and
    the partners' usual findings); free text completes them."""

    LOW_OCCUPANCY = "low_occupancy", _("sous-occupation des places")
    INVOICING = "invoicing", _("écart entre heures facturées et réalisées")
    STAFF_COSTS = "staff_costs", _("poids des charges de personnel")
    STAFF_SHORTAGE = "staff_shortage", _("difficultés de recrutement, postes vacants")
    DEFICIT = "deficit", _("déficit d'exploitation")
    DEMAND_FALL = "demand_fall", _("baisse de la demande des familles")
    GOVERNANCE = "governance", _("gouvernance, gestion associative")
    PREMISES = "premises", _("locaux (travaux, mise aux normes)")
    FUNDING_LOSS = "funding_loss", _("perte d'un financement")
    QUALITY = "quality", _("qualité d'accueil, observations de la PMI")


class FollowUp(models.Model):
    """The shared file of a structure in difficulty (an EAJE) or asking for stabilisation (a
    MAM): causes, action plan, co-signature, meetings and visits, aids, and its status."""

    class Status(models.TextChoices):
        DETECTED = "detected", _("repérée")
        DIAGNOSED = "diagnosed", _("diagnostic posé")
        SUPPORTED = "supported", _("accompagnée")
        STABILISED = "stabilised", _("stabilisée")
        CLOSED = "closed", _("dossier clos")

    TRANSITIONS = Transitions(
        "status",
        {
            Status.DETECTED: [Status.DIAGNOSED, Status.CLOSED],
            Status.DIAGNOSED: [Status.SUPPORTED, Status.CLOSED],
            Status.SUPPORTED: [Status.STABILISED, Status.CLOSED],
            Status.STABILISED: [Status.SUPPORTED, Status.CLOSED],
            Status.CLOSED: [],
        },
    )
    # The date field each status sets when the file reaches it.
    STATUS_DATES = {
        Status.DETECTED: "opened_on",
        Status.DIAGNOSED: "diagnosed_on",
        Status.SUPPORTED: "supported_on",
        Status.STABILISED: "stabilised_on",
        Status.CLOSED: "closed_on",
    }

    structure = models.ForeignKey(Structure, on_delete=models.PROTECT, related_name="follow_ups")
    status = models.CharField(
        _("statut"), max_length=12, choices=Status.choices, default=Status.DETECTED
    )
    opened_on = models.DateField(_("ouvert le"))
    diagnosed_on = models.DateField(_("diagnostic le"), null=True, blank=True)
    supported_on = models.DateField(_("accompagnement depuis le"), null=True, blank=True)
    stabilised_on = models.DateField(_("stabilisée le"), null=True, blank=True)
    closed_on = models.DateField(_("clos le"), null=True, blank=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    signals = models.CharField(_("signaux à l'ouverture"), max_length=300, blank=True)
    causes = models.JSONField(_("causes"), default=list, blank=True)
    causes_notes = models.TextField(_("causes (précisions)"), blank=True, max_length=4000)
    manager_signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    manager_signed_on = models.DateField(_("signé par le gestionnaire le"), null=True)
    caf_signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    caf_signed_on = models.DateField(_("signé par la CAF le"), null=True)
    # A MAM's own figures (its registry row has no capacity by section).
    mam_childminders = _count(_("assistants maternels de la MAM"), 4)
    mam_children = _count(_("enfants accueillis"), 100)
    mam_places = _count(_("places"), 16)
    places = models.PositiveIntegerField(_("places de la structure à l'ouverture"), default=0)
    is_demo = models.BooleanField(_("donnée de démonstration"), default=False)

    objects = ByStructureQuerySet.as_manager()

    audit_departement = "structure__commune__departement"

    class Meta:
        ordering = ["-opened_on", "pk"]
        verbose_name = _("dossier de suivi")

    def __str__(self):
        return f"Suivi {self.structure.name} ({self.opened_on:%Y})"

    @property
    def is_mam(self) -> bool:
        return self.structure.kind == Structure.Kind.MAM

    @property
    def cosigned(self) -> bool:
        return self.manager_signed_on is not None and self.caf_signed_on is not None

    def cause_labels(self) -> list[str]:
        labels = dict(Cause.choices)
        return [str(labels[key]) for key in self.causes if key in labels]

    def plan_budget(self) -> Decimal:
        return sum((a.budget_eur or Decimal(0) for a in self.actions.all()), Decimal(0))


class PlanAction(models.Model):
    """One line of the file's action plan: what, who, by when, for how much."""

    file = models.ForeignKey(FollowUp, on_delete=models.CASCADE, related_name="actions")
    title = models.CharField(_("action"), max_length=300)
    who = models.CharField(_("porteur"), max_length=200)
    due_on = models.DateField(_("échéance"), null=True, blank=True)
    budget_eur = models.DecimalField(
        _("budget (€)"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(MAX_EUROS)],
    )
    done = models.BooleanField(_("réalisée"), default=False)

    class Meta:
        ordering = ["due_on", "pk"]
        verbose_name = _("action du plan")

    def __str__(self):
        return self.title


class Meeting(models.Model):
    """A meeting of the partners or a visit of the structure (a PMI visit among them)."""

    class Kind(models.TextChoices):
        MEETING = "meeting", _("réunion des partenaires")
        VISIT = "visit", _("visite de la structure")
        PMI_VISIT = "pmi_visit", _("visite de la PMI")

    file = models.ForeignKey(FollowUp, on_delete=models.CASCADE, related_name="meetings")
    kind = models.CharField(_("type"), max_length=10, choices=Kind.choices)
    held_on = models.DateField(_("date"))
    notes = models.TextField(_("compte rendu"), max_length=4000, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        ordering = ["-held_on", "pk"]
        verbose_name = _("réunion ou visite")

    def __str__(self):
        return f"{self.get_kind_display()} {self.held_on}"


class Aid(models.Model):
    """An aid requested for the file's action plan, and the funder's decision.

    The CAF's aid to structures in difficulty is computed by
    :func:`sdsf.funding.rules.structures_in_difficulty_aid` when it is requested; ``explanation``
    keeps the rule's lines as they were then. A granted aid is a grant of the funding ledger
    (:mod:`sdsf.difficulty.aids`).
    """

    class Status(models.TextChoices):
        REQUESTED = "requested", _("demandée")
        GRANTED = "granted", _("accordée")
        REFUSED = "refused", _("refusée")
        PAID = "paid", _("versée")

    TRANSITIONS = Transitions(
        "status",
        {
            Status.REQUESTED: [Status.GRANTED, Status.REFUSED],
            Status.GRANTED: [Status.PAID],
            Status.REFUSED: [],
            Status.PAID: [],
        },
    )

    file = models.ForeignKey(FollowUp, on_delete=models.CASCADE, related_name="aids")
    funder = models.CharField(_("financeur"), max_length=12, choices=AID_FUNDERS)
    status = models.CharField(
        _("statut"), max_length=10, choices=Status.choices, default=Status.REQUESTED
    )
    requested_eur = models.DecimalField(
        _("montant demandé (€)"),
        max_digits=12,
        decimal_places=2,
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(MAX_EUROS)],
    )
    computed_eur = models.DecimalField(
        _("montant selon la règle (€)"), max_digits=12, decimal_places=2
    )
    granted_eur = models.DecimalField(
        _("montant accordé (€)"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    requested_on = models.DateField(_("demandée le"))
    decided_on = models.DateField(_("décidée le"), null=True, blank=True)
    paid_on = models.DateField(_("versée le"), null=True, blank=True)
    explanation = models.JSONField(_("calcul"), default=list)
    # The ledger's row, once the aid is granted (its payment is recorded there too).
    grant = models.OneToOneField(
        Grant, on_delete=models.PROTECT, null=True, blank=True, related_name="difficulty_aid"
    )
    is_demo = models.BooleanField(_("donnée de démonstration"), default=False)

    class Meta:
        ordering = ["requested_on", "pk"]
        verbose_name = _("aide")

    def __str__(self):
        return f"{self.get_funder_display()} {self.requested_eur}"
