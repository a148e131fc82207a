"""Surveys of the scheme: anonymous answers through one public link per recipient list,
response rates and results by list (each list covers a territory), and export.
"""

from collections import Counter
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from django.db import transaction
from django.db.models import Count

from sdsf.core import clock, downloads
from sdsf.steering.models import Question, RecipientList, Response, Survey
from sdsf.territories.queries import TerritoryRef, labels


class Period(StrEnum):
    """Where a survey stands in its dates: the public link takes answers only when open."""

    EMPTY = "empty"  # no question yet: it cannot be opened, whatever its dates
    NOT_YET = "not_yet"  # before its opening date
    OPEN = "open"
    CLOSED = "closed"  # after its closing date (the closing day is included)


def period(survey: Survey, today: date | None = None) -> Period:
    today = today or clock.today()
    if not survey.questions.exists():
        return Period.EMPTY
    if survey.opens_on and today < survey.opens_on:
        return Period.NOT_YET
    if survey.closes_on and today > survey.closes_on:
        return Period.CLOSED
    return Period.OPEN


def territory_names(lists) -> dict[int, str]:
    """« Commune Bobigny », « EPCI Est Ensemble »…: each list's territory by name (one query
    per level), keyed by the list's id."""
    refs = {lst.pk: TerritoryRef(lst.territory_level, lst.territory_code) for lst in lists}
    names = labels(refs.values())
    return {pk: names[ref] for pk, ref in refs.items()}


class ListFull(Exception):
    """The list has as many responses as recipients: one more would be a second answer."""


FULL_MESSAGE = (
    "Cette enquête a déjà reçu autant de réponses que de destinataires de cette liste : "
    "votre réponse n'a pas été enregistrée."
)


def full(list_: RecipientList) -> bool:
    return list_.responses.count() >= list_.recipients


@transaction.atomic
def submit(list_: RecipientList, cleaned: dict) -> Response:
    """Stores one anonymous response from the public form's cleaned data (``q<id>`` keys).

    The link is shared by the whole list, so a list takes at most one response per recipient
    (the list row is locked while counting, so two answers at once cannot both pass): a rate
    never exceeds 100 % and one person cannot drown the others' answers.
    """
    RecipientList.objects.select_for_update().filter(pk=list_.pk).first()
    if full(list_):
        raise ListFull
    answers = {}
    for question in list_.survey.questions.all():
        value = cleaned.get(f"q{question.pk}")
        if value in (None, "", []):
            continue
        answers[str(question.pk)] = str(value) if isinstance(value, Decimal) else value
    return Response.objects.create(recipient_list=list_, answers=answers)


@dataclass
class ListRate:
    recipient_list: RecipientList
    responses: int

    @property
    def rate(self) -> Decimal | None:
        """Responses per 100 recipients, one decimal (None without recipients)."""
        sent = self.recipient_list.recipients
        return (Decimal(100 * self.responses) / sent).quantize(Decimal("0.1")) if sent else None


def rates(survey: Survey) -> tuple[list[ListRate], ListRate | None]:
    """Response rate of each list, and of the whole survey (sum over sum)."""
    lists = survey.recipient_lists.annotate(n=Count("responses"))
    rows = [ListRate(lst, lst.n) for lst in lists]
    if not rows:
        return rows, None
    total = RecipientList(
        name="Ensemble", recipients=sum(r.recipient_list.recipients for r in rows)
    )
    return rows, ListRate(total, sum(r.responses for r in rows))


@dataclass
class QuestionResult:
    question: Question
    answered: int
    # choice questions: (choice, count) in the survey's order; number: mean/min/max
    counts: list[tuple[str, int]]
    by_list: dict[str, list[tuple[str, int]]]
    mean: Decimal | None = None
    minimum: Decimal | None = None
    maximum: Decimal | None = None


def results(survey: Survey) -> list[QuestionResult]:
    responses = list(
        Response.objects.filter(recipient_list__survey=survey).select_related("recipient_list")
    )
    out = []
    for question in survey.questions.all():
        key = str(question.pk)
        given = [(r.recipient_list.name, r.answers[key]) for r in responses if key in r.answers]
        result = QuestionResult(question, len(given), [], {})
        if question.has_choices:
            result.counts = _count(question, [v for _, v in given])
            for name in sorted({n for n, _ in given}):
                result.by_list[name] = _count(question, [v for n, v in given if n == name])
        elif question.kind == Question.Kind.NUMBER and given:
            numbers = [Decimal(v) for _, v in given]
            result.mean = (sum(numbers) / len(numbers)).quantize(Decimal("0.01"))
            result.minimum, result.maximum = min(numbers), max(numbers)
        out.append(result)
    return out


def _count(question: Question, values: list) -> list[tuple[str, int]]:
    counter: Counter[str] = Counter()
    for value in values:
        counter.update(value if isinstance(value, list) else [value])
    return [(choice, counter[choice]) for choice in question.choices]


def export_xlsx(survey: Survey) -> bytes:
    """One row per response (list, territory, date, one column per question), then the rates."""
    questions = list(survey.questions.all())
    names = territory_names(survey.recipient_lists.all())
    responses = Response.objects.filter(recipient_list__survey=survey).select_related(
        "recipient_list"
    )

    def answer_rows():
        for r in responses.order_by("submitted_at"):
            lst = r.recipient_list
            cells = []
            for q in questions:
                value = r.answers.get(str(q.pk), "")
                cells.append(" | ".join(value) if isinstance(value, list) else value)
            yield [
                lst.name,
                names[lst.pk],
                r.submitted_at,  # in local time (core.downloads)
                *cells,
            ]

    rows, total = rates(survey)
    rate_rows = [
        [
            row.recipient_list.name,
            names.get(row.recipient_list.pk, ""),  # the whole survey's row has no territory
            row.recipient_list.recipients,
            row.responses,
            row.rate,
        ]
        for row in [*rows, *([total] if total else [])]
    ]
    return downloads.workbook_file(
        [
            (
                "Réponses",
                ["Liste", "Territoire", "Reçue le", *[q.text for q in questions]],
                answer_rows(),
            ),
            (
                "Taux de réponse",
                ["Liste", "Territoire", "Destinataires", "Réponses", "Taux (%)"],
                rate_rows,
            ),
        ]
    )
