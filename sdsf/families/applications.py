"""The life of a pré-demande, the same for a family online and for an agent at the guichet unique.

A pré-demande is created as a draft at its first step, each step saves it, and submitting it makes
it *reçue*. It becomes *complète* once the documents its situation requires are there (rule in
:func:`required_documents`), and goes back to *reçue* if the situation later requires more. Every
change after submission is written to its history (:mod:`sdsf.families.history`).

One child, one active pré-demande per family: a second one for the same child (same first name,
same birth or expected birth date) is refused while the first is active.

Territory: a family is not territorial (it lives and wishes where it wants, within its
département of residence), but it may wish only crèches that take pré-demandes
(``Structure.objects.wishable``). An agent at the guichet unique writes only inside the
communes their roles serve (:func:`~sdsf.families.models.desk_communes`): the home commune
they file or change, and every wish they add (wishes the family made elsewhere stay).
"""

import re
from collections.abc import Sequence

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Q, QuerySet, Sum
from django.utils import translation
from django.utils.translation import gettext as _

from sdsf.accounts.scope import Permission
from sdsf.core import clock
from sdsf.families import history
from sdsf.families.commission import questions
from sdsf.families.models import (
    ACTIVE_STATUSES,
    Document,
    Event,
    PreApplication,
    Wish,
    desk_communes,
)
from sdsf.offer.models import Structure
from sdsf.territories.models import Commune

Status_ = PreApplication.Status
# The family (or the agent) may still change fields and wishes: the commission has not begun.
EDITABLE_STATUSES = (Status_.DRAFT, Status_.RECEIVED, Status_.COMPLETE)
# Documents may be added as long as the application waits for a place.
DOCUMENT_STATUSES = (Status_.DRAFT, *ACTIVE_STATUSES)

# Documents every pré-demande needs: proof of residence (the commune's criterion and the
# département's scope) and the child's birth certificate or a pregnancy certificate.
BASE_DOCUMENTS = (Document.Kind.RESIDENCE, Document.Kind.BIRTH)
# Documents a declared criterion needs, by criterion key of the published grids. A criterion not
# listed needs no document: the commission checks it from the file.
CRITERION_DOCUMENTS = {
    "both_parents_working": Document.Kind.WORK,
    "single_parent_working": Document.Kind.WORK,
    "disability": Document.Kind.DISABILITY,
}

# First bytes of the accepted file types: the type is read from the content, not the name.
SIGNATURES = {
    b"%PDF-": "application/pdf",
    b"\xff\xd8\xff": "image/jpeg",
    b"\x89PNG\r\n\x1a\n": "image/png",
}
EXTENSIONS = {"application/pdf": "PDF", "image/jpeg": "JPEG", "image/png": "PNG"}


class ApplicationError(ValidationError):
    """A change refused for a reason the person must read (French, translated)."""


# ---- references -------------------------------------------------------------------------------


def _next_reference(departement_code: str, year: int) -> str:
    prefix = f"PD-{departement_code}-{year}-"
    last = (
        PreApplication.objects.filter(reference__startswith=prefix)
        .order_by("-reference")
        .values_list("reference", flat=True)
        .first()
    )
    number = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{prefix}{number:06d}"


# ---- the agent's territory --------------------------------------------------------------------


def check_served(agent, communes: Sequence[Commune]) -> None:
    """Refuses a write of an agent that reaches a commune their guichet-unique roles do not
    serve (a home commune, the commune of a wished crèche, a wished commune)."""
    served = set(
        desk_communes(agent, Permission.FAMILY_FILES_FILE)
        .filter(pk__in=[c.pk for c in communes])
        .values_list("pk", flat=True)
    )
    for commune in communes:
        if commune.pk not in served:
            raise ApplicationError(
                _("La commune %(commune)s (%(code)s) n'est pas dans votre périmètre.")
                % {"commune": commune.name, "code": commune.code}
            )


# ---- drafts and steps -------------------------------------------------------------------------


def letter_language(language: str | None) -> str:
    """The platform language closest to ``language`` (``en-gb`` → ``en``), French otherwise."""
    code = (language or "").split("-")[0]
    return code if code in dict(settings.LANGUAGES) else "fr"


