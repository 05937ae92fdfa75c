"""Key providers: where the key-encryption keys (KEKs) and the audit chain's key come from.

A provider wraps and unwraps data keys with a KEK it holds (in a file, an HSM, a cloud KMS) and
never hands the KEK itself out. It also gives the HMAC key of the audit chain. magcore finds the
provider through the ``magcore_key_provider`` hook; the built-in one keeps its keys in a file
(:class:`~magcore.crypto.files.FileKeyProvider`), or in memory for ``memory://`` stores
(:class:`LocalKeyProvider`).
"""

from __future__ import annotations

import base64
import os
import re
import secrets
from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Protocol, Self, runtime_checkable

import attrs
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from ..errors import ContentIntegrityError, KeyProviderError
from ..storage.keys import KEY_ID_PATTERN

__all__ = ["KEY_BYTES", "AuditKey", "KeyProvider", "LocalKeyProvider", "new_key_id"]

#: Every key here is 256 bits (AES-256, HMAC-SHA-256).
KEY_BYTES = 32
_NONCE = 12


def new_key_id(prefix: str) -> str:
    """A fresh random key id such as ``kek-3f9a...`` (matches ``KEY_ID_PATTERN``)."""
    return f"{prefix}-{secrets.token_hex(10)}"


@attrs.frozen
class AuditKey:
    """The HMAC key of the audit chain, with its id (so older entries stay verifiable)."""

    id: str
    secret: bytes = attrs.field(repr=False)


@runtime_checkable
class KeyProvider(Protocol):
    """What magcore needs from a key provider (file, HSM, cloud KMS).

    ``context`` is associated data that the provider must bind to the wrapped key (AES-GCM
    associated data, a KMS "encryption context"): unwrapping with another context fails, so a
    wrapped key cannot be moved to another owner's row.

    A provider may also offer ``wrap_many(keys, contexts) -> (kek_id, wrapped keys)``, each key
    wrapped as :meth:`wrap` wraps it, for a batch of new keys at once
    (:meth:`LocalKeyProvider.wrap_many`); without it the key ring wraps one key at a time.

    And it may remember destroyed data keys: ``forget_keys(key_ids)`` records them and
    ``is_forgotten(key_id)`` answers whether one was (:meth:`LocalKeyProvider.forget_keys`).
    The key ring then refuses such a key in any copy of the key table (a backup restored after
    the erasure) and :meth:`~magcore.crypto.keyring.KeyRing.destroy_forgotten` destroys it
    there again. Without them, a backup taken before an erasure stays readable until the KEKs
    that wrapped its keys are retired.
    """

    def current_kek_id(self) -> str:
        """The id of the KEK that new wraps use."""
        ...

    def wrap(self, key: bytes, *, context: bytes) -> tuple[str, bytes]:
        """Wrap *key* under the current KEK; returns ``(kek_id, wrapped)``."""
        ...

    def unwrap(self, wrapped: bytes, *, kek_id: str, context: bytes) -> bytes:
        """The key inside *wrapped*; a wrong context, a changed blob or an unknown or retired
        KEK raises a :class:`~magcore.errors.StorageError` subclass."""
        ...

    def audit_key(self, key_id: str | None = None) -> AuditKey:
        """The audit chain's HMAC key: the current one, or the one with *key_id*."""
        ...


