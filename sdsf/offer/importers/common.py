"""What every offer file shares: communes, coordinates, statuses, choices, identifiers.

An importer works in two steps. ``validate`` reads the rows and the database (read-only) and
either raises :class:`~sdsf.core.imports.ImportFailed` with every error, or returns a plan: the
objects to create or update and the history rows to add. ``write`` executes the plan with bulk
operations inside :func:`~sdsf.core.imports.apply` (one transaction, rolled back on dry run).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, time
from typing import Protocol

from django.db import connection

from sdsf.core.codes import normalise_commune_code
from sdsf.core.imports import ImportResult, Row, RowError, RowReader, parse_decimal
from sdsf.offer.models import Status
from sdsf.territories.models import Commune

PROGRESS_EVERY = 2000


class Progress(Protocol):
    """Receives the progress of an import (the web page shows it)."""

    def rows(self, done: int, total: int) -> None: ...

    def writing(self) -> None: ...


@dataclass
class Context:
    """Reference data loaded once per import, and who may write what: ``allowed_communes``
    is the territory of the person importing from the web (their roles allowed to import),
    None for the server's operator (the command line acts for the whole installation)."""

    today: date
    centroids: dict[str, tuple[float | None, float | None]]
    allowed_communes: set[str] | None = None  # None: no restriction (command line)
    progress: Progress | None = None

    @classmethod
    def load(cls, *, today: date, allowed_communes=None, progress=None) -> Context:
        centroids = {
            code: (lat, lon)
            for code, lat, lon in Commune.objects.values_list(
                "code", "centroid_lat", "centroid_lon"
            )
        }
        return cls(today, centroids, allowed_communes, progress)

    def rows(self, rows: list[Row]) -> Iterator[Row]:
        """The rows, reporting progress every few thousand."""
        total = len(rows)
        for index, row in enumerate(rows):
            if self.progress is not None and index % PROGRESS_EVERY == 0:
                self.progress.rows(index, total)
            yield row
        if self.progress is not None:
            self.progress.rows(total, total)

    def commune(self, cells: RowReader, column: str = "Code commune") -> str | None:
        code = cells.cell(column)
        if not code:
            return None
        code = normalise_commune_code(code)
        if code not in self.centroids:
            cells.error(column, f"commune inconnue « {code} » (code INSEE attendu)")
            return None
        if not self.allows(code):
            cells.error(column, outside(code))
            return None
        return code

    def allows(self, commune: str | None) -> bool:
        """Whether a row in (or pointing to) this commune is inside the importer's territory."""
        return self.allowed_communes is None or commune in self.allowed_communes

    def position(
        self, cells: RowReader, commune: str | None
    ) -> tuple[float | None, float | None, bool]:
        """(latitude, longitude, approximate): from the file, else the commune's centroid."""
        given = {c: bool(cells.row.get(c)) for c in ("Latitude", "Longitude")}
        if given["Latitude"] != given["Longitude"]:
            missing = "Longitude" if given["Latitude"] else "Latitude"
            cells.error(missing, "la latitude et la longitude vont ensemble")
        lat = cells.cell("Latitude", _coordinate(90), required=False)
        lon = cells.cell("Longitude", _coordinate(180), required=False)
        if lat is not None and lon is not None:
            return lat, lon, False
        centroid = self.centroids.get(commune or "", (None, None))
        return centroid[0], centroid[1], centroid[0] is not None


def outside(commune: str) -> str:
    return f"la commune « {commune} » est hors de votre périmètre"


def _coordinate(limit: int) -> Callable[[str], float]:
    def parse(text: str) -> float:
        value = float(parse_decimal(text))
        if not -limit <= value <= limit:
            raise ValueError(f"coordonnée entre -{limit} et {limit} attendue, reçu « {text} »")
        return value

    return parse


def normalise(text: str) -> str:
    """Lower case, no accents, straight apostrophes, single spaces: how choices are compared."""
    text = unicodedata.normalize("NFKD", text.replace("’", "'")).encode("ascii", "ignore")
    return " ".join(text.decode().lower().replace("-", " ").split())


def choice(spellings: dict[str, str]) -> Callable[[str], str]:
    """A parser accepting the spellings people write (accents and case ignored)."""
    table = {normalise(k): v for k, v in spellings.items()}
    expected = ", ".join(dict.fromkeys(spellings))

    def parse(text: str) -> str:
        try:
            return table[normalise(text)]
        except KeyError:
            raise ValueError(f"valeur inconnue « {text} » (attendu : {expected})") from None

    return parse


parse_status = choice(
    {
        "ouvert": Status.OPEN,
        "ouverte": Status.OPEN,
        "fermé": Status.CLOSED,
        "fermée": Status.CLOSED,
        "en projet": Status.PLANNED,
    }
)

_TIME = re.compile(r"^(\d{1,2})\s*[h:]\s*(\d{2})?$")


def parse_time(text: str) -> time:
    """``7:30``, ``07h30``, ``7h``."""
    match = _TIME.match(text.strip().lower())
    if match:
        hour, minute = int(match[1]), int(match[2] or 0)
        if hour < 24 and minute < 60:
            return time(hour, minute)
    raise ValueError(f"heure attendue (HH:MM), reçu « {text} »")


