"""What observing plugins receive: envelopes by default, declared content only.

An observer (``magcore_events_committed``) receives a :class:`Delivery`: per event, what
happened (its type), to which stream and version, when, by whom (a person id, never a name) and
in which role (for conversations and sharing choices): no content. No free text, answers,
agreements, notes, preparations, responses or dissents reach it, whatever the event. A plugin
that needs content declares it with ``magcore_declare_content``: a :class:`ContentNeed` names
the event types and data fields, the purpose and the legal basis. The declaration is part of the
regulation (``render_policy``, so it changes the policy hash and needs approval like any
change), and every event delivered with content leaves an audit line.

Everything in a delivery is deep-immutable (frozen values, read-only mappings, tuples): an
observer that tries to change it gets an error in its own call only."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any

import attrs

from .._typing import to_tuple
from ..errors import DefinitionError

__all__ = ["ContentNeed", "Delivery", "ObservedEvent"]


def _texts(value: Any) -> tuple[str, ...]:
    items = (value,) if isinstance(value, str) else to_tuple(value)
    if not items or not all(isinstance(i, str) and i for i in items):
        raise DefinitionError("must be a non-empty list of names")
    return tuple(items)


@attrs.frozen(kw_only=True)
class ContentNeed:
    """A plugin's declaration: which content it receives, for which purpose, on which basis."""

    event_types: tuple[str, ...] = attrs.field(converter=_texts)
    """The event types whose data it receives (e.g. ``record.confirmed``)."""
    fields: tuple[str, ...] = attrs.field(converter=_texts)
    """The top-level data fields it receives of those events (e.g. ``agreements``)."""
    purpose: str
    """What for, in words a works council understands."""
    basis: str
    """The legal basis (e.g. ``AVG art. 6(1)(b), CAO art. 3.4``)."""

    def __attrs_post_init__(self) -> None:
        for name in ("purpose", "basis"):
            if not getattr(self, name).strip():
                raise DefinitionError(f"a content declaration needs a {name}")

    def to_json(self) -> dict[str, Any]:
        return {
            "event_types": sorted(self.event_types),
            "fields": sorted(self.fields),
            "purpose": self.purpose,
            "basis": self.basis,
        }


@attrs.frozen
class ObservedEvent:
    """One event as an observer sees it: the envelope, and declared content (else ``None``)."""

    stream: str
    version: int
    type: str
    at: datetime
    actor: str
    """The person id of whoever caused it (never a name)."""
    role: str = ""
    """The actor's role where the stream has roles (``employee``, ``manager``...), else ``""``."""
    content: Mapping[str, Any] | None = None
    """Only the declared fields, read-only; ``None`` without a declaration."""


@attrs.frozen
class Delivery:
    """One committed batch as an observer receives it (in commit order, at least once)."""

    seq: int
    """The outbox number: the same batch delivered again has the same number."""
    position: int
    events: tuple[ObservedEvent, ...] = attrs.field(converter=to_tuple)

    @property
    def streams(self) -> frozenset[str]:
        return frozenset(e.stream for e in self.events)

    def of_type(self, *types: str) -> Iterator[ObservedEvent]:
        return (e for e in self.events if e.type in types)
