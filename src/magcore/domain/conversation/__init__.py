"""The Conversation aggregate: one explicit lifecycle, events in, state out.

::

    request ──▶ REQUESTED ──schedule──▶ SCHEDULED ──(every preparer published)──▶ PREPARED
                    │                       │  ▲ reschedule                         │
                    └──────────── hold ─────┴──┴────────────────────────────────────┘
                                             ▼
                                           HELD ──draft_record / register_paper──▶ RECORD_DRAFTED
                                                                                     │ confirm (all)
                                                                                     ▼
                                                                                   AGREED
    REQUESTED/SCHEDULED/PREPARED ──not_held──▶ NOT_HELD   (neutral, no blame)
    REQUESTED/SCHEDULED/PREPARED ──cancel────▶ CANCELLED

The modules: :mod:`.commands` (what people ask), :mod:`.state` (the
aggregate, :func:`apply` and :func:`replay`), :mod:`.decide` and :mod:`.visibility`.

:func:`decide` checks a command against the current state and returns new events (or raises
:class:`~magcore.errors.TransitionError` naming the state and the action); :func:`apply` folds
one event into the state; :func:`replay` rebuilds the state from its events.
"""

from __future__ import annotations

# What people ask: the commands module owns the list of its names.
from . import commands
from .carried import carried_agreement_origin, decide_carried_update
from .commands import *  # noqa: F403
from .decide import (
    UNDISCLOSED,
    check_taking_part,
    decide,
    start_refusal,
)
from .read_model import destroyed_read_model, read_model
from .state import (
    CONVERSATION_STREAM,
    FINAL_STATES,
    HELD_STATES,
    OPEN_STATES,
    Conversation,
    ConversationEvent,
    NotHeldReason,
    State,
    apply,
    replay,
    stream_of,
    subject_of,
)
from .visibility import (
    visible_preparation,
)

__all__ = [
    "CONVERSATION_STREAM",
    "FINAL_STATES",
    "HELD_STATES",
    "OPEN_STATES",
    "UNDISCLOSED",
    "Conversation",
    "ConversationEvent",
    "NotHeldReason",
    "State",
    "apply",
    "carried_agreement_origin",
    "check_taking_part",
    "decide",
    "decide_carried_update",
    "destroyed_read_model",
    "read_model",
    "replay",
    "start_refusal",
    "stream_of",
    "subject_of",
    "visible_preparation",
]
__all__ += commands.__all__
