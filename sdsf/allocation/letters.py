"""Decision letters of a validated round: one per application, ready to be sent as it is.

A commission's decision is an individual administrative decision: the letter names who decides
and signs (the commune, or the Département, from its institution's fields), what was decided
with the structure's name, address and start date, how and by when to answer, whom to contact,
that an algorithm helped and how to ask for its parameters (article L311-3-1 of the code des
relations entre le public et l'administration), and the *voies et délais de recours*
(articles L411-2 CRPA and R421-1 of the code de justice administrative: a recours gracieux to
the authority, the tribunal administratif within two months).

Three outcomes: a place; no place this time with the application kept on the waiting list;
a refusal, when the commission itself decided that no place is given (its reason is the
motivation the law requires of an unfavourable decision). A family's letter is written in the
family's language (its pré-demande's), French for an imported waiting list; the e-mail that
carries it is sent by a background task once the validation is committed.
"""

from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.core.mail import EmailMessage
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sdsf.accounts.models import Institution
from sdsf.allocation import explain
from sdsf.allocation.answers import family_address, final_structure
from sdsf.allocation.grids import application_lines, total
from sdsf.allocation.models import AllocationRound, Application
from sdsf.core import clock, formats
from sdsf.core.downloads import render_pdf
from sdsf.core.links import public_url
from sdsf.offer.models import Structure
from sdsf.territories.models import Commune, Level

PLACE = "place"
WAITING = "waiting"
REFUSAL = "refusal"
OUTCOME_LABELS = {
    PLACE: gettext_lazy("Place attribuée"),
    WAITING: gettext_lazy("Pas de place, demande maintenue en liste d'attente"),
    REFUSAL: gettext_lazy("Refus motivé de la commission"),
}
TEMPLATE = "allocation/letter.html"

# "attribuée à la crèche « … »": the noun and its article by kind of structure, each sentence
# translated whole (articles and contractions differ by language).
Category = Structure.Category
AT_STRUCTURE = {
    Category.COLLECTIVE: gettext_lazy("à la crèche « %(name)s »"),
    Category.MULTI: gettext_lazy("au multi-accueil « %(name)s »"),
    Category.HALTE: gettext_lazy("à la halte-garderie « %(name)s »"),
    Category.FAMILIALE: gettext_lazy("à la crèche familiale « %(name)s »"),
    Category.PARENTALE: gettext_lazy("à la crèche parentale « %(name)s »"),
    Category.MICRO: gettext_lazy("à la micro-crèche « %(name)s »"),
    Category.JARDIN: gettext_lazy("au jardin d'enfants « %(name)s »"),
}
AT_OTHER = gettext_lazy("à l'établissement « %(name)s »")


def at_structure(structure: Structure) -> str:
    """``à la crèche « Les Lilas »`` in the active language (the name isolated: it keeps its
    own order in a right to left letter)."""
    phrase = AT_STRUCTURE.get(structure.category, AT_OTHER)
    return str(phrase) % {"name": formats.isolate(structure.name)}


def outcome(application: Application) -> str:
    if application.final_structure_id is not None:
        return PLACE
    return REFUSAL if application.overridden else WAITING


def language(application: Application) -> str:
    pre = application.pre_application
    return pre.language if pre is not None else settings.LANGUAGE_CODE


@dataclass(frozen=True)
class Authority:
    """Who decides and signs: the commune's institution, else the Département's."""

    name: str
    address: str
    signatory: str
    contact: str
    court: str


def authority(commune: Commune) -> Authority:
    """The commune's institution when the platform knows it, else the Département's (which
    allocates for communes that delegate), else the commune named by the law's words."""
    institutions = Institution.objects.filter(
        kind=Institution.Kind.COMMUNE, territory_level=Level.COMMUNE, territory_code=commune.code
    ).order_by("pk")
    found = institutions.first() or (
        Institution.objects.filter(
            kind=Institution.Kind.DEPARTEMENT,
            territory_level=Level.DEPARTEMENT,
            territory_code=commune.departement_id,
        )
        .order_by("pk")
        .first()
    )
    if found is None:
        return Authority(f"Commune de {commune.name}", "", "", "", "")
    return Authority(found.name, found.address, found.signatory, found.contact, found.court)


def structure_names(application: Application) -> dict[str, str]:
    """The names of the structures the application wished, by identifier."""
    wishes = application.explanation.get("wishes", [])
    return dict(
        Structure.objects.filter(identifier__in=[w["structure_id"] for w in wishes]).values_list(
            "identifier", "name"
        )
    )