@attrs.define
class LocalKeyProvider:
    """A provider that holds its KEKs and audit keys in this process (tests, ``memory://``).

    :class:`~magcore.crypto.files.FileKeyProvider` is the same, saved to a protected file.
    Wrapping is AES-256-GCM with a random 96-bit nonce and the context as associated data.
    """

    keks: dict[str, bytes] = attrs.field(factory=dict, repr=False)
    current: str = ""
    audit_keys: dict[str, bytes] = attrs.field(factory=dict, repr=False)
    current_audit: str = ""
    where: str = "memory"
    forgotten: dict[str, frozenset[str]] = attrs.field(factory=dict, repr=False)
    """The destroyed data keys (:meth:`forget_keys`), each with the KEKs that existed when it
    was destroyed: the only ones that can have wrapped it, in any copy of the key table. A key
    is remembered until all of those are retired (then no copy can be opened anyway)."""
    witnessed_chains: frozenset[str] = attrs.field(factory=frozenset, repr=False)
    """The audit logs (by the hash of their first line) whose head a witness beside the keys
    kept: a witness that later holds no head for one of them was removed (a file provider
    records them; see :mod:`magcore.crypto.witness`). Added in 0.3."""
    _wrappers: dict[str, AESGCM] = attrs.field(factory=dict, init=False, repr=False, eq=False)
    """The AES-GCM object of each KEK that wrapped a key (made once, not per key)."""

    @classmethod
    def generate(cls) -> Self:
        """A provider with one fresh KEK and one fresh audit key."""
        provider = cls()
        provider._add_kek()
        provider._add_audit_key()
        return provider

    def _add_kek(self) -> str:
        kek_id = new_key_id("kek")
        self.keks[kek_id] = secrets.token_bytes(KEY_BYTES)
        self.current = kek_id
        return kek_id

    def _add_audit_key(self) -> str:
        key_id = new_key_id("audit")
        self.audit_keys[key_id] = secrets.token_bytes(KEY_BYTES)
        self.current_audit = key_id
        return key_id

    def _save(self) -> None:
        """Persist the keys (nothing to do in memory)."""

    def _change(self, change: Callable[[], None]) -> None:
        """Make *change* to the keys and persist them (a file provider reads the file again
        first, under a lock, so changes made by other processes are kept)."""
        change()
        self._save()

    # -- the protocol ----------------------------------------------------------------------

    def current_kek_id(self) -> str:
        if not self.current:
            raise KeyProviderError(f"key provider {self.where} holds no key-encryption key")
        return self.current

    def wrap(self, key: bytes, *, context: bytes) -> tuple[str, bytes]:
        kek_id = self.current_kek_id()
        nonce = os.urandom(_NONCE)
        aead = self._wrappers.get(kek_id)
        if aead is None:
            aead = self._wrappers[kek_id] = AESGCM(self.keks[kek_id])
        return kek_id, nonce + aead.encrypt(nonce, key, context)

    def wrap_many(
        self, keys: Sequence[bytes], contexts: Sequence[bytes]
    ) -> tuple[str, list[bytes]]:
        """Each of *keys* wrapped as :meth:`wrap` wraps it (with its own context), under the
        current KEK: the random source is read once for all their nonces (each its own 96
        bits). Returns ``(kek_id, wrapped keys)``. Added in 0.3."""
        kek_id = self.current_kek_id()
        aead = self._wrappers.get(kek_id)
        if aead is None:
            aead = self._wrappers[kek_id] = AESGCM(self.keks[kek_id])
        nonces = os.urandom(_NONCE * len(keys))
        encrypt = aead.encrypt
        wrapped = []
        for number, (key, context) in enumerate(zip(keys, contexts, strict=True)):
            nonce = nonces[number * _NONCE : number * _NONCE + _NONCE]
            wrapped.append(nonce + encrypt(nonce, key, context))
        return kek_id, wrapped

    def unwrap(self, wrapped: bytes, *, kek_id: str, context: bytes) -> bytes:
        kek = self.keks.get(kek_id)
        if kek is None:
            raise KeyProviderError(
                f"key provider {self.where} has no key-encryption key {kek_id!r} "
                "(it was retired, or this is another installation's key file)"
            )
        try:
            return AESGCM(kek).decrypt(wrapped[:_NONCE], wrapped[_NONCE:], context)
        except (InvalidTag, ValueError) as exc:
            raise ContentIntegrityError(
                f"a wrapped data key does not open under {kek_id}: it was altered or moved "
                "to another key's row"
            ) from exc

    def audit_key(self, key_id: str | None = None) -> AuditKey:
        wanted = key_id or self.current_audit
        secret = self.audit_keys.get(wanted)
        if secret is None:
            raise KeyProviderError(f"key provider {self.where} has no audit key {wanted!r}")
        return AuditKey(wanted, secret)

    # -- administration --------------------------------------------------------------------

    def new_kek(self) -> str:
        """Add a fresh KEK and make it current (then rewrap: ``KeyRing.rotate_kek``)."""
        made: list[str] = []
        self._change(lambda: made.append(self._add_kek()))
        return made[0]

    def retire_kek(self, kek_id: str) -> None:
        """Destroy the KEK *kek_id*: every key still wrapped by it (in backups too) is lost.

        The current KEK cannot be retired; rotate first. Destroyed data keys that only KEKs
        retired by now can have wrapped are no longer remembered (:attr:`forgotten`): no copy
        of them can be opened any more.
        """

        def retire() -> None:
            if kek_id == self.current:
                raise KeyProviderError(f"{kek_id} is the current key-encryption key; rotate first")
            if kek_id not in self.keks:
                raise KeyProviderError(f"key provider {self.where} has no KEK {kek_id!r}")
            del self.keks[kek_id]
            self._wrappers.pop(kek_id, None)
            left: dict[frozenset[str], frozenset[str]] = {}
            for key_id, keks in list(self.forgotten.items()):
                if kek_id in keks:
                    keks = left.setdefault(keks, keks - {kek_id})
                    if keks:
                        self.forgotten[key_id] = keks
                    else:
                        del self.forgotten[key_id]

        self._change(retire)

    def new_audit_key(self) -> str:
        """Add a fresh audit key and make it current (older ones stay, to verify old lines)."""
        made: list[str] = []
        self._change(lambda: made.append(self._add_audit_key()))
        return made[0]

    def forget_keys(self, key_ids: Collection[str]) -> None:
        """Remember that the data keys *key_ids* were destroyed (crypto-shredding), so that no
        copy of the key table made before (a backup, restored later) opens them again: the key
        ring refuses them (:meth:`is_forgotten`) and destroys them again in a restored store
        (:meth:`~magcore.crypto.keyring.KeyRing.destroy_forgotten`). Added in 0.3."""
        wanted = [key_id for key_id in key_ids if key_id not in self.forgotten]
        for key_id in wanted:
            if not isinstance(key_id, str) or not KEY_ID_PATTERN.fullmatch(key_id):
                raise KeyProviderError(f"{key_id!r} is not a data key id")
        if not wanted:
            return

        def forget() -> None:
            keks = frozenset(self.keks)
            for key_id in wanted:
                self.forgotten.setdefault(key_id, keks)

        self._change(forget)

    def is_forgotten(self, key_id: str) -> bool:
        """Whether data key *key_id* was destroyed (:meth:`forget_keys`). Added in 0.3."""
        return key_id in self.forgotten

    def to_json(self) -> dict[str, object]:
        """The keys as JSON (what the key file holds)."""
        return {
            "format": "magcore-keys/1",
            "current_kek": self.current,
            "keks": _encode(self.keks),
            "current_audit_key": self.current_audit,
            "audit_keys": _encode(self.audit_keys),
            "forgotten": _encode_forgotten(self.forgotten),
            **(
                {"witnessed_chains": sorted(self.witnessed_chains)} if self.witnessed_chains else {}
            ),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, object], *, where: str) -> LocalKeyProvider:
        """Read :meth:`to_json`'s output back; anything malformed is a KeyProviderError."""
        if not isinstance(data, Mapping) or data.get("format") != "magcore-keys/1":
            raise KeyProviderError(f"{where} is not a magcore key file (format magcore-keys/1)")
        keks = _decode(data.get("keks"), where, "keks")
        audit_keys = _decode(data.get("audit_keys"), where, "audit_keys")
        current = data.get("current_kek")
        current_audit = data.get("current_audit_key")
        if not isinstance(current, str) or current not in keks:
            raise KeyProviderError(f"{where}: current_kek names no KEK in the file")
        if not isinstance(current_audit, str) or current_audit not in audit_keys:
            raise KeyProviderError(f"{where}: current_audit_key names no audit key in the file")
        forgotten = _decode_forgotten(data.get("forgotten", []), where)
        chains = data.get("witnessed_chains", [])
        if not isinstance(chains, list) or not all(
            isinstance(c, str) and _CHAIN.fullmatch(c) for c in chains
        ):
            raise KeyProviderError(f"{where}: witnessed_chains must be a list of line hashes")
        return cls(keks, current, audit_keys, current_audit, where, forgotten, frozenset(chains))


