"""The content cipher: round trips, tampering, moved tokens, destroyed keys, rotation."""

from __future__ import annotations

import base64

import pytest

from magcore.crypto import (
    ERASED,
    TOKEN_PREFIX,
    ContentCipher,
    KeyBatch,
    KeyRing,
    LocalKeyProvider,
    is_token,
    key_id_of,
)
from magcore.errors import (
    ContentIntegrityError,
    KeyDestroyedError,
    KeyProviderError,
    StorageError,
)
from magcore.storage.base import AuditRecord
from magcore.storage.memory import MemoryStore

from .support import CountingProvider

WHERE = {"stream": "conversation:c-1", "field": "/data/summary"}


@pytest.fixture
def store():
    store = MemoryStore()
    yield store
    store.close()


@pytest.fixture
def provider():
    return LocalKeyProvider.generate()


@pytest.fixture
def cipher(store, provider):
    return ContentCipher(KeyRing(store, provider))


def _flip(token: str, bit: int) -> str:
    """*token* with one bit of its encrypted body flipped."""
    prefix, _, body = token.rpartition(".")
    raw = bytearray(base64.b64decode(body))
    raw[bit // 8] ^= 1 << (bit % 8)
    return f"{prefix}.{base64.b64encode(bytes(raw)).decode()}"


@pytest.mark.parametrize(
    "value",
    [
        "Afspraak: cursus Excel volgen",
        "",
        {"answers": {"q1": "ja", "q2": ["a", "b"]}, "n": 3, "ok": True, "none": None},
        ["één", "twee", "\u202eniet-bidi"],
        12.5,
    ],
)
def test_round_trip(cipher, value):
    """Any JSON value comes back as it went in; the token does not show it."""
    token = cipher.encrypt(value, owner="person:e-1", **WHERE)
    assert is_token(token)
    assert token.startswith(TOKEN_PREFIX)
    if isinstance(value, str) and value:
        assert value not in token
    assert cipher.decrypt(token, **WHERE) == value


def test_the_same_value_encrypts_differently_each_time(cipher):
    """A random nonce per value: equal texts do not give equal tokens."""
    first = cipher.encrypt("ja", owner="person:e-1", **WHERE)
    second = cipher.encrypt("ja", owner="person:e-1", **WHERE)
    assert first != second
    assert key_id_of(first) == key_id_of(second)


def test_every_flipped_bit_is_found(cipher):
    """Changing any single bit of nonce, ciphertext or tag is a ContentIntegrityError."""
    token = cipher.encrypt("Goed gesprek", owner="person:e-1", **WHERE)
    body = token.rpartition(".")[2]
    bits = len(base64.b64decode(body)) * 8
    for bit in range(bits):
        with pytest.raises(ContentIntegrityError, match="summary"):
            cipher.decrypt(_flip(token, bit), **WHERE)


@pytest.mark.parametrize(
    "where",
    [
        {"stream": "conversation:c-2", "field": "/data/summary"},
        {"stream": "conversation:c-1", "field": "/data/notes"},
    ],
)
def test_a_token_moved_to_another_record_or_field_does_not_decrypt(cipher, where):
    """The stream and field are associated data: a swapped token is refused."""
    token = cipher.encrypt("Goed gesprek", owner="person:e-1", **WHERE)
    with pytest.raises(ContentIntegrityError, match="another record"):
        cipher.decrypt(token, **where)


def test_a_token_relabelled_with_another_key_id_does_not_decrypt(cipher):
    """The key id is bound too: pointing a token at another key of the store fails."""
    mine = cipher.encrypt("van e-1", owner="person:e-1", **WHERE)
    theirs = cipher.encrypt("van e-2", owner="person:e-2", **WHERE)
    relabelled = mine.replace(key_id_of(mine), key_id_of(theirs))
    with pytest.raises(ContentIntegrityError):
        cipher.decrypt(relabelled, **WHERE)


@pytest.mark.parametrize(
    "token",
    ["plain text", "mc1.k-1", "mc1.k-1.", "mc1.k-1.!!!", "mc1.k 1.AAAA", "mc1.k-1.AAA", 42, None],
)
def test_what_is_not_a_token_is_refused_by_name(cipher, token):
    """A non-token names the stream and field; it never reaches the AES code."""
    with pytest.raises(ContentIntegrityError):
        cipher.decrypt(token, **WHERE)


def test_a_short_token_is_refused(cipher):
    with pytest.raises(ContentIntegrityError, match="too short"):
        cipher.decrypt("mc1.k-1.AAAA", **WHERE)


def test_a_token_of_an_unknown_key_is_a_storage_error(cipher):
    token = cipher.encrypt("x", owner="person:e-1", **WHERE)
    with pytest.raises(StorageError, match="no data key"):
        cipher.decrypt(token.replace(key_id_of(token), "k-unknown"), **WHERE)


def test_destroyed_key_is_a_named_error_and_reads_as_erased(store, provider, cipher):
    """After destruction: KeyDestroyedError naming key and owner; reveal() gives ERASED."""
    token = cipher.encrypt("Ik voel me niet fit", owner="conversation:c-1", **WHERE)
    cipher.keys.destroy(["conversation:c-1"])
    with pytest.raises(KeyDestroyedError) as caught:
        cipher.decrypt(token, **WHERE)
    assert caught.value.key_id == key_id_of(token)
    assert caught.value.owner == "conversation:c-1"
    assert "erased" in str(caught.value)
    assert cipher.reveal(token, **WHERE) is ERASED
    assert repr(ERASED) == "ERASED"
    fresh = ContentCipher(KeyRing(store, provider))
    assert fresh.reveal(token, **WHERE) is ERASED


def test_new_content_after_erasure_gets_a_new_key(cipher):
    """An erased owner who writes again gets a fresh key; the old content stays erased."""
    old = cipher.encrypt("oud", owner="person:e-1", **WHERE)
    cipher.keys.destroy(["person:e-1"])
    new = cipher.encrypt("nieuw", owner="person:e-1", **WHERE)
    assert key_id_of(new) != key_id_of(old)
    assert cipher.decrypt(new, **WHERE) == "nieuw"
    assert cipher.reveal(old, **WHERE) is ERASED


def test_rotating_a_data_key_keeps_old_content_readable(cipher):
    before = cipher.encrypt("voor", owner="person:e-1", **WHERE)
    new_id = cipher.keys.rotate_data_key("person:e-1")
    after = cipher.encrypt("na", owner="person:e-1", **WHERE)
    assert key_id_of(after) == new_id != key_id_of(before)
    assert [cipher.decrypt(t, **WHERE) for t in (before, after)] == ["voor", "na"]


def test_kek_rotation_keeps_everything_readable_and_retires_the_old_kek(store, provider, cipher):
    """Rewrap under a new KEK, retire the old one: still readable, and by a fresh key ring."""
    tokens = {
        owner: cipher.encrypt(f"tekst van {owner}", owner=owner, **WHERE)
        for owner in ("person:e-1", "person:e-2", "conversation:c-9")
    }
    old = provider.current_kek_id()
    new = provider.new_kek()
    # Mid-rotation (nothing rewrapped yet) a fresh reader still reads under the old KEK.
    assert ContentCipher(KeyRing(store, provider)).decrypt(tokens["person:e-1"], **WHERE)
    assert cipher.keys.rotate_kek(batch=2) == 3
    assert {k.kek_id for k in store.list_keys()} == {new}
    assert cipher.keys.rotate_kek() == 0
    provider.retire_kek(old)
    fresh = ContentCipher(KeyRing(store, provider))
    for owner, token in tokens.items():
        assert fresh.decrypt(token, **WHERE) == f"tekst van {owner}"


def test_a_key_ring_needs_a_store_with_a_key_table(provider):
    with pytest.raises(StorageError, match="key table"):
        KeyRing(object(), provider)  # type: ignore[arg-type]


def test_ensure_keys_makes_missing_keys_in_one_call(store, cipher):
    """Existing live keys are kept, missing ones made together; encryption then uses them."""
    existing = cipher.keys.current_key("person:e-1")
    ids = cipher.keys.ensure_keys(["person:e-1", "person:e-2", "person:e-3", "person:e-2"])
    assert list(ids) == ["person:e-1", "person:e-2", "person:e-3"]
    assert ids["person:e-1"] == existing
    assert len(store.list_keys()) == 3
    token = cipher.encrypt("x", owner="person:e-3", **WHERE)
    assert key_id_of(token) == ids["person:e-3"]
    fresh = KeyRing(store, cipher.keys.provider)
    assert fresh.ensure_keys(["person:e-2"]) == {"person:e-2": ids["person:e-2"]}
    assert len(store.list_keys()) == 3


def test_sealers_make_the_missing_keys_of_a_batch_in_one_go(store, cipher):
    """``sealers`` answers for every owner as ``sealer`` does one by one: known keys as they
    are, missing ones made (those named *new* without looking for old ones)."""
    ring = cipher.keys
    ids = ring.new_keys(["conversation:c-1", "conversation:c-2"])
    found = ring.sealers(
        ["conversation:c-1", "conversation:c-2", "conversation:c-8", "conversation:c-9"],
        new=["conversation:c-9"],
    )
    assert set(found) == {f"conversation:c-{n}" for n in (1, 2, 8, 9)}
    assert len(store.list_keys()) == 4
    for owner, (key_id, aead) in found.items():
        assert key_id == ids.get(owner, key_id) == ring.current_key(owner)
        assert ring.sealer(owner) == (key_id, aead)
    ring.forget()
    again = ring.sealers(["conversation:c-1", "conversation:c-9"])
    assert {o: k for o, (k, _) in again.items()} == {
        "conversation:c-1": ids["conversation:c-1"],
        "conversation:c-9": found["conversation:c-9"][0],
    }
    assert len(store.list_keys()) == 4


def test_prepared_keys_are_used_only_once_adopted(store, cipher):
    """``prepare`` makes the missing keys in memory only: nothing is stored and the ring does
    not use them until ``adopt`` (after the write holding them committed); a batch that is
    never adopted leaves no trace. Known keys are answered as they are."""
    ring = cipher.keys
    known = ring.new_keys(["conversation:c-1"])["conversation:c-1"]
    batch = ring.prepare(["conversation:c-1", "conversation:c-2"], new=["conversation:c-2"])
    assert batch.sealers["conversation:c-1"][0] == known
    made = batch.sealers["conversation:c-2"][0]
    assert [r.id for r in batch.records] == [made]
    assert [r.owner for r in batch.records] == ["conversation:c-2"]
    assert [k.id for k in store.list_keys()] == [known]
    assert not ring.has_current("conversation:c-2")
    again = ring.prepare(["conversation:c-2"])  # not adopted: looked for, none, made anew
    assert again.sealers["conversation:c-2"][0] not in (made, known)
    store.add_keys(again.records)
    ring.adopt(again)
    assert ring.current_key("conversation:c-2") == again.records[0].id
    assert ring.prepare(["conversation:c-2"]).records == ()


def test_a_key_destroyed_before_it_is_adopted_is_not_taken_up(store, cipher):
    """A write commits with its new key, then the owner's keys are destroyed (an erasure in
    another thread) before the writer adopts the key: the ring does not take it up as the
    owner's key, so nothing more is sealed under a destroyed key and nothing of it stays
    readable here; the owner's next key is a new, live one."""
    ring = cipher.keys
    owner = "conversation:c-1"
    batch = ring.prepare([owner], new=[owner])
    made = batch.records[0].id
    store.add_keys(batch.records)  # the write commits with its key
    assert ring.destroy([owner]) == (made,)  # erased before the writer adopts
    ring.adopt(batch)
    assert not ring.has_current(owner)
    with pytest.raises(KeyDestroyedError):
        ring.aead(made)
    fresh = ring.current_key(owner)
    assert fresh != made
    assert store.get_key(fresh).alive
    later = ring.prepare([owner])  # prepared after the destruction: adopted as usual
    assert later.records == ()
    assert later.sealers[owner][0] == fresh


class _ErasedMeanwhile(MemoryStore):
    """A store that lets an erasure land right after it answers a look-up or a write of
    keys (once): as if another thread destroyed the owner's keys just then."""

    def __init__(self) -> None:
        super().__init__()
        self.ring: KeyRing | None = None
        self.owner = ""
        self.after = ""

    def _erase(self, step: str) -> None:
        if self.after == step and self.ring is not None:
            self.after = ""
            self.ring.destroy([self.owner])

    def get_key(self, key_id):
        found = super().get_key(key_id)
        self._erase("get_key")
        return found

    def live_keys(self, owners):
        found = super().live_keys(owners)
        self._erase("live_keys")
        return found

    def add_keys(self, records):
        super().add_keys(records)
        self._erase("add_keys")


class _Forgetful:
    """A provider with only the protocol's four methods: it remembers no destruction."""

    def __init__(self, inner) -> None:
        self.current_kek_id = inner.current_kek_id
        self.wrap = inner.wrap
        self.unwrap = inner.unwrap
        self.audit_key = inner.audit_key


@pytest.mark.parametrize("remembers", [True, False], ids=["provider-remembers", "forgetful"])
@pytest.mark.parametrize("step", ["get_key", "live_keys", "add_keys"])
def test_a_key_looked_up_or_made_before_an_erasure_is_not_kept(provider, step, remembers):
    """Whatever the key ring found or made before the owner's keys were destroyed (an
    unwrapped key, a looked-up key, a key just stored) is not cached or used afterwards:
    the owner's next key is a new, live one."""
    store = _ErasedMeanwhile()
    ring = KeyRing(store, provider if remembers else _Forgetful(provider))
    store.ring, store.owner = ring, "conversation:c-1"
    first = ring.new_keys([store.owner])[store.owner]
    ring.forget()  # known to the store only: the next use looks it up and unwraps it
    store.after = step
    if step == "add_keys":
        ring.rotate_data_key(store.owner)
    elif step == "live_keys" or remembers:
        # found, then destroyed before it is unwrapped: the write fails (for ``get_key``
        # because the provider remembers the destruction, ``is_forgotten``)
        with pytest.raises(KeyDestroyedError):
            ring.sealer(store.owner)
    else:  # unwrapped for the write under way, but not kept
        ring.sealer(store.owner)
    assert store.after == ""  # the erasure happened
    assert not ring.has_current(store.owner)
    with pytest.raises(KeyDestroyedError):
        ring.aead(first)
    fresh, _ = ring.sealer(store.owner)
    assert store.get_key(fresh).alive


def test_a_forgotten_destruction_still_keeps_nothing_that_began_before_it(store, cipher):
    """A key ring remembers the latest destructions of a bounded number of owners; one that
    no longer remembers an owner's still keeps nothing that began before it."""
    from magcore.crypto import keyring as keyring_module

    ring = cipher.keys
    owner = "conversation:c-1"
    batch = ring.prepare([owner], new=[owner])
    store.add_keys(batch.records)
    ring.destroy([owner])
    kept = keyring_module._DESTRUCTIONS_KEPT
    others = [f"conversation:x-{n}" for n in range(kept)]
    ring.destroy(others)  # the owner's destruction is no longer remembered by name
    ring.adopt(batch)
    assert not ring.has_current(owner)


def test_the_key_cache_keeps_only_the_newest_keys(store, provider):
    """A key ring keeps *cache_size* unwrapped keys: an older one is read from the store and
    unwrapped again when needed, and still opens what it sealed."""
    counting = CountingProvider(provider)
    ring = KeyRing(store, counting, cache_size=2)
    cipher = ContentCipher(ring)
    owners = [f"conversation:c-{n}" for n in range(5)]
    sealers = ring.sealers(owners, new=owners)
    assert set(sealers) == set(owners)
    assert counting.unwraps == 0  # a batch holds its own ciphers, whatever the cache keeps
    # the cache holds the last two made (c-3, c-4): sealing for them unwraps nothing
    tokens = {o: cipher.encrypt(o, owner=o, **WHERE) for o in owners[-2:]}
    assert counting.unwraps == 0
    tokens["conversation:c-0"] = cipher.encrypt("c-0", owner="conversation:c-0", **WHERE)
    assert counting.unwraps == 1  # c-0 had left the cache: read and unwrapped again
    assert cipher.decrypt(tokens["conversation:c-0"], **WHERE) == "c-0"
    assert counting.unwraps == 1  # and is kept now, pushing out c-3 (the oldest)
    assert cipher.decrypt(tokens["conversation:c-3"], **WHERE) == "conversation:c-3"
    assert counting.unwraps == 2


@pytest.mark.parametrize("size", [0, -1, 1.5, "10"])
def test_a_key_cache_holds_at_least_one_key(store, provider, size):
    with pytest.raises(ValueError, match="cache_size"):
        KeyRing(store, provider, cache_size=size)


@pytest.mark.parametrize(
    "value", ["lone \ud800 surrogate", {"x": float("nan")}, {"x": float("inf")}, {"x": object()}]
)
def test_content_that_is_not_json_text_is_refused_by_field(cipher, value):
    """A lone surrogate, NaN or a non-JSON object: a RecordInvalidError naming the field."""
    from magcore.errors import RecordInvalidError

    with pytest.raises(RecordInvalidError, match="/data/summary"):
        cipher.encrypt(value, owner="person:e-1", **WHERE)


def test_a_string_and_its_json_spelling_stay_apart(cipher):
    """The plaintext's first byte tells text from JSON: '"1"', '1' and 1 all round trip."""
    for value in ['"1"', "1", 1, "null", None, "s", "j"]:
        token = cipher.encrypt(value, owner="person:e-1", **WHERE)
        assert cipher.decrypt(token, **WHERE) == value
        assert type(cipher.decrypt(token, **WHERE)) is type(value)


def test_a_joined_batch_adopts_nothing_a_destruction_after_any_part_concerns(store, cipher):
    """The parts of one write, prepared in turn and joined: a destruction of an owner after
    the first part was prepared keeps that owner's new key out, even when it was made in a
    later part; a part that made no key does not move the epoch back."""
    ring = cipher.keys
    ring.new_keys(["conversation:c-0"])
    ring.destroy(["conversation:c-0"])  # long before the write
    first = ring.prepare(["conversation:c-1"], new=["conversation:c-1"])
    ring.new_keys(["conversation:c-9"])
    ring.destroy(["conversation:c-9"])  # between the parts
    second = ring.prepare(["conversation:c-9"], new=["conversation:c-9"])
    third = ring.prepare(["conversation:c-0"], new=["conversation:c-0"])
    joined = KeyBatch.joined([KeyBatch(sealers={}), first, second, third])
    assert joined.epoch == first.epoch < second.epoch
    assert [r.owner for r in joined.records] == [
        "conversation:c-1",
        "conversation:c-9",
        "conversation:c-0",
    ]
    assert set(joined.sealers) == {"conversation:c-0", "conversation:c-1", "conversation:c-9"}
    store.add_keys(joined.records)
    ring.adopt(joined)
    assert ring.has_current("conversation:c-1")
    assert ring.has_current("conversation:c-0")  # its destruction came before every part
    assert not ring.has_current("conversation:c-9")
    assert ring.current_key("conversation:c-0") == third.records[0].id
    assert KeyBatch.joined([]) == KeyBatch(sealers={})
    held = dict(joined.sealers)  # the sealers a caller holds already are taken as they are
    assert KeyBatch.joined([first, second], sealers=held).sealers is held


def test_a_key_the_provider_remembers_as_destroyed_is_refused_in_any_copy(provider):
    """A copy of the key table made before an erasure (a restored backup) holds the key alive:
    the key ring refuses it, does not rewrap it in a KEK rotation, and destroy_forgotten
    destroys it there, with one audit line per owner."""
    live, copy = MemoryStore(), MemoryStore()
    ring = KeyRing(live, provider)
    keys = ring.new_keys(["conversation:c-1", "conversation:c-2"])
    copy.add_keys(live.list_keys())  # the backup, taken before the erasure
    ring.destroy(["conversation:c-1"])
    assert provider.is_forgotten(keys["conversation:c-1"])

    restored = KeyRing(copy, provider)
    with pytest.raises(KeyDestroyedError):
        restored.aead(keys["conversation:c-1"])
    restored.aead(keys["conversation:c-2"])  # the rest of the backup opens
    provider.new_kek()
    assert restored.rotate_kek() == 1  # c-2's key only
    lines = []

    def line(owner):
        lines.append(owner)
        return AuditRecord(
            at="2026-12-05T00:00:00+00:00",
            actor="system",
            action="destroy",
            object=owner,
            result="done",
            origin="restore",
        )

    assert restored.destroy_forgotten(audit=line) == (keys["conversation:c-1"],)
    assert lines == ["conversation:c-1"]
    assert [k.id for k in copy.list_keys() if k.alive] == [keys["conversation:c-2"]]
    assert restored.destroy_forgotten(audit=line) == ()


def test_a_provider_that_cannot_remember_keys_stops_the_destruction_before_it_starts(store):
    """A key file that cannot be written (a read-only key folder, a full disk): the keys are
    remembered before they go, so the erasure is refused with nothing destroyed, and the one
    run again once the provider works destroys them and has them remembered (remembered only
    after the destruction, a failure left them destroyed, and a run again forgot nothing)."""

    class Stuck(LocalKeyProvider):
        broken = True

        def forget_keys(self, key_ids):
            if Stuck.broken:
                raise KeyProviderError("cannot write key file keys.json: Read-only file system")
            super().forget_keys(key_ids)

    provider = Stuck.generate()
    ring = KeyRing(store, provider)
    key = ring.new_keys(["conversation:c-1"])["conversation:c-1"]
    with pytest.raises(KeyProviderError, match="nothing was destroyed"):
        ring.destroy(["conversation:c-1"])
    assert [k.id for k in store.list_keys() if k.alive] == [key]
    Stuck.broken = False
    assert ring.destroy(["conversation:c-1"]) == (key,)
    assert provider.is_forgotten(key)
