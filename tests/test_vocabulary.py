"""Vocabulary per cycle: Midden-Groningen's "inwoner" reaches the people of its cycle (forms,
validation, the regulation, the service), and no other cycle's."""

from __future__ import annotations

import re

import pytest

from magcore.access.regulation import render_regulation
from magcore.app.service import open_service
from magcore.forms import FormDefinition, render_form, render_paper, render_record, validate
from magcore.plugins import get_plugin_manager

MG = "mg-eigenaarschap"
DEFAULT_WORDS = re.compile(r"\b(klant|klanten|klantcontact|customer|customers)\b", re.IGNORECASE)


def T(nl, en):
    return {"nl": nl, "en": en}


#: A form whose texts say "klant" / "customer" the way any form might.
CONTACT = FormDefinition.from_json(
    {
        "id": "contact",
        "version": 1,
        "purpose": "record",
        "title": T("Klantcontact", "Customer contact"),
        "description": T("Over de klant en klanten.", "About the customer and customers."),
        "schema": {
            "type": "object",
            "properties": {
                "who": {"type": "string", "enum": ["klant", "team"]},
                "note": {"type": "string", "maxLength": 50},
            },
            "required": ["who", "note"],
        },
        "ui": {
            "fields": {
                "who": {
                    "label": T("Met wie?", "With whom?"),
                    "options": {"klant": T("Een klant", "A customer"), "team": T("Team", "Team")},
                },
                "note": {
                    "label": T("Wat vroeg de klant?", "What did the customer ask?"),
                    "help": T("Klanten eerst.", "Customers first."),
                },
            }
        },
    }
)


@pytest.fixture(scope="module")
def catalogues():
    found, problems = get_plugin_manager().hooks.catalogues()
    assert problems == ()
    return found


def _visible(page: str) -> str:
    """The words people see: the body without tags (attribute values are not read)."""
    body = page.split("<body>", 1)[1]
    return re.sub(r"<[^>]+>", " ", body)


@pytest.mark.parametrize("language", ["nl", "en"])
def test_no_default_word_leaks_on_midden_groningens_pages(catalogues, language):
    """Web form, record, paper form and the validation messages say "inwoner" / "resident"."""
    mine = catalogues.for_cycle(f"{MG}@1")
    pages = [
        render_form(CONTACT, language=language, catalogue=mine),
        render_record(CONTACT, {"who": "klant", "note": "x"}, language=language, catalogue=mine),
        render_paper(CONTACT, language=language, catalogue=mine),
    ]
    problems = validate(CONTACT, {"who": "klant"}, language=language, catalogue=mine)
    for page in pages:
        assert not DEFAULT_WORDS.search(_visible(page)), DEFAULT_WORDS.findall(_visible(page))
    assert problems
    assert all(not DEFAULT_WORDS.search(p.message) for p in problems)
    expected = "inwoner" if language == "nl" else "resident"
    assert expected in _visible(pages[0]).lower()


def test_the_same_pages_of_another_cycle_keep_their_own_words(catalogues):
    """The vocabulary is Midden-Groningen's: Amsterdam's cycle still says "klant" (so the
    check above can fail)."""
    amsterdam = catalogues.for_cycle("mag")
    page = render_form(CONTACT, language="nl", catalogue=amsterdam)
    assert "klant" in _visible(page).lower()
    assert catalogues.general.localise("De klant", "nl") == "De klant"


def test_the_service_and_the_regulation_use_the_cycles_catalogue(catalogues):
    """The service hands out each cycle's catalogue; the regulation applies its vocabulary."""
    service = open_service("memory://", dispatch="off")
    try:
        mine = service.catalogue_for(f"{MG}@1")
        assert mine.localise("Klantcontact met de klant", "nl") == (
            "Contact met inwoners met de inwoner"
        )
        assert service.catalogue_for("mag@1").localise("De klant", "nl") == "De klant"
        definition = next(c for c in service.cycles.values() if c.id == MG)
    finally:
        service.close()
    regulation = render_regulation(definition, language="nl", catalogue=mine)
    assert not DEFAULT_WORDS.search(regulation.text.replace("`", " "))
