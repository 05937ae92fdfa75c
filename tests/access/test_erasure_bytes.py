"""Erasure is key destruction: no erased text in the raw bytes of the SQLite file, nor in a copy.

Issue 13's must-hold: after erasure, none of the erased text can be found by searching the raw
bytes of the SQLite file (and its write-ahead log), nor of a copy taken before the erasure. The
content is never in the file in clear at all (only ciphertext), before the erasure too; the copy
taken before holds the conversation's data key wrapped by a KEK that is retired afterwards.
"""

from __future__ import annotations

import json
import shutil
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from magcore import FixedClock, open_service
from magcore.access.content import ContentStore
from magcore.access.erasure import ErasureReason, destroy_conversation, erase_person
from magcore.access.reading import read_conversation
from magcore.access.retention import SELECTIELIJST_2020
from magcore.crypto import ContentCipher, FileKeyProvider, KeyRing, is_token
from magcore.errors import KeyDestroyedError, MagcoreError
from magcore.i18n import message
from magcore.storage import SQLiteStore
from magcore.testing import raw_conversation
from magcore.testing.erasure import write_story

from ..conftest import EXAMPLE_CYCLES

NOW = datetime(2025, 3, 3, 9, tzinfo=UTC)


def raw(path: Path) -> bytes:
    """The database file and its write-ahead log, as bytes."""
    found = b""
    for part in (path, path.with_name(path.name + "-wal")):
        if part.exists():
            found += part.read_bytes()
    return found


def found_markers(blob: bytes, markers) -> list[str]:
    return [m for m in markers if m.encode() in blob or m.encode("utf-16-le") in blob]


@pytest.fixture
def story(tmp_path):
    db = tmp_path / "live" / "magcore.db"
    db.parent.mkdir()
    service = open_service(f"sqlite:///{db}", clock=FixedClock(NOW))
    cycle = service.add_cycle(json.loads((EXAMPLE_CYCLES / "employee-manager.json").read_text()))
    told = write_story(service, cycle, "e-1", "m-1", on=date(2025, 2, 10))
    yield service, db, told
    service.close()


def test_content_is_never_in_the_file_in_clear_and_reads_back(story):
    """Before any erasure: only ciphertext in the events table, plaintext through the service."""
    service, db, told = story
    assert isinstance(service.store, ContentStore)
    assert found_markers(raw(db), (*told.erased, *told.kept)) == []
    clear = json.dumps([e.to_json() for _, e in service.store.read_all()]).encode()
    assert found_markers(clear, (*told.erased, *told.kept)) == [*told.erased, *told.kept]
    stored = service.store.inner.read("conversation:c1")
    record = next(e for e in stored if e.type == "record.drafted")
    assert is_token(record.data["summary"])
    assert is_token(record.data["answers"])
    conv = raw_conversation(service, "c1")
    assert conv.record.summary == told.erased[0]
    [carried] = raw_conversation(service, "c2").carried_forward
    assert carried.text == raw_conversation(service, "c1").agreements[0].text


