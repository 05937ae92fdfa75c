"""The immutable event that every change in magcore is made of, and its JSON form.

An event belongs to one *stream* (``conversation:c-1``, ``person:p-1``, ``goal:g-1``...) at one
*version* (1, 2, 3... without gaps). It records what happened (``type``), who did it (``actor``),
when (``at``, from the injected clock) and the facts (``data``, plain JSON). Stores keep events in
exactly this form; the simulator writes the same form, so analyses run on both.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import datetime
from types import MappingProxyType
from typing import Any

import attrs

from ._typing import to_tuple
from .clock import as_utc

__all__ = ["SYSTEM_ACTOR", "CommittedBatch", "Event", "canonical_json", "freeze"]

#: The actor of events that no person caused (planning runs, workflow actions, retention).
SYSTEM_ACTOR = "system"


def freeze(value: Any) -> Any:
    """Return a deeply read-only copy of plain JSON data (mappings become MappingProxyType)."""
    kind = type(value)
    leaves = _LEAVES
    if kind in leaves:
        return value  # the common leaves, without the (slow) abstract-class checks below
    if kind is dict or isinstance(value, Mapping):
        # A leaf inside is kept as it is here, without a call of its own.
        return MappingProxyType(
            {
                (k if type(k) is str else str(k)): (v if type(v) in leaves else freeze(v))
                for k, v in value.items()
            }
        )
    if kind is list or kind is tuple or isinstance(value, list | tuple):
        if set(map(type, value)) <= leaves:  # a long column of texts or numbers, at C speed
            return tuple(value)
        return tuple([v if type(v) in leaves else freeze(v) for v in value])
    return value


_LEAVES = frozenset({str, int, float, bool, type(None)})


def thaw(value: Any) -> Any:
    """Plain, mutable JSON data from frozen data."""
    if isinstance(value, Mapping):
        return {k: thaw(v) for k, v in value.items()}
    if isinstance(value, tuple | list):
        if set(map(type, value)) <= _LEAVES:
            return list(value)
        return [thaw(v) for v in value]
    return value


def canonical_json(value: Any) -> str:
    """Compact JSON with sorted keys: the form hashed by the audit log and policy hashes."""
    return json.dumps(thaw(value), sort_keys=True, separators=(",", ":"), ensure_ascii=False)


@attrs.frozen(kw_only=True)
class Event:
    """One fact: *actor* did *type* to *stream* at *at*; ``data`` holds the details."""

    stream: str
    version: int
    type: str = attrs.field(converter=str)
    """What happened, e.g. ``conversation.held``; a domain enum member (``ConversationEvent.HELD``)
    is kept as its plain string, so every store writes the same text."""
    at: datetime = attrs.field(converter=as_utc)
    actor: str
    data: Mapping[str, Any] = attrs.field(factory=dict, converter=freeze, hash=False)

    def to_json(self) -> dict[str, Any]:
        """The event as plain JSON data (the library's event format)."""
        return {
            "stream": self.stream,
            "version": self.version,
            "type": self.type,
            "at": self.at.isoformat(),
            "actor": self.actor,
            "data": thaw(self.data),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Event:
        """Read an event written by :meth:`to_json`."""
        return cls(
            stream=data["stream"],
            version=int(data["version"]),
            type=data["type"],
            at=datetime.fromisoformat(data["at"]),
            actor=data["actor"],
            data=data.get("data", {}),
        )

    def data_json(self) -> str:
        return canonical_json(self.data)


@attrs.frozen
class CommittedBatch:
    """The events of one command, after the store committed them (what observers receive)."""

    events: tuple[Event, ...] = attrs.field(converter=to_tuple)
    position: int = 0
    """The store's global position of the last event in the batch (0 if the store has none)."""

    @property
    def streams(self) -> frozenset[str]:
        return frozenset(e.stream for e in self.events)

    def of_type(self, *types: str) -> Iterable[Event]:
        return (e for e in self.events if e.type in types)
