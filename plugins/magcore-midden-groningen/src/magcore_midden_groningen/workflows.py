"""Reminders for the onboarding conversations, as data: a message key and a link, no content."""

from __future__ import annotations

from typing import Any

__all__ = ["ALL", "PLAN_REVIEW", "PLAN_WELCOME"]


def _plan(kind: str, name_nl: str, name_en: str) -> dict[str, Any]:
    return {
        "id": f"mg-plan-{kind}",
        "name": {"nl": name_nl, "en": name_en},
        "trigger": {
            "type": "cadence",
            "cycle": "mg-eigenaarschap",
            "kind": kind,
            "days_before_due": 14,
        },
        "condition": {"not": {"has_open_conversation": True}},
        "actions": [{"do": "ask_for_conversation", "to": "manager"}],
        "expires_after_days": 30,
    }


#: Two weeks before a new employee's first month is over: plan the welcome conversation.
PLAN_WELCOME = _plan("welcome", "Plan het welkomstgesprek", "Plan the welcome conversation")
#: Two weeks before six months are over: plan the review.
PLAN_REVIEW = _plan(
    "onboarding-review", "Plan de terugblik na zes maanden", "Plan the six-month review"
)
ALL: tuple[dict[str, Any], ...] = (PLAN_WELCOME, PLAN_REVIEW)
