"""Languages as data: tags, fallback chains, and the truth of every ``lang`` attribute."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from hypothesis import given
from hypothesis import strategies as st

from magcore.errors import DefinitionError
from magcore.forms import FormDefinition, render_form, render_paper, render_record
from magcore.i18n import DEFAULT_CATALOGUE, MessageBundle
from magcore.languages import (
    LanguageError,
    LanguageSettings,
    broader_tags,
    is_language_tag,
    language_tag,
)
from magcore.model.text import Text

TAGS = ["nl", "en", "fy", "pap", "nl-BE", "de", "fr", "en-GB", "fy-NL", "li", "zh-Hant", "nds"]


def test_tags_are_checked_and_normalised():
    """A BCP 47 tag is accepted in any case or with _; a non-tag is refused, naming it."""
    assert language_tag("fy") == "fy"
    assert language_tag("en_GB") == "en-GB"
    assert language_tag("NL") == "nl"
    assert is_language_tag("pap")
    for bad in ("", "dutch", "x", "nl--BE", "12", "nl-", "e\u0301n"):
        assert not is_language_tag(bad), bad
    with pytest.raises(LanguageError, match="'dutch' is not a language tag"):
        language_tag("dutch", pointer="/language")


def test_broader_tags_never_leave_a_singleton_dangling():
    assert broader_tags("nl-BE") == ("nl-BE", "nl")
    assert broader_tags("nl-x-amsterdam") == ("nl-x-amsterdam", "nl")


def test_a_configured_chain_is_followed_and_ends_in_dutch_and_english():
    """An installation says fy falls back to nl; without that, to the default, then nl, en."""
    frisian_first = LanguageSettings(fallbacks={"fy": ["nl"]})
    assert frisian_first.chain("fy") == ("fy", "nl", "en")
    english_first = LanguageSettings(default="en", fallbacks={"pap": ["nl"]})
    assert english_first.chain("pap") == ("pap", "nl", "en")
    assert english_first.chain("de") == ("de", "en", "nl")
    assert english_first.chain("not a tag") == ("en", "nl")
    assert LanguageSettings().chain("nl-BE") == ("nl-BE", "nl", "en")


def test_settings_are_data_and_bad_settings_name_the_field():
    settings = LanguageSettings.from_json({"default": "nl", "fallbacks": {"fy": ["nl", "en"]}})
    assert LanguageSettings.from_json(settings.to_json()) == settings
    with pytest.raises(LanguageError, match="/fallbacks/fy/0"):
        LanguageSettings.from_json({"fallbacks": {"fy": ["frisian"]}})
    with pytest.raises(LanguageError, match="unknown key 'chain'"):
        LanguageSettings.from_json({"chain": []})


def test_texts_accept_any_language_tag_and_refuse_other_keys():
    """A cycle or form text may carry Frisian; Dutch and English stay required."""
    text = Text.coerce({"nl": "Jaargesprek", "en": "Yearly conversation", "fy": "Jiergesprek"})
    assert text.get("fy") == "Jiergesprek"
    assert text.to_json() == {"nl": "Jaargesprek", "en": "Yearly conversation", "fy": "Jiergesprek"}
    assert text.resolve("pap").language == "nl"
    with pytest.raises(DefinitionError):
        Text.coerce({"nl": "a", "en": "b", "Frisian": "c"})
    with pytest.raises(KeyError):
        Text.coerce({"fy": "allinnich Frysk"})


# -- the property: fallback never crashes and never mislabels ---------------------------------

requested = st.one_of(st.sampled_from(TAGS), st.text(max_size=12))
chains = st.dictionaries(
    st.sampled_from(TAGS), st.lists(st.sampled_from(TAGS), max_size=3), max_size=4
)
extra = st.dictionaries(st.sampled_from([t for t in TAGS if t not in ("nl", "en")]), st.just(""))


@st.composite
def settings(draw: st.DrawFn) -> LanguageSettings:
    return LanguageSettings(default=draw(st.sampled_from(TAGS)), fallbacks=draw(chains))


@given(language=requested, setup=settings(), own=extra, translated=extra)
def test_resolving_never_fails_and_names_the_language_it_found(language, setup, own, translated):
    """Whatever the tag, chain and catalogues: a text is found, and the language it is
    labelled with is the language it is written in, the first of the chain that has one."""
    text = Text(nl="nl-t", en="en-t", translations={tag: f"{tag}-t" for tag in own})
    catalogue = DEFAULT_CATALOGUE.with_languages(setup).with_bundles(
        [MessageBundle(language=tag, texts={"en-t": f"{tag}-t"}) for tag in translated]
    )
    found = catalogue.resolve(text, language)
    assert found.text == f"{found.language}-t"
    chain = setup.chain(language)
    available = {"nl", "en", *own, *translated}
    assert found.language == next(tag for tag in chain if tag in available)
    shown = catalogue.message_resolved("form.submit", language)
    assert shown.language in chain
    assert shown.text == DEFAULT_CATALOGUE.message("form.submit", shown.language)


class _LangChecker(HTMLParser):
    """Checks every text node written like ``<tag>-...`` sits inside that ``lang``."""

    VOID = frozenset({"meta", "link", "input", "br", "img", "hr"})

    def __init__(self, page_lang: str) -> None:
        super().__init__()
        self.stack: list[str] = [page_lang]
        self.seen: list[tuple[str, str]] = []

    def handle_starttag(self, tag, attrs):
        if tag in self.VOID:
            return
        lang = dict(attrs).get("lang") or (self.stack[-1] if self.stack else "")
        self.stack.append(lang or "")

    def handle_endtag(self, tag):
        if tag not in self.VOID and self.stack:
            self.stack.pop()

    def handle_data(self, data):
        for match in re.finditer(r"\b([a-z]{2,3}(?:-[A-Za-z]{2,4})?)~\w+", data):
            self.seen.append((match.group(1), self.stack[-1] if self.stack else ""))


def _form(languages: dict[str, set[str]]) -> FormDefinition:
    def text(name: str) -> dict[str, str]:
        return {tag: f"{tag}~{name}" for tag in ("nl", "en", *languages.get(name, ()))}

    return FormDefinition.from_json(
        {
            "id": "lang-check",
            "version": 1,
            "purpose": "record",
            "title": text("title"),
            "schema": {
                "type": "object",
                "properties": {
                    "answer": {"type": "string", "maxLength": 100},
                    "choice": {"type": "string", "enum": ["a", "b"]},
                },
            },
            "ui": {
                "fields": {
                    "answer": {"label": text("label"), "help": text("help")},
                    "choice": {
                        "label": text("choice"),
                        "options": {"a": text("a"), "b": text("b")},
                    },
                }
            },
        }
    )


parts = st.dictionaries(
    st.sampled_from(["title", "label", "help", "choice", "a", "b"]),
    st.sets(st.sampled_from(["fy", "pap", "de", "nl-BE"]), max_size=2),
    max_size=6,
)


@given(language=requested, setup=settings(), languages=parts)
def test_pages_never_mislabel_a_part(language, setup, languages):
    """The page's lang and the lang of every part that fell back tell the truth, on the web
    form, the record and the paper form."""
    catalogue = DEFAULT_CATALOGUE.with_languages(setup)
    form = _form(languages)
    answers = {"answer": "x", "choice": "a"}
    for page in (
        render_form(form, language=language, catalogue=catalogue),
        render_record(form, answers, language=language, catalogue=catalogue),
        render_paper(form, language=language, catalogue=catalogue),
    ):
        page_lang = re.search(r'<html lang="([^"]+)"', page)
        assert page_lang is not None
        assert page_lang.group(1) == catalogue.page_language(language)
        checker = _LangChecker(page_lang.group(1))
        checker.feed(page.split("<body>", 1)[1])
        assert checker.seen
        for written, labelled in checker.seen:
            assert written == labelled, (written, labelled)


def test_known_tags_are_what_langcodes_says():
    """The tags answered without langcodes (to keep start-up quick) are registered and already
    in langcodes' normal form, so the shortcut never accepts or changes a tag differently."""
    import langcodes

    from magcore.languages import KNOWN_TAGS

    for tag in sorted(KNOWN_TAGS):
        assert langcodes.tag_is_valid(tag), tag
        assert langcodes.standardize_tag(tag) == tag
        assert language_tag(tag) == tag
