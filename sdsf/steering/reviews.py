"""The yearly review: every action's status and indicators for one year, with comments.

While a draft, the review is computed from the live plan; validating it stores that content as a
snapshot and refuses any later change, so the review stays what was validated whatever happens
to the plan afterwards. Each review is compared with the previous year's.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction

from sdsf.core import clock
from sdsf.steering.indicators import Figures, yearly_values
from sdsf.steering.models import Action, Indicator, Review, ReviewComment, Scheme


class ReviewFrozen(Exception):
    """The review was validated: it can no longer change."""

    def __str__(self) -> str:
        return "Ce bilan est validé : il ne peut plus être modifié."


def _number(value: Decimal | None) -> float | int | None:
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def _indicator_row(indicator: Indicator, year: int, figures: Figures) -> dict:
    return {
        "code": indicator.code,
        "label": indicator.label,
        "unit": indicator.unit,
        "value": _number(yearly_values(indicator, [year], figures)[year]),
        "target": _number(indicator.target_value),
        "target_year": indicator.target_year,
        "from_observatory": bool(indicator.binding),
    }


def live_content(review: Review) -> dict:
    """The review's content computed now from the plan (what validation will freeze)."""
    scheme, year = review.scheme, review.year
    figures = Figures(scheme.departement_id)
    comments = {c.action_id: c.text for c in review.comments.all()}
    actions = scheme.actions.select_related("axis").prefetch_related("indicators__values", "actors")
    return {
        "year": year,
        "summary": review.summary,
        "actions": [
            {
                "code": a.code,
                "title": a.title,
                "axis": f"{a.axis.code}. {a.axis.title}",
                "status": a.status,
                "status_label": str(Action.Status(a.status).label),
                "progress": a.progress,
                "pilots": [x.label for x in a.actors.all() if x.is_pilot],
                "comment": comments.get(a.pk, ""),
                "indicators": [_indicator_row(i, year, figures) for i in a.indicators.all()],
            }
            for a in actions
        ],
        "indicators": [
            _indicator_row(i, year, figures)
            for i in scheme.indicators.filter(action__isnull=True).prefetch_related("values")
        ],
    }


def content(review: Review) -> dict:
    return review.snapshot if review.frozen else live_content(review)


def open_review(scheme: Scheme, year: int) -> Review:
    review, _ = Review.objects.get_or_create(scheme=scheme, year=year)
    return review


def set_comment(review: Review, action: Action, text: str) -> None:
    if review.frozen:
        raise ReviewFrozen
    if text.strip():
        ReviewComment.objects.update_or_create(
            review=review, action=action, defaults={"text": text.strip()}
        )
    else:
        ReviewComment.objects.filter(review=review, action=action).delete()


def set_summary(review: Review, text: str) -> None:
    if review.frozen:
        raise ReviewFrozen
    review.summary = text.strip()
    review.save(update_fields=["summary"])


@transaction.atomic
def freeze(review: Review, user) -> Review:
    """Validates the review: its content becomes a snapshot that never changes again."""
    Review.objects.select_for_update().filter(pk=review.pk).first()  # one validation at a time
    review.refresh_from_db()
    if review.frozen:
        raise ReviewFrozen
    review.snapshot = live_content(review)
    review.validated_at = clock.now()
    review.validated_by = user
    review.save(update_fields=["snapshot", "validated_at", "validated_by"])
    return review


@dataclass
class Comparison:
    code: str
    title: str
    status: str
    previous_status: str | None
    progress: int | None
    previous_progress: int | None
    indicators: list[dict]


def compare_with_previous(review: Review) -> tuple[Review | None, list[Comparison]]:
    """Each action of the review beside its state in the previous year's review."""
    before = review.scheme.reviews.filter(year=review.year - 1).first()
    now = content(review)
    old = {a["code"]: a for a in content(before)["actions"]} if before else {}
    rows = []
    for action in now["actions"]:
        prev = old.get(action["code"])
        prev_values = {i["code"]: i["value"] for i in prev["indicators"]} if prev else {}
        rows.append(
            Comparison(
                code=action["code"],
                title=action["title"],
                status=action["status_label"],
                previous_status=prev["status_label"] if prev else None,
                progress=action["progress"],
                previous_progress=prev["progress"] if prev else None,
                indicators=[
                    {**i, "previous": prev_values.get(i["code"])} for i in action["indicators"]
                ],
            )
        )
    return before, rows
