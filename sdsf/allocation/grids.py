"""Points grids: loading a published grid from its data file, and scoring a situation.

A situation is the set of criterion keys met (declared by the family, or set by the
commission), the points a professional chose for the grid's ranges, and the commissions the
application already went through. Its points are the sum of the lines it earns, shown line by
line so a family can check them; a line may be negative (a malus).
"""

import json
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.db import transaction
from django.db.models import Count

from sdsf.allocation.models import AllocationRound, Application, Criterion, PointsGrid
from sdsf.core.imports import ImportFailed, RowError
from sdsf.territories.models import Commune

Kind = Criterion.Kind
MAX_POINTS = Decimal("99999")  # what a Criterion's weight column holds, either sign


@dataclass(frozen=True)
class PointsLine:
    label: str
    weight: Decimal
    times: int = 1  # commissions passed, for a per-commission line


def points_lines(
    criteria: Sequence[Criterion],
    situation: Iterable[str],
    chosen: Mapping[str, str] | None = None,
    commissions: int = 0,
) -> list[PointsLine]:
    """The lines of the grid the situation earns, in the grid's order, labelled in the active
    language: fixed lines met, ranges a professional chose points for (``chosen``, by key),
    per-commission lines times ``commissions``."""
    met, chosen = set(situation), chosen or {}
    lines = []
    for c in criteria:
        if c.kind == Kind.RANGE:
            if c.key in chosen:
                lines.append(PointsLine(c.display_label, Decimal(str(chosen[c.key]))))
        elif c.kind == Kind.PER_COMMISSION:
            if commissions:
                lines.append(PointsLine(c.display_label, c.weight * commissions, commissions))
        elif c.key in met:
            lines.append(PointsLine(c.display_label, c.weight))
    return lines


def application_lines(criteria: Sequence[Criterion], application: Application):
    return points_lines(
        criteria, application.criteria, application.chosen_points, application.commissions_passed
    )


def total(lines: Iterable[PointsLine]) -> Decimal:
    return sum((line.weight for line in lines), Decimal(0))


def family_questions(criteria: Iterable[Criterion]) -> list[Criterion]:
    """The lines a family declares itself (fixed points it may claim); ranges, per-commission
    lines and what the commission alone judges are never asked."""
    return [
        c for c in criteria if c.kind == Kind.FIXED and c.declared_by == Criterion.DeclaredBy.FAMILY
    ]


def commissions_passed(allocation_round: AllocationRound) -> tuple[Counter, Counter]:
    """How many validated commissions of the same commune, entering before this round, each
    application already went through: by pré-demande, and by reference for an imported list
    (the commune's own file keeps its references from one commission to the next)."""
    earlier = Application.objects.filter(
        round__commune_id=allocation_round.commune_id,
        round__status=AllocationRound.Status.VALIDATED,
        round__starts_on__lt=allocation_round.starts_on,
    ).exclude(round=allocation_round)
    by_pre = Counter(
        dict(
            earlier.filter(pre_application__isnull=False)
            .values_list("pre_application_id")
            .annotate(n=Count("round", distinct=True))
            .order_by()
        )
    )
    by_reference = Counter(
        dict(
            earlier.filter(pre_application__isnull=True)
            .values_list("reference")
            .annotate(n=Count("round", distinct=True))
            .order_by()
        )
    )
    return by_pre, by_reference


def commission_criteria(criteria: Iterable[Criterion]) -> list[Criterion]:
    """The lines the commission sets (ranges and what it alone judges), in the grid's order."""
    return [
        c
        for c in criteria
        if c.kind == Kind.RANGE
        or (c.kind == Kind.FIXED and c.declared_by == Criterion.DeclaredBy.COMMISSION)
    ]


def set_commission_points(
    application: Application, criteria: list[Criterion], ticked: set[str], chosen: dict
) -> Decimal:
    """Replaces what the commission set on the application (the family's declared lines stay)
    and recomputes its points; returns them. Before the run only: the engine reads points."""
    if application.round.status not in (
        AllocationRound.Status.DRAFT,
        AllocationRound.Status.PUBLISHED,
    ):
        raise PointsError("Les points ne peuvent être modifiés qu'avant le calcul.")
    own = {c.key for c in commission_criteria(criteria)}
    kept = [key for key in application.criteria if key not in own]
    application.criteria = [c.key for c in criteria if c.key in set(kept) | ticked]
    application.chosen_points = chosen
    application.points = total(application_lines(criteria, application))
    application.save(update_fields=["criteria", "chosen_points", "points"])
    return application.points


class PointsError(Exception):
    """The points cannot be changed now (message in French)."""


GRID_FIELDS = ("commune", "name", "source", "criteria")
CRITERION_FIELDS = ("key", "label", "reason")  # and "weight": a number, or {"min", "max"}
LANGUAGES = ("en", "ar")


