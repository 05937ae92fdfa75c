"""How far the audit chain got, remembered outside the database: the witnessed head.

The database's own head (table ``audit_head``) cannot find a rollback: someone who can write
the database, even without any key, deletes the newest lines (and events) and sets the head to
the line before, whose count and hash are readable in the table. The chain is then valid again,
only shorter. Something outside the database must remember how far the chain got.

After every commit that adds audit lines, the store tells its key provider the new head
(``witness_audit_head``); the provider keeps the highest one per chain and never lowers it.
Before chaining a line the store checks that its log still reaches the witnessed head (the line
at the witnessed count has the witnessed hash) and refuses to write otherwise;
:func:`magcore.access.audit.verify_store` and ``magcore audit verify`` report a log that is
shorter than the witness, or differs from it at the witnessed line.

A chain is named by the hash of its first line and its store's place (several stores may share
one key folder, and a copy of a store in use beside it is another log:
:func:`magcore.storage.witnessing.chain_id`).

The file key provider keeps the witness in a file beside its key file
(:class:`FileWitness`, ``<key file>.witness``, ``0600``), replaced atomically under a lock, so
two processes appending at once never make it go backwards. A provider on an HSM or KMS may
offer the same two methods (:class:`HeadWitness`) backed by a monotonic counter.

What it does not find: someone who can write both the database and the witness (the key
folder), or who restores a backup of both, rolls back both together.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import stat
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Protocol, runtime_checkable

import attrs

from ..errors import KeyProviderError

__all__ = ["WITNESS_FORMAT", "FileWitness", "HeadWitness", "WitnessedHead", "witness_of"]

_flock = None
try:
    import fcntl

    _flock = fcntl.flock
except ImportError:  # pragma: no cover - not on Windows: one process appends at a time
    pass

#: The format name in a witness file.
WITNESS_FORMAT = "magcore-audit-witness/1"


@attrs.frozen
class WitnessedHead:
    """The head of a chain as the witness last saw it: *count* lines, the last with *last_hash*."""

    count: int
    last_hash: str


@runtime_checkable
class HeadWitness(Protocol):
    """The optional part of a key provider that remembers the audit chain's head.

    ``witness_audit_head`` must never lower the head it keeps for *chain* (a higher *count*
    replaces it, a lower or equal one is ignored), also when processes call it at once. A store
    witnesses each head under two names (:func:`magcore.storage.witnessing.chain_names`); a
    provider may also offer ``witness_audit_heads(chains, count, last_hash)`` to keep both in
    one change, else ``witness_audit_head`` is called for each.
    """

    def witness_audit_head(self, chain: str, count: int, last_hash: str) -> None:
        """Remember that *chain* reached *count* lines, the last with *last_hash*."""
        ...

    def witnessed_audit_head(self, chain: str) -> WitnessedHead | None:
        """The highest head witnessed for *chain* (``None``: none yet)."""
        ...


def witness_of(provider: object) -> HeadWitness | None:
    """*provider* if it witnesses the audit head, else ``None``."""
    return provider if isinstance(provider, HeadWitness) else None


class FileWitness:
    """The witnessed heads in two ``0600`` slot files, changed under a lock beside them.

    Each change writes the whole map, with a generation number and its SHA-256, in place over
    the older slot (``<path>`` and ``<path>.2``); a reader takes the newer slot whose checksum
    holds. No slot is renamed or ``fsync``-ed per append (on ext4 a rename over a file waits
    for the disk, as an ``fsync`` does): a crash leaves at most the slot being written torn, and
    the other one whole, so the witness may lag the database after a power loss (it then finds
    less), but never runs ahead of it (a false rollback). Setting a head back
    (:meth:`replace`) writes and ``fsync``-s both slots.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.slots = (path, path.with_name(f"{path.name}.2"))
        self._thread_lock = threading.Lock()
        self._lock_fd: int | None = None

    def read(self, chain: str) -> WitnessedHead | None:
        """The head witnessed for *chain* (``None`` where no slot or no such chain is kept)."""
        return self.heads().get(chain)

    def heads(self) -> dict[str, WitnessedHead]:
        """Every chain's witnessed head, from the newer whole slot.

        Read without the lock (an append's check must not wait for other writers). That read
        counts only when the newest slot it saw is whole: the two slots are read one after the
        other, so while writers take quick turns it may find one slot as it was before and the
        other half rewritten, and the older whole slot would then be a head it had already seen
        overtaken (a watcher would see the witness go back). Such a read is made again under the
        lock, where no writer runs: there a newest slot that is not whole is damage from a
        crash, and the other slot is taken."""
        try:
            return self._load(newest_whole=True)[1]
        except KeyProviderError:
            with self._locked():
                return self._load()[1]

    def raise_to(self, chain: str, count: int, last_hash: str) -> None:
        """Keep (*count*, *last_hash*) for *chain* unless a head as high is kept already."""
        self.raise_all((chain,), count, last_hash)

    def raise_all(self, chains: Iterable[str], count: int, last_hash: str) -> None:
        """:meth:`raise_to` for each of *chains*, in one change of the file."""
        with self._locked():
            generation, heads = self._load()
            raised = False
            for chain in chains:
                kept = heads.get(chain)
                if kept is None or kept.count < count:
                    heads[chain] = WitnessedHead(count, last_hash)
                    raised = True
            if raised:
                self._write(self.slots[(generation + 1) % 2], generation + 1, heads, sync=False)

    def replace(self, chain: str, count: int, last_hash: str) -> None:
        """Set *chain*'s head even when lower (a backup restored on purpose): both slots."""
        with self._locked():
            generation, heads = self._load()
            heads[chain] = WitnessedHead(count, last_hash)
            for step in (1, 2):
                number = generation + step
                self._write(self.slots[number % 2], number, heads, sync=True)

    def _load(self, *, newest_whole: bool = False) -> tuple[int, dict[str, WitnessedHead]]:
        """The newest whole slot: its generation and heads (``(0, {})`` if none is kept).
        Only the slot with the higher generation is checked and parsed, unless it is not whole;
        with *newest_whole* (a read without the lock) that slot must be whole."""
        slots = [data for data in map(_read_slot, self.slots) if data is not None]
        slots.sort(key=_generation, reverse=True)
        for data in slots:
            parsed = _parse(data)
            if parsed is not None:
                return parsed
            if newest_whole:
                raise KeyProviderError(f"audit witness {self.path} was changing while read")
        if slots:
            raise KeyProviderError(
                f"audit witness {self.path} cannot be read (no slot is whole): the head it "
                "kept is lost; check who changed it"
            )
        return 0, {}

    def _write(
        self, slot: Path, generation: int, heads: dict[str, WitnessedHead], *, sync: bool
    ) -> None:
        body = json.dumps(
            {
                "format": WITNESS_FORMAT,
                "generation": generation,
                "chains": {
                    chain: {"count": head.count, "hash": head.last_hash}
                    for chain, head in sorted(heads.items())
                },
            },
            sort_keys=True,
        ).encode("utf-8")
        data = b"%020d\n%s\n%s\n" % (
            generation,
            body,
            hashlib.sha256(body).hexdigest().encode("ascii"),
        )
        try:
            fd = os.open(slot, os.O_WRONLY | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o600)
            try:
                os.pwrite(fd, data, 0)
                os.ftruncate(fd, len(data))
                if sync:
                    os.fsync(fd)
            finally:
                os.close(fd)
        except OSError as exc:
            raise KeyProviderError(f"cannot write audit witness {slot}: {exc}") from exc

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        """This process's threads one at a time, and other processes by the ``flock`` of a
        ``.lock`` file beside the witness (kept open: one system call per change)."""
        with self._thread_lock:
            if _flock is None:  # pragma: no cover - not on Windows
                yield
                return
            if self._lock_fd is None:
                lock = self.path.with_name(f".{self.path.name}.lock")
                flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0)
                try:
                    self._lock_fd = os.open(lock, flags, 0o600)
                except OSError as exc:
                    raise KeyProviderError(f"cannot lock audit witness {lock}: {exc}") from exc
            _flock(self._lock_fd, fcntl.LOCK_EX)
            try:
                yield
            finally:
                _flock(self._lock_fd, fcntl.LOCK_UN)

    def close(self) -> None:
        """Close the lock file (it is opened again when needed)."""
        with self._thread_lock:
            if self._lock_fd is not None:
                os.close(self._lock_fd)
                self._lock_fd = None

    def __del__(self) -> None:
        with contextlib.suppress(Exception):
            if self._lock_fd is not None:
                os.close(self._lock_fd)


