"""Versions held and approved: what the service keeps so a version means one thing for good.

* A cycle definition and each form a conversation uses are kept in the store the first time
  they are used, with their content hash (stream ``cycle-definition:<id@version>`` and
  ``form-definition:<id@version>``). The same ``id@version`` with other content is refused
  (:class:`~magcore.errors.DefinitionChangedError`, naming the definition and both hashes): a
  change needs a new version. Old versions stay readable from the store after a plugin ships a
  newer one.
* A conversation keeps the form versions it started with (``forms`` in its first event).
* Conversations are requested only under a version that every body its regulation names
  (``approvals_required``) has approved with the regulation's current hash
  (:mod:`magcore.domain.approvals`); otherwise :class:`~magcore.errors.ApprovalMissingError`
  names the missing approval.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from ..domain.approvals import ApprovalState, ApproveRegulation, cycle_stream, replay
from ..domain.approvals import decide as decide_approval
from ..errors import ApprovalMissingError, DefinitionChangedError
from ..events import SYSTEM_ACTOR, CommittedBatch, Event
from ..model.cycle import CycleDefinition
from ..model.parties import _kept_before_the_initiator_rule
from ..storage.base import AuditRecord, Store, StreamWrite

if TYPE_CHECKING:
    from ..forms import FormDefinition
    from ..plugins import PluginHost

__all__ = [
    "CYCLE_DEFINED",
    "approval_state",
    "approve",
    "check_approved",
    "content_hash",
    "definition_stream",
    "form_stream",
    "kind_forms",
    "pin_writes",
    "regulation_hash",
    "stored_cycle",
    "stored_form",
]

#: The event type of definitions kept before content hashes were (a bare definition as data).
CYCLE_DEFINED = "cycle.defined"

_BODY_NAMES = {"works_council": "the works council", "executive": "the executive"}


def definition_stream(key: str) -> str:
    """The stream that keeps cycle definition ``id@version`` and its content hash."""
    return f"cycle-definition:{key}"


def form_stream(key: str) -> str:
    """The stream that keeps form definition ``id@version`` and its content hash."""
    return f"form-definition:{key}"


def content_hash(data: Mapping[str, Any]) -> str:
    """The SHA-256 of a definition's canonical JSON."""
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _stored(store: Store, stream: str) -> tuple[dict[str, Any], str] | None:
    """The definition JSON and hash kept in *stream*, or None. Definitions kept before hashes
    were (a bare definition as the event's data) get their hash computed."""
    events = store.read(stream)
    if not events:
        return None
    data = dict(events[0].data)
    if "definition" in data and "hash" in data:
        return dict(data["definition"]), str(data["hash"])
    return data, content_hash(data)


def _kept_cycle_json(data: dict[str, Any]) -> Mapping[str, Any]:
    """A kept definition as this version writes it (see :func:`stored_cycle`)."""
    with _kept_before_the_initiator_rule():
        return CycleDefinition.from_json(data).to_json()


def stored_cycle(store: Store, key: str) -> CycleDefinition | None:
    """Cycle definition ``id@version`` as the store keeps it, or None."""
    found = _stored(store, definition_stream(key))
    if found is None:
        return None
    with _kept_before_the_initiator_rule():  # its conversations stay readable
        return CycleDefinition.from_json(found[0], source=f"store:{key}")


def stored_form(store: Store, key: str) -> FormDefinition | None:
    """Form definition ``id@version`` as the store keeps it, or None."""
    from ..forms import FormDefinition

    found = _stored(store, form_stream(key))
    if found is None:
        return None
    return FormDefinition.from_json(found[0], source=f"store:{key}")


def _pin(
    store: Store,
    stream: str,
    what: str,
    data: Mapping[str, Any],
    *,
    at: datetime,
    normalise: Callable[[dict[str, Any]], Mapping[str, Any]],
) -> list[StreamWrite]:
    digest = content_hash(data)
    found = _stored(store, stream)
    if found is None:
        event = Event(
            stream=stream,
            version=1,
            type="definition.kept",
            at=at,
            actor=SYSTEM_ACTOR,
            data={"definition": dict(data), "hash": digest},
        )
        return [StreamWrite(stream, 0, (event,))]
    if found[1] != digest and content_hash(normalise(found[0])) != digest:
        _, key = stream.split(":", 1)
        raise DefinitionChangedError(
            f"{what} {key} changed but kept its version: the store holds hash {found[1][:12]}, "
            f"the installed definition has hash {digest[:12]}; give the changed definition a "
            "new version (and have it approved)",
            pointer="/version",
            source=key,
        )
    return []


