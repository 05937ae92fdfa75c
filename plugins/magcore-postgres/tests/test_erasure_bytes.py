"""Erasure on PostgreSQL: no erased text in ``pg_dump`` output, before or after the erasure.

The content is encrypted before it reaches the events table, so a dump (a backup) never holds it
in clear; erasure destroys the conversation's data key (the key table is vacuumed), and a dump
taken before holds that key only wrapped by a KEK that is retired afterwards.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import UTC, date, datetime
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit, urlunsplit

import pytest
from magcore_postgres import PostgresStore

from magcore import FixedClock, Service
from magcore.access.erasure import destroy_conversation
from magcore.access.retention import SELECTIELIJST_2020
from magcore.crypto import KeyRing
from magcore.errors import MagcoreError
from magcore.i18n import message
from magcore.storage import MemoryStore
from magcore.testing import raw_conversation
from magcore.testing.erasure import write_story

NOW = datetime(2025, 3, 3, 9, tzinfo=UTC)
CYCLES = Path(__file__).resolve().parents[3] / "docs" / "examples" / "cycles"


def pg_dump(schema_url: str) -> bytes:
    """``pg_dump`` of the schema that *schema_url* writes to (data and definitions)."""
    tool = shutil.which("pg_dump")
    if tool is None:
        pytest.fail("pg_dump is not installed (apt-get install postgresql-client)")
    parts = urlsplit(schema_url)
    options = unquote(parse_qs(parts.query)["options"][0])
    schema = options.partition("search_path=")[2]
    plain = urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))
    done = subprocess.run(
        [tool, "--schema", schema, "--dbname", plain], capture_output=True, check=False
    )
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    return done.stdout


def found(blob: bytes, markers) -> list[str]:
    return [m for m in markers if m.encode() in blob]


@pytest.mark.postgres
def test_no_erased_text_in_pg_dump_before_or_after_erasure(schema_url, tmp_path, monkeypatch):
    monkeypatch.setenv("MAGCORE_KEY_FOLDER", str(tmp_path))
    store = PostgresStore.open(schema_url)
    service = Service(store, clock=FixedClock(NOW))
    try:
        cycle = service.add_cycle(json.loads((CYCLES / "employee-manager.json").read_text()))
        story = write_story(service, cycle, "e-1", "m-1", on=date(2025, 2, 10))
        every = (*story.erased, *story.kept)
        clear = json.dumps([e.to_json() for _, e in service.store.read_all()]).encode()
        assert found(clear, every) == list(every)  # the search finds them where they are clear

        before = pg_dump(schema_url)
        assert found(before, every) == []
        keys = service.store.keys
        [c1_key] = [k for k in store.list_keys("conversation:c1") if k.alive]

        destroy_conversation(
            service.store, "c1", profile=SELECTIELIJST_2020, due=NOW.date(), clock=FixedClock(NOW)
        )
        after = pg_dump(schema_url)
        assert found(after, story.erased) == []
        assert c1_key.wrapped is not None
        assert c1_key.wrapped.hex() in before.decode(errors="replace")
        assert c1_key.wrapped.hex() not in after.decode(errors="replace")
        [carried] = raw_conversation(service, "c2").carried_forward
        assert carried.text == message("content.erased", "nl")

        # The dump taken before holds c1's key wrapped by this KEK; retired, it opens nothing.
        old = keys.provider.current_kek_id()
        assert c1_key.kek_id == old
        keys.provider.new_kek()
        keys.rotate_kek()
        keys.provider.retire_kek(old)
        restored = MemoryStore()  # the key row as the earlier dump holds it, restored
        restored.add_keys([c1_key])
        with pytest.raises(MagcoreError):
            KeyRing(restored, keys.provider).aead(c1_key.id)
    finally:
        service.close()


@pytest.mark.postgres
def test_no_detail_of_an_erased_persons_sharing_choices_in_pg_dump(
    schema_url, tmp_path, monkeypatch
):
    """Whom e-1 confided in, and for what, is in the listing index in clear (the events hold
    it sealed); after erase_person no row of it is left, nor the sealed details' key, and the
    listing opens nothing through the choice. (A read or a listing through a choice has its
    own audit line, naming its reader and purpose: the log keeps that, so none is made here
    before the dump is searched.)"""
    from magcore.access.erasure import ErasureReason, erase_person
    from magcore.domain.sharing import GrantSharing

    monkeypatch.setenv("MAGCORE_KEY_FOLDER", str(tmp_path))
    store = PostgresStore.open(schema_url)
    service = Service(store, clock=FixedClock(NOW))
    confidant, purpose = "vp-Zq8Vertrouwenspersoon", "zq8-reintegratie-na-verzuim"
    try:
        cycle = service.add_cycle(json.loads((CYCLES / "employee-manager.json").read_text()))
        write_story(service, cycle, "e-1", "m-1", on=date(2025, 2, 10))
        service.share(
            GrantSharing(
                actor="e-1", person="e-1", to=confidant, what="whole_record", purpose=purpose
            )
        )
        assert found(pg_dump(schema_url), [confidant, purpose]) == [confidant, purpose]

        reason = ErasureReason("request", reference="ZAAK-2025-0012")
        done = erase_person(service.store, "e-1", clock=FixedClock(NOW), actor="po", reason=reason)
        assert done.choices == 1
        assert found(pg_dump(schema_url), [confidant, purpose]) == []
        assert service.listing(confidant, purpose=purpose).items == ()
        assert service.sharing("e-1").choices == {}
    finally:
        service.close()
