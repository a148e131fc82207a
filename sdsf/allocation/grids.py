"""Points grids: loading a published grid from its data file, and scoring a situation.

A situation is the set of criterion keys a family meets; its points are the sum of
the weights of those criteria, shown line by line so a family can check them.
"""

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.db import transaction

from sdsf.allocation.models import Criterion, PointsGrid
from sdsf.core.imports import ImportFailed, RowError
from sdsf.territories.models import Commune


@dataclass(frozen=True)
class PointsLine:
    label: str
    weight: Decimal


def points_lines(criteria: Sequence[Criterion], situation: Iterable[str]) -> list[PointsLine]:
    """The lines of the grid the situation meets, in the grid's order."""
    met = set(situation)
    return [PointsLine(c.label, c.weight) for c in criteria if c.key in met]


def total(lines: Iterable[PointsLine]) -> Decimal:
    return sum((line.weight for line in lines), Decimal(0))


GRID_FIELDS = ("commune", "name", "source", "criteria")
CRITERION_FIELDS = ("key", "label", "weight", "reason")


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
            Criterion(
                grid=grid,
                position=index,
                key=item["key"],
                label=item["label"],
                weight=Decimal(str(item["weight"])),
                reason=item["reason"],
            )
            for index, item in enumerate(data["criteria"], start=1)
        )
    return grid


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
        try:
            Decimal(str(item.get("weight")))
        except InvalidOperation:
            errors.append(RowError("nombre de points attendu", column=f"{where}.weight"))
        if item.get("key") in seen:
            errors.append(RowError(f"clé « {item['key']} » en double", column=f"{where}.key"))
        seen.add(item.get("key"))
    return errors
