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


@pytest.mark.parametrize(
    ("reason", "english", "dutch"),
    [
        (
            "a hr_adviser does not write this record",
            "Writing the record is not possible in conversation c1: a hr_adviser does not"
            " write this record.",
            "Het verslag schrijven kan niet in gesprek c1: een hr_adviser schrijft dit verslag"
            " niet.",
        ),
        (
            "p7 does not take part in this conversation",
            "Writing the record is not possible in conversation c1: p7 does not take part in"
            " this conversation.",
            "Het verslag schrijven kan niet in gesprek c1: p7 doet niet mee aan dit gesprek.",
        ),
    ],
)
def test_a_refusal_for_who_you_are_does_not_name_the_state(reason, english, dutch):
    """The role, not the state, is why: 'while it has been held' would read as if the step
    were possible in another state."""
    error = TransitionError(
        conversation_id="c1", state="held", action="draft_record", reason=reason
    )
    assert str(error) == english
    assert error.in_language("nl") == dutch


def test_a_refusal_for_the_state_still_names_it():
    error = TransitionError(
        conversation_id="c1",
        state="held",
        action="confirm",
        reason="there is no record yet (magcore record first)",
    )
    assert "while it has been held; there is no record yet" in str(error)
    assert "het gesprek is gehouden; er is nog geen verslag" in error.in_language("nl")
