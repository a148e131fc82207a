"""The families' side: accounts, the one pré-demande per child, its wishes, documents, history.

A pré-demande is personal data. Families read their own through
``PreApplication.objects.of_family``; agents read and change those of their territory through
``PreApplication.objects.visible_to`` / ``writable_by`` and every read is audited
(``read_personal``).
"""

from functools import reduce
from operator import or_

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.core.validators import MaxValueValidator
from django.db import models, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from sdsf.accounts.models import STRUCTURE_SCOPE, Role
from sdsf.accounts.scope import Permission, holding, territory
from sdsf.core import clock
from sdsf.core.transitions import Transitions
from sdsf.families.matching import child_key, email_key
from sdsf.offer.models import Structure
from sdsf.territories.models import Commune


def private_storage() -> FileSystemStorage:
    """Supporting documents live under MEDIA_ROOT, which no URL serves: a scoped view does.

    No location is given, so the storage reads MEDIA_ROOT when used (tests can override it).
    """
    return FileSystemStorage()


class Family(models.Model):
    """A family's account: a person without staff role who searches, applies and answers.

    The e-mail address must be verified before a pré-demande can be submitted.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="family"
    )
    email_verified_at = models.DateTimeField(_("adresse vérifiée le"), null=True, blank=True)
    phone = models.CharField(_("téléphone"), max_length=30, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("compte famille")

    def __str__(self):
        return str(self.user)

    @property
    def email_verified(self) -> bool:
        return self.email_verified_at is not None


def desk_communes(user, permission: Permission) -> QuerySet[Commune]:
    """Communes whose families the person's guichet-unique roles granting ``permission`` serve.

    A territorial role serves its territory. A structure manager serves families only when
    their role is scoped to a relais petite enfance: the relais' own commune and the communes
    it covers within its département (a coverage reaching another département, however it was
    written, never opens that département's families).
    """
    clauses = []
    for a in holding(user, permission):
        if Role(a.role) != Role.STRUCTURE_MANAGER:
            clauses.append(territory([a]))
        elif a.scope_level == STRUCTURE_SCOPE:
            relais = Structure.objects.filter(identifier=a.scope_code, kind=Structure.Kind.RPE)
            covered = Q(
                rpe_coverage__in=relais,
                departement_id__in=relais.values("commune__departement_id"),
            )
            served = Commune.objects.filter(covered | Q(structures__in=relais)).values("pk")
            clauses.append(Q(pk__in=served))
    return Commune.objects.filter(reduce(or_, clauses)) if clauses else Commune.objects.none()


class PreApplicationQuerySet(models.QuerySet):
    """The gate's rule for pré-demandes (see :mod:`sdsf.accounts.scope`)."""

    def visible_to(self, user, permission: Permission):
        """Pré-demandes an agent's roles granting ``permission`` reach: those of a family
        living in, or wishing a place in, a commune those roles serve (:func:`desk_communes`),
        and the drafts the agent is filing (a draft is the family's until submitted). Reads
        must go through ``read_personal``."""
        if not holding(user, permission):
            return self.none()
        served = desk_communes(user, permission)
        wishing = Wish.objects.filter(
            Q(structure__commune__in=served) | Q(commune__in=served)
        ).values("pre_application_id")
        draft = Q(status=PreApplication.Status.DRAFT)
        in_territory = Q(home_commune__in=served) | Q(pk__in=wishing)
        return self.filter((in_territory & ~draft) | (draft & Q(filed_by=user)))

    def writable_by(self, user, permission: Permission):
        """Pré-demandes an agent may complete, withdraw or merge with ``permission``: same rule
        as :meth:`visible_to`, given a write permission. What the agent writes into them (a
        home commune, wishes) is checked by :mod:`sdsf.families.applications`."""
        return self.visible_to(user, permission)

    def of_family(self, user):
        """A family's own pré-demandes (merged ones are shown through the one they were merged
        into); none for anyone else."""
        if not getattr(user, "is_authenticated", False):
            return self.none()
        return self.filter(family__user=user)

    # The matching keys follow their fields whatever the way rows are written (see save()).

    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        for pre in objs:
            pre.write_match_keys()
        return super().bulk_create(objs, *args, **kwargs)

    def bulk_update(self, objs, fields, *args, **kwargs):
        objs, fields = list(objs), list(fields)
        if MATCHED_FIELDS.intersection(fields):
            for pre in objs:
                pre.write_match_keys()
            fields += ["child_key", "email_key"]
        return super().bulk_update(objs, fields, *args, **kwargs)

    def update(self, **kwargs):
        """Also writes the keys of the rows whose fields of the keys it changes."""
        if not MATCHED_FIELDS.intersection(kwargs) or {"child_key", "email_key"} <= set(kwargs):
            return super().update(**kwargs)
        with transaction.atomic(using=self.db):
            changed = list(self.values_list("pk", flat=True))
            count = super().update(**kwargs)
            rows = list(self.model.objects.filter(pk__in=changed).only(*MATCHED_FIELDS))
            for pre in rows:
                pre.write_match_keys()
            self.model.objects.bulk_update(rows, ["child_key", "email_key"])
        return count


# Triplets at most in one joint application (quadruplets apply at the desk, twice).
MAX_SIBLINGS = 2


class PreApplication(models.Model):
    """One child's application for a childcare place across the territory (a département).

    Its wishes may name structures of several communes, or "any crèche in commune X". Each
    commune's allocation round takes the pré-demandes that wish one of its places.
    """

    audit_departement = "departement"  # see sdsf.audit.territory

    class Status(models.TextChoices):
        DRAFT = "draft", _("brouillon")
        RECEIVED = "received", _("reçue")
        COMPLETE = "complete", _("complète")
        IN_COMMISSION = "in_commission", _("en commission")
        PROPOSED = "proposed", _("place proposée")
        ACCEPTED = "accepted", _("place acceptée")
        REFUSED = "refused", _("place refusée")
        CLOSED = "closed", _("close")

    # A proposal, then the family's answer to it.
    ANSWERED = (Status.PROPOSED, Status.ACCEPTED, Status.REFUSED)

    class ClosedReason(models.TextChoices):
        WITHDRAWN = "withdrawn", _("retirée par la famille")
        ARCHIVED = "archived", _("archivée faute de confirmation de l'intérêt")
        MERGED = "merged", _("fusionnée avec une autre demande du même enfant")
        ENDED = "ended", _("terminée (enfant accueilli ou besoin passé)")

    # Submitted, completed by its documents, taken by a commission, proposed a place (by one
    # round or more), answered; closed from any state (withdrawn, merged, archived). A
    # commission that proposes no place sends it back to waiting; a refused place waits for
    # the next commission. The family's answer to a proposal decides whatever step the file
    # showed. Every change goes through sdsf.families.history.set_status.
    TRANSITIONS = Transitions(
        "status",
        {
            Status.DRAFT: {Status.RECEIVED, Status.CLOSED},
            Status.RECEIVED: {Status.COMPLETE, Status.IN_COMMISSION, *ANSWERED, Status.CLOSED},
            Status.COMPLETE: {Status.RECEIVED, Status.IN_COMMISSION, *ANSWERED, Status.CLOSED},
            Status.IN_COMMISSION: {Status.RECEIVED, Status.COMPLETE, *ANSWERED, Status.CLOSED},
            Status.PROPOSED: {*ANSWERED, Status.CLOSED},
            Status.REFUSED: {Status.IN_COMMISSION, *ANSWERED, Status.CLOSED},
            Status.ACCEPTED: {Status.CLOSED},
            Status.CLOSED: set(),
        },
    )

    reference = models.CharField(_("référence"), max_length=40, unique=True)
    departement = models.ForeignKey(
        "territories.Departement", on_delete=models.PROTECT, related_name="pre_applications"
    )
    family = models.ForeignKey(
        Family,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="pre_applications",
        help_text=_("Vide quand un agent a déposé la demande pour une famille sans compte."),
    )
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Agent du guichet unique qui a déposé la demande pour la famille."),
    )
    # The parent to contact
    parent_first_name = models.CharField(_("prénom du parent"), max_length=150)
    parent_last_name = models.CharField(_("nom du parent"), max_length=150)
    email = models.EmailField(_("adresse e-mail"), blank=True)
    phone = models.CharField(_("téléphone"), max_length=30, blank=True)
    address = models.CharField(_("adresse"), max_length=300, blank=True)
    language = models.CharField(
        _("langue des courriers"),
        max_length=5,
        choices=settings.LANGUAGES,
        default="fr",
        help_text=_("La langue de la famille : ses courriers et e-mails lui sont écrits ainsi."),
    )
    home_commune = models.ForeignKey(
        "territories.Commune",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("commune de résidence"),
    )
    # The child: born (birth date) or expected (expected birth date)
    child_first_name = models.CharField(_("prénom de l'enfant"), max_length=150, blank=True)
    child_last_name = models.CharField(_("nom de l'enfant"), max_length=150)
    child_birth_date = models.DateField(_("date de naissance"), null=True, blank=True)
    expected_birth_date = models.DateField(_("date de naissance prévue"), null=True, blank=True)
    # Twins (or triplets) file one joint application: the commission places them in the same
    # structure or not at all, unless the family accepts separate structures.
    siblings = models.PositiveSmallIntegerField(
        _("autres enfants nés en même temps (jumeaux, triplés)"),
        default=0,
        validators=[MaxValueValidator(MAX_SIBLINGS)],
        help_text=_("0 pour un seul enfant, 1 pour des jumeaux, 2 pour des triplés."),
    )
    siblings_first_names = models.CharField(
        _("prénoms des autres enfants"), max_length=300, blank=True
    )
    siblings_apart = models.BooleanField(
        _("nous acceptons des structures différentes pour nos enfants"),
        default=False,
        help_text=_(
            "Sinon, la commission ne propose une place que dans une structure qui peut les "
            "accueillir ensemble."
        ),
    )
    # The need
    wished_start = models.DateField(_("date d'accueil souhaitée"), null=True, blank=True)
    days = models.JSONField(_("jours d'accueil"), default=list, help_text=_("0 = lundi"))
    starts_at = models.TimeField(_("heure d'arrivée"), null=True, blank=True)
    ends_at = models.TimeField(_("heure de départ"), null=True, blank=True)
    current_structure = models.ForeignKey(
        "offer.Structure",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("crèche où l'enfant est déjà accueilli"),
        help_text=_(
            "Pour demander un changement : l'enfant garde sa place sauf si un de vos vœux "
            "lui est attribué."
        ),
    )
    # The situation: keys of the criteria of the published points grids the family declares
    situation = models.JSONField(_("situation déclarée"), default=list)
    insertion = models.BooleanField(_("parcours d'insertion professionnelle"), default=False)
    consent_at = models.DateTimeField(_("information RGPD acceptée le"), null=True, blank=True)
    # Life of the application
    status = models.CharField(
        _("état"), max_length=15, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    closed_reason = models.CharField(
        _("motif de clôture"), max_length=10, choices=ClosedReason.choices, blank=True
    )
    submitted_at = models.DateTimeField(_("déposée le"), null=True, blank=True)
    confirmed_at = models.DateTimeField(
        _("intérêt confirmé le"), null=True, blank=True, help_text=_("Dernière confirmation.")
    )
    confirmation_requested_at = models.DateTimeField(
        _("confirmation demandée le"), null=True, blank=True
    )
    merged_into = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="merged"
    )
    is_demo = models.BooleanField(_("donnée de démonstration"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # The keys of probable duplicates (sdsf.families.matching), written from the fields above
    # by save() and by the manager's bulk writes and update(): the desk looks up the files
    # sharing one in the database.
    child_key = models.TextField(blank=True, default="", editable=False)
    email_key = models.TextField(blank=True, default="", editable=False)

    objects = PreApplicationQuerySet.as_manager()

    class Meta:
        ordering = ["-submitted_at", "-created_at"]
        verbose_name = _("pré-demande")
        indexes = [
            models.Index(fields=["departement", "status"]),
            models.Index(fields=["child_last_name", "child_birth_date"]),
            models.Index(fields=["departement", "child_key"]),
            models.Index(fields=["departement", "email_key"]),
        ]

    def __str__(self):
        return self.reference

    def save(self, *args, **kwargs):
        """Writes the matching keys with the fields they are made of (also when only some
        fields are saved)."""
        self.write_match_keys()
        fields = kwargs.get("update_fields")
        if fields is not None and MATCHED_FIELDS.intersection(fields):
            kwargs["update_fields"] = {*fields, "child_key", "email_key"}
        super().save(*args, **kwargs)

    def write_match_keys(self) -> None:
        self.child_key = child_key(self.child_date, self.child_last_name)
        self.email_key = email_key(self.email, self.child_first_name)

    @property
    def child_date(self):
        """Birth date, or expected birth date for a child not yet born."""
        return self.child_birth_date or self.expected_birth_date

    @property
    def active(self) -> bool:
        """Still waiting for a place (neither a draft nor ended)."""
        return self.status in ACTIVE_STATUSES


# The fields the matching keys are made of.
MATCHED_FIELDS = frozenset(
    {"child_birth_date", "expected_birth_date", "child_last_name", "email", "child_first_name"}
)

ACTIVE_STATUSES = (
    PreApplication.Status.RECEIVED,
    PreApplication.Status.COMPLETE,
    PreApplication.Status.IN_COMMISSION,
    PreApplication.Status.PROPOSED,
    PreApplication.Status.REFUSED,
)


class Wish(models.Model):
    """One ranked wish: a structure of the registry, or any crèche of a commune."""

    pre_application = models.ForeignKey(
        PreApplication, on_delete=models.CASCADE, related_name="wishes"
    )
    rank = models.PositiveSmallIntegerField(_("rang"))
    structure = models.ForeignKey(
        "offer.Structure", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    commune = models.ForeignKey(
        "territories.Commune",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("« N'importe quelle crèche de la commune »."),
    )

    class Meta:
        ordering = ["pre_application", "rank"]
        verbose_name = _("vœu")
        constraints = [
            models.UniqueConstraint(fields=["pre_application", "rank"], name="unique_wish_rank"),
            models.CheckConstraint(
                condition=models.Q(structure__isnull=False, commune__isnull=True)
                | models.Q(structure__isnull=True, commune__isnull=False),
                name="wish_structure_xor_commune",
            ),
        ]

    def __str__(self):
        return f"{self.pre_application_id} #{self.rank}"


def document_path(document: "Document", filename: str) -> str:
    # The stored name never carries the family's original file name (personal data).
    return f"families/{document.pre_application_id}/{clock.now():%Y%m%d%H%M%S%f}"


class Document(models.Model):
    """A supporting document, stored privately and served only through a scoped view."""

    audit_departement = "pre_application__departement"  # see sdsf.audit.territory

    class Kind(models.TextChoices):
        RESIDENCE = "residence", _("justificatif de domicile")
        INCOME = "income", _("avis d'imposition ou attestation CAF")
        WORK = "work", _("attestation d'emploi ou de formation")
        INSERTION = "insertion", _("attestation de parcours d'insertion")
        DISABILITY = "disability", _("notification MDPH")
        BIRTH = "birth", _("acte de naissance ou certificat de grossesse")
        OTHER = "other", _("autre")

    pre_application = models.ForeignKey(
        PreApplication, on_delete=models.CASCADE, related_name="documents"
    )
    kind = models.CharField(_("type de pièce"), max_length=10, choices=Kind.choices)
    file = models.FileField(storage=private_storage, upload_to=document_path, max_length=200)
    original_name = models.CharField(_("nom du fichier"), max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField(_("taille (octets)"))
    uploaded_at = models.DateTimeField(auto_now_add=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        ordering = ["pre_application", "uploaded_at"]
        verbose_name = _("pièce justificative")

    def __str__(self):
        return f"{self.pre_application_id} {self.kind}"


class Event(models.Model):
    """The history of a pré-demande, shown to the family and to the guichet unique."""

    class Kind(models.TextChoices):
        CREATED = "created", _("création")
        SUBMITTED = "submitted", _("dépôt")
        UPDATED = "updated", _("modification")
        WISHES = "wishes", _("vœux modifiés")
        DOCUMENT = "document", _("pièce ajoutée")
        STATUS = "status", _("changement d'état")
        CONFIRMED = "confirmed", _("intérêt confirmé")
        REMINDER = "reminder", _("rappel envoyé")
        MERGED = "merged", _("fusion")
        PROPOSAL = "proposal", _("proposition de place")
        ANSWER = "answer", _("réponse à la proposition")
        ATTACHED = "attached", _("rattachement au compte famille")

    pre_application = models.ForeignKey(
        PreApplication, on_delete=models.CASCADE, related_name="events"
    )
    at = models.DateTimeField(default=timezone.now)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    status = models.CharField(max_length=15, choices=PreApplication.Status.choices, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    by_agent = models.BooleanField(default=False)
    note = models.TextField(blank=True)
    # With parameters, ``note`` is a French message with named placeholders (``%(structure)s``)
    # marked for translation where it is written: each reader sees it in its own language.
    note_params = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["pre_application", "at", "pk"]
        verbose_name = _("événement")

    def __str__(self):
        return f"{self.pre_application_id} {self.kind} {self.at:%Y-%m-%d}"

    @property
    def display_note(self) -> str:
        """The note in the active language (a note without parameters is shown as written)."""
        if not self.note:
            return ""
        text = gettext(self.note)  # a note an agent wrote is no message: it stays as it is
        return text % self.note_params if self.note_params else text


class Invitation(models.Model):
    """The guichet unique invites a family to attach a file filed at the desk to its account.

    Sent to the address recorded on the file; the family accepts or declines from its own space,
    logged in with that address verified (:mod:`sdsf.families.invitations`). Only ``sent``,
    ``accepted`` and ``declined`` are stored: a sent invitation past ``expires_at`` is expired.
    """

    class State(models.TextChoices):
        SENT = "sent", _("envoyée")
        ACCEPTED = "accepted", _("acceptée")
        DECLINED = "declined", _("refusée")
        EXPIRED = "expired", _("expirée")

    pre_application = models.ForeignKey(
        PreApplication, on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.EmailField(_("adresse e-mail"), help_text=_("En minuscules."))
    language = models.CharField(_("langue de l'e-mail"), max_length=5, choices=settings.LANGUAGES)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    sent_at = models.DateTimeField(_("envoyée le"), default=timezone.now)
    expires_at = models.DateTimeField(_("valable jusqu'au"))
    state = models.CharField(_("état"), max_length=10, choices=State.choices, default=State.SENT)
    answered_at = models.DateTimeField(_("réponse le"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        ordering = ["-sent_at", "-pk"]
        verbose_name = _("invitation au rattachement")
        indexes = [models.Index(fields=["email", "state"])]

    def __str__(self):
        return f"{self.pre_application_id} {self.state}"

    @property
    def status(self) -> "Invitation.State":
        """The state now: a sent invitation past its date is expired."""
        if self.state == self.State.SENT and self.expires_at <= clock.now():
            return self.State.EXPIRED
        return self.State(self.state)
