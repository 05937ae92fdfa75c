"""Key providers: the 0600 key file, wrapping bound to its context, the hook, the audit key."""

from __future__ import annotations

import json
import os
import stat

import pytest

from magcore.crypto import (
    KEY_FILE_NAME,
    AuditKey,
    FileKeyProvider,
    KeyProvider,
    LocalKeyProvider,
)
from magcore.errors import ContentIntegrityError, KeyProviderError, PluginError, StorageError
from magcore.hookspecs import hookimpl
from magcore.plugins import get_plugin_manager
from magcore.storage import StoreSettings

KEY = bytes(range(32))


def _mode(path):
    return stat.S_IMODE(path.stat().st_mode)


def test_the_key_file_is_created_closed_to_others(tmp_path):
    """A new key file has mode 0600 and holds one KEK and one audit key, no temporary left."""
    path = tmp_path / "keys.json"
    provider = FileKeyProvider.open(path)
    assert isinstance(provider, KeyProvider)
    assert _mode(path) == 0o600
    data = json.loads(path.read_text())
    assert data["format"] == "magcore-keys/1"
    assert list(data["keks"]) == [provider.current_kek_id()]
    assert sorted(os.listdir(tmp_path)) == ["keys.json"]
    assert data["forgotten"] == []


def test_the_key_file_is_created_closed_even_under_a_loose_umask(tmp_path):
    old = os.umask(0)
    try:
        FileKeyProvider.open(tmp_path / "keys.json")
    finally:
        os.umask(old)
    assert _mode(tmp_path / "keys.json") == 0o600


def test_reopening_gives_the_same_keys(tmp_path):
    """What one provider wrapped, a provider on the same file unwraps; the audit key is stable."""
    path = tmp_path / "keys.json"
    first = FileKeyProvider.open(path)
    kek_id, wrapped = first.wrap(KEY, context=b"k-1")
    second = FileKeyProvider.open(path, create=False)
    assert second.unwrap(wrapped, kek_id=kek_id, context=b"k-1") == KEY
    assert second.audit_key() == first.audit_key()
    assert len(second.audit_key().secret) == 32
    key = second.audit_key()
    assert repr(key.secret) not in repr(key)


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o660, 0o602])
def test_a_key_file_others_may_read_or_change_is_refused(tmp_path, mode):
    """Group or world access: refused with a message that says how to fix it."""
    path = tmp_path / "keys.json"
    FileKeyProvider.open(path)
    path.chmod(mode)
    with pytest.raises(KeyProviderError, match=r"chmod 600") as caught:
        FileKeyProvider.open(path)
    assert f"{mode:04o}" in str(caught.value)


@pytest.mark.skipif(not hasattr(os, "getuid"), reason="POSIX file ownership")
def test_a_key_file_of_another_user_is_refused(tmp_path, monkeypatch):
    """A key file owned by another user is refused. The file is ours, so the process is made
    to run as another user id (no root needed to set the case up)."""
    path = tmp_path / "keys.json"
    FileKeyProvider.open(path)
    owner = path.stat().st_uid
    monkeypatch.setattr(os, "getuid", lambda: owner + 1)
    with pytest.raises(KeyProviderError, match=f"belongs to user id {owner}, not"):
        FileKeyProvider.open(path)


def test_a_symlinked_key_file_is_refused(tmp_path):
    real = tmp_path / "real.json"
    FileKeyProvider.open(real)
    link = tmp_path / "link.json"
    link.symlink_to(real)
    with pytest.raises(KeyProviderError, match="not a regular file"):
        FileKeyProvider.open(link)


@pytest.mark.parametrize(
    "content",
    [
        "not json",
        "[]",
        '{"format": "other"}',
        '{"format": "magcore-keys/1", "keks": {"kek-1": "AAAA"}, "current_kek": "kek-1",'
        ' "audit_keys": {}, "current_audit_key": ""}',
        '{"format": "magcore-keys/1", "keks": {}, "current_kek": "kek-1",'
        ' "audit_keys": {}, "current_audit_key": ""}',
    ],
)
def test_a_damaged_key_file_is_a_clear_error(tmp_path, content):
    path = tmp_path / "keys.json"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    os.write(fd, content.encode())
    os.close(fd)
    with pytest.raises(KeyProviderError, match=str(path)):
        FileKeyProvider.open(path)


def test_missing_key_file_or_folder(tmp_path):
    with pytest.raises(KeyProviderError, match="does not exist"):
        FileKeyProvider.open(tmp_path / "keys.json", create=False)
    with pytest.raises(KeyProviderError, match="missing"):
        FileKeyProvider.open(tmp_path / "nowhere" / "keys.json")


def test_a_wrapped_key_opens_only_in_its_own_context():
    """The context (key id and owner) is bound: a wrapped key moved to another row fails."""
    provider = LocalKeyProvider.generate()
    kek_id, wrapped = provider.wrap(KEY, context=b'["k-1", "person:e-1"]')
    with pytest.raises(ContentIntegrityError, match="moved"):
        provider.unwrap(wrapped, kek_id=kek_id, context=b'["k-1", "person:e-2"]')
    flipped = bytes([wrapped[0] ^ 1]) + wrapped[1:]
    with pytest.raises(ContentIntegrityError):
        provider.unwrap(flipped, kek_id=kek_id, context=b'["k-1", "person:e-1"]')


