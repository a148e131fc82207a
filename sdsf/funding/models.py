"""The co-financing ledger: funders, programmes, operators, calls for projects and grants.

A grant is one funder's money for one operator, programme and year (``committed_eur`` and
``paid_eur``): the row every view and the summary add up. Grants come from a committee's
decision on an application, a funded post's year, an aid computed by a rule
(:mod:`sdsf.funding.rules`), or a funder's ledger file (``sdsf import_grants``).

Who reaches which row (the gate's rule, :mod:`sdsf.accounts.scope`), role by role:

- the scheme's coordination, the observatory and the State (roles administrator, analyst,
  state): every programme of the départements they work in, and what hangs from it;
- a funder's agents (any other role whose institution is linked to a funder): the programmes
  their institution funds, in the départements they work in;
- operators (roles structure manager and commune agent, with ``FUNDING_APPLY``): the files of
  the operator their institution is (or of their structure, for a role scoped to one).

Scheme actions live in ``steering``, above this app: steering stores which programmes serve an
action (docs/decisions/0005-funding-below-steering.md).
"""

from decimal import Decimal
from functools import reduce
from operator import or_

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from sdsf.accounts.models import STRUCTURE_SCOPE, Assignment, Institution, Role
from sdsf.accounts.scope import CATALOGUE, Permission, holding, territory
from sdsf.core.transitions import Transitions
from sdsf.families.models import private_storage
from sdsf.offer.models import Structure
from sdsf.territories.models import Commune, Departement

# Roles that see every programme of their départements (coordination, observatory, State).
WHOLE_LEDGER_ROLES = frozenset({Role.ADMINISTRATOR, Role.ANALYST, Role.STATE})
# Roles that see the operators of their territory (and read their contacts, audited).
TERRITORY_ROLES = WHOLE_LEDGER_ROLES | CATALOGUE[Permission.FUNDING_INSTRUCT].roles
# Roles that act for an operator (their institution applies and reports).
OPERATOR_ROLES = frozenset({Role.STRUCTURE_MANAGER, Role.COMMUNE_AGENT})

MAX_EUR = Decimal("1000000000")
MIN_YEAR, MAX_YEAR = 2000, 2100
YEAR_VALIDATORS = [MinValueValidator(MIN_YEAR), MaxValueValidator(MAX_YEAR)]
EUR_VALIDATORS = [MinValueValidator(Decimal(0)), MaxValueValidator(MAX_EUR)]
SIREN_VALIDATOR = RegexValidator(r"^\d{9}$", "Le SIREN compte 9 chiffres.")


def _money(label, **kwargs) -> models.DecimalField:
    return models.DecimalField(
        label, max_digits=13, decimal_places=2, validators=EUR_VALIDATORS, **kwargs
    )


def _departements_of(a: Assignment):
    return Commune.objects.filter(territory([a])).values("departement_id")


def programme_clause(a: Assignment, prefix: str = "") -> Q:
    """Programmes one role reaches as coordination/observatory/State or as a funder's agent."""
    within = Q(**{f"{prefix}departement_id__in": _departements_of(a)})
    if Role(a.role) in WHOLE_LEDGER_ROLES:
        return within
    funded = Programme.objects.filter(shares__funder__institution_id=a.institution_id)
    return within & Q(**{f"{prefix}pk__in": funded.values("pk")})


def operator_clause(a: Assignment, prefix: str = "") -> Q:
    """Operators one role acts for: its institution's, in its territory (or its structure's)."""
    if Role(a.role) not in OPERATOR_ROLES:
        return Q(pk__in=[])
    if a.scope_level == STRUCTURE_SCOPE:
        return Q(**{f"{prefix}structure__identifier": a.scope_code})
    return Q(**{f"{prefix}institution_id": a.institution_id}) & territory([a], f"{prefix}commune__")


def _any(clauses: list[Q]) -> Q:
    return reduce(or_, clauses) if clauses else Q(pk__in=[])


class Funder(models.Model):
    """A funder of the scheme; ``institution`` links it to the platform's institution whose
    people instruct the programmes it funds."""

    class Kind(models.TextChoices):
        CAF = "caf", _("CAF")
        DEPARTEMENT = "departement", _("Département")
        MSA = "msa", _("MSA")
        STATE = "state", _("État")
        COMMUNE = "commune", _("Commune ou intercommunalité")
        REGION = "region", _("Région")
        OTHER = "other", _("Autre")

    name = models.CharField(_("nom"), max_length=200, unique=True)
    kind = models.CharField(_("type"), max_length=12, choices=Kind.choices, default=Kind.OTHER)
    institution = models.ForeignKey(
        Institution,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="funders",
        verbose_name=_("institution sur la plateforme"),
    )
    is_demo = models.BooleanField(_("données de démonstration"), default=False)

    class Meta:
        ordering = ["name"]
        verbose_name = _("financeur")

    def __str__(self):
        return self.name


