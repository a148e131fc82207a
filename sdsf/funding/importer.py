"""``sdsf import_grants``: a funder's ledger file, one row per grant and funder.

Columns: ``programme, operator_siren, operator_name, commune, year, funder, committed_eur,
paid_eur``. The whole file is read and checked first (French errors with line and column), then
written in one transaction. A row's key is (programme, operator, funder, year): importing the
file again updates its amounts instead of adding them twice; a key repeated in the file is an
error. A programme or a funder the platform does not know is created, and the report says so;
an operator unknown by its SIREN is created with the row's name and commune.

A committed amount in a funder's ledger is a signed commitment: imported grants are public
(amounts and decisions are open data once the convention is signed).
"""

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from django.utils.text import slugify

from sdsf.core.codes import parse_commune_code
from sdsf.core.imports import (
    ImportFailed,
    ImportResult,
    Repeats,
    RowError,
    RowReader,
    apply,
    parse_decimal,
    parse_int,
    read_table,
)
from sdsf.funding.ledger import grant_status
from sdsf.funding.models import (
    MAX_EUR,
    MAX_YEAR,
    MIN_YEAR,
    SIREN_VALIDATOR,
    Funder,
    Grant,
    Operator,
    Programme,
)
from sdsf.funding.queries import CENTS
from sdsf.offer.importers.common import insert_rows, update_rows
from sdsf.territories.models import Commune

COLUMNS = (
    "programme",
    "operator_siren",
    "operator_name",
    "commune",
    "year",
    "funder",
    "committed_eur",
    "paid_eur",
)
CENT = Decimal("0.01")
ZERO = Decimal("0.00")
AMOUNT_FIELDS = ["committed_eur", "paid_eur", "status"]
INSERTED = [
    "programme",
    "operator",
    "funder",
    "year",
    "committed_eur",
    "paid_eur",
    "status",
    "origin",
    "signed",
    "note",
    "explanation",
    "is_demo",
]
IMPORT = Grant.Origin.IMPORT


@dataclass(frozen=True)
class GrantRow:
    line: int
    programme: str
    siren: str
    operator_name: str
    commune: str
    year: int
    funder: str
    committed: Decimal
    paid: Decimal


def _year(text: str) -> int:
    year = parse_int(text)
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValueError(f"année entre {MIN_YEAR} et {MAX_YEAR} attendue, reçu « {text} »")
    return year


def _siren(text: str) -> str:
    siren = text.replace(" ", "")
    if not SIREN_VALIDATOR.regex.fullmatch(siren):
        raise ValueError(f"SIREN à 9 chiffres attendu, reçu « {text} »")
    return siren


def _euros(text: str) -> Decimal:
    amount = parse_decimal(text, minimum=Decimal(0))
    if amount > MAX_EUR:
        raise ValueError(f"montant supérieur à 1 milliard d'euros, reçu « {text} »")
    if amount != amount.quantize(CENT):
        raise ValueError(f"montant en euros avec au plus deux décimales attendu, reçu « {text} »")
    return amount.quantize(CENT)


def _name(limit: int):
    def parse(text: str) -> str:
        if len(text) > limit:
            raise ValueError(f"{limit} caractères au plus, reçu {len(text)}")
        return text

    return parse


def _memo(parse):
    """``parse`` remembered per cell text: a ledger repeats its programmes, funders, operators,
    communes, years and many amounts, and 200,000 rows must be read in seconds."""
    seen: dict[str, tuple] = {}

    def parse_once(text: str):
        if text not in seen:
            try:
                seen[text] = (parse(text), None)
            except ValueError as exc:
                seen[text] = (None, str(exc))
        value, error = seen[text]
        if error is not None:
            raise ValueError(error)
        return value

    return parse_once


def _fast(row, parse) -> tuple | None:
    """The row's values when every cell reads well (the common case), else None."""
    texts = [(row.values.get(column) or "").strip() for column in COLUMNS]
    if not all(texts[:-1]):
        return None
    try:
        values = [parse[c](t) for c, t in zip(COLUMNS[:-1], texts[:-1], strict=True)]
        values.append(parse["paid_eur"](texts[-1]) if texts[-1] else ZERO)
    except ValueError:
        return None
    return tuple(values)


