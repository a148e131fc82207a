"""Observatory figures an indicator can be bound to.

A bound indicator takes its yearly values from here instead of typed values, so the plan shows
the same figure as the observatory. A binding is a function ``(departement_code, year) ->
Decimal | None``: ``None`` means the figure is not known for that year (no data imported), never
zero. Apps register their figures with :func:`register`; only figures computed from real data
are registered, so an indicator bound to a key that is not (yet) registered shows no value.
"""

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

Figure = Callable[[str, int], Decimal | None]


@dataclass(frozen=True)
class Binding:
    key: str
    label: str
    unit: str
    figure: Figure
    # Why a year has no value and how to give it one, for the people reading the plan.
    missing: str = "aucune donnée importée pour cette année"


REGISTRY: dict[str, Binding] = {}


def register(key: str, label: str, unit: str, missing: str = "") -> Callable[[Figure], Figure]:
    """Decorator: makes ``figure`` available to indicators under ``key``; ``missing`` says
    why a year may have no value and where to import the data that gives it one."""

    def decorator(figure: Figure) -> Figure:
        REGISTRY[key] = Binding(key, label, unit, figure, *([missing] if missing else []))
        return figure

    return decorator


def unregister(key: str) -> None:
    REGISTRY.pop(key, None)


def get(key: str) -> Binding | None:
    return REGISTRY.get(key)


def value(key: str, departement_code: str, year: int) -> Decimal | None:
    """The figure for a département and year; None when unknown or when the key is unbound."""
    binding = REGISTRY.get(key)
    return None if binding is None else binding.figure(departement_code, year)


def choices() -> list[tuple[str, str]]:
    return [(b.key, b.label) for b in sorted(REGISTRY.values(), key=lambda b: b.label)]