class ProgrammeQuerySet(models.QuerySet):
    def visible_to(self, user, permission: Permission = Permission.FUNDING_VIEW):
        return self.filter(_any([programme_clause(a) for a in holding(user, permission)]))

    def writable_by(self, user, permission: Permission):
        """Programmes a person instructs (``FUNDING_INSTRUCT``): same rule as
        :meth:`visible_to`, given a write permission."""
        return self.visible_to(user, permission)


class Programme(models.Model):
    """A co-financed programme of one département: its funders' shares, period, yearly budget."""

    audit_departement = "departement"  # see sdsf.audit.territory

    class Kind(models.TextChoices):
        CALL = "call_for_projects", _("Appel à projets")
        RULE = "rule_aid", _("Aide à règle de calcul")
        POSTS = "funded_posts", _("Postes financés")
        OPERATING = "operating_grant", _("Subvention de fonctionnement")

    code = models.SlugField(_("code"), max_length=60, unique=True)
    name = models.CharField(_("intitulé"), max_length=300)
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices)
    departement = models.ForeignKey(
        Departement, on_delete=models.PROTECT, related_name="+", verbose_name=_("département")
    )
    start_year = models.PositiveSmallIntegerField(_("première année"), validators=YEAR_VALIDATORS)
    end_year = models.PositiveSmallIntegerField(_("dernière année"), validators=YEAR_VALIDATORS)
    description = models.TextField(_("description"), blank=True)
    source = models.CharField(_("source"), max_length=300, blank=True)
    is_demo = models.BooleanField(_("données de démonstration"), default=False)

    objects = ProgrammeQuerySet.as_manager()

    class Meta:
        ordering = ["departement", "name"]
        verbose_name = _("programme de financement")
        constraints = [
            models.CheckConstraint(
                condition=Q(end_year__gte=models.F("start_year")), name="programme_period"
            )
        ]

    def __str__(self):
        return self.name

    @property
    def years(self) -> range:
        return range(self.start_year, self.end_year + 1)


class FunderShare(models.Model):
    """A funder's share of a programme (e.g. CED: Département 50 %, CAF 40 %, MSA 10 %)."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="shares")
    funder = models.ForeignKey(Funder, on_delete=models.PROTECT, related_name="shares")
    share_pct = models.DecimalField(
        _("part (%)"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))],
    )

    class Meta:
        ordering = ["-share_pct", "funder__name"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "funder"], name="unique_funder_share")
        ]

    def __str__(self):
        return f"{self.funder} {self.share_pct} %"


class ProgrammeBudget(models.Model):
    """The programme's planned budget for one year (all funders)."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="budgets")
    year = models.PositiveSmallIntegerField(_("année"), validators=YEAR_VALIDATORS)
    amount_eur = _money(_("budget (€)"))

    class Meta:
        ordering = ["year"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "year"], name="unique_programme_year")
        ]

    def __str__(self):
        return f"{self.programme} {self.year} : {self.amount_eur} €"


class OperatorQuerySet(models.QuerySet):
    def visible_to(self, user, permission: Permission = Permission.FUNDING_VIEW):
        """Operators in the territory of a role of the coordination, the observatory, the
        State or a role that instructs files, and the operator a person acts for."""
        clauses = []
        for a in holding(user, permission):
            clauses.append(operator_clause(a))
            if Role(a.role) in TERRITORY_ROLES:
                clauses.append(territory([a], "commune__"))
        return self.filter(_any(clauses))

    def acting_for(self, user, permission: Permission = Permission.FUNDING_APPLY):
        """Operators a person files applications and reports for."""
        return self.filter(_any([operator_clause(a) for a in holding(user, permission)]))

    def writable_by(self, user, permission: Permission):
        """Operators a person records grants for (``FUNDING_INSTRUCT``: their territory) or
        acts for (``FUNDING_APPLY``)."""
        if permission == Permission.FUNDING_APPLY:
            return self.acting_for(user, permission)
        return self.filter(_any([territory([a], "commune__") for a in holding(user, permission)]))