def _read_slot(slot: Path) -> bytes | None:
    """A slot's bytes (``None``: no such file); a slot that is no regular file of this user,
    closed to everyone else, is refused as a key file is."""
    try:
        fd = os.open(slot, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise KeyProviderError(f"cannot read audit witness {slot}: {exc}") from exc
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or stat.S_IMODE(info.st_mode) & 0o077:
            raise KeyProviderError(
                f"audit witness {slot} is not a regular file closed to others (mode "
                f"{stat.S_IMODE(info.st_mode):04o}); run `chmod 600 {slot}`"
            )
        if hasattr(os, "getuid") and info.st_uid != os.getuid():
            raise KeyProviderError(f"audit witness {slot} belongs to another user")
        return os.read(fd, max(info.st_size, 1) + 1)
    finally:
        os.close(fd)


def _generation(data: bytes) -> int:
    """The generation a slot starts with (``-1``: none)."""
    head = data[:20]
    return int(head) if len(head) == 20 and head.isdigit() else -1


def _parse(data: bytes) -> tuple[int, dict[str, WitnessedHead]] | None:
    """A slot's generation and heads, or ``None`` where it is not whole (torn, or changed)."""
    body, _, rest = data[21:].rstrip(b"\n").rpartition(b"\n")
    if not body or not hmac.compare_digest(hashlib.sha256(body).hexdigest().encode(), rest):
        return None
    try:
        parsed = json.loads(body.decode("utf-8"))
        if parsed.get("format") != WITNESS_FORMAT or parsed["generation"] != _generation(data):
            return None
        heads = {
            str(chain): WitnessedHead(int(head["count"]), str(head["hash"]))
            for chain, head in parsed["chains"].items()
        }
        return int(parsed["generation"]), heads
    except (ValueError, TypeError, KeyError, AttributeError):
        return None
