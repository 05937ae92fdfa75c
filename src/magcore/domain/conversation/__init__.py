"""The conversation aggregate: commands, state, decisions and what each participant sees."""

from __future__ import annotations

from .commands import (
    AddDissent,
    AddPrivateNote,
    AddResponse,
    Cancel,
    Command,
    ConfirmRecord,
    DraftRecord,
    MarkHeld,
    MarkNotHeld,
    PublishPreparation,
    RaiseTopic,
    RegisterPaper,
    RequestConversation,
    Reschedule,
    SavePreparation,
    Schedule,
    UpdateAgreement,
)
from .decide import (
    decide,
)
from .state import (
    FINAL_STATES,
    HELD_STATES,
    OPEN_STATES,
    Conversation,
    NotHeldReason,
    State,
    apply,
    replay,
    stream_of,
)
from .visibility import (
    visible_preparation,
)

__all__ = [
    "FINAL_STATES",
    "HELD_STATES",
    "OPEN_STATES",
    "AddDissent",
    "AddPrivateNote",
    "AddResponse",
    "Cancel",
    "Command",
    "ConfirmRecord",
    "Conversation",
    "DraftRecord",
    "MarkHeld",
    "MarkNotHeld",
    "NotHeldReason",
    "PublishPreparation",
    "RaiseTopic",
    "RegisterPaper",
    "RequestConversation",
    "Reschedule",
    "SavePreparation",
    "Schedule",
    "State",
    "UpdateAgreement",
    "apply",
    "decide",
    "replay",
    "stream_of",
    "visible_preparation",
]
