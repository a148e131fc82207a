"""Reading the ledger: grants as polars frames for the summary core, and the sums the pages show.

Every sum here adds grants (never averages); a grant counts in the territory of its operator's
commune (:mod:`sdsf.funding.summary`).
"""

from collections import defaultdict
from decimal import Decimal

import polars as pl
from django.db.models import BigIntegerField, Count, F, QuerySet, Sum
from django.db.models.functions import Cast, Round

from sdsf.funding.models import FinalReport, Funder, Grant, Programme
from sdsf.funding.summary import MONEY, funding_summary
from sdsf.territories.models import Commune, Departement, Epci

ZERO = Decimal("0.00")
LEVEL_MODELS = {"commune": Commune, "epci": Epci, "departement": Departement}
# The communes of a territory, as a filter on communes and on the operator's commune.
COMMUNE_FILTERS = {"commune": "code", "epci": "epci_id", "departement": "departement_id"}
LEVEL_FILTERS = {
    "commune": "operator__commune_id",
    "epci": "operator__commune__epci_id",
    "departement": "operator__commune__departement_id",
}


# Amounts as integer cents, computed by the database: exact, and read without Decimal objects.
CENTS = {
    f"{column.removesuffix('_eur')}_cents": Cast(Round(F(column) * 100), BigIntegerField())
    for column in ("committed_eur", "paid_eur")
}


def grants_frame(grants: QuerySet[Grant]) -> pl.DataFrame:
    """The summary core's ``grants`` frame (exact money) for these grants.

    National sizes (200,000 grants) are read as ids and integer cents, not as model
    instances nor ``Decimal`` objects: amounts come back as cents, exact, and are turned into
    ``Decimal(38, 2)`` euros inside polars; programme and funder names are joined from their
    (small) tables.
    """
    rows = list(
        grants.order_by()
        .annotate(**CENTS)
        .values_list(
            "programme_id",
            "operator__commune_id",
            "year",
            "funder_id",
            "committed_cents",
            "paid_cents",
        )
    )
    schema = {
        "programme_id": pl.Int64,
        "commune_code": pl.String,
        "year": pl.Int64,
        "funder_id": pl.Int64,
        "committed_eur": pl.Int64,
        "paid_eur": pl.Int64,
    }
    frame = pl.DataFrame(rows, schema=schema, orient="row")
    programmes = dict(Programme.objects.values_list("pk", "name"))
    funders = dict(Funder.objects.values_list("pk", "name"))
    return frame.select(
        pl.col("programme_id")
        .replace_strict(programmes, return_dtype=pl.String)
        .alias("programme"),
        "commune_code",
        "year",
        pl.col("funder_id").replace_strict(funders, return_dtype=pl.String).alias("funder"),
        *((pl.col(c).cast(MONEY) / 100).alias(c) for c in ("committed_eur", "paid_eur")),
    )


def communes_frame() -> pl.DataFrame:
    rows = Commune.objects.order_by().values_list("code", "epci_id", "departement_id")
    codes, epcis, departements = zip(*rows, strict=True) if rows else ([], [], [])
    return pl.DataFrame(
        {
            "commune_code": pl.Series(codes, dtype=pl.String),
            "epci_code": pl.Series(epcis, dtype=pl.String),
            "departement_code": pl.Series(departements, dtype=pl.String),
        }
    )


def summary(level: str, year: int, *, by: str = "funder", code: str | None = None) -> pl.DataFrame:
    """``funding_summary`` over the whole ledger (the command; no person's scope)."""
    grants = Grant.objects.filter(year=year).exclude(status=Grant.Status.CANCELLED)
    if code is not None:
        grants = grants.filter(**{LEVEL_FILTERS[level]: code})
    return funding_summary(grants_frame(grants), communes_frame(), level, year, by=by, code=code)


def in_territory(grants: QuerySet[Grant], level: str, code: str) -> QuerySet[Grant]:
    return grants.filter(**{LEVEL_FILTERS[level]: code})


def totals(grants: QuerySet[Grant], by: str) -> list[dict]:
    """Committed and paid per ``by`` (a field path, e.g. ``funder__name``), with each row's
    share of the committed total, largest first."""
    rows = list(
        grants.order_by()
        .values(by)
        .annotate(committed=Sum("committed_eur"), paid=Sum("paid_eur"), grants=Count("pk"))
        .order_by("-committed", by)
    )
    total = sum((r["committed"] for r in rows), ZERO)
    for r in rows:
        r["label"] = r[by]
        r["share"] = (r["committed"] / total * 100) if total else None
    return rows


def overall(grants: QuerySet[Grant]) -> dict:
    return grants.order_by().aggregate(
        committed=Sum("committed_eur", default=ZERO),
        paid=Sum("paid_eur", default=ZERO),
        operators=Count("operator", distinct=True),
        grants=Count("pk"),
    )


def beneficiaries(grants: QuerySet[Grant]) -> int:
    """People the final reports of these grants' applications counted (each report once)."""
    reports = FinalReport.objects.filter(application__grants__in=grants).distinct()
    return reports.aggregate(total=Sum("beneficiaries", default=0))["total"]


def received_by_programme(programme_ids) -> dict[tuple[int, int], dict[str, dict]]:
    """(programme, year) → funder name → {committed, paid}, every year: what steering shows
    beside its planned budget lines (grants not cancelled)."""
    received: dict[tuple[int, int], dict[str, dict]] = defaultdict(dict)
    rows = (
        Grant.objects.filter(programme_id__in=list(programme_ids))
        .exclude(status=Grant.Status.CANCELLED)
        .order_by()
        .values("programme_id", "year", "funder__name")
        .annotate(committed=Sum("committed_eur"), paid=Sum("paid_eur"))
    )
    for r in rows:
        received[(r["programme_id"], r["year"])][r["funder__name"]] = {
            "committed": r["committed"],
            "paid": r["paid"],
        }
    return received
