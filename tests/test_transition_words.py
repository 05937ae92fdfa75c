"""A refused step is named in words people use, in Dutch and English: never an internal id."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from magcore.errors import TransitionError
from magcore.transition_words import ACTIONS, STATES, reason_words

#: An internal id: lower case words joined by underscores.
_ID = re.compile(r"\b[a-z]+_[a-z_]+\b")


@given(
    action=st.sampled_from(sorted(ACTIONS)),
    state=st.sampled_from(sorted(STATES)),
    language=st.sampled_from(["nl", "en"]),
    conversation=st.sampled_from(["c1", "goal g7", "new"]),
)
def test_no_internal_id_reaches_the_message(action, state, language, conversation):
    error = TransitionError(conversation_id=conversation, state=state, action=action)
    text = error.in_language(language)
    assert not _ID.search(text), text
    assert text[0].isupper()
    assert text.endswith(".")
    assert error.in_language("en") == str(error)


@pytest.mark.parametrize(
    ("reason", "dutch"),
    [
        ("p7 does not take part in this conversation", "p7 doet niet mee aan dit gesprek"),
        ("p7 already confirmed this revision", "p7 heeft deze versie van het verslag al bevestigd"),
        ("revision 1 is not the current one (2)", "versie 1 van het verslag is niet de nieuwste"),
        ("held_on 2026-01-02 is before the day it was planned for (2026-01-05)", "ligt voor"),
    ],
)
def test_the_core_reasons_are_dutch_in_dutch(reason, dutch):
    assert dutch in reason_words(reason, "nl")
    assert reason_words(reason, "en") == reason


def test_an_unknown_reason_is_kept_as_given():
    assert reason_words("a plugin's own words", "nl") == "a plugin's own words"


def test_every_action_the_domain_names_has_words():
    """Each command class's ``action`` (the ids the domain raises with) is in the table."""
    from magcore.domain import goals
    from magcore.domain.conversation import commands

    names = set()
    for module in (commands, goals):
        for value in vars(module).values():
            fields = getattr(value, "__attrs_attrs__", None)
            action = next((f for f in fields or () if f.name == "action"), None)
            if action is not None and isinstance(action.default, str):
                names.add(action.default)
    assert names
    assert names <= set(ACTIONS), names - set(ACTIONS)
