"""The key table: wrapped data keys, kept apart from the events they protect.

Each store (memory, SQLite, PostgreSQL) keeps one row per data key: its id, its owner (a person
or a conversation, e.g. ``person:p-1``), the key wrapped by a key-encryption key (KEK), the KEK's
id, when it was made and when it was destroyed. A store never sees a data key in clear: wrapping
and unwrapping happen in :mod:`magcore.crypto`. Destroying a key overwrites its wrapped material,
so every ciphertext made with it becomes unreadable (crypto-shredding).
"""

from __future__ import annotations

import inspect
import re
import threading
from collections.abc import Collection, Sequence
from typing import TYPE_CHECKING, Protocol, runtime_checkable

import attrs

from ..errors import StorageError

if TYPE_CHECKING:
    from .base import AuditRecord

__all__ = [
    "KEY_ID_PATTERN",
    "KeyRecord",
    "KeyStore",
    "MemoryKeyTable",
    "Rewrap",
    "appends_keys",
    "check_key",
    "check_new_keys",
    "in_step",
    "reads_live_keys",
]

#: What a key id (and a KEK id) looks like: letters, digits, ``_`` and ``-``, at most 64.
KEY_ID_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,64}")


@attrs.frozen(kw_only=True)
class KeyRecord:
    """One row of the key table. ``wrapped`` is ``None`` once the key was destroyed."""

    id: str
    owner: str
    kek_id: str
    wrapped: bytes | None = attrs.field(repr=False)
    created: str
    """ISO 8601 UTC timestamp."""
    destroyed: str | None = None
    """ISO 8601 UTC timestamp of the destruction, or ``None`` while the key lives."""

    @property
    def alive(self) -> bool:
        return self.destroyed is None


@attrs.frozen(kw_only=True)
class Rewrap:
    """Replace key *key_id*'s wrapped material, if it is still wrapped by *from_kek*."""

    key_id: str
    from_kek: str
    kek_id: str
    wrapped: bytes = attrs.field(repr=False)


def check_key(record: KeyRecord) -> None:
    """Refuse a malformed new key row before any store writes it."""
    if not KEY_ID_PATTERN.fullmatch(record.id):
        raise StorageError(f"key id {record.id!r} does not match {KEY_ID_PATTERN.pattern}")
    if not KEY_ID_PATTERN.fullmatch(record.kek_id):
        raise StorageError(f"KEK id {record.kek_id!r} does not match {KEY_ID_PATTERN.pattern}")
    if not record.owner or "\x00" in record.owner:
        raise StorageError(f"key {record.id}: owner {record.owner!r} is not a valid owner")
    if not isinstance(record.wrapped, bytes) or not record.wrapped:
        raise StorageError(f"key {record.id}: a new key needs its wrapped material")
    if record.destroyed is not None:
        raise StorageError(f"key {record.id}: a new key cannot be destroyed already")


def check_new_keys(records: Sequence[KeyRecord]) -> None:
    """Refuse malformed new key rows, and a key id that comes twice among them, before any
    store writes them."""
    seen: set[str] = set()
    for record in records:
        check_key(record)
        if record.id in seen:
            raise StorageError(f"key {record.id} comes twice in one write")
        seen.add(record.id)


def appends_keys(store: object) -> bool:
    """Whether *store*'s ``append`` takes new key rows (``keys=``) into the transaction of the
    events they protect, as the memory, SQLite and PostgreSQL stores do (added in 0.3).

    A write that is refused (a conflict, content that cannot be stored) then leaves no key
    behind. The content codec asks this once per store; for a store without it, it stores a
    write's new keys first, in a transaction of their own, as before.
    """
    append = getattr(store, "append", None)
    if append is None or not in_step(store, "append", "add_keys"):
        return False
    try:
        parameters = inspect.signature(append).parameters
    except (TypeError, ValueError):
        return False
    found = parameters.get("keys")
    return found is not None and found.kind is inspect.Parameter.KEYWORD_ONLY


def reads_live_keys(store: object) -> bool:
    """Whether a key ring may ask *store* ``live_keys(owners)`` instead of ``list_keys``: it
    has the method, and it is not older than its ``list_keys`` (:func:`in_step`)."""
    return callable(getattr(store, "live_keys", None)) and in_step(store, "live_keys", "list_keys")


def in_step(store: object, method: str, source: str) -> bool:
    """Whether *store*'s optional fast *method* (``append(keys=)``, ``live_keys``) may stand
    for its *source* (``add_keys``, ``list_keys``): ``False`` when *source* was overridden
    below the class that defines *method*, or set on the instance, and *method* was not.

    A vendor's subclass of a built-in store that overrides ``add_keys`` to keep key rows
    elsewhere (a mirror, a key vault) would otherwise have them written past it by the
    inherited ``append(keys=)``; it then gets them through its own ``add_keys``. Where either
    method is not defined on the store's class (a wrapper that forwards through
    ``__getattr__``), nothing can be told, and the store is taken at its word.
    """
    own = getattr(store, "__dict__", None)
    if isinstance(own, dict) and source in own and method not in own:
        return False

    def definer(name: str) -> type | None:
        for klass in type(store).__mro__:
            if name in vars(klass):
                return klass
        return None

    fast, slow = definer(method), definer(source)
    return fast is None or slow is None or issubclass(fast, slow)


