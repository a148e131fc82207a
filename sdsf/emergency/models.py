"""Emergency childcare: in a crisis, places for the children of people the crisis needs at work.

The préfecture or the Département opens an *emergency period* for a territory (a département,
or some of its communes) with its priority categories (in 2020: health staff, then the other
staff needed for the crisis). Structures and childminders declare their emergency places day by
day; priority families ask for days, online or at the desk; each day the allocation engine
matches children to places (:mod:`sdsf.emergency.matching`), and proposals go out by e-mail with
a text ready to be sent by SMS. Requests are personal data: only the préfecture, the Département
and the CAF see them (``emergency.requests``), reads are audited, and they are purged
``SDSF_EMERGENCY_RETENTION_DAYS`` after the period's end (:mod:`sdsf.emergency.retention`); the
daily figures (:class:`DailyFigure`) hold no personal data and stay.
"""

from datetime import date, timedelta

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from sdsf.accounts.models import User
from sdsf.accounts.scope import Permission, departements, holding, territory
from sdsf.core.transitions import Transitions
from sdsf.offer.models import AssistantMaternel, Structure
from sdsf.territories.models import Commune, Departement

MAX_PLACES_PER_DAY = 200
MAX_CHILDREN_PER_REQUEST = 6
MAX_DAYS = 92  # a period longer than a quarter is a new decision


class PeriodQuerySet(models.QuerySet):
    def visible_to(self, user, permission: Permission):
        """Periods of the départements where the person holds ``permission``."""
        return self.filter(departement__in=departements(user, permission))

    def writable_by(self, user, permission: Permission):
        return self.visible_to(user, permission)

    def open_on(self, day):
        return self.filter(status=EmergencyPeriod.Status.OPEN, starts_on__lte=day, ends_on__gte=day)


