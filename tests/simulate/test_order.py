"""The simulator's fast orderings give exactly NumPy's stable orderings."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from magcore.simulate._order import stable_order
from magcore.simulate.engine import _lex, _sort3

small = st.lists(st.integers(min_value=-50, max_value=50), min_size=0, max_size=60)
wide = st.lists(st.integers(min_value=0, max_value=2**62), min_size=1, max_size=40)


@given(small)
def test_stable_order_is_stable_argsort(values):
    """Ties keep their original order, as with argsort(kind="stable")."""
    key = np.asarray(values, dtype=np.int64)
    assert stable_order(key).tolist() == np.argsort(key, kind="stable").tolist()


@given(wide)
def test_stable_order_falls_back_for_wide_keys(values):
    """Keys too wide to pack still sort correctly."""
    key = np.asarray(values, dtype=np.int64)
    assert stable_order(key).tolist() == np.argsort(key, kind="stable").tolist()


@given(st.data(), st.integers(min_value=0, max_value=40))
def test_lex_is_lexsort(data, n):
    """Ordering by several keys (first most significant) is lexsort's order."""
    keys = [
        np.asarray(data.draw(st.lists(st.integers(-5, 5), min_size=n, max_size=n)), np.int64),
        np.asarray(data.draw(st.lists(st.integers(0, 2**60), min_size=n, max_size=n)), np.int64),
        np.asarray(data.draw(st.lists(st.integers(0, 3), min_size=n, max_size=n)), np.int64),
    ]
    assert _lex(*keys).tolist() == np.lexsort(tuple(reversed(keys))).tolist()


@given(st.lists(st.tuples(*[st.integers(0, 4)] * 3), min_size=0, max_size=50))
def test_sort3_is_stable_argsort_per_row(rows):
    """Rows of three sorted stably, with the column each value came from."""
    values = np.asarray(rows, dtype=np.int64).reshape(-1, 3)
    got, slots = _sort3(values)
    expected = np.argsort(values, axis=1, kind="stable")
    assert slots.tolist() == expected.tolist()
    assert got.tolist() == np.take_along_axis(values, expected, axis=1).tolist()


def test_packed_paths_agree_with_the_general_sorts(monkeypatch):
    """The model's packed-key sorts give the same run as the general (lexsort) fallbacks."""
    import magcore.simulate._agreements as agreements
    import magcore.simulate.engine as engine
    from magcore.simulate import SimulationConfig

    cfg = SimulationConfig(employees=1_500, years=3, seed=3)
    fast = engine.run(cfg)
    monkeypatch.setattr(agreements, "pack", lambda *keys: None)
    slow = engine.run(cfg)
    for name in ("version", "carried_conv", "carried_row", "status", "resolved_in"):
        assert np.array_equal(getattr(fast.agreements, name), getattr(slow.agreements, name))
    assert np.array_equal(fast.conversations.person, slow.conversations.person)
    assert len(fast.agreements.carried_conv) > 0