def parse_email(text: str) -> str:
    from django.core.exceptions import ValidationError
    from django.core.validators import validate_email

    try:
        validate_email(text.strip())
    except ValidationError:
        raise ValueError(f"adresse e-mail invalide « {text} »") from None
    return text.strip()


def parse_website(text: str) -> str:
    """``www.exemple.fr`` is read ``https://www.exemple.fr``."""
    from django.core.exceptions import ValidationError
    from django.core.validators import URLValidator

    url = text.strip()
    if "://" not in url:
        url = f"https://{url}"
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError:
        raise ValueError(f"adresse de site internet invalide « {text} »") from None
    return url


def bounded_int(low: int, high: int) -> Callable[[str], int]:
    from sdsf.core.imports import parse_int

    def parse(text: str) -> int:
        value = parse_int(text, minimum=None)
        if not low <= value <= high:
            raise ValueError(f"nombre entier entre {low} et {high} attendu, reçu « {text} »")
        return value

    return parse


def chunked(items: list, size: int | None = None) -> Iterator[list]:
    size = size or max(100, (connection.features.max_query_params or 10_000) - 10)
    for start in range(0, len(items), size):
        yield items[start : start + size]


def existing_by(model, field_name: str, keys: Iterable[str]) -> dict:
    """The rows whose ``field_name`` is one of ``keys``, by that key (in chunks: big files)."""
    found = {}
    for chunk in chunked(list(keys)):
        for obj in model.objects.filter(**{f"{field_name}__in": chunk}):
            found[getattr(obj, field_name)] = obj
    return found


@dataclass
class Upserts:
    """Objects to create and to update, decided by comparing with the database first."""

    fields: list[str]
    create: list = field(default_factory=list)
    update: list = field(default_factory=list)
    unchanged: int = 0

    def add(self, new, current) -> bool:
        """Queues ``new`` (an unsaved instance); returns whether anything changed.

        ``current`` is the database row with the same identifier, or None. When it differs the
        new values are copied onto it, so its primary key is kept.
        """
        if current is None:
            self.create.append(new)
            return True
        changed = [f for f in self.fields if getattr(current, f) != getattr(new, f)]
        for name in changed:
            setattr(current, name, getattr(new, name))
        if changed:
            self.update.append(current)
        return bool(changed)

    def write(self, model) -> None:
        model.objects.bulk_create(self.create, batch_size=1000)
        if self.update:
            model.objects.bulk_update(self.update, self.fields, batch_size=1000)


def count_rows(result: ImportResult, created: bool, changed: bool) -> None:
    if created:
        result.created += 1
    elif changed:
        result.updated += 1
    else:
        result.unchanged += 1


def check_dates(cells: RowReader, opened_on, closed_on, status) -> None:
    if status == Status.CLOSED and closed_on is None:
        cells.error("Date de fermeture", "obligatoire pour une structure fermée")
    if opened_on and closed_on and closed_on < opened_on:
        cells.error("Date de fermeture", "date de fermeture antérieure à la date d'ouverture")


def by_line(row_errors: list[RowError]) -> list[RowError]:
    return sorted(row_errors, key=lambda e: (e.line or 0, e.column or ""))


def _adapter(field) -> Callable | None:
    """How a Python value of ``field`` is passed to the database driver (dates on SQLite)."""
    ops = connection.ops
    return {
        "DateField": ops.adapt_datefield_value,
        "DateTimeField": ops.adapt_datetimefield_value,
        "TimeField": ops.adapt_timefield_value,
    }.get(field.get_internal_type())


def _prepare(model, names: list[str], rows: Iterable[tuple]) -> tuple[list, list[tuple]]:
    fields = [model._meta.get_field(name) for name in names]
    adapters = [_adapter(f) for f in fields]
    prepared = [
        tuple(
            adapt(value) if adapt is not None and value is not None else value
            for adapt, value in zip(adapters, row, strict=True)
        )
        for row in rows
    ]
    return fields, prepared


def insert_rows(model, names: list[str], rows: Iterable[tuple]) -> None:
    """Bulk INSERT for files of 100,000 rows, where ``bulk_create`` spends most of its time
    preparing each field of each object: COPY on PostgreSQL, ``executemany`` on SQLite (in
    process, no round trip). Values must already be valid."""
    fields, prepared = _prepare(model, names, rows)
    q = connection.ops.quote_name
    table, columns = q(model._meta.db_table), ", ".join(q(f.column) for f in fields)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in prepared:
                    copy.write_row(row)
            return
        sql = f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(fields))})"  # noqa: S608 — names from the model
        for chunk in chunked(prepared, 5000):
            cursor.executemany(sql, chunk)


def update_rows(model, names: list[str], rows: Iterable[tuple]) -> None:
    """Plain UPDATE by primary key, one statement executed for many rows (``rows`` end with the
    pk): ``bulk_update``'s CASE expressions grow with the batch and are slow on big files."""
    fields, prepared = _prepare(model, [*names, model._meta.pk.name], rows)
    q = connection.ops.quote_name
    assignments = ", ".join(f"{q(f.column)} = %s" for f in fields[:-1])
    sql = (
        f"UPDATE {q(model._meta.db_table)} SET {assignments} "  # noqa: S608 — names from the model
        f"WHERE {q(fields[-1].column)} = %s"
    )
    with connection.cursor() as cursor:
        for chunk in chunked(prepared, 5000):
            cursor.executemany(sql, chunk)
