"""Signed checkpoints of the audit chain, to keep outside the store.

A checkpoint says "the log had *count* lines, the last with hash *last_hash*, at *at*", signed
with Ed25519. ``magcore audit checkpoint`` writes one as a small JSON file; ``magcore audit verify
--checkpoint FILE`` checks the store against it. Kept where the database administrator cannot
write (a ticket, an e-mail to the privacy officer, a WORM bucket), a checkpoint finds a log that
was cut and re-chained even by someone holding the audit key: the re-chained line at *count*
no longer has *last_hash*, or the log is shorter than *count*.

The signing key is derived from the provider's audit key (HKDF-SHA-256), so it needs no extra
key management and only the key holder can sign; the public key is in the file, and anyone can
check a signature with it (:func:`check_signature`). Pin the public key (print it once, keep it
with the checkpoints): a forger can sign a checkpoint with a key of their own, but not with
yours.
"""

from __future__ import annotations

import base64
import json
from datetime import datetime
from typing import Any

import attrs
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from ..errors import MagcoreError
from ..storage.base import Store
from ..storage.chain import ChainKey
from .audit import AuditProblem, KeyLookup, VerifyResult, verify_store

__all__ = [
    "FORMAT",
    "Checkpoint",
    "CheckpointError",
    "check_signature",
    "public_key",
    "take_checkpoint",
    "verify_against",
]

#: The ``format`` of a checkpoint file.
FORMAT = "magcore-audit-checkpoint/1"
_INFO = b"magcore audit checkpoint signing key/1"


class CheckpointError(MagcoreError):
    """A checkpoint file that cannot be read, or whose signature does not hold."""


def _signing_key(key: ChainKey) -> Ed25519PrivateKey:
    seed = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(key.secret)
    return Ed25519PrivateKey.from_private_bytes(seed)


def _raw(public: Ed25519PublicKey) -> str:
    data = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(data).decode("ascii")


def public_key(key: ChainKey) -> str:
    """The base64 Ed25519 public key that checks checkpoints signed under audit *key*."""
    return _raw(_signing_key(key).public_key())


@attrs.frozen(kw_only=True)
class Checkpoint:
    """A signed statement of the audit log's length and last hash at a moment."""

    count: int
    last_hash: str
    at: str
    key: str
    """The id of the audit key the signing key is derived from."""
    public_key: str
    signature: str = ""

    def payload(self) -> bytes:
        """The signed bytes: every field but the signature, as canonical JSON."""
        fields = attrs.asdict(self)
        fields.pop("signature")
        fields["format"] = FORMAT
        return json.dumps(fields, sort_keys=True, separators=(",", ":")).encode("utf-8")

    def to_json(self) -> dict[str, Any]:
        """The checkpoint as the JSON a file holds."""
        return {"format": FORMAT, **attrs.asdict(self)}

    @classmethod
    def from_json(cls, data: Any, *, where: str = "checkpoint") -> Checkpoint:
        """Read :meth:`to_json`'s output; anything malformed is a :class:`CheckpointError`."""
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise CheckpointError(f"{where} is not an audit checkpoint (format {FORMAT})")
        try:
            count = data["count"]
            if not isinstance(count, int) or isinstance(count, bool) or count < 0:
                raise CheckpointError(f"{where}: count must be a whole number, 0 or more")
            texts = {
                name: data[name] for name in ("last_hash", "at", "key", "public_key", "signature")
            }
        except KeyError as exc:
            raise CheckpointError(f"{where}: field {exc.args[0]} is missing") from exc
        for name, value in texts.items():
            if not isinstance(value, str):
                raise CheckpointError(f"{where}: {name} must be text")
        return cls(count=count, **texts)


def take_checkpoint(store: Store, key: ChainKey, *, now: datetime) -> Checkpoint:
    """Verify the store's log and sign its head under audit *key* (refused if it is broken)."""
    result = verify_store(store, keys=_also(store, key))
    if not result.ok:
        assert result.problem is not None
        raise CheckpointError(
            f"the audit log is broken at line {result.problem.seq} "
            f"({result.problem.reason}); no checkpoint was taken"
        )
    head = store.audit_head()
    signer = _signing_key(key)
    unsigned = Checkpoint(
        count=head.count,
        last_hash=head.last_hash,
        at=now.isoformat(),
        key=key.id,
        public_key=_raw(signer.public_key()),
    )
    signature = base64.b64encode(signer.sign(unsigned.payload())).decode("ascii")
    return attrs.evolve(unsigned, signature=signature)


def _also(store: Store, key: ChainKey) -> KeyLookup:
    from .audit import store_keys

    own = store_keys(store)

    def lookup(key_id: str) -> ChainKey:
        if key_id == key.id:
            return key
        if own is None:
            raise LookupError(f"no audit key {key_id}")
        return own(key_id)

    return lookup


def check_signature(checkpoint: Checkpoint, *, expected_public_key: str | None = None) -> None:
    """Raise :class:`CheckpointError` unless *checkpoint* is signed by its (or the pinned) key."""
    if expected_public_key is not None and expected_public_key != checkpoint.public_key:
        raise CheckpointError(
            "the checkpoint is signed by another key than the installation's audit key"
        )
    try:
        public = Ed25519PublicKey.from_public_bytes(base64.b64decode(checkpoint.public_key))
        public.verify(base64.b64decode(checkpoint.signature), checkpoint.payload())
    except (InvalidSignature, ValueError) as exc:
        raise CheckpointError("the checkpoint's signature does not hold (it was altered)") from exc


def verify_against(
    store: Store,
    checkpoint: Checkpoint,
    *,
    keys: KeyLookup | None = None,
    older_events: bool | None = None,
) -> VerifyResult:
    """Check the signature of *checkpoint*, then the store's log and events against it.

    With *keys* (the provider's ``audit_key``), the signature must come from the key the
    checkpoint names; without, the public key in the file is trusted (compare it with a
    pinned copy). A bad signature is a :class:`CheckpointError`; a log that disagrees with
    the checkpoint is a failed :class:`VerifyResult` at the entry concerned.
    """
    pinned = None
    if keys is not None:
        try:
            pinned = public_key(keys(checkpoint.key))
        except Exception as exc:
            raise CheckpointError(
                f"the checkpoint names audit key {checkpoint.key}, which is not at hand: {exc}"
            ) from exc
    check_signature(checkpoint, expected_public_key=pinned)
    result = verify_store(
        store,
        keys=keys,
        expected_count=checkpoint.count,
        expected_hash=checkpoint.last_hash,
        older_events=older_events,
    )
    if result.ok and checkpoint.count > result.entries:  # pragma: no cover - verify finds it
        problem = AuditProblem(result.entries + 1, "the log is shorter than the checkpoint")
        return attrs.evolve(result, ok=False, problem=problem)
    return result