class Operator(models.Model):
    """Who carries a funded project: a registry structure's manager, an association, a commune,
    an EPCI; identified by its SIREN. The contact is personal data (never public, audited)."""

    audit_departement = "commune__departement"  # see sdsf.audit.territory

    siren = models.CharField(
        _("SIREN"), max_length=9, blank=True, validators=[SIREN_VALIDATOR], db_index=True
    )
    name = models.CharField(_("nom"), max_length=200)
    commune = models.ForeignKey(
        Commune, on_delete=models.PROTECT, related_name="+", verbose_name=_("commune")
    )
    structure = models.OneToOneField(
        Structure,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="funding_operator",
        verbose_name=_("structure du registre"),
    )
    institution = models.ForeignKey(
        Institution,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="funded_operators",
        verbose_name=_("institution sur la plateforme"),
    )
    contact_name = models.CharField(_("contact"), max_length=200, blank=True)
    contact_email = models.EmailField(_("e-mail du contact"), blank=True)
    contact_phone = models.CharField(_("téléphone du contact"), max_length=30, blank=True)
    is_demo = models.BooleanField(_("données de démonstration"), default=False)

    objects = OperatorQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("porteur de projet")
        constraints = [
            models.UniqueConstraint(
                fields=["siren"], condition=~Q(siren=""), name="unique_operator_siren"
            )
        ]

    def __str__(self):
        return self.name


class CallQuerySet(models.QuerySet):
    def public(self):
        """Calls anyone may read (their page, criteria and dates)."""
        return self.filter(published=True)

    def visible_to(self, user, permission: Permission = Permission.FUNDING_VIEW):
        return self.filter(
            _any([programme_clause(a, "programme__") for a in holding(user, permission)])
        )

    def writable_by(self, user, permission: Permission):
        return self.visible_to(user, permission)


class Call(models.Model):
    """A call for projects: public once published, with its criteria, dates and scoring grid."""

    audit_departement = "programme__departement"  # see sdsf.audit.territory

    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="calls")
    slug = models.SlugField(_("adresse"), max_length=80, unique=True)
    title = models.CharField(_("intitulé"), max_length=300)
    summary = models.TextField(_("présentation"))
    criteria = models.TextField(_("critères d'éligibilité"))
    opens_on = models.DateField(_("ouverture des candidatures"))
    closes_on = models.DateField(_("clôture des candidatures"))
    committee_on = models.DateField(_("comité de sélection"), null=True, blank=True)
    max_amount_eur = _money(_("montant maximal par projet (€)"), null=True, blank=True)
    indicator = models.CharField(
        _("indicateur alimenté par les bilans"), max_length=200, blank=True
    )
    published = models.BooleanField(_("publié"), default=False)
    advance_pct = models.PositiveSmallIntegerField(
        _("avance à la signature (%)"), default=50, validators=[MaxValueValidator(100)]
    )

    objects = CallQuerySet.as_manager()

    class Meta:
        ordering = ["-opens_on"]
        verbose_name = _("appel à projets")
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_on__gte=models.F("opens_on")), name="call_dates"
            )
        ]

    def __str__(self):
        return self.title


