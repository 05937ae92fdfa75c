"""An agreement named outside its conversation: ``<conversation>#<agreement>``."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from magcore.model.input_policy import ID_PATTERN, is_valid_id
from magcore.model.records import agreement_reference, split_agreement_reference

SEGMENT = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._:@-]{0,20}", fullmatch=True)
IDS = st.lists(SEGMENT, min_size=1, max_size=3).map("#".join)


def test_a_reference_names_the_conversation_then_the_agreement():
    assert agreement_reference("c-2025-1", "a1") == "c-2025-1#a1"
    assert split_agreement_reference("c-2025-1#a1") == ("c-2025-1", "a1")


def test_an_agreement_carried_twice_keeps_its_own_reference():
    twice = agreement_reference("c-2026-1", agreement_reference("c-2025-1", "a1"))
    assert twice == "c-2026-1#c-2025-1#a1"
    assert split_agreement_reference(twice) == ("c-2026-1", "c-2025-1#a1")


def test_a_text_without_a_hash_is_a_conversation_with_no_agreement():
    assert split_agreement_reference("c-2025-1") == ("c-2025-1", "")


@given(conversation=SEGMENT, agreement=IDS)
def test_splitting_undoes_making(conversation, agreement):
    reference = agreement_reference(conversation, agreement)
    assert is_valid_id(reference), ID_PATTERN
    assert split_agreement_reference(reference) == (conversation, agreement)