#: An audit log's name in ``witnessed_chains``: a SHA-256 in hex, of its first line and its
#: store's place (:func:`magcore.storage.witnessing.chain_id`), or its first line's hash alone.
_CHAIN = re.compile(r"[0-9a-f]{64}")


def _encode(keys: Mapping[str, bytes]) -> dict[str, str]:
    return {k: base64.b64encode(v).decode("ascii") for k, v in sorted(keys.items())}


def _decode(value: object, where: str, field: str) -> dict[str, bytes]:
    if not isinstance(value, Mapping):
        raise KeyProviderError(f"{where}: {field} must be an object of key id to base64")
    decoded: dict[str, bytes] = {}
    for key_id, text in value.items():
        try:
            raw = base64.b64decode(str(text), validate=True)
        except ValueError as exc:
            raise KeyProviderError(f"{where}: {field}/{key_id} is not base64") from exc
        if not KEY_ID_PATTERN.fullmatch(str(key_id)) or len(raw) != KEY_BYTES:
            raise KeyProviderError(f"{where}: {field}/{key_id} is not a {KEY_BYTES}-byte key")
        decoded[str(key_id)] = raw
    return decoded


def _encode_forgotten(forgotten: Mapping[str, frozenset[str]]) -> list[dict[str, list[str]]]:
    """The destroyed keys as groups of the same KEKs: ``[{"keks": [...], "keys": [...]}]``."""
    groups: dict[frozenset[str], list[str]] = {}
    for key_id, keks in forgotten.items():
        groups.setdefault(keks, []).append(key_id)
    return [
        {"keks": sorted(keks), "keys": sorted(keys)}
        for keks, keys in sorted(groups.items(), key=lambda item: sorted(item[0]))
    ]


def _decode_forgotten(value: object, where: str) -> dict[str, frozenset[str]]:
    if not isinstance(value, list):
        raise KeyProviderError(f"{where}: forgotten must be a list of groups")
    forgotten: dict[str, frozenset[str]] = {}
    for number, group in enumerate(value):
        keks = group.get("keks") if isinstance(group, Mapping) else None
        keys = group.get("keys") if isinstance(group, Mapping) else None
        if not isinstance(keks, list) or not isinstance(keys, list):
            raise KeyProviderError(f"{where}: forgotten/{number} needs lists 'keks' and 'keys'")
        for item in (*keks, *keys):
            if not isinstance(item, str) or not KEY_ID_PATTERN.fullmatch(item):
                raise KeyProviderError(f"{where}: forgotten/{number} holds {item!r}, not a key id")
        shared = frozenset(keks)
        forgotten.update((key_id, shared) for key_id in keys)
    return forgotten
