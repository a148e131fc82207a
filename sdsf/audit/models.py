"""The append-only audit log: who read or changed which personal data, and every login.

Each event stores, when it is written, the territory it concerns: the département(s) of the
object read or changed, or, for a login, a logout or an event without object, those of the
person (:mod:`sdsf.audit.territory`). An administrator reads the events of their own
départements only (:mod:`sdsf.audit.views`).

Storage of the territory: one :class:`EventDepartement` row per (event, département), indexed by
département. An event stays one row (counts, pagination and the operator's view are not
duplicated) and nearly every event concerns one département, some two (a person with roles in
two départements); a join table keeps that exact, works on SQLite and PostgreSQL alike (no array
column), and the search « events of these départements » is an index range on
``(departement, event)``. Both tables are append-only. An event with no row concerns no known
département (written before territories were stored, a failed login for no account, a purge
run): only an operator reads it (``sdsf audit_log``), never a territorial administrator.

The one way out of the log is the retention purge (:meth:`AuditManager.purge_before`, called by
``sdsf purge_personal_data``): whole events older than the retention period, never a selection.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import models, transaction
from django.utils.translation import gettext_lazy as _

from sdsf.core import clock

# The CNIL recommends keeping access logs between 6 months and a year: no purge may reach
# events younger than the lower bound, whatever the setting says.
MINIMUM_RETENTION = timedelta(days=30 * 6)


class AppendOnlyError(Exception):
    pass


class AuditQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("The audit log is append-only")

    def delete(self):
        raise AppendOnlyError("The audit log is append-only")


class EventQuerySet(AuditQuerySet):
    def concerning(self, departements) -> "EventQuerySet":
        """Events that concern at least one of these départements (codes or a queryset of
        codes)."""
        return self.filter(
            pk__in=EventDepartement.objects.filter(departement__in=departements).values("event_id")
        )

    def without_territory(self) -> "EventQuerySet":
        return self.exclude(pk__in=EventDepartement.objects.values("event_id"))


class AuditManager(models.Manager.from_queryset(EventQuerySet)):
    def purge_before(self, cutoff: datetime, now: datetime | None = None) -> int:
        """Deletes every event older than ``cutoff`` (with its territory); returns how many.

        The one deletion the log allows, for its retention period: on the manager only, so it
        cannot be narrowed to chosen events, and refused for a cutoff within
        :data:`MINIMUM_RETENTION` of ``now``.
        """
        if cutoff > (now or clock.now()) - MINIMUM_RETENTION:
            raise AppendOnlyError("Audit events younger than the minimum retention are kept")
        expired = self.get_queryset().filter(at__lt=cutoff)
        with transaction.atomic():
            models.QuerySet.delete(EventDepartement.objects.filter(event__in=expired))
            count, _by_model = models.QuerySet.delete(expired)
        return count


class AuditEvent(models.Model):
    class Action(models.TextChoices):
        LOGIN = "login", _("Connexion")
        LOGIN_FAILED = "login_failed", _("Échec de connexion")
        LOGOUT = "logout", _("Déconnexion")
        READ = "read", _("Consultation")
        CREATE = "create", _("Création")
        UPDATE = "update", _("Modification")
        DELETE = "delete", _("Suppression")
        EXPORT = "export", _("Export")

    at = models.DateTimeField(_("date"), auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("personne"),
    )
    # Snapshots, so the record still says who it was if the account is later removed.
    user_email = models.CharField(_("identifiant"), max_length=254, blank=True)
    institution = models.CharField(_("institution"), max_length=200, blank=True)
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    object_type = models.CharField(_("type d'objet"), max_length=60, blank=True)
    object_id = models.CharField(_("identifiant de l'objet"), max_length=64, blank=True)
    ip = models.GenericIPAddressField(_("adresse IP"), null=True, blank=True)
    detail = models.CharField(_("détail"), max_length=300, blank=True)

    objects = AuditManager()

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("événement d'audit")
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.user_email} {self.action} {self.object_type}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise AppendOnlyError("The audit log is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("The audit log is append-only")


class EventDepartement(models.Model):
    """One département an audit event concerns (see the module for the choice of a join table).

    The code is a snapshot, like the event's e-mail: no foreign key, so the log never blocks a
    change of the territories' tables and keeps saying where an event belonged.
    """

    event = models.ForeignKey(
        AuditEvent,
        # Events are never deleted but by the purge, which deletes these rows first.
        on_delete=models.DO_NOTHING,
        related_name="departements",
    )
    departement = models.CharField(_("département"), max_length=3)

    objects = AuditQuerySet.as_manager()

    class Meta:
        verbose_name = _("département d'un événement d'audit")
        constraints = [
            models.UniqueConstraint(
                fields=["event", "departement"], name="unique_audit_event_departement"
            )
        ]
        indexes = [models.Index(fields=["departement", "event"])]

    def __str__(self):
        return f"{self.event_id} {self.departement}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise AppendOnlyError("The audit log is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("The audit log is append-only")
