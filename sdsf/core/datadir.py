"""Where the shipped data files are, for pure cores: the repository's ``data/`` until the
platform says otherwise.

A pure core (no Django import, see ``.importlinter``) that reads shipped data, such as the
tariffs' barèmes or the aid rules' parameters, asks :func:`data_dir` each time it reads a file,
never at import. The core app installs a source reading ``settings.DATA_DIR`` at start-up
(``CoreConfig.ready``), so an installation or a test that moves the data directory is obeyed,
and the core stays importable and testable without Django (as :mod:`sdsf.core.translation`).
"""

from collections.abc import Callable
from pathlib import Path

REPOSITORY_DATA = Path(__file__).resolve().parents[2] / "data"
_source: list[Callable[[], Path]] = [lambda: REPOSITORY_DATA]


def install(source: Callable[[], Path]) -> None:
    """Reads the data directory from ``source`` from now on (the settings, in ``CoreConfig``)."""
    _source[0] = source


def data_dir() -> Path:
    return Path(_source[0]())
