"""Raw state for tests: what the library holds, past the gateway, not audited.

People and plugins get views (:meth:`magcore.app.service.Service.view`); a test that checks
what was stored asks for the raw state explicitly, so the public surface stays safe.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..app.service import Service
    from ..domain.conversation import Conversation
    from ..domain.goals import Goal

__all__ = ["raw_conversation", "raw_goal"]


def raw_conversation(service: Service, conversation_id: str) -> Conversation:
    """The stored state of a conversation (no access decision, no audit line: tests only)."""
    return service._load(conversation_id)


def raw_goal(service: Service, goal_id: str) -> Goal:
    """The stored state of a goal (no access decision, no audit line: tests only)."""
    return service._goal(goal_id)
