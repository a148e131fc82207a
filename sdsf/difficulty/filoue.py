"""Monthly activity of one EAJE from the CNAF's FILOUÉ file, without keeping any personal field.

FILOUÉ (« fichier localisé des enfants usagers d'EAJE ») is the per-child file an EAJE manager
sends each year to the CNAF for statistics (a charter of the CNAF and the Association des maires
de France; extended to all of France in February 2017; a yearly campaign, one structure and one
year per file as the managers' software exports it). The platform uses it
to follow a structure's activity month by month. It holds personal data (allocataire number,
birth date, postal code and town of the family): these are read only to tell children apart and
are dropped before anything is returned; no output, intermediate frame or error message carries
them (an error on such a column names the line and the column, never the value).

The file: ``;``-separated, a header line with the columns of :data:`COLUMNS` (extra columns are
ignored, a missing one is an error), decimals with a comma or a point, dates as ``AAAA-MM-JJ``
or ``JJ/MM/AAAA``, read as UTF-8 (a byte that is not UTF-8, e.g. an accent of a Windows export
in the town column, is replaced, never an error: the column is not used).

How a row spreads over months. No published dictionary of the file's fields was found (the CNAF
pages found describe FILOUÉ as the use of care over the year). A row is read as a period of care,
PREMIERJOUR to DERNIERJOUR (both included), with the hours and the amount of that period:

- the child is present in every month the period touches;
- hours invoiced, hours realised and the amount invoiced are spread over those months pro rata
  of the calendar days of the period in each month (a row of 10 January to 9 March: 22/68 in
  January, 29/68 in February, 9/68 in March), in hundredths of hours and in cents, with the
  rounding carried to the next month so that the months add up exactly to the file's figures;
- a period longer than 366 days is an error (the file covers one year).

A child is one allocataire number (MATRICULE) with one birth date, within the file's CAF
(NUMERO_CAF); a row without allocataire number is a child of its own. Twins of one family share
both and are therefore counted as one child: a known undercount, the file has no child id.
TOP_ALLOC says whether the family is allocataire of the CAF: ``1``/``0`` (also ``O``/``N``,
``OUI``/``NON``), our reading of the exports, no dictionary found.

Errors are collected over the whole file and raised together as :class:`FiloueError`, each a
``(line, column, message)`` tuple in French (line 1 is the header), at most
:data:`MAX_ERRORS` of them plus one line counting the rest; nothing is returned then.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import IO

import polars as pl

COLUMNS: tuple[str, ...] = (
    "NUMERO_CAF",
    "NUMERO_DOSSIER_AFC",
    "TOP_ALLOC",
    "MATRICULE",
    "REGIME",
    "DATE_NAISSANCE_INDIVIDU",
    "CODE_POSTAL_FAMILLE",
    "VILLE_FAMILLE",
    "NOMBRE_HEURES_FACTUREES",
    "NOMBRE_HEURES_REALISEES",
    "MONTANT_FACTURE",
    "MONTANT_HORAIRE",
    "TAUX_EFFORT",
    "PREMIERJOUR",
    "DERNIERJOUR",
)
PERSONAL_COLUMNS: tuple[str, ...] = (
    "MATRICULE",
    "DATE_NAISSANCE_INDIVIDU",
    "CODE_POSTAL_FAMILLE",
    "VILLE_FAMILLE",
)
REQUIRED_NUMBERS: tuple[str, ...] = (
    "NOMBRE_HEURES_FACTUREES",
    "NOMBRE_HEURES_REALISEES",
    "MONTANT_FACTURE",
)
OPTIONAL_NUMBERS: tuple[str, ...] = ("MONTANT_HORAIRE", "TAUX_EFFORT")
MONTH_COLUMNS: tuple[str, ...] = (
    "structure_id",
    "month",
    "children",
    "children_allocataires",
    "allocataires_share",
    "hours_invoiced",
    "hours_realised",
    "amount_invoiced_eur",
    "average_hourly_contribution_eur",
)
MAX_ERRORS = 100
MAX_PERIOD_DAYS = 366
UNKNOWN_REGIME = "non renseigné"
_TRUE = ("1", "O", "OUI")
_FALSE = ("0", "N", "NON")
_LINE = "__line"


class FiloueError(ValueError):
    """The file cannot be read; ``errors`` are ``(line, column, message)`` tuples in French."""

    def __init__(self, errors: list[tuple[int | None, str | None, str]]):
        self.errors = errors
        super().__init__(f"{len(errors)} erreur(s) dans le fichier FILOUÉ")


@dataclass(frozen=True)
class FiloueSummary:
    """A structure's months (:data:`MONTH_COLUMNS`) and children per month and regime."""

    months: pl.DataFrame
    regimes: pl.DataFrame
    rows_read: int


