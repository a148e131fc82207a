"""One child, one application: probable duplicates among a département's pré-demandes, and their
merge by an agent.

A family may file in two communes (online and at a town hall's desk, or twice at two desks).
Two active pré-demandes are *probably* the same child when they have

- the same birth date (or expected birth date) and the same child last name once normalised
  (accents, case, hyphens, spaces and apostrophes ignored: « Lefèvre-Martin » = « LEFEVRE MARTIN »),
- or the same parent e-mail address and the same child first name (normalised the same way).

Each file stores its two keys (:mod:`.matching`, written when it is saved), so the files sharing
one are found by an indexed query: the desk does not read every file of the département on each
page.

Probable only: an agent checks and merges. The merge keeps the pré-demande submitted first (its
date is the family's place in the queue), adds the other's wishes after its own (no wish twice, at
most ``SDSF_FAMILY_MAX_WISHES``), moves the other's documents, fills the kept file's empty contact
fields, and closes the other (``MERGED``, ``merged_into``), with an event on both and an audit
record, in one transaction.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count, Q
from django.utils.translation import gettext as _

from sdsf.audit.log import record
from sdsf.audit.models import AuditEvent
from sdsf.families import applications, history
from sdsf.families.applications import ApplicationError
from sdsf.families.matching import child_key, email_key
from sdsf.families.models import ACTIVE_STATUSES, Document, Event, PreApplication, Wish

# Contact fields of the kept file filled from the other when empty there.
CONTACT_FIELDS = ("email", "phone", "address", "family_id", "child_first_name")


def keys(pre: PreApplication) -> list[tuple]:
    """The matching keys of a pré-demande: two files sharing one key are probable duplicates."""
    found = [
        ("child", child_key(pre.child_date, pre.child_last_name)),
        ("email", email_key(pre.email, pre.child_first_name)),
    ]
    return [(kind, key) for kind, key in found if key]


def by_submission(pre: PreApplication) -> tuple:
    return (pre.submitted_at is None, pre.submitted_at, pre.pk)


def groups(pres: Iterable[PreApplication]) -> list[list[PreApplication]]:
    """Groups of probable duplicates (two files or more), each ordered by submission date (the
    first one is the file a merge keeps); groups in the order of their first file."""
    pres = list(pres)
    parent = {pre.pk: pre.pk for pre in pres}

    def root(pk):
        while parent[pk] != pk:
            parent[pk] = parent[parent[pk]]
            pk = parent[pk]
        return pk

    first_with_key = {}
    for pre in pres:
        for key in keys(pre):
            if key in first_with_key:
                parent[root(pre.pk)] = root(first_with_key[key])
            else:
                first_with_key[key] = pre.pk
    members = defaultdict(list)
    for pre in pres:
        members[root(pre.pk)].append(pre)
    found = [sorted(group, key=by_submission) for group in members.values() if len(group) > 1]
    return sorted(found, key=lambda group: by_submission(group[0]))


def probable_in_departements(departement_ids) -> list[PreApplication]:
    """The active files of these départements that share a stored key with another one: the
    only files :func:`groups` can put in a group, found by the database (keys are indexed)."""
    active = PreApplication.objects.filter(
        departement_id__in=departement_ids, status__in=ACTIVE_STATUSES
    )

    def shared(key: str):
        return (
            active.exclude(**{key: ""})
            .order_by()
            .values(key)
            .annotate(files=Count("pk"))
            .filter(files__gt=1)
            .values(key)
        )

    matching = Q(child_key__in=shared("child_key")) | Q(email_key__in=shared("email_key"))
    return list(active.filter(matching).select_related("home_commune"))


def duplicates_of(pre: PreApplication) -> list[PreApplication]:
    """The other active pré-demandes of the same département that are probably the same child."""
    if pre.status not in ACTIVE_STATUSES:
        return []
    for group in groups(probable_in_departements([pre.departement_id])):
        if pre in group:
            return [other for other in group if other.pk != pre.pk]
    return []


@dataclass(frozen=True)
class Merged:
    kept: PreApplication
    closed: PreApplication
    wishes_added: int
    wishes_dropped: int
    documents_moved: int


def _wish_key(wish: Wish) -> tuple:
    return ("structure", wish.structure_id) if wish.structure_id else ("commune", wish.commune_id)


@transaction.atomic
def merge(first: PreApplication, second: PreApplication, *, actor, request=None) -> Merged:
    """Merges two active pré-demandes of one child into the one submitted first (see module)."""
    locked = {
        pre.pk: pre
        for pre in PreApplication.objects.select_for_update().filter(pk__in=[first.pk, second.pk])
    }
    if first.pk == second.pk or len(locked) != 2:
        raise ApplicationError(_("Choisissez deux pré-demandes différentes."))
    kept, closed = sorted(locked.values(), key=by_submission)
    if kept.status not in ACTIVE_STATUSES or closed.status not in ACTIVE_STATUSES:
        raise ApplicationError(_("Seules deux pré-demandes en cours peuvent être fusionnées."))
    if kept.departement_id != closed.departement_id:
        raise ApplicationError(_("Les deux pré-demandes doivent être du même département."))

    own = list(kept.wishes.all())
    present = {_wish_key(w) for w in own}
    extra = [w for w in closed.wishes.all() if _wish_key(w) not in present]
    room = max(applications.max_wishes() - len(own), 0)
    Wish.objects.bulk_create(
        Wish(
            pre_application=kept,
            rank=len(own) + index,
            structure_id=wish.structure_id,
            commune_id=wish.commune_id,
        )
        for index, wish in enumerate(extra[:room], start=1)
    )
    moved = Document.objects.filter(pre_application=closed).update(pre_application=kept)
    for name in CONTACT_FIELDS:
        if not getattr(kept, name) and getattr(closed, name):
            setattr(kept, name, getattr(closed, name))
    kept.save()

    history.record(
        kept,
        Event.Kind.MERGED,
        note=_(
            "%(reference)s fusionnée dans cette demande (%(wishes)s vœu(x), %(documents)s "
            "pièce(s) reprises)."
        )
        % {"reference": closed.reference, "wishes": min(len(extra), room), "documents": moved},
        actor=actor,
        by_agent=True,
    )
    closed.merged_into = kept
    history.set_status(
        closed,
        PreApplication.Status.CLOSED,
        kind=Event.Kind.MERGED,
        closed_reason=PreApplication.ClosedReason.MERGED,
        note=_("Fusionnée dans %(reference)s.") % {"reference": kept.reference},
        actor=actor,
        by_agent=True,
        extra_fields=("merged_into",),
    )
    applications.refresh_completeness(kept, actor=actor, by_agent=True)
    record(
        request,
        AuditEvent.Action.UPDATE,
        [kept, closed],
        user=actor,
        detail=f"fusion de {closed.reference} dans {kept.reference}",
    )
    return Merged(
        kept=kept,
        closed=closed,
        wishes_added=min(len(extra), room),
        wishes_dropped=max(len(extra) - room, 0),
        documents_moved=moved,
    )
