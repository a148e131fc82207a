"""Questions every app asks about territories, answered from the official codes."""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, QuerySet, Sum

from sdsf.core.codes import normalise_departement_code
from sdsf.territories.models import Commune, Departement, Epci, Ept, Level, Region

# How a commune row is filtered by each level's code.
LEVEL_FILTER = {
    Level.COMMUNE: "code",
    Level.EPCI: "epci_id",
    Level.EPT: "ept_id",
    Level.DEPARTEMENT: "departement_id",
    Level.REGION: "departement__region_id",
}
_LEVEL_MODEL = {
    Level.COMMUNE: Commune,
    Level.EPCI: Epci,
    Level.EPT: Ept,
    Level.DEPARTEMENT: Departement,
    Level.REGION: Region,
}


@dataclass(frozen=True)
class TerritoryRef:
    """A territory named by its level and official code, e.g. (``"epci"``, ``"200054781"``)."""

    level: str
    code: str

    def communes(self) -> QuerySet[Commune]:
        return Commune.objects.filter(**{LEVEL_FILTER[Level(self.level)]: self.code})

    def get(self):
        """The territory's model instance, or None when the code is unknown."""
        return _LEVEL_MODEL[Level(self.level)].objects.filter(pk=self.code).first()

    @property
    def label(self) -> str:
        """One query: a list labels its rows with :func:`labels` instead."""
        return labels([self])[self]


def labels(refs: Iterable[TerritoryRef]) -> dict[TerritoryRef, str]:
    """The label of each territory (« EPCI Métropole du Grand Paris », or its code when the
    code is unknown), in one query per level, whatever the number of territories (names only:
    a commune's geometry stays in the database)."""
    refs = set(refs)
    found = {
        (level, code): territory
        for level, wanted in _codes_by_level(refs).items()
        for code, territory in _LEVEL_MODEL[level].objects.only("name").in_bulk(wanted).items()
    }
    return {
        ref: (
            f"{Level(ref.level).label} {found[ref.level, ref.code]}"
            if (ref.level, ref.code) in found
            else ref.code
        )
        for ref in refs
    }


def communes_of(refs: Iterable[TerritoryRef]) -> dict[TerritoryRef, set[str]]:
    """The commune codes of each territory, in one query per level, whatever the number of
    territories (an unknown code has none)."""
    refs = set(refs)
    found: dict[tuple[str, str], set[str]] = defaultdict(set)
    for level, wanted in _codes_by_level(refs).items():
        key = LEVEL_FILTER[level]
        rows = Commune.objects.filter(**{f"{key}__in": wanted}).order_by()
        for code, commune in rows.values_list(key, "code"):
            found[level, code].add(commune)
    return {ref: found[ref.level, ref.code] for ref in refs}


def _codes_by_level(refs: Iterable[TerritoryRef]) -> dict[Level, set[str]]:
    codes: dict[Level, set[str]] = defaultdict(set)
    for ref in refs:
        codes[Level(ref.level)].add(ref.code)
    return codes


def get_departement(code: str) -> Departement | None:
    return Departement.objects.filter(code=normalise_departement_code(code)).first()


def commune_rows(departement: Departement) -> list[dict]:
    """The département's communes with their EPCI and EPT, as the ``territories`` command prints."""
    communes = departement.communes.select_related("epci").order_by("code")
    return [
        {
            "code": c.code,
            "name": c.name,
            "epci_code": c.epci_id or "",
            "epci_name": c.epci.name if c.epci else "",
            "ept_code": c.ept_id or "",
            "population": c.population,
        }
        for c in communes
    ]


@dataclass(frozen=True)
class Summary:
    communes: int
    population: int


def summarise(communes: QuerySet[Commune]) -> Summary:
    totals = communes.aggregate(count=Count("code"), population=Sum("population"))
    return Summary(totals["count"], totals["population"] or 0)


def groupings(communes: QuerySet[Commune], level: str) -> list[dict]:
    """EPCI or EPT of a set of communes, with how many of those communes and people each holds."""
    key = LEVEL_FILTER[Level(level)]
    name = {Level.EPCI: "epci__name", Level.EPT: "ept__name"}[Level(level)]
    rows = (
        communes.exclude(**{f"{key}__isnull": True})
        .values(key, name)
        .annotate(communes=Count("code"), population=Sum("population"))
        .order_by(name)
    )
    return [
        {"code": r[key], "name": r[name], "communes": r["communes"], "population": r["population"]}
        for r in rows
    ]
