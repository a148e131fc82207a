"""Declared status changes: each model with a lifecycle says which moves it allows.

A pré-demande, a commission round, a family's answer and an import job each have a state that
several modules change (the family's pages, the desk, the commission, background tasks). Their
``Transitions`` map is the one place that says which changes exist; every change goes through
:meth:`Transitions.change` (one row) or :meth:`Transitions.change_all` (a queryset), and a move
the map does not declare raises :class:`TransitionError` instead of writing a state that no page
or rule expects. Staying in the same state is not a change (progress updates, a second
proposal).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field


class TransitionError(ValueError):
    """A status change that the model's map does not declare (a programming error, in English)."""


@dataclass(frozen=True)
class Transitions:
    """``moves[state]``: the states a row in ``state`` may go to, for the model field ``field``."""

    field: str
    moves: Mapping[str, Iterable[str]]
    _moves: dict[str, frozenset[str]] = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        moves = {str(state): frozenset(map(str, targets)) for state, targets in self.moves.items()}
        unknown = set().union(*moves.values()) - set(moves)
        if unknown:
            raise ValueError(f"targets without an entry of their own: {sorted(unknown)}")
        object.__setattr__(self, "_moves", moves)

    @property
    def states(self) -> frozenset[str]:
        return frozenset(self._moves)

    def allows(self, current: str, target: str) -> bool:
        return current == target or target in self._moves.get(current, ())

    def check(self, current: str, target: str) -> None:
        if not self.allows(current, target):
            raise TransitionError(
                f"{self.field}: {str(current)!r} may not change to {str(target)!r}"
            )

    def sources(self, target: str) -> list[str]:
        """The states from which ``target`` may be reached (itself included)."""
        return sorted(state for state in self._moves if self.allows(state, target))

    def change(self, item, target: str, *, fields: Iterable[str] = ()) -> None:
        """Moves ``item`` to ``target`` and saves the field (with ``fields``, other attributes
        the caller set); raises :class:`TransitionError` for an undeclared move."""
        self.check(getattr(item, self.field), target)
        setattr(item, self.field, target)
        item.save(update_fields=[self.field, *fields])

    def change_all(self, queryset, target: str, **values) -> int:
        """Moves every row of ``queryset`` to ``target`` (with ``values``) in one UPDATE; raises
        :class:`TransitionError`, writing nothing, when one of them may not go there. Returns
        the rows changed."""
        sources = self.sources(target)
        blocked = queryset.exclude(**{f"{self.field}__in": sources})
        found = blocked.values_list(self.field, flat=True).first()
        if found is not None:
            self.check(found, target)
        # Filtered again: a row changed by someone else meanwhile is left alone.
        return queryset.filter(**{f"{self.field}__in": sources}).update(
            **{self.field: target}, **values
        )
