"""A kind without a form takes free text only: texts under plain names, no numbers, choices,
nested values or names of scores; refused with a named problem, and nothing is stored."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from magcore.app.service import Service
from magcore.domain.conversation import SavePreparation
from magcore.errors import RecordInvalidError
from magcore.forms.free_text import free_text_problems

from .test_input_policy_hostile import requested


@pytest.fixture
def world() -> Iterator[tuple[Service, str]]:
    service, conversation = requested()  # the kind "mag" of this cycle has no form
    yield service, conversation
    service.close()


def _version(service: Service, conv: str) -> int:
    return service.store.version(f"conversation:{conv}")


def test_texts_under_plain_names_are_stored(world):
    service, conv = world
    state = service.execute(
        conv, SavePreparation(actor="e1", answers={"wensen": "Een cursus.", "werk": "Druk."})
    )
    assert state.preparations["e1"].answers == {"wensen": "Een cursus.", "werk": "Druk."}


@pytest.mark.parametrize(
    ("answers", "pointers", "keyword"),
    [
        ({"score": "8"}, ["/score"], "scoring"),
        ({"beoordeling": "goed"}, ["/beoordeling"], "scoring"),
        ({"functioneren": "naar behoren"}, ["/functioneren"], "scoring"),
        ({"inzet": 8}, ["/inzet"], "type"),
        ({"rating": {"stars": 4}}, ["/rating"], "scoring"),
        ({"werk": {"text": "x"}}, ["/werk"], "type"),
        ({"werk": ["a", "b"]}, ["/werk"], "type"),
        ({"werk": True}, ["/werk"], "type"),
        ({"Werk punt": "x"}, [""], "propertyNames"),
    ],
)
def test_anything_but_free_text_is_refused_and_nothing_is_stored(world, answers, pointers, keyword):
    service, conv = world
    before = _version(service, conv)
    with pytest.raises(RecordInvalidError) as refused:
        service.execute(conv, SavePreparation(actor="e1", answers=answers))
    assert [p.pointer for p in refused.value.problems] == pointers
    assert {p.keyword for p in refused.value.problems} == {keyword}
    assert _version(service, conv) == before


def test_a_name_that_is_not_plain_is_not_quoted_back():
    (problem,) = free_text_problems({"x\u202e<script>": "tekst"}, language="en")
    assert "\u202e" not in problem.message
    assert "<script>" not in problem.message
    assert "answer 1" in problem.message


def test_the_messages_are_in_the_readers_language():
    (dutch,) = free_text_problems({"werk": 3})
    (english,) = free_text_problems({"werk": 3}, language="en")
    (frisian,) = free_text_problems({"werk": 3}, language="fy")
    assert "geen formulier" in dutch.message
    assert "no form" in english.message
    assert "gjin formulier" in frisian.message
