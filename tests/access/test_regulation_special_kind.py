"""The regulation says so of a kind that is special-category as a whole, and what it means; its
hash covers those rules (a cycle without such a kind keeps its hash)."""

from __future__ import annotations

import hashlib
import html

import pytest

from magcore.access import policy as read_policy
from magcore.access.regulation import regulation_source, render_regulation
from magcore.events import canonical_json
from magcore.i18n import table

from ..sharing.support import MAG_CYCLE, RECORD_FORM, mag_cycle

FORMS = {"record": RECORD_FORM}
WORDS = table("regulation")

#: A few words of the plain-language text that must be there, per language.
MEANING = {
    "en": (
        "The whole conversation is about special categories of personal data",
        "only the people who take part in it see what is in it",
        "because of a legal basis or because of their role",
        "by their own explicit choice",
        "research data",
    ),
    "nl": (
        "Het hele gesprek gaat over bijzondere persoonsgegevens",
        "alleen de mensen die aan het gesprek meedoen, zien wat erin staat",
        "op grond van een wettelijke grondslag of door zijn of haar functie",
        "zelf uitdrukkelijk voor kiest",
        "onderzoeksgegevens",
    ),
    "fy": (
        "It hiele petear giet oer bysûndere persoansgegevens",
        "allinne de minsken dy't oan it petear meidogge",
        "wetlike grûnslach",
        "útdruklik",
        "ûndersyksgegevens",
    ),
}


def _ordinary_stress():
    """The MAG cycle with its stress kind no longer special-category as a whole."""
    stress = {**MAG_CYCLE["kinds"][1], "special_category": False, "themes": ["vitality", "joker"]}
    return mag_cycle(kinds=[MAG_CYCLE["kinds"][0], stress])


def _section(text: str, kind_id: str) -> str:
    """The lines of a kind's section in the Markdown (its heading, a blank line, its lines)."""
    start = text.index(f"(`{kind_id}`)\n\n")
    return text[start : text.index("\n\n", start + len(kind_id) + 6)]


@pytest.mark.parametrize("language", ["nl", "en", "fy"])
def test_the_regulation_says_a_kind_is_special_category_as_a_whole(language):
    """The stress kind's section says, in plain words, that the whole conversation is about
    special categories of personal data and what that means; the other kind's does not."""
    text = render_regulation(mag_cycle(), language=language, forms=FORMS).text
    words = WORDS[language]
    stress = _section(text, "stress")
    assert f"- **{words['special_kind_title']}** {words['special_kind']}" in stress
    for part in MEANING[language]:
        assert part in words["special_kind"], part
    assert words["special_kind"] not in _section(text, "mag")
    assert text.count(words["special_kind"]) == 1


@pytest.mark.parametrize("language", ["nl", "en", "fy"])
def test_the_html_regulation_says_it_too(language):
    rendered = render_regulation(mag_cycle(), language=language, forms=FORMS, format="html")
    words = WORDS[language]
    said = html.escape(words["special_kind"], quote=False)
    assert f"<strong>{html.escape(words['special_kind_title'])}</strong> {said}" in rendered.text


@pytest.mark.parametrize("language", ["nl", "en"])
def test_only_the_special_category_flag_differs_and_the_text_says_it(language):
    """The newcomer's case: the same cycle with the kind special-category or not differs in
    more than the fingerprint line."""
    special = render_regulation(mag_cycle(), language=language, forms=FORMS)
    ordinary = render_regulation(_ordinary_stress(), language=language, forms=FORMS)
    assert WORDS[language]["special_kind"] in special.text
    assert WORDS[language]["special_kind"] not in ordinary.text
    assert special.hash != ordinary.hash


def test_the_hash_covers_the_special_kind_rules(monkeypatch):
    """The source of a cycle with a special kind holds the rules the text states; a change of
    those rules changes the hash, so the works council approves the text that says it."""
    import magcore.access.regulation as regulation

    source = regulation_source(mag_cycle(), forms=FORMS)
    assert source["special_kind_access"] == dict(read_policy.SPECIAL_KIND_RULES)
    digest = hashlib.sha256(canonical_json(source).encode("utf-8")).hexdigest()
    before = render_regulation(mag_cycle(), forms=FORMS).hash
    assert before == digest
    changed = {**read_policy.SPECIAL_KIND_RULES, "in_research_data": True}
    monkeypatch.setattr(regulation, "SPECIAL_KIND_RULES", changed)
    assert render_regulation(mag_cycle(), forms=FORMS).hash != before


def test_a_cycle_without_a_special_kind_keeps_its_hash_and_says_nothing_of_it():
    """No kind special-category as a whole: no such rules in the source, so its approval
    stays valid, and no such line in the text."""
    cycle = _ordinary_stress()
    source = regulation_source(cycle, forms=FORMS)
    assert "special_kind_access" not in source
    for language in ("nl", "en", "fy"):
        text = render_regulation(cycle, language=language, forms=FORMS).text
        assert WORDS[language]["special_kind_title"] not in text
