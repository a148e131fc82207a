"""Surveys of the scheme: anonymous answers through one public link per recipient list,
response rates and results by list (each list covers a territory), and export.
"""

import io
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import Count

from sdsf.steering.models import Question, RecipientList, Response, Survey


def answerable(list_: RecipientList) -> bool:
    return list_.open and list_.survey.questions.exists()


@transaction.atomic
def submit(list_: RecipientList, cleaned: dict) -> Response:
    """Stores one anonymous response from the public form's cleaned data (``q<id>`` keys)."""
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
    """One row per response (list, territory, date, one column per question)."""
    from openpyxl import Workbook

    questions = list(survey.questions.all())
    book = Workbook()
    sheet = book.active
    sheet.title = "Réponses"
    sheet.append(["Liste", "Territoire", "Reçue le", *[q.text for q in questions]])
    responses = Response.objects.filter(recipient_list__survey=survey).select_related(
        "recipient_list"
    )
    for r in responses.order_by("submitted_at"):
        lst = r.recipient_list
        cells = []
        for q in questions:
            value = r.answers.get(str(q.pk), "")
            cells.append(" | ".join(value) if isinstance(value, list) else value)
        sheet.append(
            [
                lst.name,
                f"{lst.territory_level} {lst.territory_code}",
                r.submitted_at.replace(tzinfo=None),
                *cells,
            ]
        )
    rates_sheet = book.create_sheet("Taux de réponse")
    rates_sheet.append(["Liste", "Territoire", "Destinataires", "Réponses", "Taux (%)"])
    rows, total = rates(survey)
    for row in [*rows, *([total] if total else [])]:
        lst = row.recipient_list
        rates_sheet.append(
            [
                lst.name,
                f"{lst.territory_level} {lst.territory_code}".strip(),
                lst.recipients,
                row.responses,
                row.rate,
            ]
        )
    stream = io.BytesIO()
    book.save(stream)
    return stream.getvalue()
