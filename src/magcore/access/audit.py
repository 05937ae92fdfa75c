"""The audit chain: every change and every disclosure leaves a line, and tampering is found.

Each entry holds the fields the Dutch government's security baseline (BIO2) asks for: action,
object, result, origin, actor and time. Entry *n* stores the hash of entry *n-1*, so an edited,
removed, reordered or truncated entry breaks the chain; :func:`verify` says where.

Since schema 3 the chain is **keyed**: a line's hash is HMAC-SHA-256 under the audit key of the
key provider (its id is stored in the line's ``key`` column), so only the key holder can chain
a line that verifies. Older, unkeyed lines (plain SHA-256, empty ``key``) still verify, but only
as the beginning of the log: an unkeyed line after a keyed one is reported (a tail re-chained
without the key). Every committed event has its own line with the event's digest
(:func:`~magcore.storage.chain.event_digest`); :func:`verify_store` recomputes the digests from
the events table, so an event edited, removed, swapped or slipped in is found too.

What the chain proves, and what it does not, is in ``docs/explanation/audit.md``: with the key
and no checkpoint kept elsewhere, a database administrator can rewrite history; signed
checkpoints (:mod:`magcore.access.checkpoint`) kept outside the store find even that.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import attrs

from ..domain.sharing import PersonEvent
from ..errors import KeyProviderError
from ..events import Event
from ..storage.base import AuditRecord, Store
from ..storage.chain import GENESIS, ChainKey, entry_fields, entry_hash, parse_event_object
from ..storage.chain import event_digest as event_digest
from ..storage.common import every_row
from ..storage.witnessing import (
    audit_line_hash,
    head_of,
    rollback_problem,
    store_chain_names,
)
from .key_audit import DESTROYING_ACTIONS, destroy_owners, joined, unexplained_keys

__all__ = [
    "GENESIS",
    "AuditProblem",
    "AuditRecord",
    "KeyLookup",
    "VerifyResult",
    "chain_hash",
    "entry_fields",
    "event_digest",
    "verify",
    "verify_store",
]

#: How :func:`verify` finds an audit key by its id (``KeyProvider.audit_key`` is one).
KeyLookup = Callable[[str], ChainKey]


def chain_hash(prev_hash: str, seq: int, record: AuditRecord | Mapping[str, Any]) -> str:
    """The unkeyed (magcore 0.1) hash of entry *seq*, chained to *prev_hash*."""
    digest = "" if isinstance(record, AuditRecord) else str(record.get("digest", "") or "")
    return entry_hash(prev_hash, seq, record, digest=digest)


@attrs.frozen
class AuditProblem:
    """Where the chain breaks and why (``event`` names the event, when one is concerned)."""

    seq: int
    reason: str
    event: str = ""


@attrs.frozen
class VerifyResult:
    """The outcome of :func:`verify`: ``ok`` and, if not, the first problem.

    ``unkeyed`` counts lines chained without a key (written before the chain was keyed);
    ``events`` counts events compared with their lines; ``uncovered`` the events older than
    the first event line (written before magcore kept event lines).
    """

    ok: bool
    entries: int
    problem: AuditProblem | None = None
    unkeyed: int = 0
    events: int = 0
    uncovered: int = 0
    witnessed: int | None = None
    """The count of lines the key provider witnessed (:mod:`magcore.crypto.witness`) and the
    log reaches; ``None`` where no witness was kept or consulted."""
    key_problems: tuple[str, ...] | None = None
    """The data keys destroyed with no line to explain them (:mod:`magcore.access.key_audit`),
    up to :func:`verify_store`'s *key_limit*; ``None`` where they were not compared (the chain
    or the events failed first)."""

    def __bool__(self) -> bool:
        return self.ok


def _line_hash(
    entry: Mapping[str, Any], prev: str, seq: int, keys: KeyLookup | None
) -> str | AuditProblem:
    key_id = str(entry.get("key", "") or "")
    digest = str(entry.get("digest", "") or "")
    if not key_id:
        return entry_hash(prev, seq, entry, digest=digest)
    if keys is None:
        return AuditProblem(seq, f"is keyed with audit key {key_id}, and no key was given")
    try:
        key = keys(key_id)
    except Exception as exc:  # a provider's own error type: name it, do not crash
        return AuditProblem(seq, f"is keyed with audit key {key_id}, which is not at hand: {exc}")
    return entry_hash(prev, seq, entry, digest=digest, key=key)


def verify(
    entries: Iterable[Mapping[str, Any]],
    *,
    expected_count: int | None = None,
    expected_hash: str | None = None,
    keys: KeyLookup | None = None,
) -> VerifyResult:
    """Check the chain of stored *entries* (in ``seq`` order).

    Finds an edited entry (its hash no longer matches), a removed or reordered one (a gap in
    ``seq`` or a ``prev_hash`` that does not match), an unkeyed line after a keyed one, and,
    against a checkpoint (count and hash from the store's head or from a signed checkpoint):
    truncation (fewer than *expected_count* entries) and a rewritten tail (entry
    *expected_count* does not have *expected_hash*). *keys* finds keyed lines' keys by id.
    """
    if expected_hash is not None and expected_count is None:
        raise ValueError("expected_hash needs expected_count: the entry it belongs to")
    prev = GENESIS
    count = 0
    unkeyed = 0
    keyed_seen = False
    expected_seq = 1
    for entry in entries:
        seq = int(entry["seq"])
        if seq != expected_seq:
            problem = AuditProblem(expected_seq, f"expected entry {expected_seq}, found {seq}")
            return VerifyResult(False, count, problem, unkeyed)
        if entry["prev_hash"] != prev:
            problem = AuditProblem(seq, "does not follow the entry before it")
            return VerifyResult(False, count, problem, unkeyed)
        is_keyed = bool(entry.get("key"))
        if keyed_seen and not is_keyed:
            problem = AuditProblem(
                seq, "is not keyed, after keyed lines (chained again without the audit key)"
            )
            return VerifyResult(False, count, problem, unkeyed)
        computed = _line_hash(entry, prev, seq, keys)
        if isinstance(computed, AuditProblem):
            return VerifyResult(False, count, computed, unkeyed)
        if not hmac.compare_digest(computed, str(entry["hash"])):
            problem = AuditProblem(seq, "was changed after it was written")
            return VerifyResult(False, count, problem, unkeyed)
        if expected_hash is not None and seq == expected_count and entry["hash"] != expected_hash:
            problem = AuditProblem(seq, "differs from the checkpoint (the log was rewritten)")
            return VerifyResult(False, count, problem, unkeyed)
        keyed_seen = keyed_seen or is_keyed
        unkeyed += not is_keyed
        prev = entry["hash"]
        count += 1
        expected_seq += 1
    if expected_count is not None and count < expected_count:
        problem = AuditProblem(count + 1, f"log ends after {count} of {expected_count} entries")
        return VerifyResult(False, count, problem, unkeyed)
    if expected_count == 0 and expected_hash is not None and expected_hash != GENESIS:
        return VerifyResult(False, count, AuditProblem(1, "the checkpoint is not empty"), unkeyed)
    return VerifyResult(True, count, None, unkeyed)


class _Collect:
    """Passes entries through to :func:`verify` and keeps the event lines on the way."""

    def __init__(self, entries: Iterable[Mapping[str, Any]]) -> None:
        self.entries = entries
        self.lines: dict[tuple[str, int], tuple[int, str]] = {}
        self.last_hash = GENESIS
        self.destroying: list[Mapping[str, Any]] = []  # the lines that destroy keys

    @property
    def destroyed(self) -> dict[str, str]:
        """The owners whose keys a line destroys, each at its latest such line."""
        return destroy_owners(self.destroying)

    def __iter__(self) -> Any:
        for entry in self.entries:
            self.last_hash = str(entry["hash"])
            if entry.get("action") in DESTROYING_ACTIONS:
                self.destroying.append(entry)
            digest = entry.get("digest")
            if digest:
                where = parse_event_object(str(entry["object"]))
                if where is not None:
                    self.lines[where] = (int(entry["seq"]), str(digest))
            yield entry


class _Later:
    """Event lines written after the lines a check read (by writers running meanwhile): read
    on demand, from the last line read on."""

    def __init__(self, store: Store, after: int) -> None:
        self.store = store
        self.after = after
        self.lines: dict[tuple[str, int], tuple[int, str]] = {}

    def get(self, where: tuple[str, int]) -> tuple[int, str] | None:
        if where not in self.lines:
            for entry in self.store.read_audit(after=self.after):
                self.after = int(entry["seq"])
                digest = entry.get("digest")
                found = parse_event_object(str(entry["object"])) if digest else None
                if found is not None:
                    self.lines[found] = (self.after, str(digest))
        return self.lines.get(where)


#: The first position a store gives an event: a row below it was not written by the store.
FIRST_POSITION = 1


class _EventCheck:
    """One pass over every row of the events table, against the event lines of the chain."""

    def __init__(
        self,
        lines: Mapping[tuple[str, int], tuple[int, str]],
        later: _Later | None,
        *,
        older: bool = True,
    ) -> None:
        self.lines = lines
        self.later = later
        self.older = older
        self.seen: set[tuple[str, int]] = set()
        self.tombstones: dict[str, int] = {}
        self.compared = 0
        self.uncovered: list[tuple[int, tuple[str, int]]] = []
        self.covering = False

    def line_of(self, where: tuple[str, int]) -> tuple[int, str] | None:
        line = self.lines.get(where)
        if line is None and self.later is not None and (self.covering or self.lines):
            line = self.later.get(where)
        return line

    def row(self, position: int, event: Event) -> AuditProblem | None:
        """Account for one row: compared with its line, or counted as older than event lines."""
        from .reading import DESTROYED_EVENT

        where = (event.stream, event.version)
        label = f"{event.stream}/{event.version}"
        line = self.line_of(where)
        if where in self.seen:
            seq = line[0] if line is not None else 0
            return AuditProblem(
                seq, f"event {label} is stored twice (again at position {position})", label
            )
        self.seen.add(where)
        if line is None:
            return self._unlined(position, where, label)
        seq, digest = line
        if position < FIRST_POSITION:
            reason = f"event {label} lies at position {position}, where no event is written"
            return AuditProblem(seq, reason, label)
        self.covering = True
        if not hmac.compare_digest(event_digest(event), digest):
            return AuditProblem(seq, f"event {label} differs from the event it recorded", label)
        self.compared += 1
        if event.type == DESTROYED_EVENT or (
            # a person stream whose choices were in clear: erasure replaced its events
            event.type == PersonEvent.ERASED and event.data.get("events_removed")
        ):
            self.tombstones[event.stream] = event.version
        return None

    def _unlined(self, position: int, where: tuple[str, int], label: str) -> AuditProblem | None:
        """A row without a line: only an event older than the first event line may be one."""
        older = self.older and not self.covering and position >= FIRST_POSITION
        if older:
            self.uncovered.append((position, where))
            return None
        return _no_line(label, position)

    def older_after_lined(self) -> AuditProblem | None:
        """An "older" row of a stream whose earlier version has a line was slipped in later."""
        first: dict[str, int] = {}
        for stream, version in self.lines:
            first[stream] = min(version, first.get(stream, version))
        for position, (stream, version) in self.uncovered:
            if first.get(stream, version) < version:
                return _no_line(f"{stream}/{version}", position)
        return None

    def missing(self) -> AuditProblem | None:
        """The first line (in chain order) whose event is not in the table."""
        for where, (seq, _digest) in sorted(self.lines.items(), key=lambda item: item[1][0]):
            stream, version = where
            if where in self.seen or self.tombstones.get(stream, 0) > version:
                continue
            label = f"{stream}/{version}"
            return AuditProblem(seq, f"event {label} is missing from the events table", label)
        return None


def _no_line(label: str, position: int) -> AuditProblem:
    return AuditProblem(0, f"event {label} (position {position}) has no audit line", label)


def verify_events(
    store: Store,
    lines: Mapping[tuple[str, int], tuple[int, str]],
    *,
    after: int | None = None,
    older: bool = True,
) -> tuple[AuditProblem | None, int, int]:
    """Compare the events table with the event *lines* of a verified chain.

    *older* false: no row may lack a line, not even before the first covered one (a log that
    recorded events from its first line on; a store of magcore 0.1 has older events).

    Returns the first problem (or ``None``), the events compared and the events older than the
    first covered one. Every row of the events table is read, whatever its position
    (``read_all(after=None)``): a row at a position the store never gives (0 or below), a
    second row for one stream and version, or a row without a line after the first covered
    event is reported. A row without a line counts as older than event lines (a store of
    magcore 0.1) only before the first covered row, at a position the store gives, and not
    after a covered version of its own stream. Events of a destroyed stream may be missing: its
    tombstone, with its own line, says they were removed. With *after* (the last line the chain
    check read), an event without a line among *lines* is looked for in the lines written
    since: an event and its line are committed together, so an event committed while the check
    ran has its line there (a live store is checked without a false alarm), and one without
    any line is reported.
    """
    check = _EventCheck(lines, _Later(store, after) if after is not None else None, older=older)
    for position, event in every_row(store):
        problem = check.row(position, event)
        if problem is not None:
            return problem, check.compared, len(check.uncovered)
    problem = check.older_after_lined() if lines else None
    problem = problem or check.missing()
    return problem, check.compared, len(check.uncovered)


def store_keys(store: Store) -> KeyLookup | None:
    """The key the store chains with, as a look-up (``None`` if it has none)."""
    key = getattr(store, "audit_key", None)
    if key is None:
        return None

    def lookup(key_id: str) -> ChainKey:
        if key_id != key.id:
            raise LookupError(f"the store holds audit key {key.id}, not {key_id}")
        return key  # type: ignore[no-any-return]

    return lookup


def store_witness(store: Store) -> Any:
    """The witness *store* reports its audit heads to (``None``: none)."""
    return getattr(store, "audit_witness", None)


def _witnessed(store: Store, witness: Any) -> Any:
    """The head *witness* keeps for *store*'s chain (named by its first line and the store's
    place), or ``None``."""
    names = store_chain_names(store) if witness is not None else None
    return None if names is None else head_of(witness, names)


def verify_store(
    store: Store,
    *,
    keys: KeyLookup | None = None,
    expected_count: int | None = None,
    expected_hash: str | None = None,
    older_events: bool | None = None,
    witness: Any = None,
    key_limit: int = 1,
) -> VerifyResult:
    """Check a store's audit chain against its head, and its events against the chain.

    *witness* (default: the witness the store reports its heads to, its key provider's) keeps
    the head outside the database (:mod:`magcore.crypto.witness`): a log shorter than the
    witnessed head, or whose line at the witnessed count has another hash, was cut off or
    rolled back, also where the database's own head was set back with it.

    *older_events*: whether events without a line may come before the first event line (a
    store begun under magcore 0.1, which kept no event lines). By default only where the log
    holds unkeyed lines (it began under 0.1, or runs without a key provider) or no line at
    all: in a log keyed from its first line (even one with read lines only), a row without a
    line, also at a position freed by an erasure, was slipped in, and is reported. Pass
    ``True`` for a 0.1 store whose log began with keyed lines (it had no audit line before the
    upgrade).

    *keys* finds audit keys by id (``provider.audit_key``; default: the key the store chains
    with). Given *expected_count* and *expected_hash* (a signed checkpoint's), the log is also
    checked against them: that finds a tail cut off and re-chained together with the head.

    Every destroyed data key must have its ``destroy`` or ``erase`` line
    (:mod:`magcore.access.key_audit`): a key shredded in the key table alone is reported
    (``event`` ``data_keys``). The first *key_limit* such keys are in the result's
    ``key_problems`` (``magcore store check`` names them all, from the one reading of the log
    and of the key table).

    The chain records the digests of the events *as stored* (content encrypted): a store behind
    the content codec (:class:`~magcore.access.content.ContentStore`, which decrypts on read) is
    checked through the store beneath it.
    """
    from .content import ContentStore

    if isinstance(store, ContentStore):
        store = store.inner
    # The witness first: it is written after each commit, so lines read later reach it.
    try:
        witnessed = _witnessed(store, witness if witness is not None else store_witness(store))
        lost = None
    except KeyProviderError as exc:  # the witness of a log it witnessed before is gone
        witnessed, lost = None, str(exc)
    head = store.audit_head()
    lookup = keys if keys is not None else store_keys(store)
    collect = _Collect(store.read_audit())
    result = verify(collect, expected_count=head.count, expected_hash=head.last_hash, keys=lookup)
    if not result.ok:
        return result
    if lost is not None:
        return attrs.evolve(result, ok=False, problem=AuditProblem(result.entries, lost))
    if witnessed is not None:
        short = rollback_problem(
            result.entries, collect.last_hash, witnessed, lambda seq: audit_line_hash(store, seq)
        )
        if short is not None:
            return attrs.evolve(result, ok=False, problem=AuditProblem(*short))
        result = attrs.evolve(result, witnessed=witnessed.count)
    if head.count < result.entries:
        # Lines after the head read first are a writer's that committed meanwhile (a line and
        # the head move in one transaction), unless the head read again is still behind them.
        now = store.audit_head().count
        if now < result.entries:
            beyond = AuditProblem(now + 1, "lies beyond the kept head (lines slipped in)")
            return attrs.evolve(result, ok=False, problem=beyond)
    if expected_count is not None:
        checked = verify(
            store.read_audit(),
            expected_count=expected_count,
            expected_hash=expected_hash,
            keys=lookup,
        )
        if not checked.ok:
            return checked
    older = (result.unkeyed > 0 or result.entries == 0) if older_events is None else older_events
    found, compared, uncovered = verify_events(
        store, collect.lines, after=result.entries, older=older
    )
    shredded: list[str] | None = None
    if found is None:  # every destroyed data key has its line (magcore.access.key_audit)
        shredded = unexplained_keys(store, collect.destroyed, limit=key_limit)
        if shredded:  # a line written meanwhile (with its keys' destruction) explains it?
            later = destroy_owners(store.read_audit(after=result.entries))
            shredded = unexplained_keys(store, joined(collect.destroyed, later), limit=key_limit)
        if shredded:
            found = AuditProblem(0, shredded[0], event="data_keys")
    return attrs.evolve(
        result,
        ok=found is None,
        problem=found,
        events=compared,
        uncovered=uncovered,
        key_problems=None if shredded is None else tuple(shredded),
    )
