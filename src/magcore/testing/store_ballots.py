"""The ballot-box part of the store conformance suite (:class:`BallotContract`).

What every store does with the answers of an anonymous measurement
(:mod:`magcore.storage.ballots`): a token counts once, a refused ballot counts nothing, nothing is
readable while the box is open, a box fewer than the minimum answered keeps no counts, and
everything survives reopening the store. :class:`~magcore.testing.storage.StoreContract`
includes it. Added in 0.2.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

import pytest

from ..errors import StorageError
from ..storage.ballots import BallotBoxes, BoxState
from ..storage.base import Store

__all__ = ["BallotContract", "hash_of"]


def hash_of(token: str) -> str:
    """The SHA-256 hex digest a store keeps of *token*."""
    return hashlib.sha256(token.encode()).hexdigest()


def _boxes(store: Store) -> BallotBoxes:
    """*store* as the ballot boxes it keeps (every built-in store does)."""
    assert isinstance(store, BallotBoxes), f"{store!r} keeps no ballot boxes"
    return store


TOKENS = [f"token-{n}" for n in range(7)]


class BallotContract:
    """What every store does with ballot boxes (part of ``StoreContract``)."""

    def test_a_token_counts_once_and_counts_are_read_only_after_closing(
        self, store: Store, reopen: Callable[[], Store]
    ) -> None:
        """Each token counts once; an unknown token counts nothing; open counts are unreadable;
        the counts survive reopening the store."""
        _boxes(store).open_ballot("r-1", [hash_of(t) for t in TOKENS])
        with pytest.raises(StorageError):
            _boxes(store).open_ballot("r-1", [hash_of("x")])
        for number, token in enumerate(TOKENS[:6]):
            choice = "often" if number < 5 else "rarely"
            assert _boxes(store).cast_ballot("r-1", hash_of(token), [("s-1", choice)])
        assert not _boxes(store).cast_ballot("r-1", hash_of(TOKENS[0]), [("s-1", "often")])
        assert not _boxes(store).cast_ballot("r-1", hash_of("made-up"), [("s-1", "often")])
        with pytest.raises(StorageError):
            _boxes(store).ballot_counts("r-1")
        assert _boxes(store).close_ballot("r-1", minimum=5) == 6
        assert not _boxes(store).cast_ballot("r-1", hash_of(TOKENS[6]), [("s-1", "often")])
        other = reopen()
        counts = _boxes(other).ballot_counts("r-1")
        assert counts is not None
        assert (
            counts.respondents,
            {k: dict(v) for k, v in counts.counts.items()},
        ) == (6, {"s-1": {"often": 5, "rarely": 1}})
        assert _boxes(other).close_ballot("r-1", minimum=5) == 6

    def test_a_box_fewer_than_the_minimum_answered_keeps_no_counts(
        self, store: Store, reopen: Callable[[], Store]
    ) -> None:
        """Four answers with a minimum of five: the counts are gone for good after closing."""
        _boxes(store).open_ballot("r-2", [hash_of(t) for t in TOKENS])
        for token in TOKENS[:4]:
            assert _boxes(store).cast_ballot("r-2", hash_of(token), [("s-1", "often")])
        assert _boxes(store).close_ballot("r-2", minimum=5) == 4
        assert _boxes(reopen()).ballot_counts("r-2") is None
        assert _boxes(store).ballot_counts("unknown") is None

    def test_a_box_refuses_hashes_that_are_not_hashes(self, store: Store) -> None:
        """A raw token (or a duplicate) is never stored as if it were a hash."""
        with pytest.raises(StorageError):
            _boxes(store).open_ballot("r-3", ["plain-token"])
        with pytest.raises(StorageError):
            _boxes(store).open_ballot("r-3", [hash_of("a"), hash_of("a")])
        assert _boxes(store).ballot_counts("r-3") is None

    def test_a_box_tells_its_state_and_only_an_unused_open_box_is_discarded(
        self, store: Store
    ) -> None:
        """``ballot_state`` counts ballots and unused hashes; ``discard_ballot`` removes an open
        box nobody used (a round whose opening was not written) and nothing else."""
        boxes = _boxes(store)
        assert boxes.ballot_state("r-4") is None
        boxes.open_ballot("r-4", [hash_of(t) for t in TOKENS])
        assert boxes.ballot_state("r-4") == BoxState(True, 0, 7, True)
        assert boxes.discard_ballot("r-4")
        assert boxes.ballot_state("r-4") is None
        boxes.open_ballot("r-4", [hash_of(t) for t in TOKENS])
        assert boxes.cast_ballot("r-4", hash_of(TOKENS[0]), [("s-1", "often")])
        assert boxes.ballot_state("r-4") == BoxState(True, 1, 6, True)
        assert not boxes.discard_ballot("r-4")
        assert boxes.close_ballot("r-4", minimum=5) == 1
        assert boxes.ballot_state("r-4") == BoxState(False, 1, 0, False)
        assert not boxes.discard_ballot("r-4")
        assert not boxes.discard_ballot("unknown")