def aggregate_filoue(source: str | Path | IO[bytes], structure_id: int | str) -> FiloueSummary:
    """Read, check and aggregate one structure's FILOUÉ file per month.

    ``months``: one row per month touched by a period, sorted: ``structure_id, month`` (first
    day), ``children`` (distinct children present), ``children_allocataires`` and
    ``allocataires_share`` (percent of children, 0.1, half up), ``hours_invoiced``,
    ``hours_realised`` (hours, 0.01), ``amount_invoiced_eur`` and
    ``average_hourly_contribution_eur`` (amount ÷ hours invoiced, cent half up, empty when no
    hour was invoiced). ``regimes``: ``structure_id, month, regime, children``.
    """
    rows = _checked_rows(pl.scan_csv(source, **_CSV_OPTIONS))
    spread = _spread_over_months(rows.lazy())
    months = (
        spread.group_by("month")
        .agg(
            pl.col("child").n_unique().alias("children"),
            pl.col("child").filter(pl.col("allocataire")).n_unique().alias("allocataires"),
            *(pl.col(c).sum() for c in ("invoiced", "realised", "amount")),
        )
        .select(
            _structure(structure_id),
            "month",
            pl.col("children").cast(pl.Int64),
            pl.col("allocataires").cast(pl.Int64).alias("children_allocataires"),
            _half_up(pl.col("allocataires"), pl.col("children"), 1000, pl.Decimal(38, 1)).alias(
                "allocataires_share"
            ),
            _hundredths("invoiced").alias("hours_invoiced"),
            _hundredths("realised").alias("hours_realised"),
            _hundredths("amount").alias("amount_invoiced_eur"),
            _half_up(pl.col("amount"), pl.col("invoiced"), 100, pl.Decimal(38, 2)).alias(
                "average_hourly_contribution_eur"
            ),
        )
        .sort("month")
    )
    regimes = (
        spread.group_by("month", "regime")
        .agg(pl.col("child").n_unique().cast(pl.Int64).alias("children"))
        .select(_structure(structure_id), "month", "regime", "children")
        .sort("month", "regime")
    )
    months_frame, regimes_frame = pl.collect_all([months, regimes])
    return FiloueSummary(months_frame, regimes_frame, rows.height)


_CSV_OPTIONS = {
    "separator": ";",
    "infer_schema": False,
    "encoding": "utf8-lossy",
    "row_index_name": _LINE,
    "row_index_offset": 2,
    "truncate_ragged_lines": True,
}


# --- checks ---------------------------------------------------------------------------------


def _checked_rows(raw: pl.LazyFrame) -> pl.DataFrame:
    """Parse and check every row; return only non-personal columns and a child key."""
    names = raw.collect_schema().names()
    cleaned = {
        name: name if name == _LINE else name.strip().lstrip("\ufeff").strip().upper()
        for name in names
    }
    missing = [column for column in COLUMNS if column not in cleaned.values()]
    if missing:
        raise FiloueError([(1, column, "colonne absente de l'en-tête") for column in missing])
    text = raw.rename(cleaned).select(
        pl.col(_LINE).cast(pl.Int64),
        *(pl.col(c).str.strip_chars().replace("", None).alias(c) for c in COLUMNS),
    )
    parsed = text.with_columns(
        *(_number(c).alias(f"{c}__value") for c in (*REQUIRED_NUMBERS, *OPTIONAL_NUMBERS)),
        *(_date(c).alias(f"{c}__value") for c in ("PREMIERJOUR", "DERNIERJOUR")),
        _date("DATE_NAISSANCE_INDIVIDU").alias("DATE_NAISSANCE_INDIVIDU__value"),
        pl.col("TOP_ALLOC").str.to_uppercase().alias("TOP_ALLOC__upper"),
    )
    problems = _problems()
    checked = parsed.select(
        _LINE,
        pl.col("NUMERO_CAF"),
        pl.col("NUMERO_DOSSIER_AFC"),
        problems,
        _child_key().alias("child"),
        pl.col("TOP_ALLOC__upper").is_in(_TRUE).alias("allocataire"),
        pl.col("REGIME").fill_null(UNKNOWN_REGIME).alias("regime"),
        *(_cents(f"{c}__value").alias(n) for c, n in zip(REQUIRED_NUMBERS, _AMOUNTS, strict=True)),
        pl.col("PREMIERJOUR__value").alias("first"),
        pl.col("DERNIERJOUR__value").alias("last"),
    ).collect()
    errors = _row_errors(checked) + _structure_errors(checked)
    if errors:
        errors.sort(key=lambda error: error[0] or 0)
        if len(errors) > MAX_ERRORS:
            rest = len(errors) - MAX_ERRORS
            errors = [*errors[:MAX_ERRORS], (None, None, f"… et {rest} autres erreurs.")]
        raise FiloueError(errors)
    return checked.drop("problems", "NUMERO_CAF", "NUMERO_DOSSIER_AFC")


