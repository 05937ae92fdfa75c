"""The bulk path (``Service.request_many``) checks what a single request checks: a peer from the
same team, a coach from the coach pool, people the organisation knows; the same named error,
and nothing of the batch stored."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from magcore import CycleDefinition, TransitionError
from magcore.errors import InputRefused
from magcore.model.records import Participant
from tests.model.test_parties import CAREER

from .test_parties_service import _service

PEERS = json.loads(Path("docs/examples/cycles/peer-team.json").read_text(encoding="utf-8"))


def _spec(cycle: CycleDefinition, kind: str, *people: tuple[str, str]) -> dict:
    return {
        "cycle": cycle,
        "kind": kind,
        "participants": [Participant(person, role) for person, role in people],
        "actor": people[0][0],
    }


def _refusal(svc, single: dict, error: type[Exception]) -> str:
    """The message the single request path gives for *single* (and nothing stored)."""
    with pytest.raises(error) as refused:
        svc.request(**single)
    assert list(svc.store.conversations()) == []
    return str(refused.value)


@pytest.mark.parametrize(
    ("definition", "kind", "good", "bad", "error", "named"),
    [
        (
            CAREER,
            "career",
            [("e1", "employee"), ("c1", "career_coach")],
            [("e3", "employee"), ("e2", "career_coach")],  # e2 holds no coach role
            TransitionError,
            "party 'career_coach'",
        ),
        (
            PEERS,
            "peer",
            [("e1", "employee"), ("e2", "peer")],
            [("e1", "employee"), ("m2", "peer")],  # a manager of another team as a "peer"
            TransitionError,
            "party 'peer'",
        ),
        (
            PEERS,
            "peer",
            [("e1", "employee"), ("e2", "peer")],
            [("e1", "employee"), ("nobody", "peer")],
            InputRefused,
            "/participants/1/person: 'nobody' is not a person",
        ),
    ],
)
def test_the_batch_refuses_what_a_single_request_refuses(definition, kind, good, bad, error, named):
    svc, cycle = _service(definition)
    message = _refusal(svc, _spec(cycle, kind, *bad), error)
    assert named in message
    specs = [_spec(cycle, kind, *good), _spec(cycle, kind, *bad)]
    with pytest.raises(error) as refused:
        svc.request_many(specs, batch_size=10)
    assert str(refused.value) == message  # the same error, naming the same party or person
    assert list(svc.store.conversations()) == []  # nothing of the batch, not even the good one
    assert len(svc.request_many([_spec(cycle, kind, *good)])) == 1