def create_draft(*, home_commune: Commune, family=None, filed_by=None, **fields) -> PreApplication:
    """A new draft in the département of the family's home commune, with its reference.

    References follow each other within a département and year (``PD-93-2026-000123``): they
    name a file for the family and the agents; they never give access to it. A draft filed by
    an agent must live in a commune the agent serves.
    """
    if filed_by is not None:
        check_served(filed_by, [home_commune])
    if family is not None:  # filed online: the language of the pages the family reads
        fields.setdefault("language", letter_language(translation.get_language()))
    for _attempt in range(5):
        try:
            with transaction.atomic():
                pre = PreApplication.objects.create(
                    reference=_next_reference(home_commune.departement_id, clock.today().year),
                    departement_id=home_commune.departement_id,
                    home_commune=home_commune,
                    family=family,
                    filed_by=filed_by,
                    **fields,
                )
        except IntegrityError:  # two drafts created at the same moment: take the next number
            continue
        history.record(
            pre,
            Event.Kind.CREATED,
            actor=filed_by or (family.user if family else None),
            by_agent=filed_by is not None,
        )
        return pre
    raise ApplicationError(_("La pré-demande n'a pas pu être créée : réessayez."))


def check_editable(pre: PreApplication) -> None:
    if pre.status not in EDITABLE_STATUSES:
        raise ApplicationError(
            _("La pré-demande est passée en commission : elle ne peut plus être modifiée.")
        )


def same_child(pre: PreApplication) -> PreApplication | None:
    """Another active pré-demande of the same family for the same child, if any."""
    if pre.family_id is None or not pre.child_date:
        return None
    return (
        PreApplication.objects.filter(
            family_id=pre.family_id,
            child_first_name__iexact=pre.child_first_name.strip(),
            status__in=ACTIVE_STATUSES,
        )
        .filter(Q(child_birth_date=pre.child_date) | Q(expected_birth_date=pre.child_date))
        .exclude(pk=pre.pk)
        .first()
    )


def check_not_duplicate(pre: PreApplication) -> None:
    other = same_child(pre)
    if other is not None:
        raise ApplicationError(
            _(
                "Une pré-demande est déjà en cours pour cet enfant (référence %(reference)s) : "
                "complétez-la ou modifiez ses vœux plutôt que d'en déposer une seconde."
            )
            % {"reference": other.reference}
        )


@transaction.atomic
def update(pre: PreApplication, fields: dict, *, actor, by_agent: bool) -> None:
    """Saves one step's fields (parent, child, need, situation); an agent may move the file
    only to a commune they serve."""
    check_editable(pre)
    if by_agent and "home_commune" in fields:
        # Compared with the stored row: a step's model form has already set the instance.
        stored = PreApplication.objects.values_list("home_commune_id", flat=True).get(pk=pre.pk)
        if fields["home_commune"].pk != stored:
            check_served(actor, [fields["home_commune"]])
    for name, value in fields.items():
        setattr(pre, name, value)
    if "home_commune" in fields:
        pre.departement_id = pre.home_commune.departement_id
    check_not_duplicate(pre)
    pre.save()
    history.record(pre, Event.Kind.UPDATED, actor=actor, by_agent=by_agent)
    refresh_completeness(pre, actor=actor, by_agent=by_agent)


# ---- wishes -----------------------------------------------------------------------------------


def max_wishes() -> int:
    return settings.SDSF_FAMILY_MAX_WISHES


def wish_targets(pre: PreApplication) -> list[Structure | Commune]:
    """The wishes in rank order, each a structure or a commune ("any crèche in commune X")."""
    return [
        w.structure if w.structure_id else w.commune
        for w in pre.wishes.select_related("structure__commune", "commune")
    ]


def wish_candidates(pre: PreApplication, query: str) -> tuple[QuerySet, QuerySet]:
    """Crèches (EAJE, open or planned) and communes of the département matching a search by
    commune or name, for the wishes step."""
    query = query.strip()
    if len(query) < 2:
        return Structure.objects.none(), Commune.objects.none()
    structures = (
        Structure.objects.wishable()
        .filter(commune__departement_id=pre.departement_id)
        .filter(Q(name__icontains=query) | Q(commune__name__icontains=query))
        .select_related("commune")
        .order_by("commune__name", "name")[:20]
    )
    communes = (
        Commune.objects.filter(departement_id=pre.departement_id)
        .filter(Q(name__icontains=query) | Q(code=query) | Q(postal_codes__contains=query))
        .order_by("name")[:5]
    )
    return structures, communes