def load_grid(path: Path) -> PointsGrid:
    """Creates or replaces the grid described by a JSON file (see ``data/grids/``)."""
    source = path.name
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ImportFailed([RowError(f"fichier illisible ({error})")], source) from error
    errors = _check(data)
    commune = Commune.objects.filter(code=str(data.get("commune", ""))).first()
    if not errors and commune is None:
        errors.append(RowError(f"commune « {data['commune']} » inconnue", column="commune"))
    if errors:
        raise ImportFailed(errors, source)
    with transaction.atomic():
        grid, _ = PointsGrid.objects.update_or_create(
            commune=commune, name=data["name"], defaults={"source": data["source"]}
        )
        grid.criteria.all().delete()
        Criterion.objects.bulk_create(
            _criterion(grid, index, item) for index, item in enumerate(data["criteria"], start=1)
        )
    return grid


def _criterion(grid: PointsGrid, position: int, item: dict) -> Criterion:
    kind = item.get("kind", Kind.FIXED)
    points = item.get("weight")
    return Criterion(
        grid=grid,
        position=position,
        key=item["key"],
        group=item.get("group", ""),
        label=item["label"],
        kind=kind,
        declared_by=(
            Criterion.DeclaredBy.COMMISSION
            if kind != Kind.FIXED
            else item.get("declared_by", Criterion.DeclaredBy.FAMILY)
        ),
        weight=Decimal(str(points["min"] if kind == Kind.RANGE else points)),
        min_weight=Decimal(str(points["min"])) if kind == Kind.RANGE else None,
        max_weight=Decimal(str(points["max"])) if kind == Kind.RANGE else None,
        proof=item.get("proof", ""),
        reason=item["reason"],
        translations=item.get("translations", {}),
    )


def copy_criteria(source: PointsGrid, grid: PointsGrid, rename: tuple[str, str]) -> None:
    """Replaces ``grid``'s criteria by ``source``'s, the commune's name in labels replaced
    (``rename``: old, new), in every language."""
    old, new = rename
    grid.criteria.all().delete()
    copies = []
    for c in source.criteria.all():
        c.pk, c.grid = None, grid
        c.label = c.label.replace(old, new)
        c.translations = {
            language: {**texts, "label": texts.get("label", "").replace(old, new)}
            for language, texts in c.translations.items()
        }
        copies.append(c)
    Criterion.objects.bulk_create(copies)


def _number(value) -> Decimal | None:
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return None
    return number if number.is_finite() and abs(number) <= MAX_POINTS else None


def _check(data) -> list[RowError]:
    if not isinstance(data, dict):
        return [RowError("un objet JSON est attendu")]
    missing = [name for name in GRID_FIELDS if not data.get(name)]
    errors = [RowError("champ obligatoire absent", column=name) for name in missing]
    seen: set[str] = set()
    for index, item in enumerate(data.get("criteria") or [], start=1):
        where = f"criteria[{index}]"
        if not isinstance(item, dict):
            errors.append(RowError("un objet est attendu", column=where))
            continue
        errors += [
            RowError("champ obligatoire absent", column=f"{where}.{f}")
            for f in CRITERION_FIELDS
            if item.get(f) in (None, "")
        ]
        errors += _check_points(item, where)
        if item.get("declared_by", "family") not in Criterion.DeclaredBy.values:
            errors.append(
                RowError("« family » ou « commission » attendu", column=f"{where}.declared_by")
            )
        translations = item.get("translations", {})
        if not isinstance(translations, dict) or not all(
            language in LANGUAGES and isinstance(texts, dict) and texts.get("label")
            for language, texts in translations.items()
        ):
            errors.append(
                RowError(
                    "traductions attendues sous la forme "
                    '{"en": {"label": …, "reason": …}, "ar": {…}}',
                    column=f"{where}.translations",
                )
            )
        if item.get("key") in seen:
            errors.append(RowError(f"clé « {item['key']} » en double", column=f"{where}.key"))
        seen.add(item.get("key"))
    return errors


def _check_points(item: dict, where: str) -> list[RowError]:
    kind, points = item.get("kind", Kind.FIXED), item.get("weight")
    column = f"{where}.weight"
    if kind not in Kind.values:
        known = ", ".join(Kind.values)
        return [RowError(f"type « {kind} » inconnu ({known})", column=f"{where}.kind")]
    if kind == Kind.RANGE:
        low = _number(points.get("min")) if isinstance(points, dict) else None
        high = _number(points.get("max")) if isinstance(points, dict) else None
        if low is None or high is None or low >= high:
            return [RowError('fourchette attendue : {"min": 10, "max": 100}', column=column)]
        return []
    if _number(points) is None:
        return [
            RowError(f"nombre de points entre −{MAX_POINTS} et {MAX_POINTS} attendu", column=column)
        ]
    return []
