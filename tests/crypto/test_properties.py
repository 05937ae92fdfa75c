"""Property: through any sequence of writes, rotations and destructions, every value whose
owner's keys live reads back exactly, and every value of a destroyed key reads as erased."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from magcore.crypto import ERASED, ContentCipher, KeyRing, LocalKeyProvider, key_id_of
from magcore.errors import ContentIntegrityError, KeyDestroyedError
from magcore.storage import MemoryStore, SQLiteStore

OWNERS = st.sampled_from(["person:e-1", "person:e-2", "conversation:c-1"])
FIELDS = st.sampled_from(["/data/summary", "/data/agreements/0/text", "/data/answers"])
JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.text()
    | st.floats(allow_nan=False, allow_infinity=False),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)


@given(value=JSON, stream=st.text(min_size=1), field=FIELDS)
def test_any_json_value_round_trips_and_is_bound_to_its_place(value, stream, field):
    cipher = ContentCipher(KeyRing(MemoryStore(), LocalKeyProvider.generate()))
    token = cipher.encrypt(value, owner="person:e-1", stream=stream, field=field)
    assert cipher.decrypt(token, stream=stream, field=field) == value
    with pytest.raises(ContentIntegrityError):
        cipher.decrypt(token, stream=stream + "x", field=field)


class KeyLifecycle(RuleBasedStateMachine):
    """A model of what must be readable, against a real store and provider."""

    store_kind = "memory"

    def __init__(self) -> None:
        super().__init__()
        if self.store_kind == "sqlite":
            self.folder = tempfile.TemporaryDirectory()
            self.store = SQLiteStore.open(f"sqlite:///{Path(self.folder.name) / 'm.db'}")
        else:
            self.store = MemoryStore()
        self.provider = LocalKeyProvider.generate()
        self.ring = KeyRing(self.store, self.provider)
        self.cipher = ContentCipher(self.ring)
        self.written: list[tuple[str, str, str, object]] = []  # owner, field, token, value
        self.erased_keys: set[str] = set()
        self.retired: list[str] = []

    @rule(owner=OWNERS, field=FIELDS, value=JSON)
    def write(self, owner, field, value):
        token = self.cipher.encrypt(value, owner=owner, stream="conversation:c-1", field=field)
        assert key_id_of(token) not in self.erased_keys
        self.written.append((owner, field, token, value))

    @rule(owner=OWNERS)
    def rotate_data_key(self, owner):
        self.ring.rotate_data_key(owner)

    @rule(batch=st.integers(1, 4), retire=st.booleans())
    def rotate_kek(self, batch, retire):
        old = self.provider.current_kek_id()
        self.provider.new_kek()
        self.ring.rotate_kek(batch=batch)
        if retire:
            self.provider.retire_kek(old)

    @rule(owner=OWNERS)
    def destroy(self, owner):
        destroyed = self.ring.destroy([owner])
        self.erased_keys.update(destroyed)
        assert {k.id for k in self.store.list_keys(owner) if not k.alive} >= set(destroyed)

    @rule()
    def forget_cache(self):
        self.ring.forget()

    @invariant()
    def everything_reads_as_the_model_says(self):
        reader = ContentCipher(KeyRing(self.store, self.provider))  # nothing cached
        for _owner, field, token, value in self.written:
            shown = reader.reveal(token, stream="conversation:c-1", field=field)
            if key_id_of(token) in self.erased_keys:
                assert shown is ERASED
                with pytest.raises(KeyDestroyedError):
                    self.cipher.decrypt(token, stream="conversation:c-1", field=field)
            else:
                assert shown == value

    def teardown(self):
        self.store.close()
        if self.store_kind == "sqlite":
            self.folder.cleanup()


class SQLiteKeyLifecycle(KeyLifecycle):
    store_kind = "sqlite"


TestKeyLifecycleInMemory = KeyLifecycle.TestCase
TestKeyLifecycleInSQLite = SQLiteKeyLifecycle.TestCase
TestKeyLifecycleInSQLite.settings = settings(
    max_examples=15,
    stateful_step_count=15,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
