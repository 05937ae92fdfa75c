"""The read models put right: each row the events give written back, on the record.

``magcore store check`` names every read-model row that differs from what the conversation
events give (:mod:`magcore.app.read_model_check`); someone wrote in the database without the
keys. :func:`repair_read_models` (``magcore store repair-read-models``) writes back exactly
those rows, from the same rebuild: a missing row is inserted, a differing one replaced, and a
row no stream gives is deleted, in the ``conversations`` and ``agreements`` tables and the
people index. The rows of a conversation whose stream is a tombstone alone cannot be rebuilt
and are kept, as the check keeps them. Everything is written in one transaction, with one
audit line (action :data:`READ_MODELS_REPAIRED`) naming the counts and the rows' keys, never
their content.

The repair refuses, and changes nothing, when the audit chain does not verify (with the key
provider's audit keys) or a conversation's events cannot be folded: rows rebuilt from events
the chain does not vouch for would launder an edit of the events.

.. versionadded:: 0.4
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import attrs

from ..access.audit import KeyLookup, verify_store
from ..errors import StorageError
from ..storage.base import AuditRecord, Store
from ..storage.read_model_fix import ReadModelFix, RepairsReadModels, StoredReadModels
from ..storage.transfer import label
from .chain import witness_head
from .read_model_check import Rebuilt, rebuild_read_models

__all__ = ["READ_MODELS_REPAIRED", "ReadModelRepair", "RowChanges", "repair_read_models"]

#: The action of the audit line a repair writes.
READ_MODELS_REPAIRED = "read-models.repaired"


@attrs.frozen
class RowChanges:
    """The keys of the rows of one table that a repair inserted, replaced and deleted."""

    inserted: tuple[str, ...] = ()
    replaced: tuple[str, ...] = ()
    deleted: tuple[str, ...] = ()

    @property
    def count(self) -> int:
        return len(self.inserted) + len(self.replaced) + len(self.deleted)

    def counts(self) -> str:
        """``1 inserted, 2 replaced, 0 deleted``."""
        return (
            f"{len(self.inserted)} inserted, {len(self.replaced)} replaced, "
            f"{len(self.deleted)} deleted"
        )

    def as_json(self) -> dict[str, list[str]]:
        return {
            "inserted": list(self.inserted),
            "replaced": list(self.replaced),
            "deleted": list(self.deleted),
        }


@attrs.frozen(kw_only=True)
class ReadModelRepair:
    """What :func:`repair_read_models` changed, by table; row keys only, never content.

    Keys: ``<conversation>`` in ``conversations``, ``<conversation>#<agreement>`` in
    ``agreements`` (as ``store check`` names them), ``<conversation>/<person>`` in the people
    index.
    """

    store: str
    conversations: RowChanges = RowChanges()
    agreements: RowChanges = RowChanges()
    people: RowChanges = RowChanges()
    kept: tuple[str, ...] = ()
    """Conversations whose stream is a tombstone alone: their rows cannot be rebuilt and were
    left as they are."""

    @property
    def changed(self) -> bool:
        """Whether any row was written."""
        return bool(self.conversations.count + self.agreements.count + self.people.count)

    def summary(self) -> str:
        """The counts of each table, in one line."""
        return (
            f"conversations {self.conversations.counts()}; "
            f"agreements {self.agreements.counts()}; "
            f"people index {self.people.counts()}"
        )

    def as_json(self) -> dict[str, Any]:
        """A plain dict for ``--json``."""
        return {
            "store": self.store,
            "changed": self.changed,
            "conversations": self.conversations.as_json(),
            "agreements": self.agreements.as_json(),
            "people": self.people.as_json(),
            "kept": list(self.kept),
        }


def repair_read_models(
    store: Store,
    *,
    provider: Any = None,
    keys: KeyLookup | None = None,
    actor: str = "system",
    origin: str = "cli",
    reason: str = "the read models differed from the events",
    clock: Callable[[], datetime] | None = None,
) -> ReadModelRepair:
    """Write back every read-model row of *store* that differs from what the conversation
    events give, in one transaction with its audit line, and say what changed.

    With the key *provider*, the audit chain is verified with its audit keys and the line is
    chained under its audit key (and reported to its witness), as
    :func:`~magcore.app.maintenance.destroy_forgotten_keys` does; without one, the store's own
    key (if any) is used, and a keyed log it cannot verify is refused. *keys* overrides the
    keys the chain is verified with.

    Raises :class:`~magcore.errors.StorageError`, changing nothing, when the store cannot
    repair its read models (it lacks :class:`~magcore.storage.read_model_fix.RepairsReadModels`),
    the audit chain does not verify, or some conversation's events cannot be folded; and
    :class:`~magcore.errors.ConflictError` when a conversation it repairs was written to
    meanwhile (run it again). Nothing differing: nothing is written, no audit line.
    """
    from ..access.content import ContentStore

    if isinstance(store, ContentStore):  # the rows hold no content: the store beneath
        store = store.inner
    where = label(store.url)
    if not isinstance(store, RepairsReadModels):
        raise StorageError(
            f"the read models of {where} cannot be repaired: its store ({type(store).__name__}) "
            "has no stored_read_models and repair_read_models; nothing was changed"
        )
    if provider is not None:
        use = getattr(store, "use_audit_key", None)
        if use is not None and getattr(store, "audit_key", None) is None:
            use(provider.audit_key())
        witness_head(store, provider)
        keys = keys if keys is not None else provider.audit_key
    checked = verify_store(store, keys=keys)
    if not checked.ok:
        problem = checked.problem
        at = f" at line {problem.seq}: {problem.reason}" if problem is not None else ""
        hint = "" if provider is not None or keys is not None else " (no key provider was given)"
        raise StorageError(
            f"the read models of {where} are not repaired: the audit log does not verify{at}"
            f"{hint}. Rows rebuilt from events the log does not vouch for would hide an edit of "
            "the events; restore the store from a backup ('magcore store restore BACKUP "
            "--replace'). Nothing was changed"
        )
    rebuilt = rebuild_read_models(store)
    if rebuilt.unfolded:
        first = "; ".join(sorted(rebuilt.unfolded.values())[:3])
        raise StorageError(
            f"the read models of {where} are not repaired: {len(rebuilt.unfolded)} "
            f"conversation(s) cannot be folded ({first}); restore the store from a backup. "
            "Nothing was changed"
        )
    fix, repair = _plan(rebuilt, store.stored_read_models(), where)
    if fix:
        at = (clock or (lambda: datetime.now(UTC)))().isoformat()
        store.repair_read_models(fix, audit=[_line(repair, at, actor, origin, reason)])
    return repair


def _line(repair: ReadModelRepair, at: str, actor: str, origin: str, reason: str) -> AuditRecord:
    agreements = repair.agreements
    rows = [
        *(f"conversation {c} inserted" for c in repair.conversations.inserted),
        *(f"conversation {c} replaced" for c in repair.conversations.replaced),
        *(f"conversation {c} deleted" for c in repair.conversations.deleted),
        *(f"agreement {a} inserted" for a in agreements.inserted),
        *(f"agreement {a} replaced" for a in agreements.replaced),
        *(f"agreement {a} deleted" for a in agreements.deleted),
    ]
    people = sorted(
        {k.partition("/")[0] for k in (*repair.people.inserted, *repair.people.deleted)}
    )
    if people:
        rows.append(f"people index of {', '.join(people)}")
    return AuditRecord(
        at=at,
        actor=actor,
        action=READ_MODELS_REPAIRED,
        object="read-models",
        result="done",
        origin=origin,
        reason=f"{reason}: {repair.summary()}; {'; '.join(rows)}",
        purpose="maintenance",
    )


class _Tally:
    def __init__(self) -> None:
        self.inserted: list[str] = []
        self.replaced: list[str] = []
        self.deleted: list[str] = []

    def changes(self) -> RowChanges:
        return RowChanges(tuple(self.inserted), tuple(self.replaced), tuple(self.deleted))

    def __len__(self) -> int:
        return len(self.inserted) + len(self.replaced) + len(self.deleted)


def _plan(
    rebuilt: Rebuilt, stored: StoredReadModels, where: str
) -> tuple[ReadModelFix, ReadModelRepair]:
    """The rows to write back, and what that changes."""
    conversations, agreements, people = _Tally(), _Tally(), _Tally()
    put = []
    versions: list[tuple[str, int]] = []

    def size() -> int:
        return len(conversations) + len(agreements) + len(people)

    for ident, model in sorted(rebuilt.models.items()):
        before = size()
        row = stored.conversations.get(ident)
        if row is None:
            conversations.inserted.append(ident)
        elif row != model.conversation:
            conversations.replaced.append(ident)
        want = dict(enumerate(model.agreements))
        got = stored.agreements.get(ident, {})
        for position in sorted(set(want) | set(got)):
            if position not in got:
                agreements.inserted.append(f"{ident}#{want[position].agreement}")
            elif position not in want:
                agreements.deleted.append(f"{ident}#{got[position].agreement}")
            elif want[position] != got[position]:
                agreements.replaced.append(f"{ident}#{want[position].agreement}")
        if stored.people is not None:
            named = set(model.conversation.participants)
            held = stored.people.get(ident, frozenset())
            people.inserted.extend(f"{ident}/{p}" for p in sorted(named - held))
            people.deleted.extend(f"{ident}/{p}" for p in sorted(held - named))
        if size() > before:
            put.append(model)
            versions.append((f"conversation:{ident}", rebuilt.versions[f"conversation:{ident}"]))
    given = set(rebuilt.models) | rebuilt.kept
    strays = {*stored.conversations, *stored.agreements, *(stored.people or {})} - given
    for ident in sorted(strays):
        if ident in stored.conversations:
            conversations.deleted.append(ident)
        rows = stored.agreements.get(ident, {})
        agreements.deleted.extend(f"{ident}#{rows[p].agreement}" for p in sorted(rows))
        held = (stored.people or {}).get(ident, frozenset())
        people.deleted.extend(f"{ident}/{p}" for p in sorted(held))
        versions.append((f"conversation:{ident}", 0))
    fix = ReadModelFix(put=tuple(put), drop=tuple(sorted(strays)), versions=tuple(versions))
    repair = ReadModelRepair(
        store=where,
        conversations=conversations.changes(),
        agreements=agreements.changes(),
        people=people.changes(),
        kept=tuple(sorted(rebuilt.kept)),
    )
    return fix, repair
