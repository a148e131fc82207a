"""Retention periods of the families' personal data, and their purge.

Periods are set in ``SDSF_FAMILY_RETENTION`` (see ``docs/personal-data.md`` for their reasons):

- ``closed_months``: a closed pré-demande (withdrawn, archived, merged, ended) is deleted this
  many months after its closing, with its wishes, history and documents;
- ``draft_days``: a draft never submitted is deleted this many days after its last change;
- ``closed_documents_months``: the supporting documents of a closed pré-demande are deleted this
  many months after the closing (they served to check the situation; the file itself is kept
  for its own period).

The closing date is the last *changement d'état* to « close » in the history (the last change of
the row when the history has none). The round applications built from a deleted pré-demande stay
in their round (they hold the reference, the criteria and the points, no name) and lose their
link to it. The audit log has its own period and purge (:mod:`sdsf.audit.retention`), run by the
same command; it keeps identifiers, never the content of a file.

The purge is transactional; files leave the storage only once the deletion is committed.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Max, Q, QuerySet
from django.db.models.functions import Coalesce

from sdsf.audit.log import record
from sdsf.audit.models import AuditEvent
from sdsf.core import clock
from sdsf.families.models import Document, PreApplication

Status = PreApplication.Status
KINDS = ("closed_pre_applications", "drafts", "closed_documents")
LABELS = {
    "closed_pre_applications": "pré-demandes closes",
    "drafts": "brouillons jamais déposés",
    "closed_documents": "pièces de pré-demandes closes",
}


def _months(count: int) -> timedelta:
    return timedelta(days=30 * count)


def closed_before(limit: datetime) -> QuerySet:
    """Closed pré-demandes whose closing is older than ``limit``."""
    return (
        PreApplication.objects.filter(status=Status.CLOSED)
        .annotate(
            closed_at=Coalesce(
                Max("events__at", filter=Q(events__status=Status.CLOSED)), "updated_at"
            )
        )
        .filter(closed_at__lt=limit)
    )


def expired(now: datetime | None = None) -> dict[str, QuerySet]:
    """What each retention period lets go today, by kind."""
    now = now or clock.now()
    periods = settings.SDSF_FAMILY_RETENTION
    closed = closed_before(now - _months(periods["closed_months"]))
    return {
        "closed_pre_applications": PreApplication.objects.filter(pk__in=closed.values("pk")),
        "drafts": PreApplication.objects.filter(
            status=Status.DRAFT, updated_at__lt=now - timedelta(days=periods["draft_days"])
        ),
        "closed_documents": Document.objects.filter(
            pre_application__in=closed_before(
                now - _months(periods["closed_documents_months"])
            ).values("pk")
        ),
    }


@dataclass(frozen=True)
class Purge:
    counts: dict[str, int]
    files: int


def purge(now: datetime | None = None, *, dry_run: bool = False) -> Purge:
    """Deletes what :func:`expired` lets go (or only counts it with ``dry_run``)."""
    found = expired(now)
    counts = {kind: found[kind].count() for kind in KINDS}
    pre_pks = [
        *found["closed_pre_applications"].values_list("pk", flat=True),
        *found["drafts"].values_list("pk", flat=True),
    ]
    names = set(
        Document.objects.filter(
            Q(pk__in=found["closed_documents"].values("pk")) | Q(pre_application_id__in=pre_pks)
        ).values_list("file", flat=True)
    )
    if dry_run:
        return Purge(counts, len(names))
    with transaction.atomic():
        found["closed_documents"].delete()
        # Wishes, history and documents go with their pré-demande (on delete cascade).
        PreApplication.objects.filter(pk__in=pre_pks).delete()
        for kind in KINDS:
            if counts[kind]:
                record(
                    None,
                    AuditEvent.Action.DELETE,
                    detail=f"purge : {counts[kind]} {LABELS[kind]} (durée de conservation)",
                )
        storage = Document._meta.get_field("file").storage  # the storage the files are in
        transaction.on_commit(lambda: [storage.delete(name) for name in sorted(names) if name])
    return Purge(counts, len(names))
