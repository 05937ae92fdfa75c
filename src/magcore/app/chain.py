"""Keying a store's audit chain with the key provider's audit key."""

from __future__ import annotations

import logging
from typing import Any

from ..errors import StorageError
from ..plugins import PluginHost
from ..storage.base import Store, StoreSettings

__all__ = ["key_audit_chain", "log_is_keyed", "witness_copied_log", "witness_head"]

log = logging.getLogger("magcore")


def log_is_keyed(store: Store) -> bool:
    """Whether *store*'s audit log ends in a keyed line: its keys exist already somewhere, so a
    missing key file is lost, never to be replaced by a new one."""
    head = store.audit_head()
    last = next(iter(store.read_audit(after=head.count - 1)), None) if head.count else None
    return bool(last is not None and last.get("key"))


def key_audit_chain(store: Store, host: PluginHost) -> Any:
    """Make *store* chain its audit lines under the provider's current audit key.

    Returns the key provider (``Hooks.key_provider``), or ``None`` when no plugin gives one for
    the store's URL: the chain then stays unkeyed (plain SHA-256), which finds accidents but not
    a forger, and a warning says so (``magcore audit verify`` then reports the unkeyed lines
    after keyed ones). A store that was keyed already keeps its key. A key file is created only
    for a store whose log does not end in a keyed line.
    """
    use = getattr(store, "use_audit_key", None)
    if use is None:
        return None
    # A log whose last line is keyed needs the key it was keyed with: never make a new key file
    # for it (a lost key file is then an error, and lines chained without it are reported).
    create = not log_is_keyed(store)
    try:
        provider = host.hooks.key_provider(store.url, StoreSettings(create=create))
    except StorageError as exc:
        log.warning("the audit chain of %s stays unkeyed: %s", store.url, exc)
        return None
    if getattr(store, "audit_key", None) is None:
        use(provider.audit_key())
    witness_head(store, provider)
    return provider


def witness_head(store: Store, provider: Any) -> None:
    """Have *store* report its committed audit heads to *provider*, when the provider keeps
    them (``witness_audit_head``, :mod:`magcore.crypto.witness`)."""
    from ..crypto.witness import witness_of

    witness = witness_of(provider)
    use = getattr(store, "use_audit_witness", None)
    if witness is not None and use is not None and getattr(store, "audit_witness", None) is None:
        use(witness)


def witness_copied_log(store: Store, provider: Any) -> bool:
    """Witness the head of *store*, a copy just made (``magcore store copy``), at its own place,
    so that it is a log of its own from its first line on: its original may take lines before
    the copy is first written, which would otherwise make the copy look set back. Returns
    whether a head was witnessed (``False``: the provider keeps no witness, or the log is
    empty)."""
    from ..crypto.witness import witness_of
    from ..storage.witnessing import store_chain_names, witness_heads

    witness = witness_of(provider)
    names = store_chain_names(store) if witness is not None else None
    if names is None:
        return False
    head = store.audit_head()
    witness_heads(witness, names, head.count, head.last_hash)
    return True
