"""One rule for every language a caller gives (:mod:`magcore.languages`): a BCP 47 tag in any
case and with - or _, normalised; refused where given on purpose, followed along its chain where
a fixed set of words is chosen. Each test names a place that once took only ``nl`` or ``en``
as written, or kept the tag as given."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from magcore import open_service
from magcore._language_tags import default_closest
from magcore.cli._app import Config
from magcore.domain.workflows import Notification
from magcore.errors import TransitionError
from magcore.languages import DEFAULT_SETTINGS, LanguageError, closest, match, pick
from magcore.plugins import get_plugin_manager

TAGS = ["nl", "NL", "nl-NL", "nl_be", "en", "EN", "en-GB", "en_gb", "fy", "FY-nl", "de", "pap"]
NOT_TAGS = ["", "dutch", "x", "nl--BE", "12"]


@given(st.sampled_from(TAGS + NOT_TAGS) | st.text(max_size=12))
def test_the_lowest_layer_picks_as_the_default_chain_does(language):
    """transition_words cannot import magcore.languages; its choice is the same one."""
    for available in (("nl", "en"), ("en",), ("fy", "en"), ("de",)):
        assert default_closest(language, available) == closest(language, available)


def test_closest_pick_and_match():
    assert closest("NL", ["nl", "en"]) == closest("nl-NL", ["nl", "en"]) == "nl"
    assert closest("en_gb", ["nl", "en"]) == "en"
    assert closest("not a tag", ["nl", "en"]) == DEFAULT_SETTINGS.default
    assert closest("de", ["fy"]) is None
    assert pick("FY", ["nl", "fy"]) == "fy"
    with pytest.raises(LanguageError, match="'not a tag' is not a language tag"):
        pick("not a tag", ["nl", "en"])
    assert match("nl_BE", ["nl", "en"]) == "nl"
    assert (match("de", ["nl", "en"]), match("*", ["nl"]), match(None, ["nl"])) == (None,) * 3


@pytest.mark.parametrize(
    ("language", "dutch"),
    [
        *[(tag, True) for tag in ("nl", "NL", "nl-NL", "nl_be", "fy")],
        *[(tag, False) for tag in ("en", "EN", "en-GB")],
    ],
)
def test_a_refused_step_reads_in_the_language_its_tag_falls_back_to(language, dutch):
    """Before, only "nl" exactly read Dutch: "NL" and "nl-NL" got English."""
    error = TransitionError(conversation_id="c1", state="requested", action="record")
    expected = error.in_language("nl") if dutch else error.in_language("en")
    assert error.in_language(language) == expected


def test_a_service_keeps_its_language_normalised_and_refuses_a_non_tag():
    host = get_plugin_manager(load_entry_points=False)
    service = open_service("memory://", host=host, dispatch="off", language="NL")
    assert service.language == "nl"
    service.close()
    with pytest.raises(LanguageError, match="'dutch' is not a language tag"):
        open_service("memory://", host=host, dispatch="off", language="dutch")


def test_the_settings_file_language_is_normalised(tmp_path):
    path = tmp_path / "magcore.toml"
    path.write_text('store = "sqlite:///magcore.db"\nlanguage = "FY"\n', encoding="utf-8")
    assert Config.read(path).language == "fy"
    assert Config.read(path).languages().default == "fy"


def test_a_notification_language_is_normalised():
    fields = {"key": "k1", "message": "workflow.remind", "recipient": "p1"}
    made = Notification(**fields, reference="conversation:c1", language="nl_BE")
    assert made.language == "nl-BE"
    with pytest.raises(ValueError, match="language must be a language tag"):
        Notification(**fields, reference="conversation:c1", language="nl!")
