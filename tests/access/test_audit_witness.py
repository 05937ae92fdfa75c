"""The audit head witnessed outside the database: a store set back to an earlier valid state
(newest events and lines deleted, ``audit_head`` pointed at the line before, no key needed) is
refused and reported at the first line it lost, on SQLite and on PostgreSQL."""

from __future__ import annotations

import itertools
import sqlite3
import subprocess
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest

from magcore import open_service
from magcore.access.audit import verify_store
from magcore.app.rollback import ROLLED_BACK, accept_restored_log
from magcore.crypto.files import FileKeyProvider
from magcore.crypto.witness import FileWitness, WitnessedHead
from magcore.domain.sharing import GrantSharing, RevokeSharing
from magcore.errors import KeyProviderError, StorageError
from magcore.storage.base import AuditRecord
from magcore.storage.sqlite import SQLiteStore
from magcore.storage.witnessing import chain_id, place_of

from ..support.postgres import schema_url

GRANT = GrantSharing(actor="e1", person="e1", to="hr", what="agreements", purpose="development")
REVOKE = RevokeSharing(actor="e1", person="e1", choice=1)


def _read(actor: str) -> AuditRecord:
    return AuditRecord(
        at=datetime(2026, 1, 5, tzinfo=UTC).isoformat(),
        actor=actor,
        action="read",
        object="conversation:c-1/record",
        result="allowed",
        origin="api",
        purpose="career_advice",
    )


def _granted_and_revoked(url: str) -> None:
    service = open_service(url)
    try:
        service.share(GRANT)
        service.store.append_audit([_read("hr")])  # a read while the choice held
        service.share(REVOKE)
        service.store.append_audit([_read("hr"), _read("hr")])  # refused reads, say
    finally:
        service.close()


def _lines(db: Path) -> list[str]:
    with sqlite3.connect(db) as conn:
        hashes = [row[0] for row in conn.execute("SELECT hash FROM audit ORDER BY seq")]
    conn.close()
    return hashes


def _chain(db: Path) -> str:
    """The name the witness keeps *db*'s log under: its first line and the file's place."""
    store = SQLiteStore.open(f"sqlite:///{db}")
    try:
        return chain_id(_lines(db)[0], place_of(store))
    finally:
        store.close()


def _unrevoke_sqlite(db: Path) -> int:
    """The attack: delete the revocation and every line from its own on, and set the head to
    the line before (readable in the table). Returns the revocation's line."""
    with sqlite3.connect(db) as conn:
        seq = conn.execute("SELECT seq FROM audit WHERE action = 'sharing.revoked'").fetchone()[0]
        pos = conn.execute("SELECT position FROM events WHERE type = 'sharing.revoked'").fetchone()
        before = conn.execute("SELECT hash FROM audit WHERE seq = ?", (seq - 1,)).fetchone()[0]
        conn.execute("DELETE FROM audit WHERE seq >= ?", (seq,))
        conn.execute("DELETE FROM events WHERE position >= ?", (pos[0],))
        conn.execute("UPDATE audit_head SET count = ?, last_hash = ?", (seq - 1, before))
        conn.execute("UPDATE sharing_choice SET revoked_at = NULL")
    conn.close()
    return int(seq)


def test_a_revocation_rolled_back_without_keys_is_reported_at_its_line(tmp_path):
    """s15: the revocation's line is the first the witness misses; the store refuses to chain
    onto the shortened log (the grantee's read is not written, so not served), and both
    `verify_store` and the store check report it."""
    from magcore.app.maintenance import check_store

    db = tmp_path / "magcore.db"
    url = f"sqlite:///{db}"
    _granted_and_revoked(url)
    seq = _unrevoke_sqlite(db)
    service = open_service(url)
    try:
        result = verify_store(service.store)
        assert not result.ok
        assert result.problem is not None
        assert result.problem.seq == seq
        assert "the key provider witnessed" in result.problem.reason
        with pytest.raises(StorageError, match=f"line {seq} is missing"):
            service.store.append_audit([_read("hr")])
        with pytest.raises(StorageError, match="does not reach the head"):
            service.share(GRANT)
        checked = check_store(service.store, keys=service.key_provider.audit_key)
        assert not checked.ok
        assert f"broken at line {seq}" in checked.problems[-1]
    finally:
        service.close()