@runtime_checkable
class KeyStore(Protocol):
    """The key table of a store. ``magcore.testing.keys`` holds the conformance tests.

    A key store should also take new key rows in ``append(writes, ..., keys=records)``: written
    in the events' transaction, all or none, refused like :meth:`add_keys` refuses them (see
    :func:`appends_keys`), and may answer ``live_keys(owners) -> {owner: key id}`` (the newest
    live key of each owner that has one) faster than :meth:`list_keys` can; a key ring uses it
    when it is there. Both are optional, so a key store written before them still is one. A
    subclass that overrides :meth:`add_keys` or :meth:`list_keys` and not these gets its own
    methods used (:func:`in_step`).
    """

    def add_keys(self, records: Sequence[KeyRecord]) -> None:
        """Store new, live keys in one transaction, all or none.

        A key id that exists already (or twice in *records*) raises :class:`StorageError` and
        nothing is stored.
        """
        ...

    def get_key(self, key_id: str) -> KeyRecord | None:
        """The row of *key_id* (destroyed or not), or ``None`` if there is none."""
        ...

    def list_keys(self, owner: str | None = None) -> list[KeyRecord]:
        """Every key of *owner* (or of everyone), destroyed ones too, oldest first."""
        ...

    def rewrap_keys(self, rewraps: Sequence[Rewrap]) -> int:
        """Replace wrapped material in one transaction; returns how many rows changed.

        A row changes only while it lives and is still wrapped by ``from_kek``: a key destroyed
        or rewrapped by someone else in the meantime is left as it is (never brought back).
        """
        ...

    def destroy_keys(
        self, owners: Collection[str], *, at: str, audit: Sequence[AuditRecord] = ()
    ) -> tuple[str, ...]:
        """Destroy every live key of *owners*: overwrite the wrapped material, note *at*.

        Returns the ids destroyed (sorted). The *audit* records are chained in the same
        transaction. Destroying an owner without live keys changes nothing and is no error.
        """
        ...


class MemoryKeyTable:
    """The key table of :class:`~magcore.storage.memory.MemoryStore` (a mix-in)."""

    _lock: threading.Lock
    _keys: dict[str, KeyRecord]

    if TYPE_CHECKING:  # the store defines these

        def _check_open(self) -> None: ...

        def _chain_now(self, audit: Sequence[AuditRecord]) -> None: ...

    def add_keys(self, records: Sequence[KeyRecord]) -> None:
        check_new_keys(records)
        with self._lock:
            self._check_open()
            self._check_absent(records)
            self._put_keys(records)

    def _check_absent(self, records: Sequence[KeyRecord]) -> None:
        """Refuse a key id the table holds already. Call with the lock held."""
        for record in records:
            if record.id in self._keys:
                raise StorageError(f"key {record.id} exists already")

    def _put_keys(self, records: Sequence[KeyRecord]) -> None:
        """Keep *records* (checked). Call with the lock held."""
        for record in records:
            self._keys[record.id] = record

    def get_key(self, key_id: str) -> KeyRecord | None:
        with self._lock:
            self._check_open()
            return self._keys.get(key_id)

    def live_keys(self, owners: Collection[str]) -> dict[str, str]:
        wanted = set(owners)
        with self._lock:
            self._check_open()
            return {k.owner: k.id for k in self._keys.values() if k.alive and k.owner in wanted}

    def list_keys(self, owner: str | None = None) -> list[KeyRecord]:
        with self._lock:
            self._check_open()
            return [k for k in self._keys.values() if owner is None or k.owner == owner]

    def rewrap_keys(self, rewraps: Sequence[Rewrap]) -> int:
        with self._lock:
            self._check_open()
            changed = 0
            for rewrap in rewraps:
                found = self._keys.get(rewrap.key_id)
                if found is None or not found.alive or found.kek_id != rewrap.from_kek:
                    continue
                self._keys[rewrap.key_id] = attrs.evolve(
                    found, kek_id=rewrap.kek_id, wrapped=rewrap.wrapped
                )
                changed += 1
            return changed

    def destroy_keys(
        self, owners: Collection[str], *, at: str, audit: Sequence[AuditRecord] = ()
    ) -> tuple[str, ...]:
        wanted = set(owners)
        with self._lock:
            self._check_open()
            doomed = sorted(k.id for k in self._keys.values() if k.owner in wanted and k.alive)
            self._chain_now(audit)
            for key_id in doomed:
                self._keys[key_id] = attrs.evolve(self._keys[key_id], wrapped=None, destroyed=at)
            return tuple(doomed)