_AMOUNTS = ("invoiced", "realised", "amount")


def _number(column: str) -> pl.Expr:
    return pl.col(column).str.replace(",", ".", literal=True).cast(pl.Float64, strict=False)


def _date(column: str) -> pl.Expr:
    value = pl.col(column)
    return pl.coalesce(
        value.str.to_date("%Y-%m-%d", strict=False), value.str.to_date("%d/%m/%Y", strict=False)
    )


def _cents(column: str) -> pl.Expr:
    """A non-negative number as an integer of hundredths (hours to 0.01 h, euros to the cent)."""
    return (pl.col(column) * 100).round(0).cast(pl.Int64)


def _problems() -> pl.Expr:
    """A list of ``column|message`` strings per row (empty when the row is sound)."""
    checks: list[tuple[str, pl.Expr, str]] = []
    for column in (*REQUIRED_NUMBERS, *OPTIONAL_NUMBERS):
        raw, value = pl.col(column), pl.col(f"{column}__value")
        if column in REQUIRED_NUMBERS:
            checks.append((column, raw.is_null(), "valeur manquante"))
        checks.append(
            (
                column,
                raw.is_not_null() & (value.is_null() | value.is_nan() | value.is_infinite()),
                "nombre illisible",
            )
        )
        checks.append((column, value < 0, "nombre négatif"))
    for column in ("PREMIERJOUR", "DERNIERJOUR"):
        checks.append((column, pl.col(column).is_null(), "date manquante"))
        checks.append(
            (
                column,
                pl.col(column).is_not_null() & pl.col(f"{column}__value").is_null(),
                "date illisible (attendu AAAA-MM-JJ ou JJ/MM/AAAA)",
            )
        )
    first, last = pl.col("PREMIERJOUR__value"), pl.col("DERNIERJOUR__value")
    checks += [
        ("DERNIERJOUR", last < first, "le dernier jour précède le premier jour"),
        (
            "DERNIERJOUR",
            (last - first).dt.total_days() >= MAX_PERIOD_DAYS,
            f"période de plus de {MAX_PERIOD_DAYS} jours",
        ),
        (
            "DATE_NAISSANCE_INDIVIDU",
            pl.col("DATE_NAISSANCE_INDIVIDU").is_not_null()
            & pl.col("DATE_NAISSANCE_INDIVIDU__value").is_null(),
            "date illisible (attendu AAAA-MM-JJ ou JJ/MM/AAAA)",
        ),
        (
            "TOP_ALLOC",
            ~pl.col("TOP_ALLOC__upper").is_in((*_TRUE, *_FALSE)).fill_null(False),
            "valeur attendue : 1 ou 0 (ou O / N)",
        ),
        ("NUMERO_CAF", pl.col("NUMERO_CAF").is_null(), "valeur manquante"),
        ("NUMERO_DOSSIER_AFC", pl.col("NUMERO_DOSSIER_AFC").is_null(), "valeur manquante"),
    ]
    return (
        pl.concat_list(
            pl.when(failed.fill_null(False)).then(pl.lit(f"{column}|{message}"))
            for column, failed, message in checks
        )
        .list.drop_nulls()
        .alias("problems")
    )


