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

A chain is named by the hash of its first line (several stores may share one key folder).

The file key provider keeps the witness in a file beside its key file
(:class:`FileWitness`, ``<key file>.witness``, ``0600``), replaced atomically under a lock, so
two processes appending at once never make it go backwards. A provider on an HSM or KMS may
offer the same two methods (:class:`HeadWitness`) backed by a monotonic counter.

What it does not find: someone who can write both the database and the witness (the key
folder), or who restores a backup of both, rolls back both together.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol, runtime_checkable

import attrs

from ..errors import KeyProviderError

__all__ = ["WITNESS_FORMAT", "FileWitness", "HeadWitness", "WitnessedHead", "witness_of"]

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
    replaces it, a lower or equal one is ignored), also when processes call it at once.
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
    """The witnessed heads in one ``0600`` JSON file, changed under a lock beside it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._thread_lock = threading.Lock()

    def read(self, chain: str) -> WitnessedHead | None:
        """The head witnessed for *chain* (``None`` where the file or the chain is missing)."""
        return self._load().get(chain)

    def raise_to(self, chain: str, count: int, last_hash: str) -> None:
        """Keep (*count*, *last_hash*) for *chain* unless a head as high is kept already."""
        with self._locked():
            heads = self._load()
            kept = heads.get(chain)
            if kept is not None and kept.count >= count:
                return
            heads[chain] = WitnessedHead(count, last_hash)
            self._save(heads)

    def replace(self, chain: str, count: int, last_hash: str) -> None:
        """Set *chain*'s head even when lower (a backup restored on purpose)."""
        with self._locked():
            heads = self._load()
            heads[chain] = WitnessedHead(count, last_hash)
            self._save(heads)

    def _load(self) -> dict[str, WitnessedHead]:
        from .files import check_key_file

        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {}
        except OSError as exc:
            raise KeyProviderError(f"cannot read audit witness {self.path}: {exc}") from exc
        check_key_file(self.path)
        try:
            data = json.loads(text)
            if data.get("format") != WITNESS_FORMAT:
                raise ValueError(f"not format {WITNESS_FORMAT}")
            return {
                str(chain): WitnessedHead(int(head["count"]), str(head["hash"]))
                for chain, head in data["chains"].items()
            }
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            raise KeyProviderError(f"audit witness {self.path} cannot be read: {exc}") from exc

    def _save(self, heads: dict[str, WitnessedHead]) -> None:
        """Write a new ``0600`` file, ``fsync`` it and rename it over the old one: after a crash
        the witness is the old or the new one, whole (a lagging witness finds less, never a
        false rollback)."""
        data = {
            "format": WITNESS_FORMAT,
            "chains": {
                chain: {"count": head.count, "hash": head.last_hash}
                for chain, head in sorted(heads.items())
            },
        }
        temporary = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        try:
            fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            try:
                os.write(fd, json.dumps(data, sort_keys=True).encode("utf-8"))
                os.fsync(fd)
            finally:
                os.close(fd)
            os.replace(temporary, self.path)
        except OSError as exc:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise KeyProviderError(f"cannot write audit witness {self.path}: {exc}") from exc

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        """This process's threads one at a time, and other processes by the ``flock`` of a
        ``.lock`` file beside the witness (as the key file's changes are)."""
        from .files import _locked

        with self._thread_lock, _locked(self.path):
            yield
