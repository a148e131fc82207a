"""gettext for pure cores: the translation functions a module without Django calls.

A pure computational core (no Django import, see ``.importlinter``) that explains itself to
families, such as :mod:`sdsf.families.tariffs`, marks its French sentences with this module's
``_`` (``gettext``), ``gettext_lazy`` and ``ngettext``; ``makemessages`` extracts them like
Django's own. They answer the French source until a translator is installed: the core app
installs Django's functions at start-up (``CoreConfig.ready``), so in the running platform they
translate into the active language exactly as Django's would, and the core stays importable and
testable without Django. The same pattern as :func:`gettext.install` of the standard library.
"""

from collections.abc import Callable

_translators: dict[str, Callable] = {
    "gettext": lambda message: message,
    # French, the source language: the singular for one, the plural otherwise (what Django
    # answers for a message without translation).
    "ngettext": lambda singular, plural, count: singular if count == 1 else plural,
}


def install(gettext: Callable[[str], str], ngettext: Callable[[str, str, int], str]) -> None:
    """Translates through these functions from now on (Django's, in ``CoreConfig.ready``)."""
    _translators.update(gettext=gettext, ngettext=ngettext)


def gettext(message: str) -> str:
    return _translators["gettext"](message)


_ = gettext


def ngettext(singular: str, plural: str, count: int) -> str:
    return _translators["ngettext"](singular, plural, count)


class LazyText:
    """A message translated when it is shown, in the language active then (module constants)."""

    def __init__(self, message: str):
        self.message = message

    def __str__(self) -> str:
        return gettext(self.message)


def gettext_lazy(message: str) -> LazyText:
    return LazyText(message)