def test_after_destroying_a_conversation_its_text_is_gone_even_from_an_earlier_copy(story):
    """destroy_conversation destroys c1's key: c1 reads as destroyed, the copy carried into c2
    reads as erased, c2's own text stays; a copy taken before is unreadable once the KEK
    that wrapped c1's key is retired, and no marker is in any of the bytes."""
    service, db, told = story
    backup = db.parent.parent / "backup"
    backup.mkdir()
    for part in db.parent.glob("magcore.db*"):
        if not part.name.endswith(".keys"):
            shutil.copy2(part, backup / part.name)
    old_keys = backup / "old.keys"  # a key file kept with the backup: what the docs warn of
    shutil.copy2(db.with_name("magcore.db.keys"), old_keys)

    tombstone = destroy_conversation(
        service.store, "c1", profile=SELECTIELIJST_2020, due=NOW.date(), clock=FixedClock(NOW)
    )
    assert tombstone.data["keys"]
    # append-only: the events stay (ciphertext), the tombstone follows them
    assert [e.type for e in service.store.inner.read("conversation:c1")][-1] == "stream.destroyed"
    view = read_conversation(
        service.store, "c1", viewer="e-1", purpose="own", clock=FixedClock(NOW)
    )
    assert view.destroyed
    [carried] = raw_conversation(service, "c2").carried_forward
    assert carried.text == message("content.erased", "nl")
    assert [t.text for t in raw_conversation(service, "c2").topics] == list(told.kept)
    assert service.store.open_agreements("e-1") == []
    assert found_markers(raw(db), told.erased) == []

    keys = service.store.keys
    provider = keys.provider
    # The current key file remembers the destroyed key: the earlier copy does not open it.
    copy = SQLiteStore.open(f"sqlite:///{backup / 'magcore.db'}")
    try:
        current = ContentCipher(
            KeyRing(copy, FileKeyProvider.open(db.with_name("magcore.db.keys")))
        )
        record = next(e for e in copy.read("conversation:c1") if e.type == "record.drafted")
        # the record's content is one token (in its first content field, the summary)
        where = {"stream": "conversation:c1", "version": record.version}
        with pytest.raises(KeyDestroyedError):
            current.open_event(record.data["summary"], **where)
        # A key file from before the erasure, kept with the backup, still opens it until the
        # KEK is retired: why rule 2 of the docs (keep the key file apart, rotate and retire
        # the KEK after erasures) matters.
        early = ContentCipher(KeyRing(copy, FileKeyProvider.open(old_keys)))
        assert early.open_event(record.data["summary"], **where)["/data/summary"] == told.erased[0]

        old = provider.current_kek_id()
        provider.new_kek()
        keys.rotate_kek()
        provider.retire_kek(old)
        assert found_markers(raw(backup / "magcore.db"), told.erased) == []
        late = ContentCipher(KeyRing(copy, FileKeyProvider.open(db.with_name("magcore.db.keys"))))
        with pytest.raises(MagcoreError):
            late.open_event(record.data["summary"], **where)
        # the live store still reads what was not erased, under the new KEK
        fresh = ContentCipher(
            KeyRing(service.store.inner, FileKeyProvider.open(db.with_name("magcore.db.keys")))
        )
        c2 = service.store.inner.read("conversation:c2")
        topic = next(e for e in c2 if e.type == "topic.raised")
        assert (
            fresh.open_event(topic.data["text"], stream="conversation:c2", version=topic.version)[
                "/data/text"
            ]
            == told.kept[0]
        )
    finally:
        copy.close()


def test_erasing_a_person_destroys_every_record_about_them(story):
    """erase_person destroys the keys of the conversations about the person (c1 and c2) and of
    their own stream; both conversations read as destroyed, and no marker is in the bytes."""
    service, db, told = story
    done = erase_person(
        service.store,
        "e-1",
        clock=FixedClock(NOW),
        actor="privacy-officer",
        reason=ErasureReason("request", reference="ZAAK-2025-0012"),
    )
    assert set(done.streams) == {"conversation:c1", "conversation:c2"}
    for conversation in ("c1", "c2"):
        view = read_conversation(
            service.store, conversation, viewer="e-1", purpose="own", clock=FixedClock(NOW)
        )
        assert view.destroyed
    assert found_markers(raw(db), (*told.erased, *told.kept)) == []
    lines = [(e["action"], e["object"], e["reason"]) for e in service.store.read_audit()]
    assert ("erase", "conversation:c1", "request ref:ZAAK-2025-0012") in lines
    assert ("erase", "person:e-1", "request ref:ZAAK-2025-0012") in lines


def test_a_token_moved_to_another_field_is_refused_not_shown(story):
    """Ciphertext copied from the private note into the summary (an edit of the file) does not
    decrypt there: reading raises ContentIntegrityError instead of showing the note."""
    import sqlite3

    from magcore.errors import ContentIntegrityError

    service, db, _told = story
    stored = service.store.inner.read("conversation:c1")
    note = next(e for e in stored if e.type == "note.private_added").data["text"]
    summary = next(e for e in stored if e.type == "record.drafted").data["summary"]
    service.close()
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE events SET data = replace(data, ?, ?)", (summary, note))
    reopened = open_service(f"sqlite:///{db}", clock=FixedClock(NOW))
    try:
        with pytest.raises(ContentIntegrityError, match="/data/summary"):
            raw_conversation(reopened, "c1")
    finally:
        reopened.close()
