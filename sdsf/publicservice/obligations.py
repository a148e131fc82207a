"""The communes' obligations as autorités organisatrices of early-childhood care (pure core).

Article L214-1-3 of the code de l'action sociale et des familles (from 1 January 2025): every
commune takes the census of needs and offer and informs families; above 3,500 inhabitants it
also plans the development of the offer and supports its quality; above 10,000 it adopts a
schéma pluriannuel and runs a relais petite enfance. "Above" is strict: a commune of exactly
10,000 inhabitants has no schéma to adopt. When the commune transferred the competence to its
EPCI, the EPCI is the authority and its population decides.

No Django here: :mod:`sdsf.publicservice.authorities` loads the communes, transfers, relais and
schémas, and calls :func:`commune_rows`.
"""

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

PLANNING_THRESHOLD = 3_500  # planning and quality: more than this many inhabitants
SCHEMA_THRESHOLD = 10_000  # schéma pluriannuel and relais petite enfance: more than this

# The command's columns, in this order (1/0 for each obligation).
COLUMNS = (
    "commune",
    "population",
    "authority",
    "authority_population",
    "census",
    "information",
    "planning",
    "quality",
    "schema_required",
    "rpe_required",
    "rpe_present",
    "schema_adopted_on",
)
DUTIES = ("census", "information", "planning", "quality", "schema_required", "rpe_required")


@dataclass(frozen=True)
class Obligations:
    census: bool
    information: bool
    planning: bool
    quality: bool
    schema_required: bool
    rpe_required: bool

    def as_flags(self) -> dict[str, int]:
        return {duty: int(getattr(self, duty)) for duty in DUTIES}


def obligations(population: int | None) -> Obligations:
    """What an authority of ``population`` inhabitants must do (unknown population: the duties
    of every commune only)."""
    people = population or 0
    return Obligations(
        census=True,
        information=True,
        planning=people > PLANNING_THRESHOLD,
        quality=people > PLANNING_THRESHOLD,
        schema_required=people > SCHEMA_THRESHOLD,
        rpe_required=people > SCHEMA_THRESHOLD,
    )


def _flags(population: int | None) -> dict[str, int]:
    """:func:`obligations` as 1/0 flags, one of three shared dicts (the rows copy them)."""
    people = population or 0
    tier = 2 if people > SCHEMA_THRESHOLD else 1 if people > PLANNING_THRESHOLD else 0
    return _TIERS[tier]


_TIERS = [obligations(population).as_flags() for population in (0, 3_501, 10_001)]


@dataclass(frozen=True)
class CommuneFacts:
    code: str
    name: str
    population: int | None
    epci_code: str | None
    epci_name: str | None
    epci_population: int | None


@dataclass(frozen=True)
class Authority:
    """Who holds the competence for a commune: the commune itself or its EPCI."""

    level: str  # "commune" or "epci"
    code: str  # the commune's INSEE code or the EPCI's SIREN
    name: str
    population: int | None


def authority_of(
    commune: CommuneFacts, transfers: Mapping[str, datetime.date], on: datetime.date
) -> Authority:
    """The commune's EPCI when the commune transferred the competence on or before ``on``."""
    since = transfers.get(commune.code)
    if since is not None and since <= on and commune.epci_code:
        return Authority(
            "epci", commune.epci_code, commune.epci_name or "", commune.epci_population
        )
    return Authority("commune", commune.code, commune.name, commune.population)


def commune_rows(
    communes: Iterable[CommuneFacts],
    transfers: Mapping[str, datetime.date],
    rpe_communes: set[str],
    adopted: Mapping[tuple[str, str], datetime.date],
    on: datetime.date,
) -> list[dict]:
    """One row per commune (:data:`COLUMNS`, plus ``name``, ``authority_level`` and
    ``authority_name``), sorted by code.

    ``transfers``: commune code → date the competence went to its EPCI; ``rpe_communes``: the
    communes an open relais covers; ``adopted``: (level, code) of an authority → date its
    schéma in force was adopted.
    """
    rows = []
    for commune in sorted(communes, key=lambda c: c.code):
        authority = authority_of(commune, transfers, on)
        adopted_on = adopted.get((authority.level, authority.code))
        rows.append(
            {
                "commune": commune.code,
                "name": commune.name,
                "population": commune.population,
                "authority": authority.code,
                "authority_level": authority.level,
                "authority_name": authority.name,
                "authority_population": authority.population,
                **_flags(authority.population),
                "rpe_present": int(commune.code in rpe_communes),
                "schema_adopted_on": adopted_on.isoformat() if adopted_on else "",
            }
        )
    return rows


def authorities(rows: Iterable[dict]) -> list[dict]:
    """The authorities of the rows (a commune, or an EPCI once for all its communes that
    transferred), with their obligations, whether every commune they hold is covered by a
    relais, and their communes' codes; by name."""
    found: dict[tuple[str, str], dict] = {}
    for row in rows:
        key = (row["authority_level"], row["authority"])
        entry = found.get(key)
        if entry is None:
            entry = found[key] = {
                "level": row["authority_level"],
                "code": row["authority"],
                "name": row["authority_name"],
                "population": row["authority_population"],
                **{duty: row[duty] for duty in DUTIES},
                "schema_adopted_on": row["schema_adopted_on"],
                "rpe_present": 1,
                "communes": [],
            }
        entry["communes"].append(row["commune"])
        entry["rpe_present"] &= row["rpe_present"]
    return sorted(found.values(), key=lambda a: (a["name"], a["code"]))


def lacking(entry: dict, filter_name: str) -> bool:
    """Whether an authority (or commune row) is kept by the filter: it fails the filter's
    obligation (``schema``, ``rpe``), or plans the offer (``planning``), or any (``all``)."""
    if filter_name == "planning":
        return bool(entry["planning"])
    if filter_name == "schema":
        return bool(entry["schema_required"]) and not entry["schema_adopted_on"]
    if filter_name == "rpe":
        return bool(entry["rpe_required"]) and not entry["rpe_present"]
    return True
