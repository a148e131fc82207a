"""The obligations of a département's communes and EPCI, from the database (service).

Loads the communes (COG populations), the transfers recorded by the département, the relais'
coverage (offer registry) and the adopted schémas, then asks the pure core
(:mod:`sdsf.publicservice.obligations`). Five queries whatever the number of communes.
"""

import datetime

from sdsf.core import clock
from sdsf.offer.coverage import rpe_covered_communes
from sdsf.publicservice import obligations
from sdsf.publicservice.models import CompetenceTransfer, LocalSchema
from sdsf.territories.models import Commune, Level

# The page's filters; the first is the default (the small communes' only duties are the
# census and information: listing them all by default would bury the others).
FILTERS = {
    "planning": "Communes et EPCI de plus de 3 500 habitants",
    "schema": "Schéma requis et non adopté",
    "rpe": "Relais petite enfance requis et absent",
    "all": "Toutes les communes et EPCI",
}


def facts(departement_code: str) -> list[obligations.CommuneFacts]:
    rows = (
        Commune.objects.filter(departement_id=departement_code, kind=Commune.Kind.COMMUNE)
        .order_by("code")
        .values_list("code", "name", "population", "epci_id", "epci__name", "epci__population")
    )
    return [obligations.CommuneFacts(*row) for row in rows]


def adopted_schemas(
    departement_code: str, on: datetime.date
) -> dict[tuple[str, str], datetime.date]:
    """(level, code) of each authority → adoption date of its schéma in force on ``on`` (the
    latest adopted one covering that year, else the latest adopted)."""
    found: dict[tuple[str, str], datetime.date] = {}
    schemas = LocalSchema.objects.filter(
        departement_id=departement_code, adopted_on__isnull=False, adopted_on__lte=on
    ).order_by("adopted_on")
    for level, code, adopted_on in schemas.values_list(
        "authority_level", "authority_code", "adopted_on"
    ):
        found[(level, code)] = adopted_on
    return found


def commune_rows(departement_code: str, on: datetime.date | None = None) -> list[dict]:
    """One row per commune of the département (:data:`obligations.COLUMNS` and more)."""
    on = on or clock.today()
    communes = facts(departement_code)
    transfers = dict(
        CompetenceTransfer.objects.filter(departement_id=departement_code).values_list(
            "commune_id", "effective_from"
        )
    )
    return obligations.commune_rows(
        communes,
        transfers,
        rpe_covered_communes(on) & {c.code for c in communes},
        adopted_schemas(departement_code, on),
        on,
    )


def authority_label(level: str) -> str:
    return "EPCI" if level == Level.EPCI else "Commune"
