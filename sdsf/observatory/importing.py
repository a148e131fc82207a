"""The observatory's files imported from the web: which kinds, what each asks besides the file.

The command line (``sdsf import_population``…) and the web run the same importers
(:mod:`.importers`); the web adds the uploader's territory (:class:`~.importers.WebImport`) and
asks in its form what a command takes as options (the census year, the indicator's name…).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import IO

from sdsf.core.imports import ImportResult
from sdsf.observatory import importers
from sdsf.observatory.importers import WebImport


@dataclass(frozen=True)
class Kind:
    label: str
    # The form's fields this kind needs ("year", "indicator"); "year?" when optional.
    asks: tuple[str, ...]
    run: Callable[..., ImportResult]


def _population(stream, options, **run) -> ImportResult:
    return importers.import_population(stream, options["year"], **run)


def _births(stream, options, **run) -> ImportResult:
    return importers.import_births(stream, options["year"], **run)


def _capacity(stream, options, **run) -> ImportResult:
    return importers.import_capacity(stream, **run)


def _caf_places(stream, options, **run) -> ImportResult:
    return importers.import_caf_places(stream, **run)


def _caf_coverage(stream, options, **run) -> ImportResult:
    return importers.import_caf_coverage(stream, year=options.get("year"), **run)


def _indicator(stream, options, **run) -> ImportResult:
    return importers.import_indicator(
        stream,
        name=options["name"],
        unit=options["unit"],
        source=options["source"],
        year=options["year"],
        **run,
    )


KINDS = {
    "population": Kind(
        "Population par âge (INSEE, base-ic-evol-struct-pop)", ("year",), _population
    ),
    "births": Kind("Naissances domiciliées (INSEE)", ("year",), _births),
    "capacity": Kind("Places d'accueil par commune et par année", (), _capacity),
    "caf_places": Kind("Places d'accueil publiées par la CNAF (nbpla_pe)", (), _caf_places),
    "caf_cover": Kind(
        "Taux de couverture publiés par la CNAF (txcouv_pe, TAUXCOUV)", ("year?",), _caf_coverage
    ),
    "indicator": Kind(
        "Autre indicateur par commune (taux de pauvreté…)", ("year", "indicator"), _indicator
    ),
}


def import_file(
    kind: str, stream: IO[bytes], options: dict, *, dry_run: bool, web: WebImport
) -> ImportResult:
    """Imports one uploaded file of ``kind`` with the form's ``options``."""
    return KINDS[kind].run(stream, options, dry_run=dry_run, web=web)
