"""The content cipher: a JSON value in, a compact token out, bound to its stream and field.

A token is ``mc1.<key id>.<base64(nonce || ciphertext || tag)>`` (base64 by ``pybase64``, the
standard alphabet, padded): AES-256-GCM under the
owner's data key, with a random 96-bit nonce, over the value (a string as UTF-8, anything else
as compact JSON, told apart by one leading byte). The associated
data names the token format, the key id, the stream and the field, so a token copied into another
record or field does not decrypt (:class:`~magcore.errors.ContentIntegrityError`), nor does a
changed one. A token whose key was destroyed raises :class:`~magcore.errors.KeyDestroyedError`;
:meth:`ContentCipher.reveal` returns :data:`ERASED` instead, for readers that show "erased".

An event's content is sealed as one token (``mc2.``, :meth:`ContentCipher.event_sealer`): the
values of all its content fields that one owner's key protects, each named by its field
(``/data/summary``), under one nonce, with the key id, the stream and the event's version as
associated data. The plaintext frames the values (:mod:`magcore.crypto._framing`: a short JSON
header of fields, then strings as UTF-8), so text is not run through the JSON encoder; tokens
of the earlier frames, and the first ``mc2.`` tokens, which hold one JSON object, still open.
It sits in the first of those
fields; the others hold a stub ``mc2.<key id>.@`` that says which key erases them. A token moved
to another event, or a stub whose token is gone, does not open. Tokens of the field-by-field
format (``mc1.``) still open.

Random nonces are safe for far more than 2**32 encryptions per key; one person's key protects a
few thousand values in a working life.
"""

from __future__ import annotations

import binascii
import json
import os
import re
from collections.abc import Callable, Mapping, Sequence
from types import MappingProxyType
from typing import Any, Final

import attrs
from cryptography.exceptions import InvalidTag
from pybase64 import b64encode_as_string as _base64

from ..errors import ContentIntegrityError, KeyDestroyedError, Problem, RecordInvalidError
from ._framing import frame, unframe
from .keyring import KeyRing

__all__ = [
    "ERASED",
    "EVENT_PREFIX",
    "STUB_BODY",
    "TOKEN_PREFIX",
    "ContentCipher",
    "Erased",
    "is_token",
    "key_id_of",
]

#: A token of one field starts with this (the format version).
TOKEN_PREFIX: Final = "mc1."
#: A token of one event's content (all its fields under one key) starts with this.
EVENT_PREFIX: Final = "mc2."
#: The body of a stub: a field whose value is in its event's ``mc2.`` token.
STUB_BODY: Final = "@"
_NONCE = 12
_TAG = 16
_TOKEN = re.compile(
    r"(?:mc1\.([A-Za-z0-9_-]{1,64})\.[A-Za-z0-9+/]+={0,2})"
    r"|(?:mc2\.([A-Za-z0-9_-]{1,64})\.(?:[A-Za-z0-9+/]+={0,2}|@))"
)


@attrs.frozen
class Erased:
    """What :meth:`ContentCipher.reveal` gives for content whose key was destroyed."""

    def __repr__(self) -> str:
        return "ERASED"


#: The one :class:`Erased` value.
ERASED: Final = Erased()


def is_token(value: object) -> bool:
    """Whether *value* has the shape of an encrypted-content token (or an event token's stub)."""
    return isinstance(value, str) and _TOKEN.fullmatch(value) is not None


def key_id_of(token: str) -> str:
    """The data key id a token was made with (without decrypting it)."""
    found = _TOKEN.fullmatch(token) if isinstance(token, str) else None
    if found is None:
        raise ContentIntegrityError(
            "the value is not an encrypted-content token (mc1.<key>.<data>)"
        )
    return found.group(1) or found.group(2)


def _frozen_mapping(value: object) -> dict[Any, Any]:
    """A read-only mapping (frozen event data) as the dict it was: encoded the same, with no
    deep copy first."""
    if type(value) is MappingProxyType or isinstance(value, Mapping):
        return dict(value)
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


_encode = json.JSONEncoder(
    ensure_ascii=False, allow_nan=False, separators=(",", ":"), default=_frozen_mapping
).encode
_KEY_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
#: The first byte of a plaintext: ``s`` a string as UTF-8 (most content), ``j`` compact JSON.
_TEXT, _JSON = b"s", b"j"


def _plain(value: Any, where: str) -> bytes:
    try:
        if type(value) is str:
            return _TEXT + value.encode("utf-8")
        return _JSON + _encode(value).encode("utf-8")
    except (UnicodeEncodeError, TypeError, ValueError) as exc:
        raise RecordInvalidError(
            [Problem(where, f"cannot be stored: {type(exc).__name__}: {exc}")], what="content"
        ) from exc


