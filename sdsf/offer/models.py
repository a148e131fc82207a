"""The registry of the childcare and parenting offer: structures, childminders, their history.

Capacity and agréments are *dated*: every change is a new row with the date it takes effect, so
the registry answers "how many places on date D" for any past date (see :mod:`sdsf.offer.counts`).
The current state is also kept on the parent row (structure status, childminder's current
agrément) because lists, filters and alerts read it far more often than the history.
"""

import re
from functools import reduce
from operator import or_

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from sdsf.accounts.models import STRUCTURE_SCOPE, Assignment, Institution, Role
from sdsf.accounts.scope import Permission, can, departements, holding, territory
from sdsf.core import clock
from sdsf.core.choices import FileKeys
from sdsf.core.transitions import Transitions
from sdsf.territories.models import Commune


class Status(models.TextChoices):
    OPEN = "open", _("ouvert")
    CLOSED = "closed", _("fermé")
    PLANNED = "planned", _("en projet")


def _structure_clause(a: Assignment) -> Q:
    """Structures one role covers: its own structure (a role scoped to one); for a territorial
    structure manager, the structures its institution manages in its territory; for any other
    role, every structure of its territory."""
    if a.scope_level == STRUCTURE_SCOPE:
        return Q(identifier=a.scope_code)
    in_territory = territory([a], "commune__")
    if Role(a.role) == Role.STRUCTURE_MANAGER:
        return in_territory & Q(manager_id=a.institution_id)
    return in_territory


def _any_of(queryset: models.QuerySet, clauses: list[Q]) -> models.QuerySet:
    return queryset.filter(reduce(or_, clauses)) if clauses else queryset.none()


class StructureQuerySet(models.QuerySet):
    """The gate's rule for the registry's structures (see :mod:`sdsf.accounts.scope`)."""

    def public(self):
        """Structures anyone sees on the families' pages: open EAJE, MAM, RPE and LAEP."""
        return self.filter(status=Status.OPEN, kind__in=PUBLIC_KINDS)

    def wishable(self):
        """Crèches a pré-demande may wish: EAJE open or about to open (planned), the ones the
        wishes step offers (a closed crèche, a relais or a centre social takes no child)."""
        return self.filter(kind=Structure.Kind.EAJE, status__in=(Status.OPEN, Status.PLANNED))

    def visible_to(self, user, permission: Permission):
        """Structures the person's roles granting ``permission`` cover, role by role (see
        :func:`_structure_clause`)."""
        return _any_of(self, [_structure_clause(a) for a in holding(user, permission)])

    def writable_by(self, user, permission: Permission):
        """Structures a person may change, or point a row at, with ``permission`` (a write
        right: import the registry, declare availability, allocate places). Same rule as
        :meth:`visible_to`, given a write permission."""
        return self.visible_to(user, permission)


