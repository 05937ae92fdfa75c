"""The simulation's result: conversations and agreements as columns of NumPy arrays."""

from __future__ import annotations

import attrs
import numpy as np
import numpy.typing as npt

from ..model.cycle import (
    CycleDefinition,
)
from .config import SimulationConfig
from .org import OrgHistory

__all__ = ["Agreements", "Conversations", "Simulation"]

I64 = npt.NDArray[np.int64]
BOOL = npt.NDArray[np.bool_]


@attrs.frozen(eq=False)
class Conversations:
    """One element per conversation; times are seconds since 1970 (UTC), days are day numbers."""

    kind: I64
    pattern: I64
    person: I64
    partner: I64
    """The manager (pattern 0/2) or the peer's person index (pattern 1)."""
    coach: I64
    team: I64
    due_day: I64
    prompt: BOOL
    initiator: I64
    t_req: I64
    t_sched: I64
    n_resched: I64
    t_resched: I64
    """(conversations, max_reschedules): when each move was made."""
    on: I64
    """(conversations, max_reschedules + 1): the planned date-time after each (re)scheduling."""
    resched_reason: I64
    held: BOOL
    reason: I64
    t_out: I64
    held_day: I64
    t_draft: I64
    author: I64
    paper: BOOL
    t_confirm: I64
    """(conversations, 3): confirmation times in the order they happened (unused slots = -1)."""
    confirm_slot: I64
    n_parts: I64
    n_agreements: I64
    last_version: I64

    def __len__(self) -> int:
        return len(self.person)


@attrs.frozen(eq=False)
class Agreements:
    """One element per agreement: where it was made, how it ended, where it was carried."""

    conv: I64
    number: I64
    owner: I64
    theme: I64
    status: I64
    """0 still open (or lapsed when the person left), 1 done, 2 dropped."""
    resolved_in: I64
    t_update: I64
    version: I64
    manager_changed: BOOL
    carried_conv: I64
    carried_row: I64
    """Pairs (conversation, agreement row) for every carried-forward listing, sorted."""

    def __len__(self) -> int:
        return len(self.conv)


@attrs.frozen(eq=False)
class Simulation:
    """The outcome of :func:`run`: the organisation's history, conversations and agreements."""

    config: SimulationConfig
    cycle: CycleDefinition
    org: OrgHistory
    conversations: Conversations
    agreements: Agreements
    skipped_kinds: tuple[str, ...]
    coaches: int
    first_conversation: int = 0
    """The number of the first conversation (ids ``c…``): a block's offset in the whole run."""
    org_events: bool = True
    """Whether the event log of this simulation includes the organisation's events."""
