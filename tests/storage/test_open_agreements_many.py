"""``open_agreements_many`` gives every person asked what ``open_agreements`` gives them, on
each built-in store, whatever the conversations hold: agreed or not, agreements open or done,
several on one day."""

from __future__ import annotations

import tempfile
from datetime import UTC, date, datetime
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from magcore.domain.conversation import DraftRecord, MarkHeld, Schedule, UpdateAgreement
from magcore.storage.base import ReadsAgreementsInBulk, Store
from magcore.storage.memory import MemoryStore
from magcore.storage.sqlite import SQLiteStore
from magcore.testing.driver import ConversationDriver, _agreement

PEOPLE = ("e-1", "e-2", "e-3", "e-4")

#: One conversation: about whom, held on which day (of three), agreed or only drafted, its
#: agreements (each open or marked done afterwards).
conversation = st.tuples(
    st.sampled_from(PEOPLE),
    st.sampled_from([date(2026, 1, 10), date(2026, 3, 1), date(2026, 6, 1)]),
    st.booleans(),
    st.lists(st.booleans(), max_size=3),
)


def _write(store: Store, conversations: list[tuple[str, date, bool, list[bool]]]) -> None:
    for number, (person, day, agreed, done) in enumerate(conversations):
        agreements = [
            _agreement(f"a{i}", "both" if i % 2 else "employee") for i in range(len(done))
        ]
        driver = ConversationDriver(store, f"c-{number:02d}", employee=person, manager="m-1")
        if agreed:
            driver.hold_and_agree(day, agreements)
            for i, finished in enumerate(done):
                if finished:
                    driver.send(UpdateAgreement(actor=person, agreement_id=f"a{i}", status="done"))
        else:
            driver.send(Schedule(actor="m-1", on=datetime.combine(day, datetime.min.time(), UTC)))
            driver.send(MarkHeld(actor="m-1", on=day))
            driver.send(DraftRecord(actor="m-1", agreements=tuple(agreements)))


@given(
    conversations=st.lists(conversation, max_size=6),
    asked=st.lists(st.sampled_from((*PEOPLE, "m-1", "nobody")), max_size=6),
)
def test_the_bulk_read_is_the_read_of_each_person(conversations, asked):
    with tempfile.TemporaryDirectory() as folder:
        stores: list[Store] = [
            MemoryStore(),
            SQLiteStore.open(f"sqlite:///{Path(folder) / 'm.db'}"),
        ]
        try:
            for store in stores:
                assert isinstance(store, ReadsAgreementsInBulk)
                _write(store, conversations)
                many = store.open_agreements_many(asked)
                assert set(many) == set(asked)
                assert many == {person: store.open_agreements(person) for person in asked}
            # and both stores answer alike
            first, second = (store.open_agreements_many(PEOPLE) for store in stores)
            assert first == second
        finally:
            for store in stores:
                store.close()