def _child_key() -> pl.Expr:
    """A number standing for the child, computed in memory from personal fields, never kept."""
    known = pl.col("MATRICULE").is_not_null()
    family = pl.struct("NUMERO_CAF", "MATRICULE", "DATE_NAISSANCE_INDIVIDU").hash(seed=7)
    return pl.when(known).then(family).otherwise(pl.col(_LINE).hash(seed=11))


def _row_errors(checked: pl.DataFrame) -> list[tuple[int | None, str | None, str]]:
    failing = checked.filter(pl.col("problems").list.len() > 0).select(_LINE, "problems")
    errors: list[tuple[int | None, str | None, str]] = []
    for line, problems in failing.iter_rows():
        for problem in problems:
            column, message = problem.split("|", 1)
            errors.append((line, column, message))
    return errors


def _structure_errors(checked: pl.DataFrame) -> list[tuple[int | None, str | None, str]]:
    """The file is one structure's: every row must name the same CAF and AFC file number."""
    if checked.height == 0:
        return [(None, None, "le fichier ne contient aucune ligne de données")]
    keys = ("NUMERO_CAF", "NUMERO_DOSSIER_AFC")
    first = checked.filter(pl.all_horizontal(pl.col(k).is_not_null() for k in keys)).head(1)
    if first.height == 0:
        return []
    caf, afc = first.row(0)[1:3]
    others = checked.filter(
        pl.col("NUMERO_CAF").is_not_null() & pl.col("NUMERO_DOSSIER_AFC").is_not_null()
    ).filter((pl.col("NUMERO_CAF") != caf) | (pl.col("NUMERO_DOSSIER_AFC") != afc))
    return [
        (
            line,
            "NUMERO_DOSSIER_AFC",
            f"structure différente de celle de la première ligne (CAF {caf}, dossier {afc}) : "
            "un fichier ne doit concerner qu'une structure",
        )
        for line in others.get_column(_LINE).to_list()
    ]


# --- spreading over months ------------------------------------------------------------------


def _spread_over_months(rows: pl.LazyFrame) -> pl.LazyFrame:
    """One row per input row and month touched, hours and amount shared pro rata of days.

    The share of month k is ⌊total × days₁..ₖ / D⌋ − ⌊total × days₁..ₖ₋₁ / D⌋: integers that
    sum to the total exactly, each within one hundredth of the exact pro rata share.
    """
    month_end = pl.col("month").dt.month_end()
    overlap = (
        pl.min_horizontal(pl.col("last"), month_end)
        - pl.max_horizontal(pl.col("first"), pl.col("month"))
    ).dt.total_days() + 1
    total_days = (pl.col("last") - pl.col("first")).dt.total_days() + 1
    exploded = (
        rows.with_columns(
            pl.date_ranges(
                pl.col("first").dt.month_start(), pl.col("last").dt.month_start(), "1mo"
            ).alias("month")
        )
        .explode("month")
        .with_columns(overlap.alias("days"), total_days.alias("total_days"))
        .with_columns(pl.col("days").cum_sum().over(_LINE).alias("days_to_date"))
    )
    before = pl.col("days_to_date") - pl.col("days")
    return exploded.select(
        "month",
        "child",
        "allocataire",
        "regime",
        *(
            (
                pl.col(c) * pl.col("days_to_date") // pl.col("total_days")
                - pl.col(c) * before // pl.col("total_days")
            ).alias(c)
            for c in _AMOUNTS
        ),
    )


def _structure(structure_id: int | str) -> pl.Expr:
    dtype = pl.String if isinstance(structure_id, str) else pl.Int64
    return pl.lit(structure_id, dtype=dtype).alias("structure_id")


def _hundredths(column: str) -> pl.Expr:
    return pl.col(column).cast(pl.Decimal(38, 2)) / 100


def _half_up(numerator: pl.Expr, denominator: pl.Expr, per_unit: int, dtype: pl.Decimal):
    """``per_unit × n / d`` rounded half up as a Decimal; null when ``d`` is 0."""
    units = (2 * per_unit * numerator + denominator) // (2 * denominator)
    return pl.when(denominator > 0).then(units.cast(dtype) / 10**dtype.scale)
