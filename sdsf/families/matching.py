"""The keys that make two pré-demandes probably the same child (see :mod:`.duplicates`).

Plain functions of the fields, shared by the model, which stores each file's keys when it is
saved (the desk finds the files sharing a key with one indexed query instead of reading every
file of the département), and by the grouping of :mod:`.duplicates`.
"""

import unicodedata
from datetime import date


def normalise(name: str) -> str:
    """A name for comparison: no accents, lower case, letters and digits only."""
    decomposed = unicodedata.normalize("NFKD", name or "")
    return "".join(c for c in decomposed if c.isalnum() and not unicodedata.combining(c)).lower()


def child_key(child_date: date | None, child_last_name: str) -> str:
    """Birth (or expected birth) date and normalised last name; empty when one is missing."""
    last_name = normalise(child_last_name)
    return f"{child_date.isoformat()} {last_name}" if child_date and last_name else ""


def email_key(email: str, child_first_name: str) -> str:
    """Parent's e-mail address and the child's normalised first name; empty when one is
    missing. The first name has no space: the key's last space separates the two."""
    address, first_name = (email or "").strip().lower(), normalise(child_first_name)
    return f"{address} {first_name}" if address and first_name else ""
