"""A coded column decodes to the values it was made of, whatever they are."""

from __future__ import annotations

import json
from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from magcore.domain.orgcolumns import decode_column, encode_column
from magcore.model.organisation import Role

VALUES = st.one_of(
    st.lists(st.sampled_from(["t1", "t2", "t3", None]), max_size=600),
    st.lists(st.text(alphabet="abc", max_size=3), max_size=600),
    st.lists(st.booleans(), max_size=50),
)
DATES = st.lists(st.one_of(st.none(), st.dates(date(2000, 1, 1), date(2030, 1, 1))), max_size=600)


@given(values=VALUES)
def test_a_column_decodes_to_its_values(values):
    coded = json.loads(json.dumps(encode_column(values)))  # as it is stored
    assert decode_column(coded, len(values)) == values


@given(values=DATES)
def test_a_column_of_dates_decodes_to_its_dates(values):
    coded = json.loads(json.dumps(encode_column(values)))
    assert decode_column(coded, len(values), dates=True) == values


def test_roles_are_stored_by_name_and_one_value_once():
    coded = encode_column([Role.MEMBER] * 5)
    assert coded == {"values": ["member"]}
    assert "codes" in encode_column(["a"] * 10 + ["b"] * 10)
    assert "list" in encode_column([f"t{i}" for i in range(10)])


@given(values=st.lists(st.sampled_from(["t1", "t2", "p#1", "a.b"]), max_size=600))
def test_a_column_of_ids_is_one_text_of_lines(values):
    coded = json.loads(json.dumps(encode_column(values, ids=True)))
    assert decode_column(coded, len(values)) == values
    if len(values) >= 8 and len(set(values[:256])) * 4 > len(values[:256]):
        assert "lines" in coded
