"""The built-in key provider for the embedded set-up: keys in one file only its owner may read.

The file is JSON (format ``magcore-keys/1``) holding the key-encryption keys and the audit keys,
base64-encoded. It is created with mode ``0600`` (no access for group or others) and replaced
atomically (write a new file, ``fsync``, rename). A key file that others may read or write, or
that belongs to another user, is refused: fix it with ``chmod 600`` / ``chown`` rather than let
magcore use a key anyone on the machine could copy.

Keep the key file out of the backups of the database (or back it up apart, with a shorter
retention): a backup that holds both the database and the key file can read what was erased.

The file also remembers which data keys were destroyed (``forgotten``), so a backup of the
database taken before an erasure and restored afterwards does not open them again. Every change
(a new or retired KEK, a new audit key, destroyed keys) reads the file again under a lock
(``fcntl.flock`` on a ``.lock`` file beside it, where the platform has it), so processes that
change it at the same time do not lose each other's changes.
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from ..errors import KeyProviderError
from .provider import LocalKeyProvider
from .witness import FileWitness, WitnessedHead

_flock = None
try:
    import fcntl

    _flock = fcntl.flock
except ImportError:  # pragma: no cover - not on Windows: one process changes the file at a time
    pass

__all__ = ["KEY_FILE_NAME", "FileKeyProvider", "check_key_file", "copy_key_file", "same_keys"]

#: The key file's name in a configured key folder.
KEY_FILE_NAME = "magcore-keys.json"


def check_key_file(path: Path) -> None:
    """Refuse a key file that is not a regular file of this user, closed to everyone else."""
    try:
        info = path.lstat()
    except OSError as exc:
        raise KeyProviderError(f"cannot read key file {path}: {exc.strerror}") from exc
    if not stat.S_ISREG(info.st_mode):
        raise KeyProviderError(f"key file {path} is not a regular file (a link or a folder?)")
    mode = stat.S_IMODE(info.st_mode)
    if mode & 0o077:
        raise KeyProviderError(
            f"key file {path} may be read or changed by others (mode {mode:04o}); "
            f"magcore refuses it: run `chmod 600 {path}` (and check who copied it)"
        )
    if hasattr(os, "getuid") and info.st_uid != os.getuid():
        raise KeyProviderError(
            f"key file {path} belongs to user id {info.st_uid}, not to this process's user "
            f"({os.getuid()}); run magcore as its owner or `chown` it"
        )


class FileKeyProvider(LocalKeyProvider):
    """A :class:`~magcore.crypto.provider.KeyProvider` whose keys live in a ``0600`` file."""

    path: Path

    @classmethod
    def open(cls, path: Path | str, *, create: bool = True) -> FileKeyProvider:
        """The provider of the key file at *path*, created (with fresh keys) if *create*."""
        path = Path(path)
        if not path.exists():
            if not create:
                raise KeyProviderError(f"key file {path} does not exist (and create=False)")
            if not path.parent.is_dir():
                raise KeyProviderError(
                    f"cannot create key file {path}: folder {path.parent} is missing"
                )
            provider = cls.generate()
            provider.where = str(path)
            provider.path = path
            provider._save(new=True)
            return provider
        loaded = _load(path)
        provider = cls(
            loaded.keks,
            loaded.current,
            loaded.audit_keys,
            loaded.current_audit,
            loaded.where,
            loaded.forgotten,
            loaded.witnessed_chains,
        )
        provider.path = path
        return provider

    # -- the witnessed audit head (:mod:`magcore.crypto.witness`) ---------------------------

    @property
    def witness_path(self) -> Path:
        """The file beside the key file that keeps the witnessed audit heads."""
        return self.path.with_name(f"{self.path.name}.witness")

    def _witness(self) -> FileWitness:
        witness: FileWitness | None = getattr(self, "_head_witness", None)
        if witness is None:
            witness = self._head_witness = FileWitness(self.witness_path)
        return witness

    def witness_audit_head(self, chain: str, count: int, last_hash: str) -> None:
        """Remember that *chain* reached *count* lines (never lowers what is kept). The first
        time, the key file records that *chain* is witnessed (see :meth:`witnessed_audit_head`)."""
        self.witness_audit_heads((chain,), count, last_hash)

    def witness_audit_heads(self, chains: Sequence[str], count: int, last_hash: str) -> None:
        """:meth:`witness_audit_head` for each of *chains* (the names of one log), in one
        change of the witness file."""
        self._witness().raise_all(chains, count, last_hash)
        new = frozenset(chains) - self.witnessed_chains
        if new:

            def record() -> None:
                self.witnessed_chains = self.witnessed_chains | new

            self._change(record)

    def witnessed_audit_head(self, chain: str) -> WitnessedHead | None:
        """The highest head witnessed for *chain*, or ``None`` for a log never witnessed.

        Raises :class:`~magcore.errors.KeyProviderError` when the key file says *chain* was
        witnessed and the witness holds no head for it: its files were removed or replaced
        (whoever may change the folder can do that without any key), which would otherwise turn
        the rollback check off without a word."""
        head = self._witness().read(chain)
        if head is None and chain in _load(self.path).witnessed_chains:
            raise KeyProviderError(
                f"the audit witness {self.witness_path} holds no head for this audit log, which "
                f"it witnessed before ({self.path} says so): its files were removed or replaced. "
                "Run `magcore audit verify` against a checkpoint kept elsewhere; if the witness "
                "was lost on purpose, `magcore audit accept-restore --reason ...` witnesses the "
                "log anew"
            )
        return head

    def replace_audit_witness(self, chain: str, count: int, last_hash: str) -> None:
        """Set *chain*'s witnessed head, also lower: only after restoring a backup on purpose
        (``restore_store`` does it and leaves an audit line saying so)."""
        self._witness().replace(chain, count, last_hash)

    def _change(self, change: Callable[[], None]) -> None:
        """Read the file again under its lock, make *change*, and write it: a change another
        process made since this one read the file (destroyed keys, a new KEK) is kept."""
        with _locked(self.path):
            loaded = _load(self.path)
            self.keks, self.current = loaded.keks, loaded.current
            self.audit_keys, self.current_audit = loaded.audit_keys, loaded.current_audit
            self.forgotten = loaded.forgotten
            self.witnessed_chains = loaded.witnessed_chains
            self._wrappers.clear()
            change()
            self._save()

    def _save(self, *, new: bool = False) -> None:
        """Write the keys to a new ``0600`` file beside the old one, then rename it over."""
        path = self.path
        if not new:
            check_key_file(path)
        text = json.dumps(self.to_json(), indent=2, sort_keys=True) + "\n"
        temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        try:
            fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            try:
                os.write(fd, text.encode("utf-8"))
                os.fsync(fd)
            finally:
                os.close(fd)
            if new:
                # Never replace a key file someone else just made: that would lose its keys.
                os.link(temporary, path)
                os.unlink(temporary)
            else:
                os.replace(temporary, path)
            _sync_folder(path.parent)
        except FileExistsError as exc:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise KeyProviderError(
                f"key file {path} appeared while magcore was creating it; open it again"
            ) from exc
        except OSError as exc:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise KeyProviderError(f"cannot write key file {path}: {exc.strerror}") from exc


def _load(path: Path) -> LocalKeyProvider:
    """The keys in the key file at *path* (checked: this user's, closed to others)."""
    check_key_file(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise KeyProviderError(f"cannot read key file {path}: {exc}") from exc
    return LocalKeyProvider.from_json(data, where=str(path))


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Hold the key file's lock (a ``.lock`` file beside it, ``0600``) while changing it."""
    if _flock is None:  # pragma: no cover - not on Windows
        yield
        return
    lock = path.with_name(f".{path.name}.lock")
    try:
        fd = os.open(lock, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o600)
    except OSError as exc:
        raise KeyProviderError(f"cannot lock key file {path}: {exc.strerror}") from exc
    try:
        _flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def _sync_folder(folder: Path) -> None:
    """Make the rename durable (a crash right after must not lose the new key file)."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _for_a_copy(raw: bytes) -> bytes:
    """A key file's bytes without its record of witnessed audit logs: a copy of the store is
    a log of its own from here on, witnessed beside the copied keys from its first write."""
    try:
        data = json.loads(raw)
    except ValueError:
        return raw
    if not isinstance(data, dict) or "witnessed_chains" not in data:
        return raw
    del data["witnessed_chains"]
    return (json.dumps(data, indent=2, sort_keys=True) + "\n").encode("utf-8")


def same_keys(first: Path, second: Path) -> bool:
    """Whether two key files hold the same keys (their records of witnessed logs aside)."""
    return _for_a_copy(first.read_bytes()) == _for_a_copy(second.read_bytes())


def copy_key_file(source: Path, target: Path) -> bool:
    """Copy the key file *source* to the new file *target* (``0600``, never over another),
    without its record of witnessed audit logs (:func:`_for_a_copy`).

    Returns ``False`` when *target* already holds the same keys; a *target* with other keys is
    refused with :class:`KeyProviderError` (replacing it would lose them).
    """
    check_key_file(source)
    text = _for_a_copy(source.read_bytes())
    if target.exists():
        if _for_a_copy(target.read_bytes()) == text:
            return False
        raise KeyProviderError(
            f"key file {target} already exists with other keys; magcore does not replace it"
        )
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.write(fd, text)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.link(temporary, target)
        os.unlink(temporary)
        _sync_folder(target.parent)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise KeyProviderError(f"cannot write key file {target}: {exc.strerror}") from exc
    return True
