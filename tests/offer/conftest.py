import datetime

import pytest

from sdsf.offer.importing import import_offer

EXAMPLES = __import__("pathlib").Path(__file__).resolve().parents[2] / "docs" / "examples"
TODAY = datetime.date(2025, 11, 1)

HEADERS = {
    "eaje": "Identifiant;Nom;Type d'accueil;Code commune;Financement;Places agréées;"
    "Places bébés;Places moyens;Places grands;Date d'effet des places;Statut;"
    "Date d'ouverture;Date de fermeture;Gestionnaire",
    "am": "N° agrément;Nom;Prénom;Code commune;Date de début d'agrément;"
    "Date de fin d'agrément;Nombre d'enfants;Statut;Date d'effet;Identifiant MAM",
}


@pytest.fixture
def write_csv(tmp_path):
    """Writes a ``;`` CSV: the kind's header, then the given lines."""

    def write(kind: str, *lines: str, header: str | None = None, name: str = "f.csv"):
        path = tmp_path / name
        path.write_text("\n".join([header or HEADERS[kind], *lines]) + "\n", encoding="utf-8")
        return path

    return write


@pytest.fixture
def load(db):
    """Imports a file (default: the documented example of the kind) on TODAY."""

    def run(kind: str, path=None, **options):
        options.setdefault("today", TODAY)
        return import_offer(kind, path or EXAMPLES / f"{kind}.csv", **options)

    return run