class Criterion(models.Model):
    """A line of the call's scoring grid."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="grid")
    position = models.PositiveSmallIntegerField(default=0)
    label = models.CharField(_("critère"), max_length=200)
    max_points = models.PositiveSmallIntegerField(
        _("points maximum"), validators=[MinValueValidator(1), MaxValueValidator(100)]
    )

    class Meta:
        ordering = ["position"]

    def __str__(self):
        return self.label


class ApplicationQuerySet(models.QuerySet):
    def visible_to(self, user, permission: Permission = Permission.FUNDING_VIEW):
        """Applications to the programmes a person reaches, and those of the operator they
        act for."""
        clauses = []
        for a in holding(user, permission):
            clauses += [programme_clause(a, "call__programme__"), operator_clause(a, "operator__")]
        return self.filter(_any(clauses))

    def writable_by(self, user, permission: Permission):
        """``FUNDING_INSTRUCT``: applications to the programmes one instructs;
        ``FUNDING_APPLY``: the applications of the operator one acts for."""
        holders = holding(user, permission)
        if permission == Permission.FUNDING_APPLY:
            return self.filter(_any([operator_clause(a, "operator__") for a in holders]))
        return self.filter(_any([programme_clause(a, "call__programme__") for a in holders]))


class Application(models.Model):
    """An operator's application to a call, from submission to the final report."""

    audit_departement = "call__programme__departement"  # see sdsf.audit.territory

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Déposée")
        INELIGIBLE = "ineligible", _("Non recevable")
        ELIGIBLE = "eligible", _("Recevable, en instruction")
        GRANTED = "granted", _("Retenue")
        REFUSED = "refused", _("Refusée")
        SIGNED = "signed", _("Convention signée")
        REPORTED = "reported", _("Bilan remis")

    TRANSITIONS = Transitions(
        "status",
        {
            Status.SUBMITTED: [Status.ELIGIBLE, Status.INELIGIBLE],
            Status.INELIGIBLE: [],
            Status.ELIGIBLE: [Status.GRANTED, Status.REFUSED],
            Status.GRANTED: [Status.SIGNED],
            Status.REFUSED: [],
            Status.SIGNED: [Status.REPORTED],
            Status.REPORTED: [],
        },
    )

    call = models.ForeignKey(Call, on_delete=models.PROTECT, related_name="applications")
    operator = models.ForeignKey(Operator, on_delete=models.PROTECT, related_name="applications")
    title = models.CharField(_("intitulé du projet"), max_length=300)
    description = models.TextField(_("description du projet"))
    requested_eur = _money(_("montant demandé (€)"))
    planned_beneficiaries = models.PositiveIntegerField(
        _("bénéficiaires prévus"), validators=[MaxValueValidator(1_000_000)]
    )
    status = models.CharField(
        _("statut"), max_length=12, choices=Status.choices, default=Status.SUBMITTED
    )
    submitted_at = models.DateTimeField(_("déposée le"))
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    eligibility_note = models.TextField(_("motif de recevabilité"), blank=True)
    decided_on = models.DateField(_("date du comité"), null=True, blank=True)
    minutes = models.TextField(_("procès-verbal du comité"), blank=True)
    refusal_reason = models.TextField(_("motif du refus"), blank=True)
    signed_on = models.DateField(_("convention signée le"), null=True, blank=True)
    is_demo = models.BooleanField(_("données de démonstration"), default=False)

    objects = ApplicationQuerySet.as_manager()

    class Meta:
        ordering = ["-submitted_at"]
        verbose_name = _("candidature")

    def __str__(self):
        return self.title


