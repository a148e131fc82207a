"""The ``sdsf allocate`` command: CSV files in, CSV (and JSON lines) out.

Kept free of Django so that ``python -m sdsf.allocation.cli`` starts in a
fraction of a second. Files are read with polars: at a million applications,
the csv module plus ``datetime.fromisoformat`` alone take several seconds,
polars a fraction of one; its import (about 0.1 s) is the price paid on small
files.

Input errors are all collected (up to :data:`MAX_REPORTED_ERRORS`) as the
platform's importers collect theirs (:class:`sdsf.core.rows.RowError`), printed
in French with file, line (header = line 1) and column, and nothing is
written: outputs go to temporary files renamed only once everything worked.
"""

import argparse
import csv
import io
import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import polars as pl

from sdsf.allocation import engine, explain
from sdsf.core import rows
from sdsf.core.rows import ImportFailed, RowError

MAX_REPORTED_ERRORS = 50
INVALID_INPUT = 2

PLACES_COLUMNS = ("structure_id", "section", "capacity", "reserved_insertion")
STRUCTURE_NAME_COLUMN = "structure_name"
APPLICATIONS_COLUMNS = (
    "application_id",
    "section",
    "points",
    "submitted_at",
    "wishes",
    "insertion",
)
BONUSES_COLUMNS = ("application_id", "structure_id", "bonus")
WISH_SEPARATOR = "|"
POOL_SECTION = "toutes"
AGE_SECTIONS = ("bébés", "moyens", "grands")
# Optional columns (absent: not used).
RESERVED_BENEFIT_COLUMN = "reserved_minimum_benefit"
HALF_DAYS_COLUMN = "half_days"
DAYS_COLUMN = "days"
GROUP_COLUMN = "group"
CURRENT_COLUMN = "current_structure"
BENEFIT_COLUMN = "minimum_benefit"
HALF_DAY_SUFFIXES = {"": 3, "-matin": 1, "-apres-midi": 2}

# Times without offset are French local times.
LOCAL_TIME_ZONE = "Europe/Paris"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


class InvalidInput(ImportFailed):
    """The input files have errors (:class:`sdsf.core.rows.RowError`, each naming its file,
    line and column); ``messages`` are ready for the user."""

    def __init__(self, errors: list[RowError], hidden: int = 0) -> None:
        super().__init__(errors)
        tail = [f"… et {hidden} autre(s) erreur(s)."] if hidden else []
        self.messages = [str(error) for error in errors] + tail


class ErrorReport:
    """Collects input errors as the platform's importers do (:mod:`sdsf.core.rows`), keeping
    the first :data:`MAX_REPORTED_ERRORS`."""

    def __init__(self) -> None:
        self.errors: list[RowError] = []
        self.total = 0

    def add(self, path: Path, text: str, line: int | None = None, column: str = "") -> None:
        self.total += 1
        if len(self.errors) < MAX_REPORTED_ERRORS:
            self.errors.append(RowError(text, line=line, column=column or None, source=str(path)))

    def add_failure(self, failure: ImportFailed, path: Path) -> None:
        """The errors :mod:`sdsf.core.rows` found reading ``path``."""
        for error in failure.errors:
            self.add(path, error.message, error.line, error.column or "")

    def add_rows(
        self,
        path: Path,
        column: str,
        rows: np.ndarray,
        describe: Callable[[int], str],
        items: np.ndarray | None = None,
    ) -> None:
        """One error per row index (0 = first data row, on line 2).

        ``describe`` receives the matching entry of ``items`` (by default the
        row itself) and is only called for the errors actually reported.
        """
        items = rows if items is None else items
        room = max(MAX_REPORTED_ERRORS - len(self.errors), 0)
        for row, item in zip(rows[:room].tolist(), items[:room].tolist(), strict=True):
            self.add(path, describe(item), line=row + 2, column=column)
        self.total += max(rows.size - room, 0)

    def raise_if_any(self) -> None:
        if self.total:
            raise InvalidInput(self.errors, self.total - len(self.errors))


