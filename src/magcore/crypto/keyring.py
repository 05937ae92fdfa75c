"""Data keys per owner (a person or a conversation): made, found, rotated and destroyed.

A :class:`KeyRing` joins a store's key table (:class:`~magcore.storage.keys.KeyStore`) and a
key provider. New content of an owner is encrypted with the owner's newest live data key; older
keys stay readable until they are destroyed.

Unwrapped keys are cached in the key ring, the most recently made or unwrapped
:data:`CACHE_SIZE` of them (each cipher holds about 2.5 KB of OpenSSL state: a ring that kept
every key it met would grow by that much per conversation for as long as the process runs).
A key destroyed by another process stays usable in this one's cache until it leaves it, so in
a long-running process make a key ring per request or batch, or call :meth:`KeyRing.forget`.
"""

from __future__ import annotations

import itertools
import secrets
import threading
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from json.encoder import encode_basestring_ascii as _ascii
from typing import TYPE_CHECKING

import attrs
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from ..clock import SystemClock
from ..errors import KeyDestroyedError, KeyProviderError, StorageError
from ..storage.keys import KeyRecord, KeyStore, Rewrap, reads_live_keys
from .provider import KEY_BYTES, KeyProvider

if TYPE_CHECKING:
    from ..storage.base import AuditRecord

__all__ = ["CACHE_SIZE", "KeyBatch", "KeyRing", "owner_of_conversation", "owner_of_person"]

#: How many unwrapped data keys a :class:`KeyRing` keeps by default.
CACHE_SIZE = 4096

#: How many owners' latest destructions a key ring remembers (see ``KeyRing._kept``).
_DESTRUCTIONS_KEPT = 65_536

#: How many owners known to have no data key a key ring remembers (see
#: :meth:`KeyRing.note_keyless`): about as many conversations as a large municipality plans
#: in a year; the oldest noted leave first.
_KEYLESS_KEPT = 65_536

#: A data key's id is ``k-`` and this many random bytes in hex (as ``new_key_id("k")``).
_ID_BYTES = 10


def owner_of_person(person_id: str) -> str:
    """The key owner of a person's content: ``person:<id>``."""
    return f"person:{person_id}"


def owner_of_conversation(conversation_id: str) -> str:
    """The key owner of one conversation's content (erased per conversation)."""
    return f"conversation:{conversation_id}"


def _context(key_id: str, owner: str) -> bytes:
    """What a wrapped key is bound to: its own id and its owner.

    The text of ``json.dumps(["magcore-data-key/1", key_id, owner])``, written without
    building an encoder per key (a test compares the two).
    """
    return f'["magcore-data-key/1", {_ascii(key_id)}, {_ascii(owner)}]'.encode()


def _utc_now() -> datetime:
    """The clock of a key ring made outside a service (a service passes its own clock)."""
    return SystemClock().now()


@attrs.frozen
class KeyBatch:
    """The data keys of one write (:meth:`KeyRing.prepare`): a cipher per owner, and the keys
    made for it, not stored yet."""

    sealers: dict[str, tuple[str, AESGCM]]
    """``{owner: (key id, cipher)}`` for every owner of the write."""
    made: tuple[tuple[KeyRecord, AESGCM], ...] = ()
    """The new keys: their rows and ciphers."""
    epoch: int = 0
    """How many destructions the key ring had seen when the batch was prepared."""

    @property
    def records(self) -> tuple[KeyRecord, ...]:
        """The rows of the new keys, to store with the write (``append(..., keys=)``)."""
        return tuple(record for record, _ in self.made)

    @classmethod
    def joined(
        cls,
        batches: Iterable[KeyBatch],
        *,
        sealers: dict[str, tuple[str, AESGCM]] | None = None,
    ) -> KeyBatch:
        """One batch of the keys of *batches* (parts of one write, prepared in turn): its
        epoch is the earliest of the parts that made keys, so :meth:`KeyRing.adopt` keeps
        none that a destruction after its part was prepared may concern. *sealers*, when the
        caller holds them already, are the joined batch's (else the parts' are merged)."""
        parts = list(batches)
        made = tuple(pair for batch in parts for pair in batch.made)
        epoch = min((batch.epoch for batch in parts if batch.made), default=0)
        if sealers is None:
            sealers = {owner: found for batch in parts for owner, found in batch.sealers.items()}
        return cls(sealers=sealers, made=made, epoch=epoch)