class EmergencyPeriod(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("ouverte")
        CLOSED = "closed", _("close")

    TRANSITIONS = Transitions("status", {Status.OPEN: [Status.CLOSED], Status.CLOSED: []})
    audit_departement = "departement"

    departement = models.ForeignKey(
        Departement, on_delete=models.PROTECT, related_name="emergency_periods"
    )
    communes = models.ManyToManyField(
        Commune,
        blank=True,
        related_name="emergency_periods",
        verbose_name=_("communes concernées"),
        help_text=_("Aucune : tout le département."),
    )
    title = models.CharField(_("intitulé"), max_length=200)
    reason = models.TextField(_("motif de l'ouverture"), max_length=2000)
    starts_on = models.DateField(_("premier jour"))
    ends_on = models.DateField(_("dernier jour"))
    max_distance_km = models.PositiveSmallIntegerField(
        _("distance maximale entre le domicile ou le travail et la place (km)"),
        default=15,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    opened_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    opened_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    is_demo = models.BooleanField(default=False)

    objects = PeriodQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_on", "pk"]
        verbose_name = _("période d'accueil d'urgence")

    def __str__(self):
        return self.title

    def days(self) -> list[date]:
        count = (self.ends_on - self.starts_on).days + 1
        return [self.starts_on + timedelta(days=n) for n in range(max(count, 0))]

    def covered_communes(self):
        """The communes where families and places may be: the chosen ones, or the département's."""
        chosen = self.communes.all()
        return chosen if chosen.exists() else Commune.objects.filter(departement=self.departement)


class PriorityCategory(models.Model):
    """A priority category of a period, ranked (1 first): the order of the matching."""

    period = models.ForeignKey(EmergencyPeriod, on_delete=models.CASCADE, related_name="categories")
    rank = models.PositiveSmallIntegerField(
        _("rang"), validators=[MinValueValidator(1), MaxValueValidator(20)]
    )
    label = models.CharField(_("catégorie"), max_length=200)

    class Meta:
        ordering = ["period", "rank", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["period", "rank"], name="emergency_category_rank")
        ]

    def __str__(self):
        return self.label


class OfferQuerySet(models.QuerySet):
    def visible_to(self, user, permission: Permission):
        return self.filter(period__in=EmergencyPeriod.objects.visible_to(user, permission))

    def annotate_taken(self):
        """``taken``: the children proposed this place (on its one day)."""
        return self.annotate(taken=models.Count("matches"))


class EmergencyOffer(models.Model):
    """Emergency places a structure or a childminder declares for one day of a period."""

    audit_departement = "period__departement"

    period = models.ForeignKey(EmergencyPeriod, on_delete=models.CASCADE, related_name="offers")
    structure = models.ForeignKey(
        Structure, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    assistant = models.ForeignKey(
        AssistantMaternel, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    day = models.DateField(_("jour"))
    places = models.PositiveSmallIntegerField(
        _("places d'urgence"), validators=[MaxValueValidator(MAX_PLACES_PER_DAY)]
    )
    declared_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    declared_at = models.DateTimeField(auto_now=True)

    objects = OfferQuerySet.as_manager()

    class Meta:
        ordering = ["day", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(structure__isnull=True) ^ models.Q(assistant__isnull=True),
                name="emergency_offer_one_holder",
            ),
            models.UniqueConstraint(
                fields=["period", "structure", "day"], name="emergency_offer_structure_day"
            ),
            models.UniqueConstraint(
                fields=["period", "assistant", "day"], name="emergency_offer_assistant_day"
            ),
        ]

    def __str__(self):
        return f"{self.holder_name}, {self.day:%d/%m/%Y}"

    @property
    def holder(self):
        return self.structure or self.assistant

    @property
    def holder_name(self) -> str:
        if self.structure is not None:
            return self.structure.name
        assistant = self.assistant
        return f"{assistant.first_name} {assistant.last_name}".strip()

    @property
    def commune(self) -> Commune:
        return self.holder.commune


class RequestQuerySet(models.QuerySet):
    def visible_to(self, user, permission: Permission = Permission.EMERGENCY_REQUESTS):
        """Requests of families living or working in the communes the person's roles cover."""
        roles = holding(user, permission)
        return self.filter(territory(roles, "home_commune__") | territory(roles, "work_commune__"))

    def writable_by(self, user, permission: Permission = Permission.EMERGENCY_REQUESTS):
        return self.visible_to(user, permission)


class EmergencyRequest(models.Model):
    """A priority family's request: who works where, in which category, which children, which
    days. Personal data: every read is audited."""

    class Channel(models.TextChoices):
        ONLINE = "online", _("en ligne")
        DESK = "desk", _("au guichet")

    class Status(models.TextChoices):
        ACTIVE = "active", _("en cours")
        REFUSED = "refused", _("refusée (hors catégories prioritaires)")
        WITHDRAWN = "withdrawn", _("retirée")

    TRANSITIONS = Transitions(
        "status",
        {
            Status.ACTIVE: [Status.REFUSED, Status.WITHDRAWN],
            Status.REFUSED: [Status.ACTIVE],
            Status.WITHDRAWN: [],
        },
    )
    audit_departement = "period__departement"

    period = models.ForeignKey(EmergencyPeriod, on_delete=models.CASCADE, related_name="requests")
    reference = models.CharField(max_length=20, unique=True)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    status_reason = models.CharField(_("motif"), max_length=300, blank=True)
    category = models.ForeignKey(PriorityCategory, on_delete=models.CASCADE, related_name="+")
    parent_name = models.CharField(_("nom et prénom du parent"), max_length=200)
    email = models.EmailField(_("adresse e-mail"), blank=True)
    phone = models.CharField(_("téléphone portable"), max_length=30, blank=True)
    employer = models.CharField(_("employeur"), max_length=200)
    home_commune = models.ForeignKey(
        Commune, on_delete=models.PROTECT, related_name="+", verbose_name=_("commune du domicile")
    )
    work_commune = models.ForeignKey(
        Commune,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("commune du lieu de travail"),
    )
    language = models.CharField(max_length=8, default="fr")
    submitted_at = models.DateTimeField()
    filed_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = RequestQuerySet.as_manager()

    class Meta:
        ordering = ["submitted_at", "pk"]

    def __str__(self):
        return self.reference


class EmergencyChild(models.Model):
    audit_departement = "request__period__departement"

    request = models.ForeignKey(EmergencyRequest, on_delete=models.CASCADE, related_name="children")
    first_name = models.CharField(_("prénom de l'enfant"), max_length=100)
    birth_date = models.DateField(_("date de naissance"))

    class Meta:
        ordering = ["request", "pk"]

    def __str__(self):
        return self.first_name


class RequestedDay(models.Model):
    request = models.ForeignKey(EmergencyRequest, on_delete=models.CASCADE, related_name="days")
    day = models.DateField()

    class Meta:
        ordering = ["day"]
        constraints = [
            models.UniqueConstraint(fields=["request", "day"], name="emergency_requested_day")
        ]

    def __str__(self):
        return f"{self.day:%d/%m/%Y}"


class EmergencyMatch(models.Model):
    """The place proposed to a child for one day (one row per child and day matched)."""

    audit_departement = "child__request__period__departement"

    child = models.ForeignKey(EmergencyChild, on_delete=models.CASCADE, related_name="matches")
    offer = models.ForeignKey(EmergencyOffer, on_delete=models.CASCADE, related_name="matches")
    day = models.DateField()
    distance_km = models.DecimalField(max_digits=5, decimal_places=1)
    notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["day", "child"]
        constraints = [
            models.UniqueConstraint(fields=["child", "day"], name="emergency_match_child_day")
        ]

    def __str__(self):
        return f"{self.child}, {self.day:%d/%m/%Y}"


class DailyFigure(models.Model):
    """The figures of one day's matching, with no personal data: they outlive the purge."""

    period = models.ForeignKey(EmergencyPeriod, on_delete=models.CASCADE, related_name="figures")
    day = models.DateField()
    children_requested = models.PositiveIntegerField()
    places = models.PositiveIntegerField()
    matched = models.PositiveIntegerField()
    computed_at = models.DateTimeField()

    class Meta:
        ordering = ["day"]
        constraints = [
            models.UniqueConstraint(fields=["period", "day"], name="emergency_figure_day")
        ]

    def __str__(self):
        return f"{self.period}, {self.day:%d/%m/%Y}"