@transaction.atomic
def set_wishes(
    pre: PreApplication, targets: Sequence[Structure | Commune], *, actor, by_agent: bool
) -> None:
    """Replaces the ranked wishes (1 to ``SDSF_FAMILY_MAX_WISHES``, no wish twice, all in the
    pré-demande's département, crèches that take pré-demandes) and forgets situation answers
    no wished commune asks anymore. An agent may add only wishes in communes they serve."""
    check_editable(pre)
    kept = {(type(t).__name__, t.pk) for t in wish_targets(pre)}
    added = [t for t in targets if (type(t).__name__, t.pk) not in kept]
    wishable = set(
        Structure.objects.wishable()
        .filter(pk__in=[t.pk for t in added if isinstance(t, Structure)])
        .values_list("pk", flat=True)
    )
    if any(isinstance(t, Structure) and t.pk not in wishable for t in added):
        raise ApplicationError(_("Cette crèche est introuvable."))
    if by_agent:
        check_served(actor, [t.commune if isinstance(t, Structure) else t for t in added])
    if len(targets) > max_wishes():
        raise ApplicationError(
            _("Au plus %(count)s vœux par pré-demande.") % {"count": max_wishes()}
        )
    keys = [(type(t).__name__, t.pk) for t in targets]
    if len(set(keys)) != len(keys):
        raise ApplicationError(_("Ce vœu figure déjà dans la liste."))
    for target in targets:
        commune = target.commune if isinstance(target, Structure) else target
        if commune.departement_id != pre.departement_id:
            raise ApplicationError(_("Les vœux doivent porter sur le département de résidence."))
    pre.wishes.all().delete()
    Wish.objects.bulk_create(
        Wish(
            pre_application=pre,
            rank=rank,
            structure=target if isinstance(target, Structure) else None,
            commune=target if isinstance(target, Commune) else None,
        )
        for rank, target in enumerate(targets, start=1)
    )
    asked = {q.key for q in questions(pre)}
    if set(pre.situation) - asked:
        pre.situation = [key for key in pre.situation if key in asked]
        pre.save(update_fields=["situation", "updated_at"])
    history.record(pre, Event.Kind.WISHES, actor=actor, by_agent=by_agent)
    refresh_completeness(pre, actor=actor, by_agent=by_agent)


# ---- documents --------------------------------------------------------------------------------


def sniff(uploaded) -> str:
    """The file's type read from its first bytes; refuses other types and files too large."""
    limit = settings.SDSF_FAMILY_DOCUMENT_MAX_BYTES
    if uploaded.size > limit:
        raise ApplicationError(
            _("Le fichier dépasse %(size)s Mo.") % {"size": round(limit / 1024 / 1024, 1)}
        )
    uploaded.seek(0)
    head = uploaded.read(16)
    uploaded.seek(0)
    allowed = settings.SDSF_FAMILY_DOCUMENT_TYPES
    for signature, content_type in SIGNATURES.items():
        if head.startswith(signature) and content_type in allowed:
            return content_type
    raise ApplicationError(
        _("Ce fichier n'est pas accepté : envoyez un %(types)s.")
        % {"types": ", ".join(EXTENSIONS[t] for t in allowed)}
    )


def _check_quota(documents, count: int, total: int, size: int, message: str) -> None:
    """Refuses one more document of ``size`` bytes past ``count`` documents or ``total`` bytes."""
    held = documents.aggregate(n=Count("pk"), bytes=Sum("size"))
    if held["n"] + 1 > count or (held["bytes"] or 0) + size > total:
        raise ApplicationError(message % {"count": count, "size": round(total / 1024 / 1024)})


def check_document_quotas(pre: PreApplication, size: int, *, actor, by_agent: bool) -> None:
    """A pré-demande holds at most so many documents and bytes; so does what a family account
    uploads over all its pré-demandes (agents at the desk file for many families: their own
    uploads count for the pré-demande only)."""
    _check_quota(
        pre.documents.all(),
        settings.SDSF_FAMILY_DOCUMENTS_PER_APPLICATION,
        settings.SDSF_FAMILY_DOCUMENT_BYTES_PER_APPLICATION,
        size,
        _(
            "Cette pré-demande a atteint la limite de %(count)s pièces ou %(size)s Mo : "
            "contactez le guichet unique."
        ),
    )
    if not by_agent and actor is not None:
        _check_quota(
            Document.objects.filter(uploaded_by=actor),
            settings.SDSF_FAMILY_DOCUMENTS_PER_ACCOUNT,
            settings.SDSF_FAMILY_DOCUMENT_BYTES_PER_ACCOUNT,
            size,
            _(
                "Votre compte a atteint la limite de %(count)s pièces ou %(size)s Mo envoyées : "
                "contactez le guichet unique."
            ),
        )