def test_reads_cut_off_the_tail_are_reported_at_the_first(tmp_path):
    """s14: the reader's lines removed from the end, the head set to the line before them."""
    db = tmp_path / "magcore.db"
    url = f"sqlite:///{db}"
    service = open_service(url)
    service.share(GRANT)
    keep = service.store.audit_head().count
    service.store.append_audit([_read("snoop"), _read("snoop"), _read("snoop")])
    service.close()
    with sqlite3.connect(db) as conn:
        last = conn.execute("SELECT hash FROM audit WHERE seq = ?", (keep,)).fetchone()[0]
        conn.execute("DELETE FROM audit WHERE seq > ?", (keep,))
        conn.execute("UPDATE audit_head SET count = ?, last_hash = ?", (keep, last))
    conn.close()
    service = open_service(url)
    try:
        result = verify_store(service.store)
        assert result.problem is not None
        assert (result.ok, result.problem.seq) == (False, keep + 1)
    finally:
        service.close()


def test_a_rolled_back_log_chained_on_by_a_writer_without_the_witness_differs_at_its_line(
    tmp_path,
):
    """A keyed writer that does not check the witness (an older magcore, a raw store) chains
    past the witnessed count: the line at that count is not the witnessed one."""
    db = tmp_path / "magcore.db"
    url = f"sqlite:///{db}"
    _granted_and_revoked(url)
    provider = FileKeyProvider.open(tmp_path / "magcore.db.keys", create=False)
    witnessed = provider.witnessed_audit_head(_chain(db))
    assert witnessed is not None
    _unrevoke_sqlite(db)
    raw = SQLiteStore.open(url)
    try:
        raw.use_audit_key(provider.audit_key())
        raw.append_audit([_read("other")] * 5)
        assert verify_store(raw, keys=provider.audit_key).ok  # the database alone: fine
        result = verify_store(raw, keys=provider.audit_key, witness=provider)
        assert result.problem is not None
        assert (result.ok, result.problem.seq) == (False, witnessed.count)
        assert "differs from the line the key provider witnessed" in result.problem.reason
    finally:
        raw.close()


def test_a_normal_run_a_restart_and_a_new_audit_key_verify_against_the_witness(tmp_path):
    url = f"sqlite:///{tmp_path / 'magcore.db'}"
    _granted_and_revoked(url)
    provider = FileKeyProvider.open(tmp_path / "magcore.db.keys", create=False)
    provider.new_audit_key()
    service = open_service(url)  # a restart, under the new audit key
    try:
        service.share(GRANT)
        result = verify_store(service.store, keys=service.key_provider.audit_key)
        assert result.ok, result.problem
        assert result.witnessed == result.entries == service.store.audit_head().count
        keys_used = {line["key"] for line in service.store.read_audit()}
        assert len(keys_used) == 2
    finally:
        service.close()


def test_a_restore_on_purpose_is_accepted_with_a_line_of_its_own(tmp_path):
    """After a rollback made on purpose, `accept_restored_log` writes a line naming how far the
    log went back, then witnesses the restored end: the store verifies and writes again."""
    db = tmp_path / "magcore.db"
    url = f"sqlite:///{db}"
    _granted_and_revoked(url)
    seq = _unrevoke_sqlite(db)
    provider = FileKeyProvider.open(tmp_path / "magcore.db.keys", create=False)
    raw = SQLiteStore.open(url)
    try:
        accepted = accept_restored_log(raw, provider, origin="cli", reason="ticket 7")
        assert accepted is not None
        assert (accepted.witnessed, accepted.restored) == (seq + 2, seq - 1)
        last = list(raw.read_audit())[-1]
        assert last["action"] == ROLLED_BACK
        assert f"witnessed {seq + 2} lines" in last["reason"]
        assert accept_restored_log(raw, provider, origin="cli", reason="again") is None
        assert FileWitness(provider.witness_path).read(_chain(db)) == WitnessedHead(
            accepted.count, last["hash"]
        )
    finally:
        raw.close()
    service = open_service(url)
    try:
        service.share(GRANT)
        assert verify_store(service.store).ok
    finally:
        service.close()