def test_a_batch_of_keys_is_wrapped_as_one_by_one():
    """``wrap_many`` wraps each key under the current KEK with its own context and its own
    nonce; each opens only in its own context, as a key wrapped alone does."""
    provider = LocalKeyProvider.generate()
    keys = [bytes([n]) * 32 for n in range(20)]
    contexts = [f'["k-{n}", "conversation:c-{n}"]'.encode() for n in range(20)]
    kek_id, wrapped = provider.wrap_many(keys, contexts)
    assert kek_id == provider.current_kek_id()
    assert len({blob[:12] for blob in wrapped}) == 20
    opened = [
        provider.unwrap(blob, kek_id=kek_id, context=context)
        for blob, context in zip(wrapped, contexts, strict=True)
    ]
    assert opened == keys
    with pytest.raises(ContentIntegrityError, match="moved"):
        provider.unwrap(wrapped[0], kek_id=kek_id, context=contexts[1])


class _OneByOne:
    """A provider that wraps one key at a time (as an HSM or a cloud KMS plugin may)."""

    def __init__(self) -> None:
        self.inner = LocalKeyProvider.generate()
        self.calls = 0

    def current_kek_id(self) -> str:
        return self.inner.current_kek_id()

    def wrap(self, key: bytes, *, context: bytes) -> tuple[str, bytes]:
        self.calls += 1
        return self.inner.wrap(key, context=context)

    def unwrap(self, wrapped: bytes, *, kek_id: str, context: bytes) -> bytes:
        return self.inner.unwrap(wrapped, kek_id=kek_id, context=context)

    def audit_key(self, key_id: str | None = None) -> AuditKey:
        return self.inner.audit_key(key_id)


def test_a_provider_without_batch_wrapping_wraps_each_key():
    """A key ring whose provider has no ``wrap_many`` wraps each new key with ``wrap``; the
    keys open after the ring forgets them."""
    from magcore.crypto import KeyRing
    from magcore.storage.memory import MemoryStore

    provider = _OneByOne()
    assert isinstance(provider, KeyProvider)
    ring = KeyRing(MemoryStore(), provider)
    made = ring.new_keys([f"conversation:c-{n}" for n in range(5)])
    assert provider.calls == 5
    aeads = [ring.aead(key_id) for key_id in made.values()]
    ring.forget()
    nonce = bytes(12)
    for key_id, aead in zip(made.values(), aeads, strict=True):
        assert ring.aead(key_id).decrypt(nonce, aead.encrypt(nonce, b"x", b""), b"") == b"x"


def test_kek_rotation_and_retirement_in_the_file(tmp_path):
    """A new KEK becomes current and is saved; a retired one is gone from the file for good."""
    path = tmp_path / "keys.json"
    provider = FileKeyProvider.open(path)
    old = provider.current_kek_id()
    kek_id, wrapped = provider.wrap(KEY, context=b"c")
    new = provider.new_kek()
    assert FileKeyProvider.open(path).current_kek_id() == new
    with pytest.raises(KeyProviderError, match="rotate first"):
        provider.retire_kek(new)
    provider.retire_kek(old)
    assert _mode(path) == 0o600
    assert old not in path.read_text()
    with pytest.raises(KeyProviderError, match="retired"):
        FileKeyProvider.open(path).unwrap(wrapped, kek_id=kek_id, context=b"c")
    with pytest.raises(KeyProviderError, match="no KEK"):
        provider.retire_kek(old)


def test_a_new_audit_key_keeps_the_old_one_for_verifying(tmp_path):
    path = tmp_path / "keys.json"
    provider = FileKeyProvider.open(path)
    old = provider.audit_key()
    new_id = provider.new_audit_key()
    reopened = FileKeyProvider.open(path)
    assert reopened.audit_key().id == new_id != old.id
    assert reopened.audit_key(old.id) == old
    assert isinstance(old, AuditKey)
    with pytest.raises(KeyProviderError, match="no audit key"):
        reopened.audit_key("audit-unknown")


def test_a_provider_without_keys_says_so():
    with pytest.raises(KeyProviderError, match="no key-encryption key"):
        LocalKeyProvider().wrap(KEY, context=b"c")


# -- the hook --------------------------------------------------------------------------------


def _hooks(*extra):
    return get_plugin_manager(load_entry_points=False, extra=extra).hooks


def test_sqlite_keys_live_next_to_the_database(tmp_path, monkeypatch):
    monkeypatch.delenv("MAGCORE_KEY_FOLDER", raising=False)
    provider = _hooks().key_provider(f"sqlite:///{tmp_path}/magcore.db")
    assert isinstance(provider, FileKeyProvider)
    assert provider.path == tmp_path / "magcore.db.keys"
    assert _mode(provider.path) == 0o600


