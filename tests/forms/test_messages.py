"""The message catalogue: Dutch and English, overrides from plugins, vocabulary."""

from __future__ import annotations

import pytest

from magcore.errors import DefinitionError
from magcore.i18n import DEFAULT_CATALOGUE, Catalogue, MessageBundle, message
from magcore.model.text import Text


def test_every_message_has_dutch_and_english_that_differ_where_they_should():
    """All messages exist in both languages; the sensitive-data hint is the agreed B1 text."""
    assert message("form.sensitive_hint", "nl") == "Schrijf hier geen medische informatie."
    assert message("form.sensitive_hint", "en") == "Do not write medical information here."
    for key, text in DEFAULT_CATALOGUE.messages.items():
        assert text.nl.strip(), key
        assert text.en.strip(), key


def test_parameters_are_filled_in():
    """Messages take named parameters."""
    assert message("validation.required", "en", label="Date") == 'Fill in "Date".'


def test_a_missing_parameter_or_key_says_which():
    """A wrong call names the key or parameter instead of failing somewhere else."""
    with pytest.raises(KeyError, match="label"):
        message("validation.required", "nl")
    with pytest.raises(KeyError, match=r"no\.such\.key"):
        message("no.such.key", "nl")


def test_overrides_make_a_new_catalogue_and_leave_the_default_alone():
    """with_overrides layers texts; the default catalogue does not change."""
    custom = DEFAULT_CATALOGUE.with_overrides(
        {"form.submit": {"nl": "Bewaren", "en": "Keep"}, "plugin.hello": Text("Hoi", "Hi")}
    )

    assert custom.message("form.submit", "nl") == "Bewaren"
    assert custom.message("plugin.hello", "en") == "Hi"
    assert DEFAULT_CATALOGUE.message("form.submit", "nl") == "Opslaan"
    assert "plugin.hello" not in DEFAULT_CATALOGUE


def test_a_term_override_changes_every_message_that_uses_it():
    """Replacing the term 'manager' changes the role name everywhere it is used."""
    custom = DEFAULT_CATALOGUE.with_vocabulary({"manager": {"nl": "teamleider", "en": "team lead"}})

    assert custom.message("role.manager", "nl") == "teamleider"
    assert custom.message("role.manager", "en") == "team lead"
    assert DEFAULT_CATALOGUE.message("role.manager", "nl") == "leidinggevende"


def test_a_bundle_replaces_the_word_klant_by_inwoner_keeping_capitals():
    """A municipality that never says 'klant' registers one bundle; texts say 'inwoner'."""
    bundle = MessageBundle(
        language="nl",
        messages={"plugin.intro": "De klant staat centraal. Klanten en klant-gesprekken."},
        vocabulary={"klant": "inwoner"},
    )

    custom = DEFAULT_CATALOGUE.with_bundle(bundle)

    assert custom.message("plugin.intro", "nl") == (
        "De inwoner staat centraal. Klanten en inwoner-gesprekken."
    )
    assert custom.localise("Klant", "nl") == "Inwoner"
    # The message exists in Dutch only: an English reader gets the Dutch text, labelled as
    # Dutch, with the Dutch vocabulary (the text is Dutch, so "klant" is replaced there too).
    shown = custom.message_resolved("plugin.intro", "en")
    assert shown.language == "nl"
    assert shown.text == "De inwoner staat centraal. Klanten en inwoner-gesprekken."


def test_a_catalogue_refuses_a_message_without_both_languages():
    """Every message needs nl and en."""
    with pytest.raises(DefinitionError):
        Catalogue(messages={"x": {"nl": "alleen Nederlands"}})