_WRITER = """
import sys
from datetime import UTC, datetime
from magcore import open_service
from magcore.storage.base import AuditRecord
service = open_service(sys.argv[1])
at = datetime(2026, 1, 5, tzinfo=UTC).isoformat()
for n in range(int(sys.argv[2])):
    service.store.append_audit(
        [AuditRecord(at=at, actor=sys.argv[3], action="read", object=f"c/{n}", result="allowed",
                     origin="api")]
    )
service.close()
"""


def test_a_read_between_two_quick_writes_does_not_fall_back_to_an_overtaken_head(
    tmp_path, monkeypatch
):
    """A read without the lock takes one slot, then the other: writers in quick turns may leave
    it the first slot as it was and the second half rewritten. It must not answer with the first
    (a head already overtaken, so a watcher would see the witness go back) but read again under
    the lock, where both slots are whole."""
    from magcore.crypto import witness as witness_module

    witness = FileWitness(tmp_path / "keys.witness")
    first, second = witness.slots
    for count in (1, 2):
        witness.raise_to("chain", count, f"h{count}")
    stale_first = first.read_bytes()
    for count in (3, 4, 5):
        witness.raise_to("chain", count, f"h{count}")
    whole_second = second.read_bytes()
    half_rewritten_second = whole_second[:30] + b"~" + whole_second[31:]
    scripted = iter([stale_first, half_rewritten_second])
    real_read = witness_module._read_slot

    def read_slot(slot: Path) -> bytes | None:
        return next(scripted, None) or real_read(slot)

    monkeypatch.setattr(witness_module, "_read_slot", read_slot)
    assert witness.heads() == {"chain": WitnessedHead(5, "h5")}
    assert next(scripted, None) is None


def test_two_writers_in_parallel_never_set_the_witness_back(tmp_path):
    """Two processes append at once; a watcher reads the witness file all along: its count
    never goes down, and at the end it is the log's head."""
    db = tmp_path / "magcore.db"
    url = f"sqlite:///{db}"
    open_service(url).close()
    witness = FileWitness(tmp_path / "magcore.db.keys.witness")
    seen: list[int] = []
    done = threading.Event()

    def watch() -> None:
        while not done.is_set():
            seen.extend(head.count for head in witness.heads().values())

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        writers = [
            subprocess.Popen([sys.executable, "-c", _WRITER, url, "150", who])
            for who in ("w1", "w2")
        ]
        assert [writer.wait(timeout=300) for writer in writers] == [0, 0]
    finally:
        done.set()
        watcher.join()
    assert seen
    assert all(a <= b for a, b in itertools.pairwise(seen))
    service = open_service(url)
    try:
        result = verify_store(service.store)
        assert result.ok, result.problem
        assert result.witnessed == result.entries == 300
    finally:
        service.close()


@pytest.fixture
def pg_url(postgresql_url):
    return schema_url(postgresql_url, "witness_")


@pytest.mark.postgres
def test_postgresql_a_rolled_back_revocation_and_cut_reads_are_reported(
    tmp_path, pg_url, monkeypatch
):
    """The same on PostgreSQL, with the file provider's witness in the key folder."""
    pytest.importorskip("magcore_postgres")
    import psycopg

    monkeypatch.setenv("MAGCORE_KEY_FOLDER", str(tmp_path))
    _granted_and_revoked(pg_url)
    service = open_service(pg_url)
    try:
        assert verify_store(service.store).ok
    finally:
        service.close()
    with psycopg.connect(pg_url, autocommit=True) as conn:
        seq = conn.execute(
            "SELECT seq FROM magcore_audit WHERE action = 'sharing.revoked'"
        ).fetchone()[0]
        before = conn.execute(
            "SELECT hash FROM magcore_audit WHERE seq = %s", (seq - 1,)
        ).fetchone()[0]
        conn.execute("DELETE FROM magcore_audit WHERE seq >= %s", (seq,))
        conn.execute("UPDATE magcore_audit_head SET count = %s, last_hash = %s", (seq - 1, before))
    service = open_service(pg_url)
    try:
        result = verify_store(service.store)
        assert result.problem is not None
        assert (result.ok, result.problem.seq) == (False, seq)
        assert "the key provider witnessed" in result.problem.reason
        with pytest.raises(StorageError, match=f"line {seq} is missing"):
            service.store.append_audit([_read("hr")])
    finally:
        service.close()


