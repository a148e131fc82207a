"""The committed translations of the family pages: complete, well-formed, compiled.

The .mo files are committed so that a machine without gettext serves the translations; these
tests check that each one says exactly what its .po says (compiled again into a temporary file
and compared entry by entry, which does not depend on the gettext version), and that no entry
is left untranslated or fuzzy. They need GNU gettext's ``msgfmt`` (``make messages`` does too).
"""

import gettext
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings

LOCALE_DIR = Path(settings.LOCALE_PATHS[0])
LANGUAGES = [code for code, _name in settings.LANGUAGES if code != settings.LANGUAGE_CODE]

pytestmark = pytest.mark.skipif(
    shutil.which("msgfmt") is None, reason="GNU gettext (msgfmt) is not installed"
)


def _catalog(mo_file: Path) -> dict:
    with mo_file.open("rb") as handle:
        return dict(gettext.GNUTranslations(handle)._catalog)


def _msgfmt(po_file: Path, mo_file: Path) -> str:
    """Compile with format checks; return msgfmt's statistics line."""
    done = subprocess.run(
        ["msgfmt", "--check", "--statistics", "-o", str(mo_file), str(po_file)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stderr


def test_every_language_but_french_has_a_catalog():
    assert LANGUAGES == ["en", "ar"]
    for code in LANGUAGES:
        assert (LOCALE_DIR / code / "LC_MESSAGES" / "django.po").is_file()


@pytest.mark.parametrize("code", ["en", "ar"])
def test_compiled_catalog_is_up_to_date(code, tmp_path):
    messages = LOCALE_DIR / code / "LC_MESSAGES"
    fresh = tmp_path / "django.mo"
    _msgfmt(messages / "django.po", fresh)
    assert _catalog(messages / "django.mo") == _catalog(fresh), (
        f"{messages / 'django.mo'} is stale: run `make messages` (or compilemessages)"
    )


@pytest.mark.parametrize("code", ["en", "ar"])
def test_every_entry_is_translated(code, tmp_path):
    statistics = _msgfmt(LOCALE_DIR / code / "LC_MESSAGES" / "django.po", tmp_path / "x.mo")
    assert re.search(r"^\d+ translated messages?\.$", statistics.strip().splitlines()[-1]), (
        f"untranslated or fuzzy entries in {code}: {statistics.strip()}"
    )


def test_arabic_has_its_six_plural_forms():
    po = (LOCALE_DIR / "ar" / "LC_MESSAGES" / "django.po").read_text(encoding="utf-8")
    assert "nplurals=6;" in po
    for plural_block in re.findall(r"msgid_plural .*\n((?:msgstr\[\d\] .*\n)+)", po):
        assert plural_block.count("msgstr[") == 6