@dataclass(frozen=True, slots=True)
class Inputs:
    """Validated input: the engine's problem and the labels to write back."""

    problem: engine.Problem
    labels: explain.Labels
    application_sections: pl.Series


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of the command, shared with the Django management command."""
    parser.add_argument("--places", type=Path, required=True, help="CSV des places.")
    parser.add_argument("--applications", type=Path, required=True, help="CSV des demandes.")
    parser.add_argument("--bonuses", type=Path, help="CSV des bonus par structure.")
    parser.add_argument(
        "--seed", type=_seed, default=0, help="Graine du tirage au sort (défaut : 0)."
    )
    parser.add_argument("--out", type=Path, required=True, help="CSV des résultats.")
    parser.add_argument("--explain", type=Path, help="Explications, une ligne JSON par demande.")
    parser.add_argument(
        "--summary", type=Path, help="Résumé JSON : méthode, stabilité, groupes bloquants."
    )
    parser.add_argument(
        "--time-limit",
        type=_time_limit,
        default=60.0,
        help="Durée maximale du calcul exact par composante, en secondes (défaut : 60).",
    )


def _seed(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError("la graine doit être un entier positif ou nul")
    return value


def _time_limit(text: str) -> float:
    value = float(text)
    if not 0 < value <= 3600:
        raise argparse.ArgumentTypeError("la durée doit être comprise entre 0 et 3600 secondes")
    return value


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="sdsf allocate",
        description="Attribue les places en crèche (acceptation différée, ou calcul exact "
        "pour les fratries et les temps partiels).",
    )
    add_arguments(parser)
    options = parser.parse_args(argv)
    return run(
        places=options.places,
        applications=options.applications,
        bonuses=options.bonuses,
        seed=options.seed,
        out=options.out,
        explain_to=options.explain,
        summary_to=options.summary,
        time_limit=options.time_limit,
    )


def run(
    places: Path,
    applications: Path,
    bonuses: Path | None,
    seed: int,
    out: Path,
    explain_to: Path | None,
    summary_to: Path | None = None,
    time_limit: float = 60.0,
) -> int:
    """Allocate and write the results; 2 (and nothing written) on bad input."""
    problems = [
        f"{target} : le dossier de destination n'existe pas."
        for target in (out, explain_to, summary_to)
        if target is not None and not target.parent.is_dir()
    ]
    try:
        inputs = load(places, applications, bonuses)
    except InvalidInput as error:
        problems += error.messages
    if problems:
        print("\n".join(problems), file=sys.stderr)
        return INVALID_INPUT
    allocation = engine.allocate(inputs.problem, seed, time_limit=time_limit)
    with ExitStack() as stack:
        results = stack.enter_context(_replacing(out))
        _results_frame(inputs, allocation).write_csv(results)
        if explain_to is not None:
            with stack.enter_context(_replacing(explain_to)).open("wb") as file:
                explain.write_explanations(
                    file,
                    inputs.problem,
                    allocation,
                    explain.explain(inputs.problem, allocation),
                    inputs.labels,
                )
        if summary_to is not None:
            stack.enter_context(_replacing(summary_to)).write_text(
                json.dumps(allocation.summary.as_dict()) + "\n"
            )
    return 0


@contextmanager
def _replacing(target: Path) -> Iterator[Path]:
    """A temporary path beside ``target``, renamed onto it on success only."""
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        yield temporary
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    os.replace(temporary, target)


def _results_frame(inputs: Inputs, allocation: engine.Allocation) -> pl.DataFrame:
    assigned = allocation.structure >= 0
    return pl.DataFrame(
        {
            "application_id": inputs.labels.application_ids,
            "structure_id": inputs.labels.structure_ids.gather(
                pl.Series(allocation.structure).set(pl.Series(~assigned), None)
            ),
            "section": inputs.application_sections,
            "wish_rank": pl.Series(allocation.wish_rank).set(pl.Series(~assigned), None),
        }
    )


def load(places: Path, applications: Path, bonuses: Path | None) -> Inputs:
    """Read and validate the three files, or raise :class:`InvalidInput`."""
    report = ErrorReport()
    places_frame = _read_csv(places, PLACES_COLUMNS, report)
    applications_frame = _read_csv(applications, APPLICATIONS_COLUMNS, report)
    bonuses_frame = None if bonuses is None else _read_csv(bonuses, BONUSES_COLUMNS, report)
    if places_frame is None:
        report.raise_if_any()
    seats = _Seats(places, places_frame, report)
    if applications_frame is None:
        report.raise_if_any()
    demand = _Applications(applications, applications_frame, seats, report)
    bonus = _Bonuses(bonuses, bonuses_frame, seats, demand, report)
    _check_groups(applications, applications_frame, demand, bonus, report)
    report.raise_if_any()
    return Inputs(
        problem=engine.Problem(
            section=demand.section,
            score=demand.points,
            submitted=demand.submitted,
            insertion=demand.insertion,
            wish_offsets=demand.wish_offsets,
            wish_structures=demand.wish_structures,
            capacity=seats.capacity,
            reserved=seats.reserved,
            bonus_application=bonus.application,
            bonus_structure=bonus.structure,
            bonus_value=bonus.value,
            pool=seats.pool,
            pool_reserved=seats.pool_reserved,
            pool_reserved_benefit=seats.pool_reserved_benefit,
            benefit=demand.benefit,
            reserved_benefit=seats.reserved_benefit,
            days=demand.days,
            half_days=seats.half_days,
            group=demand.group,
            current=demand.current,
        ),
        labels=explain.Labels(
            application_ids=demand.ids,
            structure_ids=seats.structure_ids,
            structure_names=seats.structure_names,
            section_names=seats.section_names,
        ),
        application_sections=applications_frame["section"],
    )


def _read_csv(path: Path, columns: tuple[str, ...], report: ErrorReport) -> pl.DataFrame | None:
    """All columns as strings (empty fields as null), or None after reporting."""
    try:
        frame = pl.read_csv(path, infer_schema=False)
    except FileNotFoundError:
        report.add(path, "fichier introuvable.")
        return None
    except pl.exceptions.NoDataError:
        report.add(path, "fichier vide.", line=1)
        return None
    except pl.exceptions.PolarsError as error:
        _report_malformed(path, report, str(error).splitlines()[0])
        return None
    missing = [column for column in columns if column not in frame.columns]
    for column in missing:
        report.add(path, "colonne absente de l'en-tête.", line=1, column=column)
    if missing:
        return None
    for column in columns:
        report.add_rows(path, column, np.flatnonzero(frame[column].is_null().to_numpy()), _missing)
    return frame


def _missing(_: int) -> str:
    return "valeur manquante."


def _report_malformed(path: Path, report: ErrorReport, detail: str) -> None:
    """Locate what polars could not read (slow path): a byte that is not UTF-8 (the platform's
    check, :func:`sdsf.core.rows.decode_utf8`, with its line), an unclosed quote, a row longer
    than the header."""
    reported = report.total
    try:
        text = rows.decode_utf8(path.read_bytes(), path.name)
    except rows.ImportFailed as failure:
        report.add_failure(failure, path)
        return
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        width = len(next(reader, []))
        for row in reader:
            if len(row) > width:
                report.add(path, f"{len(row)} champs au lieu de {width}.", line=reader.line_num)
    except csv.Error:
        report.add(path, "guillemets mal fermés ou caractère inattendu.", line=reader.line_num)
    if report.total == reported:
        report.add(path, f"CSV illisible ({detail}).")


class _Seats:
    """The places file: one row per (structure, section).

    A ``toutes`` row is a pool shared by every section; the section rows of a structure
    with a pool are caps inside it (reserves are then given on the pool's row). With a pool
    in the file, the age sections are known even without a row of their own.
    """

    def __init__(self, path: Path, frame: pl.DataFrame, report: ErrorReport) -> None:
        self.structure_ids = frame["structure_id"].unique(maintain_order=True).drop_nulls()
        sections = frame["section"].unique(maintain_order=True).drop_nulls()
        has_pool = bool((sections == POOL_SECTION).any())
        sections = sections.filter(sections != POOL_SECTION)
        if has_pool:
            extra = [name for name in AGE_SECTIONS if name not in sections.to_list()]
            sections = pl.concat([sections, pl.Series(extra, dtype=pl.String)])
        self.section_names = sections.rename("section")
        structure = _codes(frame["structure_id"], self.structure_ids)
        is_pool = (frame["section"] == POOL_SECTION).fill_null(False).to_numpy()
        section = _codes(frame["section"], self.section_names)
        capacity = _integers(path, frame, "capacity", report)
        reserved = _integers(path, frame, "reserved_insertion", report)
        benefit = (
            _integers(path, frame, RESERVED_BENEFIT_COLUMN, report)
            if RESERVED_BENEFIT_COLUMN in frame.columns
            else np.zeros_like(capacity)
        )
        too_many = np.flatnonzero(reserved + benefit > capacity)
        report.add_rows(
            path,
            "reserved_insertion",
            too_many,
            lambda row: (
                f"{reserved[row] + benefit[row]} places réservées pour une capacité de "
                f"{capacity[row]}."
            ),
        )
        known = (structure >= 0) & ((section >= 0) | is_pool)
        repeated = np.flatnonzero(
            known
            & ~frame.select(pl.struct("structure_id", "section").is_first_distinct())
            .to_series()
            .to_numpy()
        )
        report.add_rows(
            path, "section", repeated, lambda row: "section déjà décrite pour cette structure."
        )
        structure_count = self.structure_ids.len()
        self.pool = np.full(structure_count, -1, dtype=np.int64)
        self.pool_reserved = np.zeros(structure_count, dtype=np.int64)
        self.pool_reserved_benefit = np.zeros(structure_count, dtype=np.int64)
        pool_rows = known & is_pool
        self.pool[structure[pool_rows]] = capacity[pool_rows]
        self.pool_reserved[structure[pool_rows]] = reserved[pool_rows]
        self.pool_reserved_benefit[structure[pool_rows]] = benefit[pool_rows]
        pooled = self.pool >= 0
        rows = known & ~is_pool
        cap_rows = rows & pooled[np.maximum(structure, 0)]
        report.add_rows(
            path,
            "reserved_insertion",
            np.flatnonzero(cap_rows & ((reserved > 0) | (benefit > 0))),
            lambda row: (
                "les places réservées d'une structure à capacité « toutes » "
                "se déclarent sur sa ligne « toutes »."
            ),
        )
        shape = (structure_count, self.section_names.len())
        self.offered = np.zeros(shape, dtype=bool)
        self.offered[structure[rows], section[rows]] = True
        self.offered[pooled] = True
        self.capacity = np.zeros(shape, dtype=np.int64)
        self.capacity[pooled] = self.pool[pooled, None]
        self.capacity[structure[rows], section[rows]] = capacity[rows]
        self.capacity[pooled] = np.minimum(self.capacity[pooled], self.pool[pooled, None])
        self.reserved = np.zeros(shape, dtype=np.int64)
        self.reserved[structure[rows & ~cap_rows], section[rows & ~cap_rows]] = reserved[
            rows & ~cap_rows
        ]
        self.reserved_benefit = np.zeros(shape, dtype=np.int64)
        self.reserved_benefit[structure[rows & ~cap_rows], section[rows & ~cap_rows]] = benefit[
            rows & ~cap_rows
        ]
        self.half_days = np.zeros(structure_count, dtype=bool)
        if HALF_DAYS_COLUMN in frame.columns:
            flag = _flags(path, frame, HALF_DAYS_COLUMN, report)
            np.logical_or.at(self.half_days, structure[known], flag[known])
        self.structure_names = self._names(frame)

    def _names(self, frame: pl.DataFrame) -> pl.Series:
        """First non-empty name given to each structure, else ""."""
        if STRUCTURE_NAME_COLUMN not in frame.columns:
            return pl.repeat("", self.structure_ids.len(), eager=True)
        names = (
            frame.group_by("structure_id", maintain_order=True)
            .agg(pl.col(STRUCTURE_NAME_COLUMN).drop_nulls().first())
            .drop_nulls("structure_id")
        )
        return names[STRUCTURE_NAME_COLUMN].fill_null("")


class _Applications:
    """The applications file, one row per application."""

    def __init__(self, path: Path, frame: pl.DataFrame, seats: _Seats, report: ErrorReport) -> None:
        self.ids = frame["application_id"]
        repeated = (~self.ids.is_first_distinct() & self.ids.is_not_null()).to_numpy()
        report.add_rows(
            path,
            "application_id",
            np.flatnonzero(repeated),
            lambda row: f"« {self.ids[row]} » est déjà utilisé.",
        )
        # Distinct identifiers, as a vocabulary: repeats (already reported) blanked.
        self.distinct_ids = self.ids.set(pl.Series(repeated), None)
        sections = frame["section"]
        self.section = _codes(sections, seats.section_names)
        known_sections = ", ".join(seats.section_names.to_list())
        report.add_rows(
            path,
            "section",
            np.flatnonzero((self.section < 0) & sections.is_not_null().to_numpy()),
            lambda row: (
                f"section « {sections[row]} » inconnue (sections des places : {known_sections})."
            ),
        )
        self.points = _numbers(path, frame, "points", report)
        self.submitted = _times(path, frame, "submitted_at", report)
        insertion = frame["insertion"]
        report.add_rows(
            path,
            "insertion",
            np.flatnonzero((~insertion.is_in(["0", "1"]) & insertion.is_not_null()).to_numpy()),
            lambda row: f"« {insertion[row]} » : 0 ou 1 attendu.",
        )
        self.insertion = (insertion == "1").fill_null(False).to_numpy()
        self.benefit = (
            _flags(path, frame, BENEFIT_COLUMN, report)
            if BENEFIT_COLUMN in frame.columns
            else np.zeros(frame.height, dtype=bool)
        )
        self.days = (
            _days(path, frame[DAYS_COLUMN], report)
            if DAYS_COLUMN in frame.columns
            else np.full(frame.height, engine.ALL_DAYS, dtype=np.int64)
        )
        self._wishes(path, frame["wishes"], seats, report)
        self.current = np.full(frame.height, -1, dtype=np.int64)
        if CURRENT_COLUMN in frame.columns:
            self._current(path, frame[CURRENT_COLUMN], seats, report)
        self.group = np.arange(frame.height, dtype=np.int64)
        if GROUP_COLUMN in frame.columns:
            named = frame[GROUP_COLUMN]
            codes = _codes(named, named.unique(maintain_order=True).drop_nulls())
            self.group = np.where(codes >= 0, codes + frame.height, self.group)

    def _current(self, path: Path, current: pl.Series, seats: _Seats, report: ErrorReport):
        """Transfers: a known structure, not among the wishes, offering the child's section,
        and able to hold all its current children on every half-day."""
        column = CURRENT_COLUMN
        codes = _codes(current, seats.structure_ids)
        given = current.is_not_null().to_numpy()
        report.add_rows(
            path,
            column,
            np.flatnonzero(given & (codes < 0)),
            lambda row: f"structure « {current[row]} » absente du fichier des places.",
        )
        counts = np.diff(self.wish_offsets)
        row = np.repeat(np.arange(counts.size), counts)
        wished = np.zeros(counts.size, dtype=bool)
        wished[row[self.wish_structures == codes[row]]] = True
        report.add_rows(
            path,
            column,
            np.flatnonzero(given & (codes >= 0) & wished),
            lambda row: "la structure actuelle ne doit pas figurer dans les vœux.",
        )
        known = (codes >= 0) & (self.section >= 0)
        closed = known & ~seats.offered[np.maximum(codes, 0), np.maximum(self.section, 0)]
        report.add_rows(
            path,
            column,
            np.flatnonzero(closed),
            lambda row: (
                f"la structure « {current[row]} » n'a pas de places dans la section de l'enfant."
            ),
        )
        self.current = np.where(known & ~closed, codes, -1)
        self._check_current_fits(path, seats, report)

    def _check_current_fits(self, path: Path, seats: _Seats, report: ErrorReport) -> None:
        transfer = np.flatnonzero(self.current >= 0)
        if not transfer.size:
            return
        structure = self.current[transfer]
        pooled = seats.pool[structure] >= 0
        needs = self.days[transfer]
        whole = ~seats.half_days[structure]
        needs = np.where(whole, engine.whole_days(needs), needs)
        section = self.section[transfer]
        overflow = np.zeros(transfer.size, dtype=bool)
        for slot in range(engine.SLOTS):
            present = (needs >> slot & 1).astype(bool)
            school = np.where(pooled, structure * 1000, structure * 1000 + section + 1)
            for key, limit in (
                (
                    school,
                    np.where(pooled, seats.pool[structure], seats.capacity[structure, section]),
                ),
                (structure * 1000 + section + 1, seats.capacity[structure, section]),
            ):
                keys = np.where(present, key, -1)
                order = np.argsort(keys, kind="stable")
                sorted_keys = keys[order]
                rank = np.arange(keys.size) - np.searchsorted(sorted_keys, sorted_keys)
                position = np.empty_like(rank)
                position[order] = rank
                overflow |= present & (position >= limit)
        report.add_rows(
            path,
            CURRENT_COLUMN,
            transfer[overflow],
            lambda row: (
                "la structure actuelle a plus d'enfants inscrits que de places "
                "(capacité comptée par demi-journée)."
            ),
        )

    def _wishes(self, path: Path, wishes: pl.Series, seats: _Seats, report: ErrorReport) -> None:
        """Wishes as compressed rows of structure indexes, after checking each one."""
        lists = wishes.fill_null("").str.split(WISH_SEPARATOR)
        counts = lists.list.len().to_numpy().astype(np.int64)
        tokens = lists.explode()
        self.wish_offsets = np.concatenate(([0], np.cumsum(counts)))
        self.wish_structures = _codes(tokens, seats.structure_ids)
        row = np.repeat(np.arange(counts.size), counts)
        present = wishes.is_not_null().to_numpy()[row]

        empty = np.flatnonzero(present & (tokens == "").to_numpy())
        report.add_rows(
            path, "wishes", row[empty], lambda _: "vœu vide (identifiants séparés par « | »)."
        )
        unknown = np.flatnonzero(present & (self.wish_structures < 0) & (tokens != "").to_numpy())
        report.add_rows(
            path,
            "wishes",
            row[unknown],
            lambda index: f"structure « {tokens[index]} » absente du fichier des places.",
            items=unknown,
        )
        known = np.flatnonzero(present & (self.wish_structures >= 0) & (self.section >= 0)[row])
        closed = known[~seats.offered[self.wish_structures[known], self.section[row[known]]]]
        sections = seats.section_names
        report.add_rows(
            path,
            "wishes",
            row[closed],
            lambda index: (
                f"la structure « {tokens[index]} » n'a pas de places en section "
                f"« {sections[int(self.section[row[index]])]} »."
            ),
            items=closed,
        )
        structure_count = seats.structure_ids.len()
        keys = np.sort(row[known] * structure_count + self.wish_structures[known])
        repeated_keys = keys[1:][keys[1:] == keys[:-1]]
        report.add_rows(
            path,
            "wishes",
            np.unique(repeated_keys // structure_count),
            lambda r: "une même structure est demandée plusieurs fois.",
        )


class _Bonuses:
    """The optional bonuses file: points added at one structure only."""

    def __init__(
        self,
        path: Path | None,
        frame: pl.DataFrame | None,
        seats: _Seats,
        demand: _Applications,
        report: ErrorReport,
    ) -> None:
        if frame is None:
            self.application = np.empty(0, dtype=np.int64)
            self.structure = np.empty(0, dtype=np.int64)
            self.value = np.empty(0, dtype=np.float64)
            return
        self.application = _codes(frame["application_id"], demand.distinct_ids)
        self.structure = _codes(frame["structure_id"], seats.structure_ids)
        self.value = _numbers(path, frame, "bonus", report)
        for column, codes, what in (
            ("application_id", self.application, "demande absente du fichier des demandes"),
            ("structure_id", self.structure, "structure absente du fichier des places"),
        ):
            values = frame[column]
            report.add_rows(
                path,
                column,
                np.flatnonzero((codes < 0) & values.is_not_null().to_numpy()),
                lambda row, values=values, what=what: f"« {values[row]} » : {what}.",
            )
        repeated = (
            ~frame.select(pl.struct("application_id", "structure_id").is_first_distinct())
            .to_series()
            .to_numpy()
        )
        report.add_rows(
            path,
            "structure_id",
            np.flatnonzero(repeated & (self.application >= 0) & (self.structure >= 0)),
            lambda row: "bonus déjà donné pour cette demande et cette structure.",
        )


def _days(path: Path, text: pl.Series, report: ErrorReport) -> np.ndarray:
    """Half-day slots needed (bit ``2 * day + half``); empty: the whole week."""
    lists = text.fill_null("").str.split(WISH_SEPARATOR)
    counts = lists.list.len().to_numpy()
    tokens = lists.explode().to_list()
    masks = np.zeros(len(tokens), dtype=np.int64)
    bad = []
    for index, token in enumerate(tokens):
        day, _, half = token.strip().partition("-")
        suffix = f"-{half}" if half else ""
        if day in engine.DAY_NAMES and suffix in HALF_DAY_SUFFIXES:
            masks[index] = HALF_DAY_SUFFIXES[suffix] << (2 * engine.DAY_NAMES.index(day))
        elif token:
            bad.append(index)
    rows = np.repeat(np.arange(counts.size), counts)
    days = ", ".join(engine.DAY_NAMES)
    report.add_rows(
        path,
        DAYS_COLUMN,
        rows[bad],
        lambda index: (
            f"jour « {tokens[index]} » inconnu ({days}, éventuellement suivi de "
            "-matin ou -apres-midi, séparés par « | »)."
        ),
        items=np.array(bad, dtype=np.int64),
    )
    result = np.zeros(counts.size, dtype=np.int64)
    np.bitwise_or.at(result, rows, masks)
    return np.where(result == 0, engine.ALL_DAYS, result)


def _check_groups(
    path: Path, frame: pl.DataFrame, demand: "_Applications", bonus: "_Bonuses", report: ErrorReport
) -> None:
    """Siblings of one group: same points, submission time, wishes, categories, current
    structure and bonuses, else an error on each differing line naming the first line."""
    if GROUP_COLUMN not in frame.columns:
        return
    bonus_text = pl.DataFrame(
        {
            "application": bonus.application,
            "text": pl.Series(bonus.structure).cast(pl.String)
            + ":"
            + pl.Series(bonus.value).cast(pl.String),
        }
    )
    bonuses = bonus_text.sort("text").group_by("application").agg(pl.col("text").str.join(";"))
    rows = pl.DataFrame(
        {
            "row": np.arange(frame.height),
            "group": demand.group,
            "points": demand.points,
            "submitted": demand.submitted,
            "wishes": frame["wishes"].fill_null(""),
            "insertion": demand.insertion,
            "benefit": demand.benefit,
            "current": demand.current,
        }
    ).join(bonuses, left_on="row", right_on="application", how="left", maintain_order="left")
    compared = {
        "points": "points",
        "submitted": "date de dépôt",
        "wishes": "vœux",
        "insertion": "insertion",
        "benefit": "minimum social",
        "current": "structure actuelle",
        "text": "bonus",
    }
    first = rows.group_by("group", maintain_order=True).first()
    joined = rows.join(first, on="group", suffix="_first", maintain_order="left")
    differs = [
        (joined[name] != joined[f"{name}_first"]).fill_null(
            joined[name].is_null() != joined[f"{name}_first"].is_null()
        )
        for name in compared
    ]
    matrix = np.column_stack([d.to_numpy() for d in differs])
    bad = np.flatnonzero(matrix.any(axis=1))
    names = frame[GROUP_COLUMN]
    first_row = joined["row_first"].to_numpy()

    def describe(row: int) -> str:
        fields = ", ".join(n for n, d in zip(compared.values(), matrix[row], strict=True) if d)
        return (
            f"le groupe « {names[row]} » doit avoir les mêmes {fields} que sa ligne "
            f"{first_row[row] + 2}."
        )

    report.add_rows(path, GROUP_COLUMN, bad, describe)


def _codes(values: pl.Series, vocabulary: pl.Series) -> np.ndarray:
    """Index of each value in ``vocabulary`` (distinct strings or nulls), -1 if absent."""
    lookup = pl.DataFrame(
        {"value": vocabulary, "code": pl.int_range(vocabulary.len(), dtype=pl.Int64, eager=True)}
    )
    return (
        pl.DataFrame({"value": values})
        .join(lookup, on="value", how="left", maintain_order="left")["code"]
        .fill_null(-1)
        .to_numpy()
    )


def _integers(path: Path, frame: pl.DataFrame, column: str, report: ErrorReport) -> np.ndarray:
    """Non-negative integers; bad values reported and read as 0 (empty ones too: required
    columns report them as missing first)."""
    text = frame[column]
    values = text.cast(pl.Int64, strict=False)
    report.add_rows(
        path,
        column,
        np.flatnonzero((values.is_null() & text.is_not_null()).to_numpy()),
        lambda row: f"« {text[row]} » n'est pas un nombre entier.",
    )
    result = values.fill_null(0).to_numpy()
    report.add_rows(
        path, column, np.flatnonzero(result < 0), lambda row: "le nombre ne peut pas être négatif."
    )
    return np.maximum(result, 0)


def _flags(path: Path, frame: pl.DataFrame, column: str, report: ErrorReport) -> np.ndarray:
    """0 or 1 (empty: 0); other values reported."""
    text = frame[column]
    report.add_rows(
        path,
        column,
        np.flatnonzero((~text.is_in(["0", "1"]) & text.is_not_null()).to_numpy()),
        lambda row: f"« {text[row]} » : 0 ou 1 attendu.",
    )
    return (text == "1").fill_null(False).to_numpy()


def _numbers(path: Path, frame: pl.DataFrame, column: str, report: ErrorReport) -> np.ndarray:
    """Finite decimal numbers; bad values reported and read as 0."""
    text = frame[column]
    values = text.cast(pl.Float64, strict=False).to_numpy()
    finite = np.isfinite(values)
    report.add_rows(
        path,
        column,
        np.flatnonzero(~finite & text.is_not_null().to_numpy()),
        lambda row: f"« {text[row]} » n'est pas un nombre (séparateur décimal : point).",
    )
    return np.where(finite, values, 0.0)


def _times(path: Path, frame: pl.DataFrame, column: str, report: ErrorReport) -> np.ndarray:
    """ISO 8601 times as UTC microseconds; without offset, French local time.

    Each layout parser only sees the values the previous ones could not read:
    first the two usual layouts with polars, then ``datetime.fromisoformat``
    one value at a time, which is the reference (polars leaves it ambiguous
    or non-existent local times too).
    """
    text = frame[column]
    result = np.zeros(text.len(), dtype=np.int64)
    pending = np.flatnonzero(text.is_not_null().to_numpy())
    for parse in (_parse_with_offset, _parse_local):
        micros = parse(text.gather(pending)).cast(pl.Int64)
        parsed = micros.is_not_null().to_numpy()
        result[pending[parsed]] = micros.drop_nulls().to_numpy()
        pending = pending[~parsed]
    failed = []
    for row in pending.tolist():
        try:
            result[row] = _python_timestamp(text[row])
        except ValueError:
            failed.append(row)
    report.add_rows(
        path,
        column,
        np.array(failed, dtype=np.int64),
        lambda row: (
            f"date « {text[row]} » illisible (ISO 8601 attendu, ex. 2026-03-02T09:30:00+01:00)."
        ),
    )
    return result


def _parse_with_offset(text: pl.Series) -> pl.Series:
    return text.str.to_datetime(
        "%Y-%m-%dT%H:%M:%S%.f%:z", time_unit="us", time_zone="UTC", strict=False
    )


def _parse_local(text: pl.Series) -> pl.Series:
    local = text.str.to_datetime("%Y-%m-%dT%H:%M:%S%.f", time_unit="us", strict=False)
    return local.dt.replace_time_zone(LOCAL_TIME_ZONE, ambiguous="null", non_existent="null")


def _python_timestamp(text: str) -> int:
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(LOCAL_TIME_ZONE))
    return (moment - _EPOCH) // _MICROSECOND


if __name__ == "__main__":
    sys.exit(main())