def test_a_torn_slot_leaves_the_other_whole(tmp_path):
    """A crash while a slot is written leaves the other slot: the witness lags, it does not
    break; both slots unreadable is an error, never "no witness"."""
    from magcore.errors import KeyProviderError

    witness = FileWitness(tmp_path / "keys.witness")
    witness.raise_to("c", 3, "h3")
    witness.raise_to("c", 4, "h4")
    witness.raise_to("c", 2, "h2")  # lower: ignored
    assert witness.read("c") == WitnessedHead(4, "h4")
    newest = witness.slots[0]  # generation 2 (generation n goes to slot n % 2)
    newest.write_bytes(newest.read_bytes()[:20])
    assert witness.read("c") == WitnessedHead(3, "h3")
    witness.raise_to("c", 5, "h5")
    assert witness.read("c") == WitnessedHead(5, "h5")
    for slot in witness.slots:
        slot.write_bytes(b"{}")
    with pytest.raises(KeyProviderError, match="cannot be read"):
        witness.read("c")


def test_a_reader_that_finds_both_slots_changing_reads_again_under_the_lock(tmp_path, monkeypatch):
    """Writers in quick turns can be changing each slot just as an unlocked reader reads it
    (seen in CI under load): the reader reads again under the lock, where no writer runs, and
    finds the head; two slots that are still torn then are damage, and say so."""
    import magcore.crypto.witness as module

    witness = FileWitness(tmp_path / "w.witness")
    for count in (1, 2, 3):
        witness.raise_to("chain", count, f"h{count}")
    real = module._read_slot
    torn = iter([b"00000000000000000009\n{torn", b"00000000000000000010\n{torn"])
    monkeypatch.setattr(module, "_read_slot", lambda slot: next(torn, None) or real(slot))
    assert witness.heads() == {"chain": WitnessedHead(3, "h3")}
    monkeypatch.setattr(module, "_read_slot", lambda slot: b"00000000000000000009\n{torn")
    with pytest.raises(KeyProviderError, match="no slot is whole"):
        witness.heads()


def test_a_witness_whose_files_were_removed_is_reported_not_taken_for_none(tmp_path):
    """A review found that deleting the witness files (possible for whoever may change the
    folder, with no key) switched the rollback check off without a word: a log cut after that
    verified and took new lines. The key file records which logs were witnessed, so a witness
    that lost one is reported and the store refuses to write; accepting it on the record
    witnesses the log anew."""
    db = tmp_path / "magcore.db"
    url = f"sqlite:///{db}"
    _granted_and_revoked(url)
    seq = _unrevoke_sqlite(db)
    for slot in tmp_path.glob("magcore.db.keys.witness*"):
        slot.unlink()
    service = open_service(url)
    try:
        result = verify_store(service.store)
        assert not result.ok
        assert result.problem is not None
        assert "holds no head for this audit log" in result.problem.reason
        with pytest.raises(KeyProviderError, match="files were removed or replaced"):
            service.store.append_audit([_read("hr")])
    finally:
        service.close()
    provider = FileKeyProvider.open(tmp_path / "magcore.db.keys", create=False)
    raw = SQLiteStore.open(url)
    try:
        accepted = accept_restored_log(raw, provider, origin="cli", reason="witness lost")
        assert accepted is not None
        assert accepted.restored == seq - 1
        last = list(raw.read_audit())[-1]
        assert last["action"] == ROLLED_BACK
        assert "witness of this log was lost" in last["reason"]
    finally:
        raw.close()
    service = open_service(url)
    try:
        assert verify_store(service.store).ok
        service.store.append_audit([_read("hr")])
    finally:
        service.close()


def test_a_log_witnessed_for_the_first_time_is_recorded_in_the_key_file(tmp_path):
    """The record of witnessed logs lives in the key file (which no one without the keys can
    change), once per log; a store that was never witnessed is not reported."""
    url = f"sqlite:///{tmp_path / 'magcore.db'}"
    _granted_and_revoked(url)
    provider = FileKeyProvider.open(tmp_path / "magcore.db.keys", create=False)
    db = tmp_path / "magcore.db"
    # at its place, and under its first line alone (the highest head of all its places)
    assert provider.witnessed_chains == {_chain(db), _lines(db)[0]}
    other = FileKeyProvider.open(tmp_path / "other.keys")
    assert other.witnessed_audit_head(_chain(tmp_path / "magcore.db")) is None
