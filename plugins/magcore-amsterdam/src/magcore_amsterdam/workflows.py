"""MAG's reminders as workflows (data): plan your conversation; your agreements from last time.

Both only send a message key and a link. What was said or agreed never goes into a reminder.
"""

from __future__ import annotations

from typing import Any

__all__ = ["AGREEMENTS_FROM_LAST_TIME", "ALL", "PLAN_YOUR_CONVERSATION"]

#: Two months before the end of the year: plan your conversation, if you have not had one yet
#: this year and none is planned. Goes to the employee and the manager.
PLAN_YOUR_CONVERSATION: dict[str, Any] = {
    "id": "mag-plan-your-conversation",
    "name": {"nl": "Plan je gesprek", "en": "Plan your conversation"},
    "trigger": {"type": "cadence", "cycle": "mag", "kind": "mag", "days_before_due": 61},
    "condition": {"not": {"any": [{"held_in_window": True}, {"has_open_conversation": True}]}},
    "actions": [
        {"do": "remind", "to": "employee", "message": "workflow.plan_conversation"},
        {"do": "remind", "to": "manager", "message": "workflow.plan_conversation"},
    ],
    # After the due date this reminder is no longer useful: the next year brings a new one.
    "expires_after_days": 61,
}

#: A week before a planned conversation: look again at your open agreements from last time.
AGREEMENTS_FROM_LAST_TIME: dict[str, Any] = {
    "id": "mag-agreements-from-last-time",
    "name": {"nl": "Je afspraken van de vorige keer", "en": "Your agreements from last time"},
    "trigger": {"type": "before_conversation", "days": 7, "kind": "mag"},
    "condition": {"has_open_agreements": True},
    "actions": [
        {"do": "carry_forward", "to": "participants"},
    ],
}

ALL: tuple[dict[str, Any], ...] = (PLAN_YOUR_CONVERSATION, AGREEMENTS_FROM_LAST_TIME)
