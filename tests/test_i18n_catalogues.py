"""magcore's own gettext catalogues: complete, compiled, and read the way translators write."""

from __future__ import annotations

import re
import string
from datetime import date
from pathlib import Path

import pytest

from magcore.i18n import DEFAULT_CATALOGUE, DOMAIN, format_date, format_list, plural_index
from magcore.i18n.files import bundles_from_folder, read_catalogue, stale_catalogues
from magcore.i18n.source import MESSAGES, TERMS

LOCALE = Path(__file__).resolve().parent.parent / "src" / "magcore" / "i18n" / "locale"
PLUGINS = Path(__file__).resolve().parent.parent / "plugins"


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_the_committed_mo_files_match_their_po_files():
    """A fresh clone and a wheel read the committed .mo files: they must be what the .po
    files compile to (run `make messages` after editing a .po)."""
    assert stale_catalogues(LOCALE, DOMAIN) == []
    for folder in PLUGINS.glob("*/src/*/locale"):
        assert stale_catalogues(folder, "messages") == [], folder


@pytest.mark.parametrize("language", ["nl", "fy"])
def test_every_source_text_is_translated_with_the_same_parameters(language):
    """Dutch and Frisian have every message and term, and keep every {parameter}."""
    (bundle,) = [b for b in bundles_from_folder(LOCALE, DOMAIN) if b.language == language]
    for source in MESSAGES:
        translated = bundle.messages[source.key]
        assert _fields(translated) == _fields(source.text), source.key
        if source.plural:
            assert len(bundle.plurals[source.key]) == 2, source.key
    for source in TERMS:
        assert bundle.vocabulary[source.key.removeprefix("term:")], source.key


def test_frisian_is_a_language_of_the_default_catalogue():
    """The core's texts exist in Frisian, and a Frisian reader gets Frisian."""
    assert DEFAULT_CATALOGUE.available == ("nl", "en", "fy")
    shown = DEFAULT_CATALOGUE.message_resolved("form.submit", "fy")
    assert (shown.text, shown.language) == ("Bewarje", "fy")
    assert DEFAULT_CATALOGUE.message("role.manager", "fy") == "liedinggjouwer"


def test_plural_forms_follow_the_languages_rule():
    """One character, two characters: the form is chosen by the CLDR rule of each language."""
    one = DEFAULT_CATALOGUE.message("validation.min_length", "nl", label="Naam", limit=1)
    many = DEFAULT_CATALOGUE.message("validation.min_length", "nl", label="Naam", limit=5)
    assert one == 'Schrijf bij "Naam" minstens 1 teken.'
    assert many == 'Schrijf bij "Naam" minstens 5 tekens.'
    assert DEFAULT_CATALOGUE.message("validation.min_length", "fy", label="N", limit=1).endswith(
        "1 teken."
    )
    assert plural_index("en", 1) == 0
    assert plural_index("en", 2) == 1


def test_dates_and_lists_come_from_the_locale_data():
    """Dates and "a, b or c" are written as each language writes them (Babel, CLDR)."""
    assert format_date(date(2026, 12, 3), "nl").text == "3 december 2026"
    frisian = format_date(date(2026, 12, 3), "fy")
    assert frisian.language == "fy"
    assert re.fullmatch(r"3 [Dd]esimber 2026", frisian.text)
    assert format_list(["ja", "nee"], "nl", style="or") == "ja of nee"
    # A language without CLDR data uses the next one in its chain, and says so.
    assert format_date(date(2026, 12, 3), "pap").language in ("pap", "nl")


def test_a_po_file_and_its_compiled_mo_give_the_same_bundle():
    """magcore reads a .mo with the standard library and a .po with Babel: the same texts."""
    po = (LOCALE / "fy" / "LC_MESSAGES" / "magcore.po").read_bytes()
    mo = (LOCALE / "fy" / "LC_MESSAGES" / "magcore.mo").read_bytes()
    assert read_catalogue(po, "fy", po=True) == read_catalogue(mo, "fy")
