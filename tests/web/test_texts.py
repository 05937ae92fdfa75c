"""The pages' message catalogue: the Frisian catalogue is complete and current, and a message
missing in the page's language is labelled with the language it is shown in."""

from __future__ import annotations

import string
from pathlib import Path

import magcore_web
from magcore_web.pages import texts

from magcore.i18n.files import bundles_from_folder, stale_catalogues

LOCALE = Path(magcore_web.__file__).parent / "locale"


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_the_template_is_current_and_the_mo_matches_the_po():
    """`make messages` was run after the last change of a page text."""
    assert (LOCALE / "messages.pot").read_bytes() == texts.template()
    assert stale_catalogues(LOCALE, texts.DOMAIN) == []


def test_every_page_message_is_in_frisian_with_the_same_parameters():
    (frisian,) = [b for b in bundles_from_folder(LOCALE, texts.DOMAIN) if b.language == "fy"]
    for key, (nl, en) in texts._MESSAGES.items():
        assert frisian.messages.get(key), key
        assert _fields(frisian.messages[key]) == _fields(nl), key
        assert frisian.messages[key] not in (nl, en) or len(en) < 12, key  # written, not copied
    assert "fy" in texts.COMPLETE
    assert texts.content_language("fy") == "fy"
    assert texts.fallback_note("fy") is None
    assert texts.content_language("pap") == "nl"
    assert texts.fallback_note("pap")


def test_a_message_missing_in_the_pages_language_is_labelled(monkeypatch):
    from magcore.model.text import Text

    partial = texts.CATALOGUE.with_overrides({"extra.only_dutch": Text(nl="Alleen", en="Only")})
    monkeypatch.setattr(texts, "CATALOGUE", partial)
    assert texts.labelled("extra.only_dutch", "fy") == '<span lang="nl">Alleen</span>'
    assert texts.labelled("site.name", "fy") == "Petearen"
