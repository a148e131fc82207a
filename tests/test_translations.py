"""The committed translations of the family pages: complete, well-formed, compiled.

The .mo files are committed so that a machine without gettext serves the translations; these
tests check that each one says exactly what its .po says (compiled again into a temporary file
and compared entry by entry, which does not depend on the gettext version), and that no entry
is left untranslated or fuzzy. They need GNU gettext's ``msgfmt`` (``make messages`` does too).
Two catalogue directories: ours (``sdsf/locale``, extracted by ``make messages``) and
``sdsf/locale_dsfr`` (Arabic for django-dsfr's own strings, written by hand; the package ships
French only).
"""

import gettext
import re
import shutil
import subprocess
from pathlib import Path

import dsfr
import pytest
from django.conf import settings
from django.utils import translation

LOCALE_DIR = Path(settings.LOCALE_PATHS[0])
DSFR_LOCALE_DIR = Path(settings.LOCALE_PATHS[1])
LANGUAGES = [code for code, _name in settings.LANGUAGES if code != settings.LANGUAGE_CODE]
CATALOGS = [LOCALE_DIR / "en", LOCALE_DIR / "ar", DSFR_LOCALE_DIR / "ar"]

pytestmark = pytest.mark.skipif(
    shutil.which("msgfmt") is None, reason="GNU gettext (msgfmt) is not installed"
)


def _catalog(mo_file: Path) -> dict:
    with mo_file.open("rb") as handle:
        return dict(gettext.GNUTranslations(handle)._catalog)


def _msgids(po_file: Path) -> set[str]:
    """The msgids of a .po file (header excluded), continuation lines joined."""
    ids, current = set(), None
    for line in po_file.read_text(encoding="utf-8").splitlines():
        if line.startswith("msgid "):
            current = line[len("msgid ") :].strip('"')
        elif line.startswith('"') and current is not None:
            current += line.strip('"')
        else:
            if current:
                ids.add(current)
            current = None
    return ids


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
    assert settings.LOCALE_PATHS == [LOCALE_DIR, DSFR_LOCALE_DIR]
    for code in LANGUAGES:
        assert (LOCALE_DIR / code / "LC_MESSAGES" / "django.po").is_file()


@pytest.mark.parametrize("catalog", CATALOGS, ids=str)
def test_compiled_catalog_is_up_to_date(catalog, tmp_path):
    messages = catalog / "LC_MESSAGES"
    fresh = tmp_path / "django.mo"
    _msgfmt(messages / "django.po", fresh)
    assert _catalog(messages / "django.mo") == _catalog(fresh), (
        f"{messages / 'django.mo'} is stale: run `make messages` (or compilemessages)"
    )


@pytest.mark.parametrize("catalog", CATALOGS, ids=str)
def test_every_entry_is_translated(catalog, tmp_path):
    statistics = _msgfmt(catalog / "LC_MESSAGES" / "django.po", tmp_path / "x.mo")
    assert re.search(r"^\d+ translated messages?\.$", statistics.strip().splitlines()[-1]), (
        f"untranslated or fuzzy entries in {catalog}: {statistics.strip()}"
    )


@pytest.mark.parametrize("catalog", [LOCALE_DIR / "ar", DSFR_LOCALE_DIR / "ar"], ids=str)
def test_arabic_has_its_six_plural_forms(catalog):
    po = (catalog / "LC_MESSAGES" / "django.po").read_text(encoding="utf-8")
    assert "nplurals=6;" in po
    for plural_block in re.findall(r"msgid_plural .*\n((?:msgstr\[\d\] .*\n)+)", po):
        assert plural_block.count("msgstr[") == 6


def test_dsfr_catalog_translates_strings_the_installed_package_has():
    """A django-dsfr upgrade that rewords a string would leave our Arabic unused: say so."""
    package = Path(dsfr.__file__).parent / "locale" / "fr" / "LC_MESSAGES" / "django.po"
    ours = _msgids(DSFR_LOCALE_DIR / "ar" / "LC_MESSAGES" / "django.po")
    assert ours, "no entry read from the django-dsfr Arabic catalogue"
    assert ours <= _msgids(package), f"not in django-dsfr any more: {ours - _msgids(package)}"
    assert not ours & _msgids(LOCALE_DIR / "ar" / "LC_MESSAGES" / "django.po"), (
        "translated twice: sdsf/locale wins, drop the entry from sdsf/locale_dsfr"
    )


@pytest.mark.django_db
def test_arabic_family_page_layout_has_no_french(client):
    """Header and footer (our site texts, django-dsfr's links) follow the page's language."""
    client.cookies["django_language"] = "ar"
    with translation.override(settings.LANGUAGE_CODE):  # the middleware's "ar" ends with the block
        page = client.get("/familles/cout/").content.decode()
    for french in [
        "Services aux familles",
        "Plateforme partagée",
        "Mentions légales",
        "Plan du site",
        "Accessibilité",
        "non conforme",
        "Ouvre une nouvelle fenêtre",
        "Sauf mention explicite",
    ]:
        assert french not in page
    for arabic in ["خدمات الأسر", "الإشعارات القانونية", "إمكانية الوصول: غير مطابقة"]:
        assert arabic in page
