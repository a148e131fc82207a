"""INSEE territory codes as people write them, and as the platform stores them.

A commune code of the Code officiel géographique has five characters: its département's code
(``01`` to ``95``, ``2A`` and ``2B`` for Corsica, ``971`` to ``976`` overseas) followed by the
commune's number, so ``2A004`` (Ajaccio) and ``97411`` (Saint-Denis de La Réunion) are both
valid. The municipal arrondissements of Paris (``75101``-``75120``), Lyon (``69381``-``69389``)
and Marseille (``13201``-``13216``) have codes of the same shape and are rows of their own in
the COG files the platform loads: they are kept as written, never folded into their city's code
(``75056``, ``69123``, ``13055``), since a file that gives figures per arrondissement means them.

Spreadsheets read codes as numbers and drop the leading zero (``01001`` becomes ``1001``, a
département ``01`` becomes ``1``): that zero is restored. Nothing else is guessed; whether the
commune exists is for the caller to check against its territories.
"""

from __future__ import annotations

import re

COMMUNE_CODE_PATTERN = r"\d{5}|2[AB]\d{3}"
"""The shape of a commune code, to embed in a larger pattern (no anchors, no groups)."""

_COMMUNE_CODE = re.compile(rf"(?:{COMMUNE_CODE_PATTERN})")


def normalise_commune_code(text: str) -> str:
    """The code trimmed, in capitals (``2a004`` → ``2A004``), with the leading zero that a
    spreadsheet dropped restored (``1001`` → ``01001``). Not checked: see
    :func:`parse_commune_code`."""
    code = text.strip().upper()
    if code.isdigit() and len(code) == 4:
        code = code.zfill(5)
    return code


def is_commune_code(code: str) -> bool:
    """Whether ``code`` has the shape of a commune code (five digits, or ``2A``/``2B`` and
    three digits); it may still be unknown to the platform."""
    return _COMMUNE_CODE.fullmatch(code) is not None


def parse_commune_code(text: str) -> str:
    """The normalised code, or ``ValueError`` with a French message when it cannot be one (a
    cell parser for :class:`sdsf.core.imports.RowReader`)."""
    code = normalise_commune_code(text)
    if not is_commune_code(code):
        raise ValueError(f"code commune INSEE à 5 caractères attendu, reçu « {text} »")
    return code


def normalise_departement_code(text: str) -> str:
    """A département code trimmed, in capitals, with its leading zero restored (``1`` → ``01``,
    ``2a`` → ``2A``; ``971`` is left as it is)."""
    return text.strip().upper().zfill(2)
