"""The communes' early-childhood public service and the departmental committee (CDSF).

- :class:`CompetenceTransfer`: a commune that gave the competence to its EPCI, from a date.
- :class:`LocalSchema`: the schéma pluriannuel of a commune or EPCI (article D214-10-1 CASF),
  its sections (1° to 3° prefilled from the data, editable), its eight orientations (4° a to h)
  naming the departmental scheme's actions they serve, its versions and yearly reviews.
- :class:`Member`, :class:`Meeting`, :class:`Decision`: the comité départemental des services
  aux familles (articles L214-5 and D214-1 to D214-6), its colleges, meetings and decisions.
- :class:`Renewal`: a departmental scheme started as the copy of the previous one.
"""

from functools import reduce
from operator import or_

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from sdsf.accounts.scope import Permission, communes, departements, holding
from sdsf.steering.models import Action, Scheme
from sdsf.territories.models import Commune, Departement, Epci, Level


class InDepartementQuerySet(models.QuerySet):
    """Rows of one département (transfers, schémas, the committee): whoever works in the
    département with a permission reaches them with it."""

    def visible_to(self, user, permission: Permission):
        return self.filter(departement__in=departements(user, permission))

    def writable_by(self, user, permission: Permission):
        """Same rule as :meth:`visible_to`, given a write permission."""
        return self.visible_to(user, permission)


class CompetenceTransfer(models.Model):
    """A commune's transfer of the competence to its EPCI, effective from a date."""

    audit_departement = "departement"  # see sdsf.audit.territory

    departement = models.ForeignKey(Departement, on_delete=models.PROTECT, related_name="+")
    commune = models.OneToOneField(
        Commune, on_delete=models.PROTECT, related_name="competence_transfer"
    )
    epci = models.ForeignKey(Epci, on_delete=models.PROTECT, related_name="+")
    effective_from = models.DateField(_("effectif à partir du"))

    objects = InDepartementQuerySet.as_manager()

    class Meta:
        ordering = ["commune"]
        verbose_name = _("transfert de compétence")

    def __str__(self):
        return f"{self.commune} → {self.epci}"


class LocalSchemaQuerySet(InDepartementQuerySet):
    def writable_by(self, user, permission: Permission):
        """Schémas of the authorities the person works for: a commune covered by their roles
        granting ``permission``, or an EPCI one of those roles is scoped to."""
        held = holding(user, permission)
        epcis = [a.scope_code for a in held if a.scope_level == Level.EPCI]
        clauses = [
            Q(
                authority_level=Level.COMMUNE,
                authority_code__in=communes(user, permission).values("code"),
            ),
            *(Q(authority_level=Level.EPCI, authority_code=code) for code in epcis),
        ]
        return self.filter(reduce(or_, clauses)) if held else self.none()


