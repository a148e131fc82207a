"""Yearly values of indicators: typed by the pilot, or read from a bound observatory figure."""

from decimal import Decimal

from sdsf.core import clock
from sdsf.steering import bindings
from sdsf.steering.models import Indicator, IndicatorValue


class BoundIndicatorError(ValueError):
    """A value was typed for an indicator whose values come from the observatory."""


class Figures:
    """The bound figures of one scheme's département, each (binding, year) asked of the
    observatory once: a page or report listing many bound indicators computes each figure
    once, not once per indicator."""

    def __init__(self, departement_code: str):
        self.departement_code = departement_code
        self._values: dict[tuple[str, int], Decimal | None] = {}

    def value(self, key: str, year: int) -> Decimal | None:
        if (key, year) not in self._values:
            self._values[key, year] = bindings.value(key, self.departement_code, year)
        return self._values[key, year]


def yearly_values(
    indicator: Indicator, years, figures: Figures | None = None
) -> dict[int, Decimal | None]:
    """The indicator's value for each year (None when unknown); a list passes the
    :class:`Figures` of its scheme."""
    if indicator.binding:
        figures = figures or Figures(indicator.scheme.departement_id)
        return {year: figures.value(indicator.binding, year) for year in years}
    typed = {v.year: v.value for v in indicator.values.all()}
    return {year: typed.get(year) for year in years}


def missing_years(indicator: Indicator, values: dict[int, Decimal | None]) -> dict | None:
    """For a bound indicator, the past and current years without a value and why (the
    binding's explanation, with where to import the data); None when nothing is missing."""
    binding = bindings.get(indicator.binding) if indicator.binding else None
    if binding is None:
        return None
    years = [y for y, v in values.items() if v is None and y <= clock.today().year]
    return {"years": years, "why": binding.missing} if years else None


def is_bound_and_available(indicator: Indicator) -> bool:
    return bool(indicator.binding) and bindings.get(indicator.binding) is not None


def record_value(
    indicator: Indicator, year: int, value: Decimal, source: str, user, *, validated: bool
) -> IndicatorValue:
    """Stores a typed yearly value (replacing the year's previous one)."""
    if indicator.binding:
        raise BoundIndicatorError(
            "Cet indicateur est alimenté par l'observatoire : sa valeur ne se saisit pas."
        )
    row, _ = IndicatorValue.objects.update_or_create(
        indicator=indicator,
        year=year,
        defaults={"value": value, "source": source, "entered_by": user, "validated": validated},
    )
    return row


def trajectory(
    indicator: Indicator, years, figures: Figures | None = None
) -> list[tuple[int, Decimal]]:
    """Known points of the indicator: baseline, yearly values, then target (for charts)."""
    points: dict[int, Decimal] = {}
    if indicator.baseline_value is not None and indicator.baseline_year:
        points[indicator.baseline_year] = indicator.baseline_value
    for year, value in yearly_values(indicator, years, figures).items():
        if value is not None:
            points[year] = value
    return sorted(points.items())