def _value(plain: bytes) -> Any:
    if plain[:1] == _TEXT:
        return plain[1:].decode("utf-8")
    return json.loads(plain[1:])


def _event_associated(key_id: str, stream: str, version: int) -> bytes:
    """The associated data of an event token: format, key id, stream and event version."""
    return _event_associated_head(key_id, stream) + b"%d" % version


#: The text of the first event versions, as the associated data ends with them.
_VERSIONS: Final = tuple(b"%d" % version for version in range(64))


def _event_associated_head(key_id: str, stream: str) -> bytes:
    """:func:`_event_associated` up to the version (the same for a batch's events of one
    stream)."""
    return f"{EVENT_PREFIX}{len(key_id)}:{key_id}|{len(stream)}:{stream}|".encode()


def _associated(key_id: str, stream: str, field: str) -> bytes:
    """The associated data: format, key id, stream and field, each length-prefixed."""
    return (
        f"{TOKEN_PREFIX}{len(key_id)}:{key_id}|{len(stream)}:{stream}|{len(field)}:{field}"
    ).encode()


class ContentCipher:
    """Encrypts and decrypts content fields with the data keys of a :class:`KeyRing`."""

    def __init__(self, keys: KeyRing) -> None:
        self.keys = keys

    def encrypt(self, value: Any, *, owner: str, stream: str, field: str) -> str:
        """*value* (any JSON value) as a token under *owner*'s current data key.

        :param stream: the stream the value is stored in, e.g. ``conversation:c-1``.
        :param field: where in the event it sits, e.g. ``/data/summary``.
        """
        key_id, aead = self.keys.sealer(owner)
        nonce = os.urandom(_NONCE)
        sealed = aead.encrypt(nonce, _plain(value, field), _associated(key_id, stream, field))
        return f"{TOKEN_PREFIX}{key_id}.{_base64(nonce + sealed)}"

    def encrypt_many(self, items: Sequence[tuple[Any, str, str, str]]) -> list[str]:
        """Each ``(value, owner, stream, field)`` as :meth:`encrypt` gives it, in one call
        (one read of the random source, each owner's key looked up once): for a batch."""
        encrypt = self.encrypter(len(items))
        return [encrypt(value, owner, stream, field) for value, owner, stream, field in items]

    def _batch(
        self, count: int, prefix: str
    ) -> Callable[[str, bytes, Callable[[str], bytes]], str]:
        """Seal ``(owner, plaintext, associated data of the key id)`` as a *prefix* token, for a
        batch of about *count* tokens: the random source is read once for all their nonces
        (again when more are asked for: a nonce is never used twice), and each owner's key is
        looked up once."""
        size = _NONCE * max(count, 1)
        nonces = os.urandom(size)
        used = 0
        sealers: dict[str, tuple[str, Any]] = {}
        b64 = _base64

        def seal(owner: str, plain: bytes, associated: Callable[[str], bytes]) -> str:
            nonlocal nonces, used
            sealer = sealers.get(owner)
            if sealer is None:
                sealer = sealers[owner] = self.keys.sealer(owner)
            key_id, aead = sealer
            if used + _NONCE > size:
                nonces, used = os.urandom(size), 0
            nonce = nonces[used : used + _NONCE]
            used += _NONCE
            sealed = aead.encrypt(nonce, plain, associated(key_id))
            return f"{prefix}{key_id}.{b64(nonce + sealed)}"

        return seal

    def encrypter(self, count: int) -> Callable[[Any, str, str, str], str]:
        """A function that encrypts ``(value, owner, stream, field)`` as :meth:`encrypt` does,
        for a batch of about *count* values (nonces read at once, keys looked up once)."""
        seal = self._batch(count, TOKEN_PREFIX)

        def encrypt(value: Any, owner: str, stream: str, field: str) -> str:
            return seal(owner, _plain(value, field), lambda key: _associated(key, stream, field))

        return encrypt

    def event_sealer(
        self, count: int, sealers: Mapping[str, tuple[str, Any]] | None = None
    ) -> Callable[[Mapping[str, Any], str, str, int], str]:
        """A function that seals ``(values, owner, stream, version)`` as one ``mc2.`` token:
        *values* maps each field (``/data/summary``) to its value, all under *owner*'s key, in
        one AES-GCM operation, for a batch of about *count* events. *sealers* may hold the
        owners' keys looked up already (:meth:`~magcore.crypto.KeyRing.sealers`).

        The random source is read once for all their nonces (again when more are asked for: a
        nonce is never used twice) and those nonces are base64-encoded in one call (12 bytes
        are 16 characters, so the text of nonce and ciphertext is the nonce's text followed by
        the ciphertext's); each owner's key, token prefix and associated data up to the
        version are made once.
        """
        size = max(count, 1)
        nonces = b""
        texts = ""
        used = size  # read at the first seal
        owners: dict[str, tuple[Callable[[bytes, bytes, bytes], bytes], str, str, str, bytes]] = {}
        b64 = _base64
        sealer_of = self.keys.sealer
        known = sealers or {}
        plain_of = frame
        numbers = _VERSIONS

        def seal_event(values: Mapping[str, Any], owner: str, stream: str, version: int) -> str:
            nonlocal nonces, texts, used
            found = owners.get(owner)
            if found is None:
                key_id, aead = known.get(owner) or sealer_of(owner)
                found = owners[owner] = (
                    aead.encrypt,
                    key_id,
                    f"{EVENT_PREFIX}{key_id}.",  # the token's text up to the nonce
                    owner,
                    _event_associated_head(key_id, owner),
                )
            encrypt, key_id, prefix, own, associated = found
            if stream != own:  # content carried from another owner's record
                associated = _event_associated_head(key_id, stream)
            if used == size:  # the first seal, or more than asked for: read the source again
                nonces = os.urandom(_NONCE * size)
                texts = b64(nonces)
                used = 0
            at = used
            used += 1
            start = at * 12  # _NONCE (12) bytes each, 16 characters of base64
            sealed = encrypt(
                nonces[start : start + 12],
                plain_of(values),
                associated + (numbers[version] if 0 <= version < 64 else b"%d" % version),
            )
            return f"{prefix}{texts[at * 16 : at * 16 + 16]}{b64(sealed)}"

        return seal_event

    def open_event(self, token: str, *, stream: str, version: int) -> dict[str, Any]:
        """The fields and values sealed in the event token *token* of event *version* of
        *stream*.

        Raises :class:`~magcore.errors.KeyDestroyedError` when its key was destroyed, and
        :class:`~magcore.errors.ContentIntegrityError` when the token was changed, belongs to
        another event, or is no event token.
        """
        where = f"event {version} of {stream}"
        prefix, _, rest = token.partition(".") if isinstance(token, str) else ("", "", "")
        key_id, _, body = rest.partition(".")
        if prefix != "mc2" or not body or body == STUB_BODY or not _KEY_ID.fullmatch(key_id):
            raise ContentIntegrityError(f"{where}: the value is not an event content token")
        try:
            raw = binascii.a2b_base64(body, strict_mode=True)
        except (binascii.Error, ValueError) as exc:
            raise ContentIntegrityError(f"{where}: the content token is damaged") from exc
        if len(raw) < _NONCE + _TAG:
            raise ContentIntegrityError(f"{where}: the content token is too short")
        aead = self.keys.aead(key_id)
        try:
            plain = aead.decrypt(
                raw[:_NONCE], raw[_NONCE:], _event_associated(key_id, stream, version)
            )
        except InvalidTag as exc:
            raise ContentIntegrityError(
                f"{where}: the content does not decrypt: it was changed, or it belongs to "
                "another event"
            ) from exc
        return unframe(plain, where)

    def decrypt(self, token: str, *, stream: str, field: str) -> Any:
        """The JSON value inside *token*, which must have been made for *stream* and *field*.

        Raises :class:`~magcore.errors.KeyDestroyedError` when its key was destroyed, and
        :class:`~magcore.errors.ContentIntegrityError` when the token was changed, belongs to
        another stream or field, or is no token.
        """
        # Split by hand (a regular expression over the whole body costs more than AES here);
        # the strict base64 decoding below checks the body's characters.
        prefix, _, rest = token.partition(".") if isinstance(token, str) else ("", "", "")
        key_id, _, body = rest.partition(".")
        if prefix != "mc1" or not body or not _KEY_ID.fullmatch(key_id):
            raise ContentIntegrityError(f"{field} of {stream} is not an encrypted-content token")
        where = f"{field} of {stream}"
        try:
            raw = binascii.a2b_base64(body, strict_mode=True)
        except (binascii.Error, ValueError) as exc:
            raise ContentIntegrityError(f"{where}: the token is damaged") from exc
        if len(raw) < _NONCE + _TAG:
            raise ContentIntegrityError(f"{where}: the token is too short")
        aead = self.keys.aead(key_id)
        try:
            plain = aead.decrypt(raw[:_NONCE], raw[_NONCE:], _associated(key_id, stream, field))
        except InvalidTag as exc:
            raise ContentIntegrityError(
                f"{where} does not decrypt: it was changed, or it belongs to another record "
                "or field"
            ) from exc
        return _value(plain)

    def reveal(self, token: str, *, stream: str, field: str) -> Any:
        """Like :meth:`decrypt`, but :data:`ERASED` when the token's key was destroyed."""
        try:
            return self.decrypt(token, stream=stream, field=field)
        except KeyDestroyedError:
            return ERASED
