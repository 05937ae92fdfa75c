"""Ballot boxes: the one place a store keeps an anonymous measurement's answers, as counts.

A ballot box is named by its round. It holds three things and nothing else:

* the SHA-256 hashes of the one-time tokens not used yet (never who got which; kept in hash
  order, so not even the order they were handed out in remains);
* per ``(statement, option)`` the number of answers, and the number of people who answered;
* whether it is still open.

No answer row, no time, no position, no audit line: :meth:`BallotBoxes.cast_ballot` removes the
token's hash and adds one to the counts in one transaction, so what is stored afterwards is the
same whoever answered, whenever, in whichever order. Counts are readable only after
:meth:`BallotBoxes.close_ballot`, which also forgets the unused hashes and, when fewer than the
minimum group size answered, the counts themselves. Added in 0.2.
"""

from __future__ import annotations

import threading
from collections.abc import Collection, Mapping, Sequence
from types import MappingProxyType
from typing import TYPE_CHECKING, Protocol, runtime_checkable

import attrs

from ..errors import StorageError

__all__ = ["BallotBoxes", "BallotCounts", "BoxState", "MemoryBallots", "check_hashes"]


def _frozen_counts(value: Mapping[str, Mapping[str, int]]) -> Mapping[str, Mapping[str, int]]:
    return MappingProxyType({k: MappingProxyType(dict(v)) for k, v in sorted(value.items())})


@attrs.frozen
class BallotCounts:
    """A closed box: how many answered, and the answers per statement and option."""

    respondents: int
    counts: Mapping[str, Mapping[str, int]] = attrs.field(
        factory=dict, converter=_frozen_counts, hash=False
    )


@attrs.frozen
class BoxState:
    """What a box holds, without its counts: open or closed, how many ballots were cast, how
    many token hashes are still unused, and whether its counts were kept. While a box is open,
    *respondents* + *unused* is the number of codes handed out; anything else means rows were
    added to or removed from the ballot tables outside magcore. Added in 0.3."""

    open: bool
    respondents: int
    unused: int
    kept: bool


@runtime_checkable
class BallotBoxes(Protocol):
    """What a store offers for anonymous measurements (memory, SQLite, PostgreSQL)."""

    def open_ballot(self, box: str, token_hashes: Collection[str]) -> None:
        """Create box *box* with the hashes of its one-time tokens; an existing box is refused
        with :class:`~magcore.errors.StorageError` and nothing changes."""
        ...

    def cast_ballot(self, box: str, token_hash: str, choices: Sequence[tuple[str, str]]) -> bool:
        """Use the token and add *choices* (``(statement, option)`` pairs) to the counts, in one
        transaction. ``False`` (nothing changed) for an unknown or used token or a closed box."""
        ...

    def close_ballot(self, box: str, *, minimum: int) -> int:
        """Close *box*: forget its unused hashes and, if fewer than *minimum* answered, its
        counts. Returns how many answered. Closing a closed box changes nothing."""
        ...

    def ballot_counts(self, box: str) -> BallotCounts | None:
        """The counts of a closed box (``None`` if they were discarded or the box is unknown).

        An open box raises :class:`~magcore.errors.StorageError`: between two readings, the
        difference would be one person's answers."""
        ...

    def ballot_state(self, box: str) -> BoxState | None:
        """What *box* holds apart from its counts (``None``: no such box). Added in 0.3."""
        ...

    def discard_ballot(self, box: str) -> bool:
        """Remove *box* if it is open and nobody has cast a ballot in it yet (a round whose
        opening could not be written). ``True`` if it was removed. Added in 0.3."""
        ...


def check_hashes(box: str, token_hashes: Collection[str]) -> list[str]:
    """The hashes sorted (so storage order says nothing); duplicates or non-hashes refused."""
    ordered = sorted(set(token_hashes))
    if len(ordered) != len(token_hashes):
        raise StorageError(f"ballot box {box}: a token hash appears twice")
    for value in ordered:
        if len(value) != 64 or any(c not in "0123456789abcdef" for c in value):
            raise StorageError(f"ballot box {box}: {value[:8]!r}... is not a SHA-256 hex digest")
    return ordered


@attrs.define
class _Box:
    open: bool
    hashes: set[str]
    respondents: int = 0
    counts: dict[str, dict[str, int]] | None = attrs.field(factory=dict)


class MemoryBallots:
    """The ballot boxes of the memory store (a mix-in; the store provides the lock)."""

    _lock: threading.Lock

    if TYPE_CHECKING:  # the store defines it

        def _check_open(self) -> None: ...

    @property
    def _boxes(self) -> dict[str, _Box]:
        boxes: dict[str, _Box] = self.__dict__.setdefault("_ballot_boxes", {})
        return boxes

    def open_ballot(self, box: str, token_hashes: Collection[str]) -> None:
        hashes = check_hashes(box, token_hashes)
        with self._lock:
            self._check_open()
            if box in self._boxes:
                raise StorageError(f"ballot box {box} exists already")
            self._boxes[box] = _Box(open=True, hashes=set(hashes))

    def cast_ballot(self, box: str, token_hash: str, choices: Sequence[tuple[str, str]]) -> bool:
        with self._lock:
            self._check_open()
            found = self._boxes.get(box)
            if found is None or not found.open or token_hash not in found.hashes:
                return False
            assert found.counts is not None
            found.hashes.discard(token_hash)
            found.respondents += 1
            for statement, option in choices:
                cell = found.counts.setdefault(statement, {})
                cell[option] = cell.get(option, 0) + 1
            return True

    def close_ballot(self, box: str, *, minimum: int) -> int:
        with self._lock:
            self._check_open()
            found = self._boxes.get(box)
            if found is None:
                raise StorageError(f"ballot box {box} does not exist")
            if found.open:
                found.open = False
                found.hashes.clear()
                if found.respondents < minimum:
                    found.counts = None
            return found.respondents

    def ballot_counts(self, box: str) -> BallotCounts | None:
        with self._lock:
            self._check_open()
            found = self._boxes.get(box)
            if found is None or found.counts is None:
                return None
            if found.open:
                raise StorageError(f"ballot box {box} is open: its counts are not readable yet")
            return BallotCounts(found.respondents, found.counts)

    def ballot_state(self, box: str) -> BoxState | None:
        with self._lock:
            self._check_open()
            found = self._boxes.get(box)
            if found is None:
                return None
            return BoxState(
                found.open, found.respondents, len(found.hashes), found.counts is not None
            )

    def discard_ballot(self, box: str) -> bool:
        with self._lock:
            self._check_open()
            found = self._boxes.get(box)
            if found is None or not found.open or found.respondents:
                return False
            del self._boxes[box]
            return True