class KeyRing:
    """The data keys of one store, wrapped by one provider's KEKs."""

    def __init__(
        self,
        store: KeyStore,
        provider: KeyProvider,
        *,
        clock: Callable[[], datetime] = _utc_now,
        cache_size: int = CACHE_SIZE,
    ) -> None:
        """:param clock: what stamps when a key is made and destroyed: the service's clock
            (:func:`magcore.access.content.protect` passes it), the system clock if none.
        :param cache_size: how many unwrapped data keys to keep (the oldest made or
            unwrapped leaves first); at least 1."""
        if not isinstance(store, KeyStore):
            raise StorageError(f"store {store!r} has no key table (it is not a KeyStore)")
        if type(cache_size) is not int or cache_size < 1:
            raise ValueError(f"cache_size must be a whole number of at least 1, not {cache_size!r}")
        self.store = store
        self.provider = provider
        self._clock = clock
        self._lock = threading.Lock()
        self._current: dict[str, str] = {}
        self._aead: dict[str, AESGCM] = {}
        self._cache_size = cache_size
        # Destructions, counted: what a look-up or a write began before a destruction of the
        # same owner found or made is not kept afterwards (it may be a destroyed key).
        self._epoch = 0
        self._destroyed: dict[str, int] = {}
        self._forgotten = 0  # the newest count of a destruction no longer remembered per owner
        # Owners known to have no data key (streams written without content by this process):
        # their first key is made without asking the key table. Insertion-ordered, bounded.
        self._keyless: dict[str, None] = {}

    def _kept(self, owner: str, epoch: int) -> bool:
        """Whether a key of *owner* found or made since *epoch* may be kept: no destruction of
        the owner's keys since then. Call with the lock held."""
        return self._destroyed.get(owner, self._forgotten) <= epoch

    def _keep(self, made: Iterable[tuple[str, AESGCM]]) -> None:
        """Cache the ciphers of *made* (key id, cipher), the oldest leaving beyond the cache
        size. Call with the lock held."""
        cache = self._aead
        for key_id, aead in made:
            cache.pop(key_id, None)
            cache[key_id] = aead
        over = len(cache) - self._cache_size
        if over > 0:
            for key_id in list(itertools.islice(cache, over)):
                del cache[key_id]

    def _now(self) -> str:
        return self._clock().astimezone(UTC).isoformat()

    # -- using keys ------------------------------------------------------------------------

    def current_key(self, owner: str) -> str:
        """The id of *owner*'s newest live data key, made (and stored) if there is none."""
        with self._lock:
            found = self._current.get(owner)
            epoch = self._epoch
        if found is not None:
            return found
        live = self._live([owner])
        if owner not in live:
            return self._store_new([owner], epoch)[owner]
        self._set_current(live, epoch)
        return live[owner]

    def has_current(self, owner: str) -> bool:
        """Whether this key ring knows *owner*'s current key already (without asking the store)."""
        with self._lock:
            return owner in self._current

    def unknown(self, owners: Iterable[str]) -> list[str]:
        """Those of *owners* whose current key this key ring does not know yet (without
        asking the store)."""
        with self._lock:
            return [owner for owner in owners if owner not in self._current]

    def note_keyless(self, owners: Iterable[str]) -> None:
        """Remember that *owners* have no data key: streams that a committed write has just
        created without content (a requested conversation, before anyone prepares). The
        first content of such an owner then gets its key made without asking the key table,
        as for an owner in ``new`` (:meth:`prepare`).

        What the key table would have answered is the same (a new stream has no live key; a
        destroyed one has none either), except when another process made the owner a key in
        between: then the owner has two live keys, which read alike and are destroyed
        together. The most recent :data:`_KEYLESS_KEPT` owners are remembered; the others are
        looked up as before.
        """
        with self._lock:
            keyless, current = self._keyless, self._current
            for owner in owners:
                if owner not in current:
                    keyless[owner] = None
            over = len(keyless) - _KEYLESS_KEPT
            if over > 0:
                for owner in list(itertools.islice(keyless, over)):
                    del keyless[owner]

    def sealer(self, owner: str) -> tuple[str, AESGCM]:
        """*owner*'s current key id and its cipher, for encrypting new content."""
        with self._lock:
            key_id = self._current.get(owner)
            aead = self._aead.get(key_id) if key_id is not None else None
        if key_id is not None and aead is not None:
            return key_id, aead
        key_id = self.current_key(owner)
        return key_id, self.aead(key_id)

    def sealers(
        self, owners: Collection[str], *, new: Collection[str] = ()
    ) -> dict[str, tuple[str, AESGCM]]:
        """:meth:`sealer` of each of *owners*, for one batch: missing keys are made and stored
        in one transaction (as :meth:`ensure_keys`; the owners in *new* are known to have none,
        so theirs are made without looking in the key table, as :meth:`new_keys`), and keys
        not in the cache are unwrapped. The returned mapping holds every cipher of the batch,
        whatever the cache keeps.
        """
        batch = self.prepare(owners, new=new)
        self.store_apart(batch)
        return batch.sealers

    def prepare(self, owners: Collection[str], *, new: Collection[str] = ()) -> KeyBatch:
        """:meth:`sealers` without storing anything: the ciphers of *owners*, with the keys
        still missing made in memory only (:attr:`KeyBatch.records`).

        Store those records in the transaction of the write they protect (a store's ``append(
        ..., keys=)``), then :meth:`adopt` the batch. Until then this key ring does not use
        them for anything else; a batch that is never adopted (the write was refused) leaves
        no trace, here or in the store.
        """
        found: dict[str, tuple[str, AESGCM]] = {}
        fresh: list[str] = []
        rest: list[str] = []
        uncached: dict[str, str] = {}
        new_set = new if isinstance(new, (set, frozenset)) else frozenset(new)
        with self._lock:  # one pass for the keys known and cached already (most of them)
            epoch = self._epoch
            current, cache, keyless = self._current, self._aead, self._keyless
            for owner in owners:
                key_id = current.get(owner)
                if key_id is None:
                    (fresh if owner in new_set or owner in keyless else rest).append(owner)
                    continue
                aead = cache.get(key_id)
                if aead is None:
                    uncached[owner] = key_id
                else:
                    found[owner] = (key_id, aead)
        for owner, key_id in uncached.items():  # known, but no longer in the cache: unwrap
            found[owner] = (key_id, self.aead(key_id))
        made: list[tuple[KeyRecord, AESGCM]] = []
        if rest:
            wanted = sorted(set(rest))
            live = self._live(wanted)
            self._set_current(live, epoch)
            for owner, key_id in live.items():
                found[owner] = (key_id, self.aead(key_id))
            fresh.extend(owner for owner in wanted if owner not in live)
        if fresh:
            made = self._make(sorted(set(fresh)), self._now())
            found.update((record.owner, (record.id, aead)) for record, aead in made)
        return KeyBatch(sealers=found, made=tuple(made), epoch=epoch)

    def adopt(self, batch: KeyBatch) -> None:
        """Use the keys *batch* made from now on (their rows are stored: call it after the
        write that held them committed). A key whose owner's keys were destroyed since the
        batch was prepared is not taken up (it may be destroyed itself)."""
        if not batch.made:
            return
        with self._lock:
            made = [(r, a) for r, a in batch.made if self._kept(r.owner, batch.epoch)]
            # those beyond the cache's size would only leave it again at once
            self._keep((record.id, aead) for record, aead in made[-self._cache_size :])
            self._current.update((record.owner, record.id) for record, _ in made)
            keyless = self._keyless
            if keyless:
                for record, _ in batch.made:
                    keyless.pop(record.owner, None)

    def store_apart(self, batch: KeyBatch) -> None:
        """Store the keys *batch* made in a transaction of their own, then :meth:`adopt` them:
        for a store that cannot take them with the write they protect."""
        if batch.made:
            self.store.add_keys(batch.records)
        self.adopt(batch)

    def _live(self, owners: Sequence[str]) -> dict[str, str]:
        """The newest live key of each of *owners* that has one in the key table."""
        if reads_live_keys(self.store):  # one query where the store answers it (optional)
            answer: dict[str, str] = self.store.live_keys(owners)  # type: ignore[attr-defined]
            return answer
        # a few owners (a command's own stream, carried agreements): ask for each; many (an
        # import, a planned year): one pass over the key table
        found = (
            [k for owner in owners for k in self.store.list_keys(owner)]
            if len(owners) <= 32
            else self.store.list_keys()
        )
        wanted = set(owners)
        live: dict[str, str] = {}
        for record in found:
            if record.alive and record.owner in wanted:
                live[record.owner] = record.id  # oldest first: the last one wins
        return live

    def aead(self, key_id: str) -> AESGCM:
        """The AES-256-GCM cipher of data key *key_id*.

        Raises :class:`~magcore.errors.KeyDestroyedError` for a destroyed key and
        :class:`~magcore.errors.StorageError` for one this store does not hold.
        """
        with self._lock:
            cached = self._aead.get(key_id)
            epoch = self._epoch
        if cached is not None:
            return cached
        record = self.store.get_key(key_id)
        if record is None:
            raise StorageError(f"this store holds no data key {key_id!r}")
        if record.wrapped is None:
            raise KeyDestroyedError(key_id=key_id, owner=record.owner, destroyed=record.destroyed)
        if self._forgotten_by_provider(key_id):  # alive in a copy made before its destruction
            raise KeyDestroyedError(key_id=key_id, owner=record.owner)
        key = self.provider.unwrap(
            record.wrapped, kek_id=record.kek_id, context=_context(key_id, record.owner)
        )
        aead = AESGCM(key)
        with self._lock:
            if self._kept(record.owner, epoch):
                self._keep(((key_id, aead),))
        return aead

    def forget(self) -> None:
        """Drop every cached key (they are read from the store again when needed), and what
        :meth:`note_keyless` noted."""
        with self._lock:
            self._current.clear()
            self._aead.clear()
            self._keyless.clear()

    # -- lifecycle -------------------------------------------------------------------------

    def _make(self, owners: Sequence[str], created: str) -> list[tuple[KeyRecord, AESGCM]]:
        """A new data key for each of *owners*, wrapped: the random source is read once for
        all their key bytes (each key its own 32 fresh bytes), once for their ids, and once
        for all the wrapping nonces where the provider wraps a batch (``wrap_many``)."""
        count = len(owners)
        fresh = secrets.token_bytes(KEY_BYTES * count)
        keys = [fresh[n : n + KEY_BYTES] for n in range(0, KEY_BYTES * count, KEY_BYTES)]
        ids = secrets.token_hex(_ID_BYTES * count)
        step = 2 * _ID_BYTES
        key_ids = [f"k-{ids[n : n + step]}" for n in range(0, step * count, step)]
        contexts = [_context(key_id, owner) for key_id, owner in zip(key_ids, owners, strict=True)]
        wrap_many: Callable[[Sequence[bytes], Sequence[bytes]], tuple[str, list[bytes]]] | None
        wrap_many = getattr(self.provider, "wrap_many", None)
        if wrap_many is not None:
            kek_id, wrapped = wrap_many(keys, contexts)
            keks = [kek_id] * len(keys)
        else:  # a provider that wraps one key at a time (an HSM, a cloud KMS)
            pairs = [
                self.provider.wrap(key, context=context)
                for key, context in zip(keys, contexts, strict=True)
            ]
            keks = [kek for kek, _ in pairs]
            wrapped = [blob for _, blob in pairs]
        if len(wrapped) != len(keys):
            raise StorageError(f"the key provider wrapped {len(wrapped)} of {len(keys)} keys")
        return [
            (
                KeyRecord(id=key_id, owner=owner, kek_id=kek, wrapped=blob, created=created),
                AESGCM(key),
            )
            for key_id, owner, kek, blob, key in zip(
                key_ids, owners, keks, wrapped, keys, strict=True
            )
        ]

    def _store_new(self, owners: Sequence[str], epoch: int) -> dict[str, str]:
        """A new key for each of *owners*, stored in one transaction of its own and adopted
        (:meth:`store_apart`: not an owner's whose keys were destroyed since *epoch*):
        ``{owner: key id}``."""
        made = tuple(self._make(owners, self._now()))  # one moment for the keys of one write
        batch = KeyBatch(
            sealers={record.owner: (record.id, aead) for record, aead in made},
            made=made,
            epoch=epoch,
        )
        self.store_apart(batch)
        return {record.owner: record.id for record, _ in made}

    def _set_current(self, ids: Mapping[str, str], epoch: int) -> None:
        """Record *ids* (``{owner: key id}``) as the owners' current keys, but not an owner's
        whose keys were destroyed since *epoch*."""
        with self._lock:
            self._current.update((o, k) for o, k in ids.items() if self._kept(o, epoch))

    def ensure_keys(self, owners: Collection[str]) -> dict[str, str]:
        """The current key id of each of *owners*; missing keys are made in one transaction.

        Use it before encrypting a batch for many owners (an import, a planned year): one
        write for all new keys instead of one per owner.
        """
        wanted = list(dict.fromkeys(owners))
        with self._lock:
            known = {o: self._current[o] for o in wanted if o in self._current}
            epoch = self._epoch
        missing = [o for o in wanted if o not in known]
        if missing:
            live = self._live(missing)
            absent = [o for o in missing if o not in live]
            self._set_current(live, epoch)
            known.update(live)
            if absent:
                known.update(self._store_new(absent, epoch))
        return {o: known[o] for o in wanted}

    def new_keys(self, owners: Collection[str]) -> dict[str, str]:
        """A fresh data key for each of *owners*, made in one transaction, without looking for
        existing ones: for owners known to be new (a stream's first write). An owner that had
        a key already now has two; both are destroyed together."""
        return self._store_new(list(dict.fromkeys(owners)), self._snapshot())

    def rotate_data_key(self, owner: str) -> str:
        """Give *owner* a new data key for new content; content under older keys stays readable."""
        return self._store_new([owner], self._snapshot())[owner]

    def _snapshot(self) -> int:
        """How many destructions this key ring has seen (see :meth:`_kept`)."""
        with self._lock:
            return self._epoch

    def rotate_kek(self, *, batch: int = 500) -> int:
        """Rewrap every live data key that is not under the provider's current KEK.

        Runs in transactions of *batch* keys while the service keeps working: every key is
        readable before, during and after (a key is under its old KEK until its row changes).
        Returns how many keys were rewrapped. Retire the old KEK at the provider afterwards.
        """
        target = self.provider.current_kek_id()
        stale = [k for k in self.store.list_keys() if k.alive and k.kek_id != target]
        done = 0
        for start in range(0, len(stale), batch):
            rewraps: list[Rewrap] = []
            for record in stale[start : start + batch]:
                if record.wrapped is None:  # destroyed meanwhile (not possible: alive)
                    continue
                if self._forgotten_by_provider(record.id):  # destroyed: never rewrapped
                    continue
                context = _context(record.id, record.owner)
                key = self.provider.unwrap(record.wrapped, kek_id=record.kek_id, context=context)
                kek_id, wrapped = self.provider.wrap(key, context=context)
                rewraps.append(
                    Rewrap(key_id=record.id, from_kek=record.kek_id, kek_id=kek_id, wrapped=wrapped)
                )
            done += self.store.rewrap_keys(rewraps)
        return done

    def destroy(
        self, owners: Collection[str], *, audit: Sequence[AuditRecord] = ()
    ) -> tuple[str, ...]:
        """Destroy every live data key of *owners* (crypto-shredding); returns the key ids.

        Content encrypted with them can no longer be read, wherever a copy of the ciphertext
        is. The *audit* records are written in the same transaction as the destruction.

        A provider that remembers destroyed keys (``forget_keys``) is told of them before they
        go: where it cannot (a key file that cannot be written), nothing is destroyed and the
        erasure can be run again once it can (told only afterwards, a run again would find no
        key left to tell it of, and a restored backup would open them).
        """
        before: list[str] = []
        if callable(getattr(self.provider, "forget_keys", None)):
            before = [
                record.id
                for owner in dict.fromkeys(owners)
                for record in self.store.list_keys(owner)
                if record.alive
            ]
            self._tell_provider(before, done=False)
        destroyed = self.store.destroy_keys(owners, at=self._now(), audit=audit)
        with self._lock:
            self._epoch += 1
            for owner in owners:
                self._current.pop(owner, None)
                self._keyless.pop(owner, None)
                self._destroyed.pop(owner, None)
                self._destroyed[owner] = self._epoch
            for key_id in destroyed:
                self._aead.pop(key_id, None)
            over = len(self._destroyed) - _DESTRUCTIONS_KEPT
            if over > 0:  # the oldest leave; a look-up begun before them keeps nothing at all
                for owner in list(itertools.islice(self._destroyed, over)):
                    self._forgotten = max(self._forgotten, self._destroyed.pop(owner))
        told = set(before)  # keys made meanwhile (a writer that came first) are told now
        self._tell_provider([key_id for key_id in destroyed if key_id not in told])
        return destroyed

    def _forgotten_by_provider(self, key_id: str) -> bool:
        """Whether the key provider remembers *key_id* as destroyed (``is_forgotten``)."""
        is_forgotten = getattr(self.provider, "is_forgotten", None)
        return callable(is_forgotten) and bool(is_forgotten(key_id))

    def _tell_provider(self, destroyed: Collection[str], *, done: bool = True) -> None:
        """Have the key provider remember the *destroyed* keys (``forget_keys``, optional), so
        a copy of the key table made before (a backup restored later) does not open them;
        *done* says whether they are destroyed in the store already."""
        forget_keys = getattr(self.provider, "forget_keys", None)
        if not destroyed or not callable(forget_keys):
            return
        try:
            forget_keys(destroyed)
        except StorageError as exc:
            shown = ", ".join(sorted(destroyed)[:5]) + (", ..." if len(destroyed) > 5 else "")
            if not done:
                raise KeyProviderError(
                    f"the key provider cannot remember {len(destroyed)} data key(s) as "
                    f"destroyed ({exc}), so nothing was destroyed: run it again once it can"
                ) from exc
            raise KeyProviderError(
                f"{len(destroyed)} data key(s) were destroyed in the store, but the key "
                f"provider could not remember them ({exc}): a backup taken before can still "
                "open them until their KEK is retired; give them to the provider's "
                f"forget_keys once it works ({shown})"
            ) from exc

    def destroy_forgotten(
        self, *, audit: Callable[[str], AuditRecord] | None = None
    ) -> tuple[str, ...]:
        """Destroy again, in this store, every live data key the key provider remembers as
        destroyed: after restoring a backup taken before an erasure or a retention run, the
        restored key table holds those keys alive. Their owners' keys are destroyed as they
        were then (one audit line per owner from *audit*, in the same transaction). Returns the
        key ids destroyed; without ``is_forgotten`` at the provider, nothing is."""
        if not callable(getattr(self.provider, "is_forgotten", None)):
            return ()
        owners = sorted(
            {
                record.owner
                for record in self.store.list_keys()
                if record.alive and self._forgotten_by_provider(record.id)
            }
        )
        if not owners:
            return ()
        lines = [audit(owner) for owner in owners] if audit is not None else []
        return self.destroy(owners, audit=lines)