def test_a_key_folder_is_used_for_any_store(tmp_path, monkeypatch):
    monkeypatch.setenv("MAGCORE_KEY_FOLDER", str(tmp_path))
    provider = _hooks().key_provider("postgresql://magcore@db/magcore")
    assert provider.path == tmp_path / KEY_FILE_NAME
    monkeypatch.delenv("MAGCORE_KEY_FOLDER")
    other = tmp_path / "other"
    other.mkdir()
    settings = StoreSettings(extra={"key_folder": str(other)})
    assert _hooks().key_provider("sqlite:///x.db", settings).path == other / KEY_FILE_NAME


def test_memory_stores_get_keys_in_memory(monkeypatch):
    monkeypatch.delenv("MAGCORE_KEY_FOLDER", raising=False)
    provider = _hooks().key_provider("memory://")
    assert type(provider) is LocalKeyProvider
    assert provider.current_kek_id().startswith("kek-")


def test_no_provider_is_a_clear_error(monkeypatch):
    monkeypatch.delenv("MAGCORE_KEY_FOLDER", raising=False)
    with pytest.raises(StorageError, match="MAGCORE_KEY_FOLDER"):
        _hooks().key_provider("postgresql://magcore@db/magcore")


def test_an_installed_provider_takes_over():
    """firstresult: a plugin's provider wins over the built-in file provider."""
    mine = LocalKeyProvider.generate()

    class Plugin:
        @hookimpl
        def magcore_key_provider(self, url):
            return mine

    assert _hooks(("kms", Plugin())).key_provider("sqlite:///never-made.db") is mine


@pytest.mark.parametrize("answer", ["a string", RuntimeError("boom")])
def test_a_broken_provider_plugin_is_named(answer):
    class Plugin:
        @hookimpl
        def magcore_key_provider(self, url, settings):
            if isinstance(answer, Exception):
                raise answer
            return answer

    with pytest.raises(PluginError, match="kms"):
        _hooks(("kms", Plugin())).key_provider("memory://")


def test_destroyed_keys_are_remembered_in_the_file_until_their_keks_are_retired(tmp_path):
    """forget_keys writes the destroyed key ids with the KEKs that existed then; the file keeps
    them until every one of those KEKs is retired (then no copy can be opened anyway)."""
    path = tmp_path / "keys.json"
    provider = FileKeyProvider.open(path)
    first = provider.current_kek_id()
    provider.forget_keys(["k-00000000000000000001"])
    second = provider.new_kek()
    provider.forget_keys(["k-00000000000000000002", "k-00000000000000000001"])
    reopened = FileKeyProvider.open(path)
    assert reopened.is_forgotten("k-00000000000000000001")
    assert reopened.is_forgotten("k-00000000000000000002")
    assert not reopened.is_forgotten("k-00000000000000000003")
    groups = json.loads(path.read_text())["forgotten"]
    assert {(tuple(g["keks"]), tuple(g["keys"])) for g in groups} == {
        (tuple(sorted([first, second])), ("k-00000000000000000002",)),
        ((first,), ("k-00000000000000000001",)),
    }
    reopened.retire_kek(first)
    after = FileKeyProvider.open(path)
    assert not after.is_forgotten("k-00000000000000000001")  # only the retired KEK had it
    assert after.is_forgotten("k-00000000000000000002")  # the second KEK may have it still
    assert _mode(path) == 0o600
    assert _mode(tmp_path / ".keys.json.lock") == 0o600


def test_two_processes_changing_the_key_file_keep_each_others_changes(tmp_path):
    """Each change reads the file again under its lock: what another provider of the same file
    wrote since (a destroyed key, a new KEK) is not lost when this one writes."""
    path = tmp_path / "keys.json"
    web = FileKeyProvider.open(path)
    job = FileKeyProvider.open(path)
    web.forget_keys(["k-0000000000000000000a"])
    job.forget_keys(["k-0000000000000000000b"])
    rotated = job.new_kek()
    web.new_audit_key()
    final = FileKeyProvider.open(path)
    assert final.is_forgotten("k-0000000000000000000a")
    assert final.is_forgotten("k-0000000000000000000b")
    assert final.current_kek_id() == rotated
    assert final.audit_key().id == web.audit_key().id


@pytest.mark.parametrize(
    "forgotten",
    [{"k": 1}, [{"keks": "kek-1"}], [{"keks": ["kek-1"], "keys": ["not a key id!"]}]],
)
def test_a_malformed_list_of_destroyed_keys_is_a_clear_error(tmp_path, forgotten):
    path = tmp_path / "keys.json"
    FileKeyProvider.open(path)
    data = json.loads(path.read_text())
    data["forgotten"] = forgotten
    path.write_text(json.dumps(data))
    with pytest.raises(KeyProviderError, match="forgotten"):
        FileKeyProvider.open(path)


def test_a_key_file_from_before_destroyed_keys_were_remembered_opens(tmp_path):
    path = tmp_path / "keys.json"
    FileKeyProvider.open(path)
    data = json.loads(path.read_text())
    del data["forgotten"]
    path.write_text(json.dumps(data))
    assert not FileKeyProvider.open(path).is_forgotten("k-00000000000000000001")