def context(application: Application, authority: Authority, on: date | None = None) -> dict:
    """What the letter template reads; ``on`` is the letter's date (the validation's)."""
    item = application.round
    lines = application_lines(list(item.grid.criteria.all()), application)
    pre = application.pre_application
    structure = final_structure(application)
    return {
        "item": item,
        "target": application,
        "pre": pre,
        "outcome": outcome(application),
        "structure": structure,
        "at_structure": at_structure(structure) if structure is not None else "",
        "authority": authority,
        "on": on or item.validated_on or clock.today(),
        "lines": lines,
        "total": total(lines),
        "explanation": (
            explain.message(application.explanation, structure_names(application))
            if application.explanation
            else ""
        ),
        "answer_url": (
            public_url("proposals:detail", proposal=application.pk)
            if pre is not None and pre.family_id is not None
            else ""
        ),
        "grid_url": public_url("allocation:public_grid", round=item.pk),
    }


def render(application: Application, authority: Authority, language_code: str) -> bytes:
    """The letter as PDF, in ``language_code`` (right to left in Arabic)."""
    with translation.override(language_code):
        return render_pdf(TEMPLATE, context(application, authority))


def filename(application: Application) -> str:
    return f"decision-{application.reference}"


@dataclass
class Dispatch:
    """What validation sends for one outcome: e-mails (letter attached), letters to post."""

    outcome: str
    label: str
    by_email: int = 0
    by_post: int = 0

    @property
    def total(self) -> int:
        return self.by_email + self.by_post


def dispatch(allocation_round: AllocationRound) -> list[Dispatch]:
    """Per outcome, how many families validation will e-mail their letter, and how many
    letters are to print and post (no e-mail address: an imported waiting list, a file filed
    at the desk without one)."""
    rows = {key: Dispatch(key, str(label)) for key, label in OUTCOME_LABELS.items()}
    applications = allocation_round.applications.select_related("pre_application__family__user")
    for application in applications.only(
        "proposed_structure",
        "decided_structure",
        "override_reason",
        "pre_application__email",
        "pre_application__family__user__email",
    ):
        row = rows[outcome(application)]
        pre = application.pre_application
        if pre is not None and family_address(pre):
            row.by_email += 1
        else:
            row.by_post += 1
    return [row for row in rows.values() if row.total]


SUBJECTS = {
    PLACE: gettext_lazy("[SDSF] Décision de la commission : une place vous est attribuée"),
    WAITING: gettext_lazy("[SDSF] Décision de la commission : votre demande reste en attente"),
    REFUSAL: gettext_lazy("[SDSF] Décision de la commission d'attribution"),
}


def _body(application: Application) -> str:
    kind = outcome(application)
    if kind == PLACE:
        lines = [
            _("La commission d'attribution vous propose une place à %(structure)s.")
            % {"structure": final_structure(application).name},
            _(
                "Acceptez-la ou refusez-la au plus tard le %(date)s depuis votre espace ; sans "
                "réponse, elle sera proposée à une autre famille."
            )
            % {"date": formats.date(application.answer_deadline)},
        ]
    elif kind == WAITING:
        lines = [
            _(
                "La commission d'attribution n'a pas pu vous proposer de place cette fois-ci. "
                "Votre demande reste active pour la prochaine commission."
            )
        ]
    else:
        lines = [_("La commission d'attribution ne vous attribue pas de place.")]
    lines.append(_("La décision de la commission est jointe à ce message (PDF)."))
    link = public_url("families:application", reference=application.pre_application.reference)
    return "\n\n".join([_("Bonjour,"), *lines, link])


def send(application: Application, authority: Authority) -> bool:
    """E-mails one family its decision, the letter attached, in its language; False when the
    family gave no e-mail address (its letter is posted)."""
    pre = application.pre_application
    address = family_address(pre) if pre is not None else ""
    if not address:
        return False
    code = language(application)
    pdf = render(application, authority, code)
    with translation.override(code):
        message = EmailMessage(
            str(SUBJECTS[outcome(application)]),
            _body(application),
            settings.DEFAULT_FROM_EMAIL,
            [address],
        )
    message.attach(f"{filename(application)}.pdf", pdf, "application/pdf")
    message.send()
    return True


def send_all(allocation_round: AllocationRound) -> int:
    """Sends every decision of a validated round not sent yet (a retried task resends none);
    returns how many e-mails went out."""
    who = authority(allocation_round.commune)
    pending = (
        allocation_round.applications.filter(decision_sent_at__isnull=True)
        .select_related(
            "round__grid",
            "round__commune",
            "pre_application__family__user",
            "proposed_structure",
            "decided_structure",
        )
        .order_by("pk")
    )
    sent = 0
    for application in pending:
        if send(application, who):
            sent += 1
        application.decision_sent_at = clock.now()
        application.save(update_fields=["decision_sent_at"])
    return sent