def pin_writes(
    store: Store,
    cycle: CycleDefinition,
    forms: Sequence[FormDefinition],
    *,
    at: datetime,
) -> list[StreamWrite]:
    """Writes that keep *cycle* and *forms* in the store, or none if they are kept already.

    Raises :class:`~magcore.errors.DefinitionChangedError` if the store keeps other content
    under the same ``id@version``.
    """
    from ..forms import FormDefinition

    writes = _pin(
        store,
        definition_stream(cycle.key),
        "cycle",
        cycle.to_json(),
        at=at,
        normalise=_kept_cycle_json,
    )
    for form in forms:
        writes.extend(
            _pin(
                store,
                form_stream(form.key),
                "form",
                form.to_json(),
                at=at,
                normalise=lambda data: FormDefinition.from_json(data).to_json(),
            )
        )
    return writes


def kind_forms(cycle: CycleDefinition, kind_id: str) -> dict[str, str]:
    """The form ids a kind uses, by use (``preparation``, ``record``)."""
    kind = cycle.kind(kind_id)
    uses = {"preparation": kind.preparation_form, "record": kind.record_form}
    return {use: form_id for use, form_id in uses.items() if form_id is not None}


def regulation_hash(
    host: PluginHost, cycle: CycleDefinition, forms: Mapping[str, FormDefinition]
) -> str:
    """The current hash of *cycle*'s regulation, from the installed plugins' forms, legal
    bases, retention profiles and content declarations (what ``magcore policy render``
    shows): a plugin that declares content changes it, so the bodies approve it again."""
    from ..access.regulation import regulation_source
    from ..access.retention import BUILTIN_PROFILES

    used = {f for kind in cycle.kinds for f in (kind.preparation_form, kind.record_form) if f}
    profiles = dict(BUILTIN_PROFILES)
    profiles.update({p.id: p for p in host.hooks.retention_profiles()})
    source = regulation_source(
        cycle,
        forms={form_id: form for form_id, form in forms.items() if form_id in used},
        legal_bases=list(host.hooks.legal_bases()),
        profiles=profiles,
        observers=host.hooks.content_needs().by_plugin(),
    )
    from ..events import canonical_json

    return hashlib.sha256(canonical_json(source).encode("utf-8")).hexdigest()


def approval_state(store: Store, cycle_id: str) -> ApprovalState:
    """The approvals recorded for *cycle_id* (every version)."""
    return replay(cycle_id, store.read(cycle_stream(cycle_id)))


def check_approved(cycle: CycleDefinition, policy_hash: str, state: ApprovalState) -> None:
    """Refuse a request under *cycle* unless every body it names approved *policy_hash*."""
    approved = state.approved(cycle.version, policy_hash)
    missing = [body for body in cycle.approvals_required if body not in approved]
    if not missing:
        return
    stale = [
        body
        for body in missing
        if any(a.version == cycle.version and a.body == body for a in state.approvals)
    ]
    names = " and ".join(_BODY_NAMES.get(body, body) for body in missing)
    because = (
        f" ({', '.join(_BODY_NAMES.get(b, b) for b in stale)} approved an earlier text of it: "
        "the regulation changed since)"
        if stale
        else ""
    )
    raise ApprovalMissingError(
        f"cycle {cycle.key} is not approved by {names}{because}: record the approval first "
        f"(magcore policy approve --cycle {cycle.key} --body {missing[0]} ..., or "
        "Service.approve_policy) with the whole hash of the regulation that was shown "
        f"(it begins {policy_hash[:12]}; magcore policy render prints it)",
        cycle=cycle.key,
        missing=missing,
    )


def approve(
    store: Store,
    cycle: CycleDefinition,
    *,
    current_hash: str,
    forms: Sequence[FormDefinition],
    body: str,
    reference: str,
    on: date,
    actor: str,
    origin: str,
    now: datetime,
    policy_hash: str | None = None,
) -> CommittedBatch:
    """Record *body*'s approval of *cycle*'s regulation in one transaction: the event
    ``policy.approved`` in ``cycle:<id>``, the definition and its forms kept with their hashes,
    and a line ``approve`` in the audit log. *policy_hash* (the hash of the text that was shown)
    must be *current_hash*; without it the current hash is approved."""
    stream = cycle_stream(cycle.id)
    state = approval_state(store, cycle.id)
    command = ApproveRegulation(
        actor=actor,
        cycle=cycle,
        policy_hash=current_hash if policy_hash is None else policy_hash,
        body=body,
        reference=reference,
        on=on,
    )
    events = decide_approval(state, command, now=now, current_hash=current_hash)
    writes = [StreamWrite(stream, state.version, events)]
    writes.extend(pin_writes(store, cycle, forms, at=now))
    line = AuditRecord(
        at=now.isoformat(),
        actor=actor,
        action="approve",
        object=f"cycle:{cycle.key}/regulation",
        result="done",
        origin=origin,
        reason=f"{body}: {reference} ({current_hash})",
    )
    return store.append(writes, audit=[line])
