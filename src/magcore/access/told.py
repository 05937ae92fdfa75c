"""What a notification may count: the open agreements its recipient may be told of.

A workflow's ``carry_forward`` message says how many open agreements an employee has ("Open
afspraken van de vorige keer: 3"), and its ``has_open_agreements`` condition decides whether
it goes at all. Both count only the agreements :func:`agreements_told` lets through for that
recipient, decided by :func:`~magcore.access.decision.decide_access` as a read for
``handover`` (what a next manager may see of earlier conversations) and audited one line per
agreement:

* never one of a restricted record (AVG art. 18), of a destroyed one, or of a conversation
  whose kind is special-category as a whole, or about a special-category theme: a number in
  an e-mail is kept by mail systems that are neither audited nor erased;
* one of a conversation the recipient took part in;
* otherwise only through the employee's ``handover`` choice (or a declared legal basis).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime, tzinfo

from ..domain.conversation import replay, stream_of
from ..storage.base import Store
from .decision import (
    HANDOVER,
    AccessRequest,
    Part,
    decide_access,
    deny,
)
from .policy import DESTROYED_EVENT, ReadPolicy
from .reading import audit_record, conversation_context

__all__ = ["agreements_told"]


def agreements_told(
    store: Store,
    refs: Iterable[tuple[str, str]],
    *,
    recipient: str,
    now: datetime,
    zone: tzinfo,
    policy_for: Callable[[str], ReadPolicy],
    origin: str,
) -> tuple[tuple[str, str], ...]:
    """The (conversation, agreement) pairs of *refs* that *recipient* may be told of now;
    every decision audited (purpose ``handover``), refusals too."""
    by_conversation: dict[str, list[str]] = {}
    for conversation, agreement_id in refs:
        by_conversation.setdefault(conversation, []).append(agreement_id)
    lines = []
    told: list[tuple[str, str]] = []
    for conversation, wanted in sorted(by_conversation.items()):
        events = store.read(stream_of(conversation))
        conv = None
        if events and not any(e.type == DESTROYED_EVENT for e in events):
            conv = replay(events)
        # the conversation's policy and its subject's choices, read once for its agreements
        policy = policy_for(conv.cycle) if conv is not None else None
        context = conversation_context(store, conv, policy) if conv and policy else None
        for agreement_id in wanted:
            obj = f"{stream_of(conversation)}/agreement:{agreement_id}"
            agreement = (
                None
                if conv is None
                else next((a for a in conv.agreements if a.id == agreement_id), None)
            )
            if conv is None or agreement is None or policy is None or context is None:
                decision = deny("there is no such agreement")
            else:
                special = (
                    conv.kind in policy.special_kinds or agreement.theme in policy.special_themes
                )
                if special:
                    decision = deny("special-category content is never counted in a notification")
                else:
                    request = AccessRequest(
                        viewer=recipient,
                        purpose=HANDOVER,
                        at=now,
                        zone=zone,
                        part=Part.AGREEMENT,
                        subject=conv.subject,
                        conversation=conv.id,
                        theme=agreement.theme,
                        special_category=special,
                    )
                    decision = decide_access(request, context)
            if decision.allowed:
                told.append((conversation, agreement_id))
            lines.append(
                audit_record(
                    viewer=recipient,
                    obj=obj,
                    decision=decision,
                    purpose=HANDOVER,
                    at=now,
                    origin=origin,
                )
            )
    if lines:
        store.append_audit(lines)
    return tuple(told)