def add_document(pre: PreApplication, kind: str, uploaded, *, actor, by_agent: bool) -> Document:
    if pre.status not in DOCUMENT_STATUSES:
        raise ApplicationError(
            _("Cette pré-demande est close : on ne peut plus y ajouter de pièce.")
        )
    content_type = sniff(uploaded)
    name = re.sub(r"[^\w. -]", "_", uploaded.name or "")[:200] or "document"
    with transaction.atomic():
        # The rows counted for are locked while counting: two uploads at once cannot both pass.
        PreApplication.objects.select_for_update().filter(pk=pre.pk).first()
        if actor is not None:
            get_user_model().objects.select_for_update().filter(pk=actor.pk).first()
        check_document_quotas(pre, uploaded.size, actor=actor, by_agent=by_agent)
        document = Document(
            pre_application=pre,
            kind=kind,
            original_name=name,
            content_type=content_type,
            size=uploaded.size,
            uploaded_by=actor,
        )
        document.file.save("document", uploaded, save=False)
        document.save()
        history.record(
            pre,
            Event.Kind.DOCUMENT,
            note=document.get_kind_display(),
            actor=actor,
            by_agent=by_agent,
        )
        refresh_completeness(pre, actor=actor, by_agent=by_agent)
    return document


def required_documents(pre: PreApplication) -> list[str]:
    """Residence and birth always; a job-insertion certificate for the AVIP fast track; the
    document each declared criterion needs (:data:`CRITERION_DOCUMENTS`)."""
    kinds = list(BASE_DOCUMENTS)
    if pre.insertion:
        kinds.append(Document.Kind.INSERTION)
    for key in pre.situation:
        kind = CRITERION_DOCUMENTS.get(key)
        if kind and kind not in kinds:
            kinds.append(kind)
    return kinds


def missing_documents(pre: PreApplication) -> list[str]:
    present = set(pre.documents.values_list("kind", flat=True))
    return [kind for kind in required_documents(pre) if kind not in present]


def refresh_completeness(pre: PreApplication, *, actor, by_agent: bool) -> None:
    """Received ↔ complete, as documents arrive or the situation asks for more."""
    if pre.status not in (Status_.RECEIVED, Status_.COMPLETE):
        return
    status = Status_.RECEIVED if missing_documents(pre) else Status_.COMPLETE
    if status != pre.status:
        history.set_status(pre, status, actor=actor, by_agent=by_agent)


# ---- submission and withdrawal ----------------------------------------------------------------


def missing_for_submission(pre: PreApplication, *, by_agent: bool) -> list[str]:
    """What still prevents the submission, in words the person can act on (the GDPR consent
    aside: it is given on the submission form itself, checked by :func:`submit`)."""
    missing = []
    if not by_agent and pre.family and not pre.family.email_verified:
        missing.append(_("Vérifiez votre adresse e-mail (lien reçu par e-mail)."))
    if not (pre.parent_first_name and pre.parent_last_name):
        missing.append(_("Indiquez le nom et le prénom du parent."))
    if not (pre.email or pre.phone):
        missing.append(_("Indiquez une adresse e-mail ou un téléphone."))
    if not (pre.child_last_name and pre.child_date):
        missing.append(_("Indiquez le nom de l'enfant et sa date de naissance (ou prévue)."))
    if not (pre.wished_start and pre.days):
        missing.append(_("Indiquez la date d'accueil souhaitée et les jours."))
    if not pre.wishes.exists():
        missing.append(_("Ajoutez au moins un vœu."))
    return missing


@transaction.atomic
def submit(pre: PreApplication, *, actor, by_agent: bool) -> None:
    if pre.status != Status_.DRAFT:
        raise ApplicationError(_("Cette pré-demande a déjà été déposée."))
    missing = missing_for_submission(pre, by_agent=by_agent)
    if not pre.consent_at:
        missing.append(_("Lisez l'information sur vos données et donnez votre accord."))
    if missing:
        raise ApplicationError(missing)
    check_not_duplicate(pre)
    pre.submitted_at = pre.confirmed_at = clock.now()
    history.set_status(
        pre,
        Status_.RECEIVED,
        kind=Event.Kind.SUBMITTED,
        actor=actor,
        by_agent=by_agent,
        extra_fields=("submitted_at", "confirmed_at"),
    )
    refresh_completeness(pre, actor=actor, by_agent=by_agent)


@transaction.atomic
def withdraw(pre: PreApplication, *, actor, by_agent: bool) -> None:
    if pre.status == Status_.CLOSED:
        raise ApplicationError(_("Cette pré-demande est déjà close."))
    history.set_status(
        pre,
        Status_.CLOSED,
        closed_reason=PreApplication.ClosedReason.WITHDRAWN,
        actor=actor,
        by_agent=by_agent,
    )
