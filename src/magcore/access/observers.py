"""What observing plugins receive: envelopes by default, declared content only.

An observer (``magcore_events_committed``) receives a :class:`Delivery`: per event, what
happened (its type), to which stream and version, when, by whom (a person id, never a name) and
in which role (for conversations and sharing choices): no content. No free text, answers,
agreements, notes, preparations, responses or dissents reach it, whatever the event. A plugin
that needs content declares it with ``magcore_declare_content``: a :class:`ContentNeed` names
the event types and data fields, the purpose and the legal basis. The declaration is part of the
regulation (``render_policy``, so it changes the policy hash and needs approval like any
change), and every event delivered with content leaves an audit line.

A declaration is checked when it is registered (:func:`check_content_need`): each event type is
one that carries content (the content declarations of the domain modules,
:data:`magcore.access.content.CONTENT_FIELDS`, or the plugin's own event types it lists in
``carries``), and each field is content of the event types it names. A declaration that could
only ever deliver nothing (``record.confirmed`` carries a revision number, no agreements) is
refused, naming the plugin, the event type and the field.

Everything in a delivery is deep-immutable (frozen values, read-only mappings, tuples): an
observer that tries to change it gets an error in its own call only."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime
from types import MappingProxyType
from typing import Any

import attrs

from .._typing import to_tuple
from ..errors import DefinitionError

__all__ = ["ContentNeed", "Delivery", "ObservedEvent", "check_content_need", "content_fields"]


def _texts(value: Any) -> tuple[str, ...]:
    items = (value,) if isinstance(value, str) else to_tuple(value)
    if not items or not all(isinstance(i, str) and i for i in items):
        raise DefinitionError("must be a non-empty list of names")
    return tuple(items)


def _carried(value: Any) -> Mapping[str, tuple[str, ...]]:
    if not isinstance(value, Mapping):
        raise DefinitionError("carries maps an event type to the names of its content fields")
    return MappingProxyType({str(k): _texts(v) for k, v in value.items()})


@attrs.frozen(kw_only=True)
class ContentNeed:
    """A plugin's declaration: which content it receives, for which purpose, on which basis."""

    event_types: tuple[str, ...] = attrs.field(converter=_texts)
    """The event types whose data it receives (e.g. ``record.drafted``)."""
    fields: tuple[str, ...] = attrs.field(converter=_texts)
    """The top-level data fields it receives of those events (e.g. ``agreements``)."""
    purpose: str
    """What for, in words a works council understands."""
    basis: str
    """The legal basis (e.g. ``AVG art. 6(1)(b), CAO art. 3.4``)."""
    carries: Mapping[str, tuple[str, ...]] = attrs.field(
        factory=dict, converter=_carried, hash=False
    )
    """The plugin's own event types (ones magcore does not write) and their top-level content
    fields, e.g. ``{"hr.note_added": ["text"]}``: what a declaration of them may name."""

    def __attrs_post_init__(self) -> None:
        for name in ("purpose", "basis"):
            if not getattr(self, name).strip():
                raise DefinitionError(f"a content declaration needs a {name}")

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "event_types": sorted(self.event_types),
            "fields": sorted(self.fields),
            "purpose": self.purpose,
            "basis": self.basis,
        }
        if self.carries:  # a declaration without own event types keeps its policy hash
            out["carries"] = {k: sorted(v) for k, v in sorted(self.carries.items())}
        return out


def content_fields() -> Mapping[str, frozenset[str]]:
    """The top-level content fields of every core event type that carries content (from
    :data:`magcore.access.content.CONTENT_FIELDS`): what a declaration may name."""
    from .content import CONTENT_FIELDS

    return {
        kind: frozenset(field.path[0] for field in spec.content)
        for kind, spec in CONTENT_FIELDS.items()
        if spec.content
    }


def check_content_need(need: ContentNeed, *, plugin: str | None = None) -> ContentNeed:
    """*need*, or a :class:`~magcore.errors.DefinitionError` naming the plugin, the event type
    and the field when the declaration names what no event of that type carries as content.

    No event type may be one of a person's own stream
    (:data:`~magcore.access.delivery.PERSON_PRIVATE`: sharing choices, restrictions, erasure).
    Every event type must be a core event type with content or one of the plugin's own in
    ``carries`` (a core event type may not be redefined there); every field must be content of
    an event type the declaration names; and every event type must carry one of the fields.
    """
    from .delivery import PERSON_PRIVATE

    for kind in need.event_types:
        if kind in PERSON_PRIVATE:
            raise DefinitionError(
                f"plugin {plugin or '(unnamed)'!r} declares content of the event type {kind!r}: "
                "a person's sharing choices, restrictions and erasure are seen by that person "
                "and the privacy officer only, never by a plugin",
                pointer="/event_types",
                source=plugin,
            )
    core = content_fields()
    for kind in need.carries:
        if _is_core_type(kind):
            raise DefinitionError(
                f"the content declaration lists the core event type {kind!r} under "
                "carries; only the plugin's own event types go there",
                pointer="/carries",
                source=plugin,
            )
    known = {**core, **{k: frozenset(v) for k, v in need.carries.items()}}
    for kind in need.event_types:
        if kind not in known:
            raise DefinitionError(
                f"the content declaration names the event type {kind!r} "
                f"(field {need.fields[0]!r}), which carries no content; event types with "
                f"content: {', '.join(sorted(core))}",
                pointer="/event_types",
                source=plugin,
            )
    for name in need.fields:
        if not any(name in known[kind] for kind in need.event_types):
            kinds = ", ".join(repr(k) for k in need.event_types)
            carried = "; ".join(
                f"{kind}: {', '.join(sorted(known[kind]))}" for kind in need.event_types
            )
            raise DefinitionError(
                f"the content declaration names the field {name!r}, which the event "
                f"type {kinds} does not carry as content ({carried})",
                pointer="/fields",
                source=plugin,
            )
    for kind in need.event_types:
        if not known[kind] & set(need.fields):
            raise DefinitionError(
                f"the content declaration names the event type {kind!r}, which carries "
                f"none of the fields {', '.join(repr(f) for f in need.fields)} "
                f"(its content: {', '.join(sorted(known[kind]))})",
                pointer="/event_types",
                source=plugin,
            )
    return need


def _is_core_type(kind: str) -> bool:
    from .content import CONTENT_FIELDS

    return kind in CONTENT_FIELDS


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
