"""Crypto-shredding: content encrypted per owner, keys wrapped by a provider, erasure by key.

* :class:`ContentCipher` turns a JSON value into a token bound to its stream and field;
* :class:`KeyRing` makes, rotates and destroys the data keys of owners (a person, a
  conversation) in the store's key table;
* a :class:`KeyProvider` (the ``magcore_key_provider`` hook; built in: :class:`FileKeyProvider`
  and, for ``memory://``, :class:`LocalKeyProvider`) wraps those keys with its key-encryption
  key and gives the audit chain's HMAC key.

``docs/explanation/keys-and-erasure.md`` explains what destroying a key proves, and what is left
to the deployment.
"""

from __future__ import annotations

from .cipher import (
    ERASED,
    EVENT_PREFIX,
    STUB_BODY,
    TOKEN_PREFIX,
    ContentCipher,
    Erased,
    is_token,
    key_id_of,
)
from .files import KEY_FILE_NAME, FileKeyProvider, check_key_file
from .keyring import KeyBatch, KeyRing, owner_of_conversation, owner_of_person
from .provider import KEY_BYTES, AuditKey, KeyProvider, LocalKeyProvider, new_key_id

__all__ = [
    "ERASED",
    "EVENT_PREFIX",
    "KEY_BYTES",
    "KEY_FILE_NAME",
    "STUB_BODY",
    "TOKEN_PREFIX",
    "AuditKey",
    "ContentCipher",
    "Erased",
    "FileKeyProvider",
    "KeyBatch",
    "KeyProvider",
    "KeyRing",
    "LocalKeyProvider",
    "check_key_file",
    "is_token",
    "key_id_of",
    "new_key_id",
    "owner_of_conversation",
    "owner_of_person",
]