class SupportingDocument(models.Model):
    """A document an operator joins to its application, stored privately (no URL serves it
    but the scoped download view)."""

    audit_departement = "application__call__programme__departement"

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="documents")
    label = models.CharField(_("pièce"), max_length=200)
    file = models.FileField(storage=private_storage, upload_to="funding/%Y/%m/", max_length=200)
    original_name = models.CharField(_("nom du fichier"), max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField(_("taille (octets)"))
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at"]

    def __str__(self):
        return self.label


class Score(models.Model):
    """Points given to an application on one line of the grid."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="scores")
    criterion = models.ForeignKey(Criterion, on_delete=models.CASCADE, related_name="scores")
    points = models.PositiveSmallIntegerField(_("points"), validators=[MaxValueValidator(100)])
    comment = models.CharField(_("commentaire"), max_length=500, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["application", "criterion"], name="unique_score")
        ]

    def __str__(self):
        return f"{self.criterion} : {self.points}"


class FinalReport(models.Model):
    """The operator's final report: what the project reached (feeds the call's indicator)."""

    application = models.OneToOneField(
        Application, on_delete=models.CASCADE, related_name="final_report"
    )
    beneficiaries = models.PositiveIntegerField(
        _("bénéficiaires"), validators=[MaxValueValidator(1_000_000)]
    )
    families_reached = models.PositiveIntegerField(
        _("familles touchées"), validators=[MaxValueValidator(1_000_000)]
    )
    actions_held = models.PositiveIntegerField(
        _("actions réalisées"), validators=[MaxValueValidator(100_000)]
    )
    summary = models.TextField(_("bilan"))
    submitted_at = models.DateTimeField(_("remis le"))

    def __str__(self):
        return f"Bilan — {self.application}"


class FundedPost(models.Model):
    """A post a programme funds (coordination, animation, RPE) and its holder institution."""

    class Kind(models.TextChoices):
        COORDINATION = "coordination", _("Coordination")
        ANIMATION = "animation", _("Animation")
        RPE = "rpe", _("Relais petite enfance")
        OTHER = "other", _("Autre")

    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="posts")
    holder = models.ForeignKey(Operator, on_delete=models.PROTECT, related_name="posts")
    title = models.CharField(_("intitulé du poste"), max_length=200)
    kind = models.CharField(_("type"), max_length=12, choices=Kind.choices)
    is_demo = models.BooleanField(_("données de démonstration"), default=False)

    class Meta:
        ordering = ["title"]
        verbose_name = _("poste financé")

    def __str__(self):
        return self.title


class PostYear(models.Model):
    """A funded post's year: FTE and annual amount, shared among the programme's funders."""

    post = models.ForeignKey(FundedPost, on_delete=models.CASCADE, related_name="years")
    year = models.PositiveSmallIntegerField(_("année"), validators=YEAR_VALIDATORS)
    fte = models.DecimalField(
        _("ETP"),
        max_digits=4,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal(10))],
    )
    annual_eur = _money(_("montant annuel (€)"))

    class Meta:
        ordering = ["year"]
        constraints = [models.UniqueConstraint(fields=["post", "year"], name="unique_post_year")]

    def __str__(self):
        return f"{self.post} {self.year}"


class GrantQuerySet(models.QuerySet):
    def visible_to(self, user, permission: Permission = Permission.FUNDING_VIEW):
        """Grants of the programmes a person reaches, and those of the operator they act for."""
        clauses = []
        for a in holding(user, permission):
            clauses += [programme_clause(a, "programme__"), operator_clause(a, "operator__")]
        return self.filter(_any(clauses))

    def writable_by(self, user, permission: Permission):
        return self.filter(
            _any([programme_clause(a, "programme__") for a in holding(user, permission)])
        )

    def public(self):
        """Grants whose convention is signed: amounts and decisions are open data."""
        return self.filter(signed=True)


class Grant(models.Model):
    """One funder's money for one operator, programme and year: the ledger's row."""

    audit_departement = "programme__departement"  # see sdsf.audit.territory

    class Status(models.TextChoices):
        COMMITTED = "committed", _("Engagée")
        PARTLY_PAID = "partly_paid", _("Partiellement versée")
        PAID = "paid", _("Soldée")
        CANCELLED = "cancelled", _("Annulée")

    class Origin(models.TextChoices):
        DECISION = "decision", _("Décision d'un comité")
        POST = "post", _("Poste financé")
        RULE = "rule", _("Aide calculée par une règle")
        IMPORT = "import", _("Fichier d'un financeur")
        OTHER = "other", _("Autre")

    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="grants")
    operator = models.ForeignKey(Operator, on_delete=models.PROTECT, related_name="grants")
    funder = models.ForeignKey(Funder, on_delete=models.PROTECT, related_name="grants")
    year = models.PositiveSmallIntegerField(_("année"), validators=YEAR_VALIDATORS)
    committed_eur = _money(_("engagé (€)"))
    paid_eur = _money(_("versé (€)"), default=Decimal(0))
    status = models.CharField(
        _("statut"), max_length=12, choices=Status.choices, default=Status.COMMITTED
    )
    origin = models.CharField(_("origine"), max_length=10, choices=Origin.choices)
    signed = models.BooleanField(_("convention signée (publiable)"), default=False)
    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, null=True, blank=True, related_name="grants"
    )
    post_year = models.ForeignKey(
        PostYear, on_delete=models.CASCADE, null=True, blank=True, related_name="grants"
    )
    # The lines of a rule's explanation ({label, amount, rule}), for an aid computed by a rule.
    explanation = models.JSONField(_("calcul"), default=list, blank=True)
    note = models.CharField(_("objet"), max_length=300, blank=True)
    is_demo = models.BooleanField(_("données de démonstration"), default=False)

    objects = GrantQuerySet.as_manager()

    class Meta:
        ordering = ["-year", "programme_id", "funder_id"]
        verbose_name = _("subvention")
        indexes = [models.Index(fields=["year", "programme"], name="grant_year_programme")]

    def __str__(self):
        return f"{self.funder} → {self.operator} {self.year} : {self.committed_eur} €"


class Payment(models.Model):
    """A scheduled payment of a grant: the advance at signature, the balance on the report."""

    class Kind(models.TextChoices):
        ADVANCE = "advance", _("Avance")
        BALANCE = "balance", _("Solde (sur bilan final)")

    grant = models.ForeignKey(Grant, on_delete=models.CASCADE, related_name="payments")
    kind = models.CharField(_("échéance"), max_length=10, choices=Kind.choices)
    amount_eur = _money(_("montant (€)"))
    paid_on = models.DateField(_("versé le"), null=True, blank=True)

    class Meta:
        ordering = ["grant_id", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["grant", "kind"], name="unique_payment_kind")
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.amount_eur} €"
