"""The keys a public file format writes for a choice field, where they are not the stored ones.

Stored choice keys are internal and English (``docs/decisions/0004-stored-choice-keys.md``);
files that people write or read (a commission's waiting list, a scheme's plan, an export) keep
the keys their documentation gives (``docs/imports.md``). A :class:`FileKeys` maps one to the
other at the file's boundary, and nowhere else.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping


class FileKeys:
    """``public[stored]``: the file's key for a stored key (stored keys not named are written
    as they are)."""

    def __init__(self, stored_values: Iterable[str], public: Mapping[str, str]):
        self._public = {str(stored): file_key for stored, file_key in public.items()}
        self._stored = {file_key: stored for stored, file_key in self._public.items()}
        self.values = [self._public.get(str(v), str(v)) for v in stored_values]

    def public(self, stored: str) -> str:
        """The file's key for a stored key (``""`` stays ``""``)."""
        return self._public.get(stored, stored)

    def stored(self, file_key: str) -> str | None:
        """The stored key of a file's key, None for a key the file format does not have."""
        if file_key in self._stored:
            return self._stored[file_key]
        return file_key if file_key in self.values else None