class LocalSchema(models.Model):
    """The schéma pluriannuel de maintien et de développement de l'offre of one authority."""

    audit_departement = "departement"  # see sdsf.audit.territory

    class Status(models.TextChoices):
        DRAFT = "draft", _("Projet")
        ADOPTED = "adopted", _("Adopté")
        UPDATED = "updated", _("Mis à jour (en cours de révision)")

    AUTHORITY_LEVELS = [(Level.COMMUNE, _("Commune")), (Level.EPCI, _("EPCI"))]

    departement = models.ForeignKey(
        Departement, on_delete=models.PROTECT, related_name="+", verbose_name=_("département")
    )
    authority_level = models.CharField(_("niveau"), max_length=12, choices=AUTHORITY_LEVELS)
    authority_code = models.CharField(_("code de l'autorité"), max_length=9)
    authority_name = models.CharField(_("autorité organisatrice"), max_length=200)
    scheme = models.ForeignKey(
        Scheme,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="local_schemas",
        verbose_name=_("schéma départemental de référence"),
    )
    start_year = models.PositiveSmallIntegerField(
        _("première année"), validators=[MinValueValidator(2025), MaxValueValidator(2100)]
    )
    end_year = models.PositiveSmallIntegerField(
        _("dernière année"), validators=[MinValueValidator(2025), MaxValueValidator(2100)]
    )
    status = models.CharField(
        _("état"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    adopted_on = models.DateField(_("adopté par le conseil le"), null=True, blank=True)
    deliberation = models.CharField(_("délibération"), max_length=200, blank=True)
    coverage_threshold = models.PositiveSmallIntegerField(
        _("seuil de couverture (places pour 100 enfants)"),
        default=50,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
    )
    inventory = models.TextField(_("1° État des lieux de l'offre"), blank=True)
    needs = models.TextField(_("2° Recensement des besoins"), blank=True)
    zones = models.TextField(
        _("3° Zones où l'offre est insuffisante ou peu accessible"), blank=True
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = LocalSchemaQuerySet.as_manager()

    class Meta:
        ordering = ["authority_name"]
        verbose_name = _("schéma pluriannuel")
        constraints = [
            models.UniqueConstraint(
                fields=["authority_level", "authority_code", "start_year"],
                name="unique_local_schema_period",
            )
        ]

    def __str__(self):
        return f"Schéma pluriannuel {self.authority_name} {self.start_year}-{self.end_year}"

    @property
    def is_adopted(self) -> bool:
        return self.adopted_on is not None


class Orientation(models.Model):
    """One part of 4° (orientations and actions), with the departmental actions it serves."""

    class Part(models.TextChoices):
        OFFER = "a", _("a) Objectifs de maintien, de développement ou de redéploiement de l'offre")
        JOBS = "b", _("b) Emplois et compétences nécessaires")
        SPECIFIC_NEEDS = "c", _("c) Familles aux besoins spécifiques ou en difficulté")
        QUALITY = "d", _("d) Soutien à la qualité de l'accueil")
        INVESTMENTS = "e", _("e) Investissements")
        MEANS = "f", _("f) Coûts et moyens mobilisés")
        CALENDAR = "g", _("g) Calendrier de mise en œuvre")
        EVALUATION = "h", _("h) Indicateurs et modalités d'évaluation")

    schema = models.ForeignKey(LocalSchema, on_delete=models.CASCADE, related_name="orientations")
    part = models.CharField(_("partie"), max_length=1, choices=Part.choices)
    text = models.TextField(_("orientations et actions"), blank=True)
    actions = models.ManyToManyField(
        Action,
        related_name="local_orientations",
        blank=True,
        verbose_name=_("actions du schéma départemental servies"),
    )
    bindings = models.JSONField(_("indicateurs de l'observatoire"), default=list, blank=True)

    class Meta:
        ordering = ["part"]
        constraints = [
            models.UniqueConstraint(fields=["schema", "part"], name="unique_orientation_part")
        ]

    def __str__(self):
        return self.get_part_display()


class SchemaVersion(models.Model):
    """The schéma as adopted (or updated) by the council on a date, frozen."""

    schema = models.ForeignKey(LocalSchema, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveSmallIntegerField(_("numéro"))
    status = models.CharField(max_length=10, choices=LocalSchema.Status.choices)
    adopted_on = models.DateField(_("délibération du"))
    deliberation = models.CharField(_("délibération"), max_length=200, blank=True)
    recorded_at = models.DateTimeField(auto_now_add=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    snapshot = models.JSONField()

    class Meta:
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(fields=["schema", "number"], name="unique_schema_version")
        ]

    def __str__(self):
        return f"Version {self.number}"


class SchemaReview(models.Model):
    """The yearly review of a schéma: what was done, with its indicators' values that year."""

    schema = models.ForeignKey(LocalSchema, on_delete=models.CASCADE, related_name="reviews")
    year = models.PositiveSmallIntegerField(
        _("année"), validators=[MinValueValidator(2025), MaxValueValidator(2100)]
    )
    summary = models.TextField(_("bilan de l'année"))

    class Meta:
        ordering = ["-year"]
        constraints = [
            models.UniqueConstraint(fields=["schema", "year"], name="unique_schema_review")
        ]

    def __str__(self):
        return f"Bilan {self.year}"


class College(models.TextChoices):
    """Colleges of the comité départemental (article D214-3 CASF)."""

    STATE = "state", _("État")
    DEPARTEMENT = "departement", _("Département")
    CAF = "caf", _("Caisse d'allocations familiales")
    MSA = "msa", _("Mutualité sociale agricole")
    COMMUNES = "communes", _("Communes et EPCI")
    ASSOCIATIONS = "associations", _("Associations et gestionnaires")
    FAMILIES = "families", _("Représentants des familles")
    QUALIFIED = "qualified", _("Personnalités qualifiées et autres membres")


class Member(models.Model):
    """A member of the committee; their contacts are personal data (reads are audited)."""

    audit_departement = "departement"  # see sdsf.audit.territory

    departement = models.ForeignKey(Departement, on_delete=models.PROTECT, related_name="+")
    college = models.CharField(_("collège"), max_length=20, choices=College.choices)
    name = models.CharField(_("nom"), max_length=200)
    organisation = models.CharField(_("institution représentée"), max_length=200)
    function = models.CharField(_("fonction au comité"), max_length=100, blank=True)
    email = models.EmailField(_("adresse e-mail"), blank=True)
    phone = models.CharField(_("téléphone"), max_length=30, blank=True)
    mandate_start = models.DateField(_("début du mandat"))
    mandate_end = models.DateField(_("fin du mandat"), null=True, blank=True)

    objects = InDepartementQuerySet.as_manager()

    class Meta:
        ordering = ["college", "name"]
        verbose_name = _("membre du comité")

    def __str__(self):
        return f"{self.name} ({self.organisation})"

    def in_office(self, on) -> bool:
        return self.mandate_start <= on and (self.mandate_end is None or on <= self.mandate_end)


class Meeting(models.Model):
    audit_departement = "departement"  # see sdsf.audit.territory

    departement = models.ForeignKey(Departement, on_delete=models.PROTECT, related_name="+")
    held_on = models.DateField(_("date"))
    title = models.CharField(_("objet"), max_length=300)
    agenda = models.TextField(_("ordre du jour"))
    documents = models.TextField(
        _("documents"), blank=True, help_text=_("Un document par ligne : titre, puis son lien.")
    )
    minutes = models.TextField(_("compte rendu"), blank=True)
    attendees = models.ManyToManyField(Member, related_name="meetings", blank=True)

    objects = InDepartementQuerySet.as_manager()

    class Meta:
        ordering = ["-held_on"]
        verbose_name = _("réunion du comité")

    def __str__(self):
        return f"{self.title} ({self.held_on:%d/%m/%Y})"


class Decision(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="decisions")
    position = models.PositiveSmallIntegerField(default=0)
    text = models.TextField(_("décision"))
    actions = models.ManyToManyField(Action, related_name="committee_decisions", blank=True)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self):
        return self.text[:60]


class Renewal(models.Model):
    """A departmental scheme started as the copy of the previous one, with the previous
    scheme's last review's conclusions and the observatory's diagnostic at that date."""

    previous = models.ForeignKey(Scheme, on_delete=models.CASCADE, related_name="renewals")
    scheme = models.OneToOneField(Scheme, on_delete=models.CASCADE, related_name="renewed_from")
    conclusions = models.TextField(_("conclusions du dernier bilan"), blank=True)
    diagnostic = models.JSONField(_("diagnostic de l'observatoire"), default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )

    def __str__(self):
        return f"{self.previous} → {self.scheme}"
