"""The observatory figures plan indicators can be bound to, computed from the platform's data.

Registered at start-up (``SteeringConfig.ready``). Each returns None whenever the figure is not
known from real data: no data for the year, or a figure resting on synthetic demo data (a plan
indicator never shows demo figures as the scheme's results).
"""

import datetime
from decimal import Decimal

from sdsf.core import clock
from sdsf.steering.bindings import register


def _registry_is_real(departement_code: str, kinds) -> bool:
    """The offer registry holds such structures for the département, none synthetic."""
    from sdsf.offer.models import Structure

    structures = Structure.objects.filter(commune__departement_id=departement_code, kind__in=kinds)
    return structures.exists() and not structures.filter(is_demo=True).exists()


@register(
    "coverage_rate",
    "Taux de couverture global (observatoire)",
    "%",
    "aucun effectif d'enfants ni place d'accueil réels importés pour ces années (ou seulement "
    "des données de démonstration) : importez la population par âge de l'INSEE et les places "
    "dans Observatoire › Importer un fichier",
)
def coverage_rate(departement_code: str, year: int) -> Decimal | None:
    """The observatory's global coverage rate of the département for the year."""
    from sdsf.observatory.service import Observatory

    observatory = Observatory()
    if year not in observatory.years:
        return None
    rows = observatory.rows("departement", [departement_code], [year]).to_dicts()
    if not rows or rows[0]["coverage_rate"] is None or rows[0].get("is_demo"):
        return None
    return Decimal(str(rows[0]["coverage_rate"]))


@register(
    "epci_with_rpe_and_laep_share",
    "Part des EPCI ayant au moins un RPE et un LAEP (registre de l'offre)",
    "%",
    "année à venir, ou aucun RPE ni LAEP réel dans le registre de l'offre : importez-les dans "
    "Offre › Importer un fichier",
)
def epci_with_rpe_and_laep_share(departement_code: str, year: int) -> Decimal | None:
    """Share of the département's EPCI with an open RPE and an open LAEP on 31 December of the
    year (today for the current year); unknown for a future year or an empty registry."""
    from sdsf.offer.coverage import rpe_laep_coverage
    from sdsf.offer.models import Structure

    today = clock.today()
    if year > today.year:
        return None
    if not _registry_is_real(departement_code, [Structure.Kind.RPE, Structure.Kind.LAEP]):
        return None
    rows = rpe_laep_coverage(departement_code, on=min(datetime.date(year, 12, 31), today))
    if not rows:
        return None
    both = sum(1 for r in rows if r.has_rpe and r.has_laep)
    return (Decimal(100 * both) / len(rows)).quantize(Decimal("0.1"))


@register(
    "places_created",
    "Places d'EAJE créées dans l'année, solde net (registre de l'offre)",
    "places",
    "année pas encore terminée, ou aucun EAJE réel dans le registre de l'offre : importez-les "
    "dans Offre › Importer un fichier",
)
def places_created(departement_code: str, year: int) -> Decimal | None:
    """EAJE places on 1 January of the next year minus those on 1 January of the year (net:
    openings and extensions minus closures), once the year is over."""
    from sdsf.offer.counts import offer_counts
    from sdsf.offer.models import Structure

    if datetime.date(year + 1, 1, 1) > clock.today():
        return None
    if not _registry_is_real(departement_code, [Structure.Kind.EAJE]):
        return None

    def places(on: datetime.date) -> int:
        row = offer_counts("departement", departement_code, on)[0]
        return row["eaje_psu_places"] + row["eaje_other_places"]

    before, after = datetime.date(year, 1, 1), datetime.date(year + 1, 1, 1)
    return Decimal(places(after) - places(before))


@register(
    "structures_in_difficulty_supported",
    "Structures en difficulté accompagnées dans l'année (dossiers de suivi)",
    "structures",
)
def structures_in_difficulty_supported(departement_code: str, year: int) -> Decimal | None:
    """Structures whose follow-up file reached « accompagnée » in the year (the action
    « repérage et accompagnement des structures en difficulté »); unknown for a future year
    or when the files are demo data."""
    from sdsf.difficulty.followup import yearly_figures
    from sdsf.difficulty.models import FollowUp

    if year > clock.today().year:
        return None
    files = FollowUp.objects.filter(structure__commune__departement_id=departement_code)
    if files.filter(is_demo=True).exists():
        return None
    return Decimal(yearly_figures(files, [year])[0].supported)