def read_grants(table) -> list[GrantRow]:
    """Every row checked; all errors of the file at once."""
    table.require(*COLUMNS)
    communes = set(Commune.objects.values_list("code", flat=True))
    errors: list[RowError] = []
    repeats = Repeats("funder")
    rows = []
    parse = {
        "programme": _memo(_name(300)),
        "operator_siren": _memo(_siren),
        "operator_name": _memo(_name(200)),
        "commune": _memo(parse_commune_code),
        "year": _memo(_year),
        "funder": _memo(_name(200)),
        "committed_eur": _memo(_euros),
    }
    parse["paid_eur"] = parse["committed_eur"]
    for row in table.rows:
        values = _fast(row, parse)
        if values is None:  # an empty or wrong cell: read again, cell by cell, for its errors
            cells = RowReader(row, errors)
            before = len(errors)
            values = (
                *(cells.cell(column, parse[column]) for column in COLUMNS[:-1]),
                cells.cell("paid_eur", parse["paid_eur"], required=False, default=ZERO),
            )
            if len(errors) > before:
                continue
        cells = RowReader(row, errors)
        programme, siren, name, commune, year, funder, committed, paid = values
        if commune not in communes:
            cells.error("commune", f"commune « {commune} » inconnue du référentiel (COG)")
            continue
        if paid > committed:
            cells.error("paid_eur", "le montant versé dépasse le montant engagé")
            continue
        repeats.check((programme, siren, funder, year), row, errors)
        rows.append(
            GrantRow(row.line, programme, siren, name, commune, year, funder, committed, paid)
        )
    if errors:
        raise ImportFailed(errors, table.source)
    return rows


def _funders(rows: list[GrantRow], result: ImportResult) -> dict[str, int]:
    names = {r.funder for r in rows}
    known = dict(Funder.objects.filter(name__in=names).values_list("name", "pk"))
    for name in sorted(names - known.keys()):
        known[name] = Funder.objects.create(name=name).pk
        result.notes.append(
            f"Attention : financeur « {name} » inconnu, créé (type « Autre » : à compléter)."
        )
    return known


def _programmes(rows: list[GrantRow], result: ImportResult) -> dict[str, int]:
    """Programmes named by code or by name; an unknown one is created in the département of
    its first operator's commune, over the years of its rows, as an operating grant."""
    names = {r.programme for r in rows}
    known = {}
    for pk, code, name in Programme.objects.values_list("pk", "code", "name"):
        known.setdefault(code, pk)
        known.setdefault(name, pk)
    departements = dict(Commune.objects.values_list("code", "departement_id"))
    for name in sorted(names - known.keys()):
        own = [r for r in rows if r.programme == name]
        years = [r.year for r in own]
        code = _free_code(name)
        known[name] = Programme.objects.create(
            code=code,
            name=name,
            kind=Programme.Kind.OPERATING,
            departement_id=departements[own[0].commune],
            start_year=min(years),
            end_year=max(years),
            source="Import d'un fichier de subventions",
        ).pk
        result.notes.append(
            f"Attention : programme « {name} » inconnu, créé (code « {code} », "
            f"{min(years)}-{max(years)}, subvention de fonctionnement : à compléter)."
        )
    return known


def _free_code(name: str) -> str:
    base = slugify(name)[:50] or "programme"
    code, n = base, 1
    while Programme.objects.filter(code=code).exists():
        n += 1
        code = f"{base}-{n}"
    return code


def _operators(rows: list[GrantRow], result: ImportResult) -> dict[str, int]:
    known = dict(Operator.objects.exclude(siren="").values_list("siren", "pk"))
    first = {}
    for r in rows:
        if r.siren not in known:
            first.setdefault(r.siren, r)
    insert_rows(
        Operator,
        ["siren", "name", "commune", "contact_name", "contact_email", "contact_phone", "is_demo"],
        [(s, r.operator_name, r.commune, "", "", "", False) for s, r in first.items()],
    )
    if first:
        result.notes.append(f"{len(first)} porteur(s) de projet créé(s) d'après leur SIREN.")
        known = dict(Operator.objects.exclude(siren="").values_list("siren", "pk"))
    return known


def write_grants(rows: list[GrantRow]) -> ImportResult:
    result = ImportResult()
    funders, programmes = _funders(rows, result), _programmes(rows, result)
    operators = _operators(rows, result)
    imported = Grant.objects.filter(origin=Grant.Origin.IMPORT, year__in={r.year for r in rows})
    existing = {
        (p, o, f, y): (pk, committed, paid)
        for pk, p, o, f, y, committed, paid in imported.annotate(**CENTS).values_list(
            "pk", "programme_id", "operator_id", "funder_id", "year", *CENTS
        )
    }
    to_create, to_update = [], []
    for r in rows:
        key = (programmes[r.programme], operators[r.siren], funders[r.funder], r.year)
        status = grant_status(r.committed, r.paid)
        found = existing.get(key)
        if found is None:
            to_create.append((*key, r.committed, r.paid, status, IMPORT, True, "", "[]", False))
        elif found[1:] != (int(r.committed * 100), int(r.paid * 100)):
            to_update.append((r.committed, r.paid, status, found[0]))
        else:
            result.unchanged += 1
    insert_rows(Grant, INSERTED, to_create)
    update_rows(Grant, AMOUNT_FIELDS, to_update)
    result.created, result.updated = len(to_create), len(to_update)
    return result


def import_grants(path: Path | str, *, dry_run: bool = False) -> ImportResult:
    rows = read_grants(read_table(path))
    return apply(lambda: write_grants(rows), dry_run=dry_run)
