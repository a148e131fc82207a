"""Institutions, the people who work for them, and the roles that scope what they see."""

from collections.abc import Iterable
from functools import cached_property

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sdsf.territories.models import Commune, Level
from sdsf.territories.queries import TerritoryRef, labels

# A role covers a territory (any COG level) or one structure of the offer registry, named by its
# registry identifier. Kept apart from territories.Level, which also drives aggregation.
STRUCTURE_SCOPE = "structure"
SCOPE_LEVELS = [*Level.choices, (STRUCTURE_SCOPE, _("Structure"))]


class Institution(models.Model):
    """A signatory or partner of the scheme, attached to the territory it serves."""

    class Kind(models.TextChoices):
        DEPARTEMENT = "departement", _("Département (PMI et services aux familles)")
        CAF = "caf", _("Caisse d'allocations familiales")
        MSA = "msa", _("Mutualité sociale agricole")
        STATE = "state", _("État (préfecture)")
        EDUCATION = "education", _("Éducation nationale")
        UDAF = "udaf", _("Union départementale des associations familiales")
        COMMUNE = "commune", _("Commune")
        EPCI = "epci", _("Intercommunalité")
        MANAGER = "manager", _("Gestionnaire de structures (association, entreprise)")

    name = models.CharField(_("nom"), max_length=200)
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices)
    territory_level = models.CharField(_("niveau du territoire"), max_length=12, choices=Level)
    territory_code = models.CharField(_("code du territoire"), max_length=9)
    # What the decision letters an authority signs print (sdsf.allocation.letters): a letter
    # names who decides, where to write, who answers families and which court hears a recours.
    address = models.TextField(_("adresse postale"), blank=True)
    signatory = models.CharField(
        _("signataire des décisions"),
        max_length=200,
        blank=True,
        help_text=_("Nom et qualité, par exemple « Pour le maire, l'adjointe à la famille »."),
    )
    contact = models.CharField(
        _("contact des familles"),
        max_length=200,
        blank=True,
        help_text=_("Service, téléphone ou adresse e-mail qui répond aux familles."),
    )
    court = models.CharField(
        _("tribunal administratif compétent"),
        max_length=200,
        blank=True,
        help_text=_("Par exemple « tribunal administratif de Montreuil »."),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("institution")
        constraints = [
            models.UniqueConstraint(fields=["name", "kind"], name="unique_institution_name_kind")
        ]

    def __str__(self):
        return self.name

    @property
    def territory(self) -> TerritoryRef:
        return TerritoryRef(self.territory_level, self.territory_code)


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email, password=None, **fields):
        if not email:
            raise ValueError("An e-mail address is required")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email, password=None, **fields):
        fields.update(is_staff=True, is_superuser=True)
        return self.create_user(email, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who logs in with an e-mail address (agents now; families in their own app)."""

    email = models.EmailField(_("adresse e-mail"), unique=True)
    first_name = models.CharField(_("prénom"), max_length=150, blank=True)
    last_name = models.CharField(_("nom"), max_length=150, blank=True)
    is_active = models.BooleanField(_("actif"), default=True)
    is_staff = models.BooleanField(_("accès à l'administration technique"), default=False)
    date_joined = models.DateTimeField(_("date d'inscription"), default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        ordering = ["last_name", "first_name"]
        verbose_name = _("personne")

    def __str__(self):
        return self.get_full_name() or self.email

    def get_full_name(self):
        return f"{self.first_name} {self.last_name}".strip()

    def get_short_name(self):
        return self.first_name or self.email


class Role(models.TextChoices):
    ADMINISTRATOR = "administrator", _("Administrateur")
    ANALYST = "analyst", _("Chargé d'observatoire")
    PMI_AGENT = "pmi_agent", _("Agent de PMI")
    CAF_ADVISOR = "caf_advisor", _("Conseiller CAF")
    COMMUNE_AGENT = "commune_agent", _("Agent petite enfance de commune")
    STRUCTURE_MANAGER = "structure_manager", _("Gestionnaire de structure")
    COMMISSION_MEMBER = "commission_member", _("Membre de commission d'attribution")
    STATE = "state", _("Représentant de l'État (préfecture)")  # reads; opens emergency childcare


# The kind of institution a role usually belongs to (demo accounts, test data).
INSTITUTION_KIND_OF_ROLE = {
    Role.ADMINISTRATOR: Institution.Kind.DEPARTEMENT,
    Role.ANALYST: Institution.Kind.DEPARTEMENT,
    Role.PMI_AGENT: Institution.Kind.DEPARTEMENT,
    Role.CAF_ADVISOR: Institution.Kind.CAF,
    Role.COMMUNE_AGENT: Institution.Kind.COMMUNE,
    Role.STRUCTURE_MANAGER: Institution.Kind.MANAGER,
    Role.COMMISSION_MEMBER: Institution.Kind.COMMUNE,
    Role.STATE: Institution.Kind.STATE,
}


class Assignment(models.Model):
    """A person's role in an institution, over a territory or one structure of the registry.

    A role scoped to one structure (``scope_level`` = ``structure``, ``scope_code`` its registry
    identifier) also covers the commune where the structure is: that commune is stored on the
    role (``structure_commune``) when the role is given, because this app sits below the
    registry and cannot read it. ``sdsf.offer.roles`` gives such roles and moves them with
    their structure; the one territory filter (:func:`sdsf.accounts.scope.territory`) then
    reads every role from this table alone.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="assignments")
    institution = models.ForeignKey(
        Institution, on_delete=models.PROTECT, related_name="assignments"
    )
    role = models.CharField(_("rôle"), max_length=30, choices=Role.choices)
    scope_level = models.CharField(_("niveau du périmètre"), max_length=12, choices=SCOPE_LEVELS)
    scope_code = models.CharField(_("code du périmètre"), max_length=40)
    structure_commune = models.ForeignKey(
        Commune,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("commune de la structure"),
    )

    class Meta:
        verbose_name = _("rôle")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "institution", "role", "scope_level", "scope_code"],
                name="unique_assignment",
            )
        ]

    def __str__(self):
        return f"{self.get_role_display()} — {self.institution}"

    def save(self, *args, **kwargs):
        if self.scope_level == STRUCTURE_SCOPE and self.structure_commune_id is None:
            raise ValueError(
                "A role scoped to a structure needs the structure's commune: "
                "give it with sdsf.offer.roles.structure_role"
            )
        super().save(*args, **kwargs)

    @property
    def scope(self) -> "TerritoryRef | StructureRef":
        if self.scope_level == STRUCTURE_SCOPE:
            return StructureRef(self.scope_code, self.structure_commune)
        return TerritoryRef(self.scope_level, self.scope_code)

    @cached_property
    def scope_label(self) -> str:
        """One query for a territory: a list gives its roles their labels with
        :func:`label_scopes`."""
        return self.scope.label


def label_scopes(assignments: Iterable[Assignment]) -> None:
    """Gives each role its ``scope_label`` in one query per territory level, whatever the
    number of roles (a role scoped to a structure reads only its loaded commune)."""
    assignments = list(assignments)
    territories = [a.scope for a in assignments if a.scope_level != STRUCTURE_SCOPE]
    found = labels(territories)
    for assignment in assignments:
        scope = assignment.scope
        assignment.scope_label = found[scope] if isinstance(scope, TerritoryRef) else scope.label


class StructureRef:
    """The scope of a role limited to one structure of the registry (same interface as a
    territory's ``label`` for the pages listing roles): named by its registry identifier and
    its commune, which the role stores."""

    def __init__(self, identifier: str, commune: Commune | None):
        self.code = identifier
        self.commune = commune

    @property
    def label(self) -> str:
        where = f" ({self.commune.name})" if self.commune is not None else ""
        return f"Structure {self.code}{where}"