class Structure(models.Model):
    """A place families or childminders use: EAJE, MAM, RPE, LAEP, centre social or EVS."""

    audit_departement = "commune__departement"  # its changes are audited (sdsf.audit.territory)

    class Kind(models.TextChoices):
        EAJE = "eaje", _("EAJE")
        MAM = "mam", _("MAM")
        RPE = "rpe", _("Relais petite enfance")
        LAEP = "laep", _("Lieu d'accueil enfants-parents")
        SOCIAL = "social", _("Centre social / EVS")

    class Category(models.TextChoices):
        # EAJE types
        COLLECTIVE = "creche_collective", _("crèche collective")
        MULTI = "multi_accueil", _("multi-accueil")
        HALTE = "halte_garderie", _("halte-garderie")
        FAMILIALE = "creche_familiale", _("crèche familiale")
        PARENTALE = "creche_parentale", _("crèche parentale")
        MICRO = "micro_creche", _("micro-crèche")
        JARDIN = "jardin_enfants", _("jardin d'enfants")
        # animation de la vie sociale
        CENTRE_SOCIAL = "centre_social", _("centre social")
        EVS = "evs", _("espace de vie sociale")

    class Funding(models.TextChoices):
        PSU = "psu", _("PSU")
        PAJE = "paje", _("PAJE")
        OTHER = "other", _("autre")

    identifier = models.CharField(_("identifiant"), max_length=40, unique=True)
    kind = models.CharField(_("type"), max_length=10, choices=Kind.choices, db_index=True)
    category = models.CharField(_("catégorie"), max_length=20, choices=Category.choices, blank=True)
    name = models.CharField(_("nom"), max_length=200)
    manager = models.ForeignKey(
        Institution,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="structures",
        verbose_name=_("gestionnaire (institution)"),
    )
    manager_name = models.CharField(_("gestionnaire"), max_length=200, blank=True)
    address = models.CharField(_("adresse"), max_length=300, blank=True)
    commune = models.ForeignKey(
        Commune, on_delete=models.PROTECT, related_name="structures", verbose_name=_("commune")
    )
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    location_approximate = models.BooleanField(
        _("position approchée (centre de la commune)"), default=False
    )
    funding = models.CharField(_("financement"), max_length=5, choices=Funding.choices, blank=True)
    opening_days = models.CharField(_("jours d'ouverture"), max_length=100, blank=True)
    opens_at = models.TimeField(_("heure d'ouverture"), null=True, blank=True)
    closes_at = models.TimeField(_("heure de fermeture"), null=True, blank=True)
    avip = models.BooleanField(_("label AVIP"), default=False)
    avip_share = models.PositiveSmallIntegerField(
        _("part de places AVIP (%)"), null=True, blank=True
    )
    benefit_reserve = models.BooleanField(
        _("réserve D214-7 (minima sociaux)"),
        default=False,
        help_text=_(
            "Au moins une place sur vingt gardée en commission pour les familles bénéficiaires "
            "d'un minimum social (article D214-7 du CASF)."
        ),
    )
    half_days = models.BooleanField(
        _("accueil à la demi-journée"),
        default=False,
        help_text=_("Les places se comptent par demi-journée (sinon par journée entière)."),
    )
    pmi_authorised_on = models.DateField(_("date d'autorisation PMI"), null=True, blank=True)
    status = models.CharField(
        _("statut"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    opened_on = models.DateField(_("date d'ouverture"), null=True, blank=True)
    closed_on = models.DateField(_("date de fermeture"), null=True, blank=True)
    covered_communes = models.ManyToManyField(
        Commune, blank=True, related_name="rpe_coverage", verbose_name=_("communes couvertes")
    )
    available_places = models.PositiveSmallIntegerField(
        _("places disponibles"), null=True, blank=True
    )
    available_from = models.DateField(_("disponibles à partir du"), null=True, blank=True)
    availability_updated_at = models.DateTimeField(
        _("disponibilités déclarées le"), null=True, blank=True
    )
    phone = models.CharField(_("téléphone"), max_length=30, blank=True)
    email = models.EmailField(
        _("e-mail de contact"), blank=True, help_text=_("Reçoit le rappel des disponibilités.")
    )
    website = models.URLField(_("site internet"), blank=True)
    is_demo = models.BooleanField(_("donnée de démonstration"), default=False)
    updated_at = models.DateTimeField(auto_now=True)

    objects = StructureQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("structure")
        indexes = [
            models.Index(fields=["commune", "kind"]),
            # The public search (sdsf.families.search): its bounding box and filters read from
            # the index alone, the table only for the rows listed.
            models.Index(
                fields=["latitude", "longitude", "status", "kind", "category"],
                name="structure_search",
            ),
        ]

    def __str__(self):
        return self.name


PUBLIC_KINDS = (Structure.Kind.EAJE, Structure.Kind.MAM, Structure.Kind.RPE, Structure.Kind.LAEP)


class Section(models.TextChoices):
    """Age sections of an EAJE. ``all`` is a capacity not split by age ("toutes sections")."""

    ALL = "all", _("toutes sections")
    BABIES = "babies", _("bébés (moins de 18 mois)")
    MIDDLE = "middle", _("moyens (18 mois à 2 ans)")
    OLDER = "older", _("grands (plus de 2 ans)")


# The section keys that files and exports write (a waiting list's ``section``, the columns of
# the unmet demand, docs/imports.md): the French names of the sections, kept for their users.
SECTION_FILE_KEYS = FileKeys(
    Section.values,
    {
        Section.ALL: "toutes",
        Section.BABIES: "bebes",
        Section.MIDDLE: "moyens",
        Section.OLDER: "grands",
    },
)


class Capacity(models.Model):
    """Places agréées of one age section from ``start`` until the next row of that section."""

    structure = models.ForeignKey(Structure, on_delete=models.CASCADE, related_name="capacities")
    section = models.CharField(_("section"), max_length=10, choices=Section.choices)
    places = models.PositiveIntegerField(_("places"))
    start = models.DateField(_("en vigueur depuis le"), db_index=True)

    class Meta:
        ordering = ["structure", "-start", "section"]
        verbose_name = _("capacité")
        constraints = [
            models.UniqueConstraint(
                fields=["structure", "section", "start"], name="unique_capacity_per_date"
            )
        ]

    def __str__(self):
        return f"{self.structure_id} {self.section} {self.places} depuis {self.start}"


class EnrolmentQuerySet(models.QuerySet):
    """The gate's rule for enrolments: those of the structures the person's roles cover."""

    def visible_to(self, user, permission: Permission):
        return self.filter(structure__in=Structure.objects.visible_to(user, permission))

    def writable_by(self, user, permission: Permission):
        """Enrolments a person may change: those of structures they may change."""
        return self.filter(structure__in=Structure.objects.writable_by(user, permission))

    def present_on(self, day):
        """Children enrolled on ``day``: started, and not ended before it."""
        return self.filter(start__lte=day).filter(
            Q(planned_end__isnull=True) | Q(planned_end__gte=day)
        )


class Enrolment(models.Model):
    """A child enrolled in an EAJE: section, days, start and planned end.

    No name: ``reference`` is the structure's own internal number for the child (from its
    management software, or the commission's reference when a family accepted a place). The
    commission counts a round's places from these rows (capacity less the children who stay).
    """

    structure = models.ForeignKey(Structure, on_delete=models.CASCADE, related_name="enrolments")
    reference = models.CharField(_("référence interne"), max_length=40)
    section = models.CharField(
        _("section"),
        max_length=10,
        choices=[c for c in Section.choices if c[0] != Section.ALL],
        blank=True,
        help_text=_("Vide pour une structure qui ne répartit pas les enfants par âge."),
    )
    days = models.PositiveSmallIntegerField(
        _("jours d'accueil"),
        default=1023,
        validators=[MinValueValidator(1), MaxValueValidator(1023)],
        help_text=_("Un bit par demi-journée, du lundi matin au vendredi après-midi."),
    )
    start = models.DateField(_("date d'entrée"))
    planned_end = models.DateField(
        _("date de départ prévue"),
        null=True,
        blank=True,
        help_text=_("Départ à l'école, déménagement… Vide : sans date de départ connue."),
    )
    is_demo = models.BooleanField(_("donnée de démonstration"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = EnrolmentQuerySet.as_manager()

    class Meta:
        ordering = ["structure", "start", "reference"]
        verbose_name = _("inscription")
        constraints = [
            models.UniqueConstraint(
                fields=["structure", "reference"], name="unique_enrolment_reference"
            )
        ]

    def __str__(self):
        return f"{self.structure_id} {self.reference}"


class AgrementStatus(models.TextChoices):
    GRANTED = "granted", _("accordé")
    RENEWED = "renewed", _("renouvelé")
    SUSPENDED = "suspended", _("suspendu")
    WITHDRAWN = "withdrawn", _("retiré")
    EXPIRED = "expired", _("expiré")


ACTIVE_STATUSES = (AgrementStatus.GRANTED, AgrementStatus.RENEWED)

_AGES = re.compile(r"(\d+)\s*(mois|ans?)?\s*(?:-|à|a)\s*(\d+)\s*(mois|ans?)", re.IGNORECASE)


def agrement_age_range(text: str) -> tuple[int, int] | None:
    """``0-6 ans`` → (0, 72) months; ``3 mois à 3 ans`` → (3, 36); None when not readable."""
    match = _AGES.search(text or "")
    if not match:
        return None
    low_unit = match[2] or match[4]
    low = int(match[1]) * (1 if low_unit.lower() == "mois" else 12)
    high = int(match[3]) * (1 if match[4].lower() == "mois" else 12)
    return low, high


AGE_BOUNDS = ("agrement_min_months", "agrement_max_months")


class AssistantQuerySet(models.QuerySet):
    """The gate's rule for childminders (personal data), and bulk writes that keep the ages
    read from the agrément's text (see ``read_agrement_ages``)."""

    def public(self, today=None):
        """Childminders anyone sees on the families' pages: only while their agrément is in
        force today and they declare free places."""
        today = today or clock.today()
        return self.filter(
            agrement_status__in=ACTIVE_STATUSES,
            agrement_start__lte=today,
            agrement_expiry__gte=today,
            available_places__gt=0,
        )

    def visible_to(self, user, permission: Permission):
        """Childminders the person's roles granting ``permission`` cover: a structure manager
        sees only the childminders of the MAM(s) it manages; another role scoped to one
        structure sees none; a territorial role, those working in its territory. They are
        written only by imports, which check the importer's communes
        (:class:`sdsf.offer.importers.common.Context`)."""
        clauses = []
        for a in holding(user, permission):
            if Role(a.role) == Role.STRUCTURE_MANAGER:
                mams = Structure.objects.filter(_structure_clause(a), kind=Structure.Kind.MAM)
                clauses.append(Q(mam__in=mams))
            elif a.scope_level != STRUCTURE_SCOPE:
                clauses.append(territory([a], "commune__"))
        return _any_of(self, clauses)

    def writable_by(self, user, permission: Permission):
        """Childminders whose agrément decisions a person records: those working in the
        territory of the person's territorial roles granting ``permission`` (the PMI of the
        département; never a role scoped to one structure)."""
        return _any_of(
            self,
            [
                territory([a], "commune__")
                for a in holding(user, permission)
                if a.scope_level != STRUCTURE_SCOPE
            ],
        )

    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        for item in objs:
            item.read_agrement_ages()
        return super().bulk_create(objs, *args, **kwargs)

    def bulk_update(self, objs, fields, *args, **kwargs):
        if "agrement_ages" in fields:
            objs = list(objs)
            for item in objs:
                item.read_agrement_ages()
            fields = [*fields, *AGE_BOUNDS]
        return super().bulk_update(objs, fields, *args, **kwargs)


class Civility(models.TextChoices):
    """Known when the registry's file gives it: the pages then say « assistante maternelle »."""

    FEMALE = "female", _("Madame")
    MALE = "male", _("Monsieur")


class AssistantMaternel(models.Model):
    """A childminder (a person: personal data, reads are audited) and their current agrément.

    The ``agrement_*`` fields copy the latest row of the history (:class:`Agrement`).
    """

    audit_departement = "commune__departement"  # see sdsf.audit.territory

    identifier = models.CharField(_("n° d'agrément"), max_length=40, unique=True)
    civility = models.CharField(_("civilité"), max_length=6, choices=Civility.choices, blank=True)
    last_name = models.CharField(_("nom"), max_length=150)
    first_name = models.CharField(_("prénom"), max_length=150, blank=True)
    commune = models.ForeignKey(
        Commune,
        on_delete=models.PROTECT,
        related_name="assistants_maternels",
        verbose_name=_("commune d'exercice"),
    )
    address = models.CharField(_("adresse"), max_length=300, blank=True)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    location_approximate = models.BooleanField(default=False)
    mam = models.ForeignKey(
        Structure,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assistants_maternels",
        verbose_name=_("MAM"),
        limit_choices_to={"kind": Structure.Kind.MAM},
    )
    agrement_status = models.CharField(
        _("statut de l'agrément"), max_length=10, choices=AgrementStatus.choices
    )
    agrement_places = models.PositiveSmallIntegerField(_("nombre d'enfants"))
    agrement_ages = models.CharField(_("âges"), max_length=100, blank=True)
    # The ages of ``agrement_ages`` in months, read when it is written (None: not readable, then
    # the public search's age filter keeps the childminder).
    agrement_min_months = models.PositiveSmallIntegerField(null=True, blank=True, editable=False)
    agrement_max_months = models.PositiveSmallIntegerField(null=True, blank=True, editable=False)
    agrement_start = models.DateField(_("début de l'agrément"))
    agrement_expiry = models.DateField(_("échéance de l'agrément"), db_index=True)
    agrement_since = models.DateField(_("état en vigueur depuis le"), db_index=True)
    available_places = models.PositiveSmallIntegerField(
        _("places disponibles"), null=True, blank=True
    )
    available_from = models.DateField(_("disponibles à partir du"), null=True, blank=True)
    availability_updated_at = models.DateTimeField(
        _("disponibilités déclarées le"), null=True, blank=True
    )
    email = models.EmailField(
        _("adresse e-mail"),
        blank=True,
        help_text=_("Reçoit le rappel des disponibilités ; jamais montrée aux familles."),
    )
    is_demo = models.BooleanField(_("donnée de démonstration"), default=False)
    updated_at = models.DateTimeField(auto_now=True)

    objects = AssistantQuerySet.as_manager()

    class Meta:
        ordering = ["last_name", "first_name"]
        verbose_name = _("assistant maternel")
        verbose_name_plural = _("assistants maternels")
        indexes = [
            # The public search (sdsf.families.search): its bounding box and filters read from
            # the index alone, the table only for the rows listed.
            models.Index(
                fields=[
                    "latitude",
                    "longitude",
                    "available_places",
                    "agrement_status",
                    "agrement_start",
                    "agrement_expiry",
                    "agrement_min_months",
                    "agrement_max_months",
                ],
                name="am_search",
            ),
        ]

    def __str__(self):
        return f"{self.first_name} {self.last_name}".strip()

    def save(self, *args, update_fields=None, **kwargs):
        self.read_agrement_ages()
        if update_fields is not None and "agrement_ages" in update_fields:
            update_fields = [*update_fields, *AGE_BOUNDS]
        super().save(*args, update_fields=update_fields, **kwargs)

    @property
    def title(self) -> str:
        """« Assistante maternelle » for a woman, « Assistant maternel » otherwise (staff pages;
        the family pages say it in their language)."""
        if self.civility == Civility.FEMALE:
            return "Assistante maternelle"
        return "Assistant maternel"

    def read_agrement_ages(self) -> None:
        """Set the age bounds from ``agrement_ages``: every write path calls this (``save``, the
        bulk writes of :class:`AssistantQuerySet`, the importers' plain INSERT/UPDATE)."""
        span = agrement_age_range(self.agrement_ages)
        self.agrement_min_months, self.agrement_max_months = span or (None, None)


class Decision(models.TextChoices):
    """The PMI's decision that opened a state of an agrément (recorded in the interface; an
    imported state has none)."""

    GRANT = "grant", _("agrément")
    RENEWAL = "renewal", _("renouvellement")
    EXTENSION = "extension", _("extension")
    CHANGE = "change", _("modification")
    SUSPENSION = "suspension", _("suspension")
    WITHDRAWAL = "withdrawal", _("retrait")


class Agrement(models.Model):
    """One state of a childminder's agrément, in force from ``effective_from``."""

    assistant = models.ForeignKey(
        AssistantMaternel, on_delete=models.CASCADE, related_name="agrements"
    )
    effective_from = models.DateField(_("en vigueur depuis le"), db_index=True)
    status = models.CharField(_("statut"), max_length=10, choices=AgrementStatus.choices)
    places = models.PositiveSmallIntegerField(_("nombre d'enfants"))
    ages = models.CharField(_("âges"), max_length=100, blank=True)
    start = models.DateField(_("début"))
    expiry = models.DateField(_("échéance"))
    # Defaults in the database too: the importers write history rows with plain INSERTs.
    decision = models.CharField(
        _("décision"),
        max_length=12,
        choices=Decision.choices,
        blank=True,
        default="",
        db_default="",
    )
    reason = models.CharField(_("motif"), max_length=300, blank=True, default="", db_default="")

    class Meta:
        ordering = ["assistant", "-effective_from"]
        verbose_name = _("agrément")
        constraints = [
            models.UniqueConstraint(
                fields=["assistant", "effective_from"], name="unique_agrement_per_date"
            )
        ]

    def __str__(self):
        return f"{self.assistant_id} {self.status} depuis {self.effective_from}"


class LaepSession(models.Model):
    """A weekly opening session of a LAEP."""

    structure = models.ForeignKey(Structure, on_delete=models.CASCADE, related_name="sessions")
    weekday = models.PositiveSmallIntegerField(_("jour"))  # 0 = lundi
    starts_at = models.TimeField(_("début"))
    ends_at = models.TimeField(_("fin"))

    class Meta:
        ordering = ["structure", "weekday", "starts_at"]
        verbose_name = _("séance")

    def __str__(self):
        return f"{self.day} {self.starts_at:%H:%M}-{self.ends_at:%H:%M}"

    @property
    def day(self) -> str:
        return WEEKDAYS[self.weekday]


WEEKDAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")


class ParentingActionQuerySet(models.QuerySet):
    def public(self):
        """Parenting actions are public information: all of them."""
        return self.all()

    def visible_to(self, user, permission: Permission):
        """Actions held in the communes the person's roles granting ``permission`` cover
        (written only by imports, which check the importer's communes)."""
        return self.filter(territory(holding(user, permission), "commune__"))


class ParentingAction(models.Model):
    """A parenting-support action (REAAP or other), with its funding by year."""

    identifier = models.CharField(_("identifiant"), max_length=40, unique=True)
    title = models.CharField(_("intitulé"), max_length=300)
    promoter = models.CharField(_("porteur"), max_length=200)
    theme = models.CharField(_("thème"), max_length=200, blank=True)
    public = models.CharField(_("public"), max_length=200, blank=True)
    scheme = models.CharField(_("dispositif"), max_length=50, blank=True)
    commune = models.ForeignKey(Commune, on_delete=models.PROTECT, related_name="parenting_actions")
    is_demo = models.BooleanField(_("donnée de démonstration"), default=False)

    objects = ParentingActionQuerySet.as_manager()

    class Meta:
        ordering = ["title"]
        verbose_name = _("action de soutien à la parentalité")

    def __str__(self):
        return self.title


class ParentingFunding(models.Model):
    action = models.ForeignKey(ParentingAction, on_delete=models.CASCADE, related_name="fundings")
    year = models.PositiveSmallIntegerField(_("année"))
    amount = models.DecimalField(_("montant (€)"), max_digits=12, decimal_places=2)

    class Meta:
        ordering = ["action", "year"]
        constraints = [
            models.UniqueConstraint(fields=["action", "year"], name="unique_funding_per_year")
        ]

    def __str__(self):
        return f"{self.action_id} {self.year} : {self.amount} €"


class ParentingEvent(models.Model):
    """A dated session of a parenting action (a workshop, a café des parents), shown to families."""

    action = models.ForeignKey(ParentingAction, on_delete=models.CASCADE, related_name="events")
    title = models.CharField(_("intitulé"), max_length=300)
    date = models.DateField(_("date"), db_index=True)
    starts_at = models.TimeField(_("heure de début"), null=True, blank=True)
    ends_at = models.TimeField(_("heure de fin"), null=True, blank=True)
    place = models.CharField(_("lieu"), max_length=300, blank=True)

    class Meta:
        ordering = ["date", "starts_at"]
        verbose_name = _("séance d'une action de parentalité")

    def __str__(self):
        return f"{self.action_id} {self.date} {self.title}"


class ImportJobQuerySet(models.QuerySet):
    def visible_to(self, user, permission: Permission = Permission.OFFER_IMPORT):
        """A person's own uploads, while they hold the right to import (a job names its
        uploader; its report may quote the file's rows). The observatory's files hold public
        figures: their jobs are seen by every importer of their département (its history)."""
        if not can(user, permission):
            return self.none()
        if permission != Permission.OBSERVATORY_IMPORT:
            return self.filter(user=user)
        return self.filter(
            Q(user=user) | Q(departement__in=departements(user, permission))
        ).exclude(departement=None)


class ImportJob(models.Model):
    """A file uploaded from the web, imported by a background task that reports its progress.

    The file is kept in the row until the task has read it, then emptied (it may hold personal
    data). The import itself stays all-or-nothing; progress covers the validation of the rows,
    then the single writing step.
    """

    class State(models.TextChoices):
        PENDING = "pending", _("en attente")
        VALIDATING = "validating", _("vérification des lignes")
        WRITING = "writing", _("enregistrement")
        DONE = "done", _("terminé")
        FAILED = "failed", _("refusé")

    # Rows checked (with progress), then written in one transaction; a dry run or a refused file
    # ends after the check, a lost worker or an unexpected error at any point (offer.tasks).
    TRANSITIONS = Transitions(
        "state",
        {
            State.PENDING: {State.VALIDATING, State.WRITING, State.DONE, State.FAILED},
            State.VALIDATING: {State.WRITING, State.DONE, State.FAILED},
            State.WRITING: {State.DONE, State.FAILED},
            State.DONE: set(),
            State.FAILED: set(),
        },
    )

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="offer_imports"
    )
    kind = models.CharField(_("type de fichier"), max_length=10)
    # The object the file is imported into, when it goes into one (the allocation round of a
    # waiting list): a plain id, since the apps that import into an object sit above offer.
    target = models.PositiveIntegerField(null=True, blank=True)
    # The département a file is imported for, when it goes into no object (the observatory's
    # figures): its rows outside it are left aside, and its agents see the job in the history.
    departement = models.ForeignKey(
        "territories.Departement",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # What the file does not say and the form asked (the year of an INSEE file...).
    options = models.JSONField(default=dict, blank=True)
    file_name = models.CharField(_("fichier"), max_length=200)
    content = models.BinaryField(default=b"")
    dry_run = models.BooleanField(_("vérification seule"), default=False)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    rows_total = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0)
    report = models.TextField(_("compte rendu"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = ImportJobQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("import de l'offre")

    def __str__(self):
        return f"{self.file_name} ({self.kind}, {self.state})"

    @property
    def percent(self) -> int:
        if self.state in (self.State.DONE, self.State.FAILED):
            return 100
        return round(100 * self.rows_done / self.rows_total) if self.rows_total else 0

    @property
    def finished(self) -> bool:
        return self.state in (self.State.DONE, self.State.FAILED)
