"""Test helpers for keys: a key provider that counts what it unwraps."""

from __future__ import annotations

from typing import Any


class CountingProvider:
    """A key provider that counts unwraps (a data key read again from the store), passing
    everything else to *inner*."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.unwraps = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def unwrap(self, wrapped: bytes, *, kek_id: str, context: bytes) -> bytes:
        self.unwraps += 1
        return self.inner.unwrap(wrapped, kek_id=kek_id, context=context)
