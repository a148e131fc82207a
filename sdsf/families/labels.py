"""The labels a pré-demande's pages show (family's and desk's): its days, its document kinds."""

from collections.abc import Iterable

from sdsf.families.forms import DAYS
from sdsf.families.models import Document, PreApplication


def day_labels(pre: PreApplication) -> list[str]:
    return [str(label) for day, label in DAYS if day in pre.days]


def document_labels(kinds: Iterable[str]) -> list[str]:
    return [str(Document.Kind(kind).label) for kind in kinds]
