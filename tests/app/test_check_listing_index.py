"""``magcore store check`` rebuilds the guarded listing's index from the events and compares the
key table with the audit log; ``magcore audit verify`` finds a key shredded in the table too
(attacker review 2, a5, a6 and a6b), on SQLite and PostgreSQL.

A database administrator without keys who inserts, edits or deletes an index row, or sets a
data key's ``wrapped`` to ``NULL`` (the record then reads as erased, with no ``destroy`` line),
is named: the table and the row, or the key and its owner.
"""

from __future__ import annotations

from collections import Counter

import pytest

from magcore.access.audit import verify_store
from magcore.access.erasure import ErasureReason, erase_person
from magcore.app.maintenance import check_store

from ..access.test_listing_index_forgery import _dba
from ..access.test_listing_store_index import _agreed, _open, _world
from ..support.postgres import store_url


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request, tmp_path, monkeypatch):
    return store_url(request, tmp_path, monkeypatch, "checkix")


def _problems(service):
    return check_store(service.store).problems


def _filled(service):
    """The first listing fills the index a new store's schema leaves pending."""
    service.listing("hr", purpose="advice")


def test_a_whole_store_has_no_index_or_key_problem(url):
    service = _open(url, fresh=True)
    try:
        _world(service)
        _filled(service)
        assert _problems(service) == ()
        # the store beneath the content codec, given the key provider, is compared in full
        inner = service.store.inner
        assert check_store(inner, provider=service.key_provider).problems == ()
        assert check_store(inner).problems == ()  # what is in clear
        assert verify_store(service.store).ok
    finally:
        service.close()


def test_store_check_names_each_edited_index_row(url):
    service = _open(url, fresh=True)
    try:
        _, stress, _ = _world(service)
        _filled(service)
        _dba(
            url,
            "INSERT INTO {p}sharing_choice (choice, subject, grantee, what, purpose,"
            " granted_at) VALUES (77, 'e1', 'c1', 'whole_record', 'advice',"
            " '2020-01-01T00:00:00+00:00')",
        )
        _dba(url, "UPDATE {p}sharing_choice SET revoked_at = NULL WHERE subject = 'e2'")
        _dba(url, "DELETE FROM {p}restriction")
        problems = _problems(service)
        assert "listing index table sharing_choice, row e1#77: the events hold no such row" in (
            problems
        )
        assert any(
            p.startswith("listing index table sharing_choice, row e2#") and "revoked_at" in p
            for p in problems
        )
        assert (
            f"listing index table restriction, row e1#{stress}: missing (the events hold it)"
            in (problems)
        )
        # without the content keys, what is in clear is still compared
        bare = check_store(service.store.inner).problems
        assert any("row e1#77" in p for p in bare)
        assert any(f"restriction, row e1#{stress}" in p for p in bare)
        _dba(url, "DELETE FROM {p}listing_person WHERE subject = 'e1'")
        assert "listing index table listing_person, row e1: missing (the events hold it)" in (
            _problems(service)
        )
    finally:
        service.close()


def test_a_key_shredded_in_the_table_is_reported_by_store_check_and_audit_verify(url):
    """Each key shredded so is named by the store check (two here); audit verify names the
    first."""
    service = _open(url, fresh=True)
    try:
        conversation = _agreed(service, "e1")
        other = f"conversation:{_agreed(service, 'e2')}"
        table = "{p}data_keys" if url.startswith("sqlite") else "{p}keys"
        owner = f"conversation:{conversation}"
        for shredded in (owner, other):
            assert _dba(url, f"SELECT id FROM {table} WHERE owner = ?", (shredded,))
            _dba(
                url,
                f"UPDATE {table} SET wrapped = NULL, destroyed = '2025-01-01T00:00:00+00:00'"
                " WHERE owner = ?",
                (shredded,),
            )
        problems = _problems(service)
        for shredded in (owner, other):
            assert any(
                f"of {shredded} was destroyed" in p and "no destroy or erase line" in p
                for p in problems
            )
        result = verify_store(service.store)
        assert not result.ok
        assert result.problem is not None
        assert result.problem.event == "data_keys"
        assert owner in result.problem.reason or other in result.problem.reason
    finally:
        service.close()


def test_keys_destroyed_by_an_erasure_are_explained(url):
    service = _open(url, fresh=True)
    try:
        _world(service)
        _filled(service)
        erase_person(
            service.store,
            "e1",
            clock=service.clock,
            actor="po",
            reason=ErasureReason("request"),
        )
        assert _problems(service) == ()
        assert verify_store(service.store).ok
    finally:
        service.close()


def test_an_erasure_does_not_explain_a_key_made_after_it(url):
    """A review found that an erasure's line explained every key of its owner, also one made
    later (the person shared again): a keyless writer could shred that one unseen. A line
    explains only the keys made before it."""
    from datetime import timedelta

    from magcore.domain.sharing import GrantSharing

    service = _open(url, fresh=True)
    try:
        _world(service)
        erase_person(
            service.store, "e1", clock=service.clock, actor="po", reason=ErasureReason("request")
        )
        service.clock.advance(timedelta(days=1))
        service.share(
            GrantSharing(
                actor="e1", person="e1", to="hr_adviser", what="agreements", purpose="advice"
            )
        )
        table = "{p}data_keys" if url.startswith("sqlite") else "{p}keys"
        live = _dba(
            url, f"SELECT id FROM {table} WHERE owner = 'person:e1' AND wrapped IS NOT NULL"
        )
        assert live
        assert verify_store(service.store).ok
        _dba(
            url,
            f"UPDATE {table} SET wrapped = NULL, destroyed = '2030-01-01T00:00:00+00:00'"
            " WHERE id = ?",
            (live[0][0],),
        )
        problem = verify_store(service.store).problem
        assert problem is not None
        assert problem.event == "data_keys"
        assert live[0][0] in problem.reason
        assert any(live[0][0] in p for p in _problems(service))
    finally:
        service.close()


def test_store_check_reads_the_audit_log_and_the_key_table_once(url, monkeypatch):
    """The audit chain's check collects the lines that destroy keys and compares the key table
    with them; the store check takes that, rather than reading the log and the table again
    (it read both twice)."""
    service = _open(url, fresh=True)
    try:
        _world(service)
        _filled(service)
        reason = ErasureReason("request")
        erase_person(service.store, "e1", clock=service.clock, actor="po", reason=reason)
        inner = service.store.inner
        lines = inner.audit_head().count
        read: list[int] = []
        tables: list[int] = []
        audit_lines, list_keys = inner.read_audit, inner.list_keys

        def read_audit(*args, **kwargs):
            for line in audit_lines(*args, **kwargs):
                read.append(int(line["seq"]))
                yield line

        def counted_keys(*args, **kwargs):
            tables.append(1)
            return list_keys(*args, **kwargs)

        monkeypatch.setattr(inner, "read_audit", read_audit)
        monkeypatch.setattr(inner, "list_keys", counted_keys)

        assert _problems(service) == ()

        assert len(tables) == 1
        # every line once; the first may be read once more (the witness names the chain by it)
        times = Counter(read)
        assert set(times) == set(range(1, lines + 1))
        assert [seq for seq, n in times.items() if n > (2 if seq == 1 else 1)] == []
    finally:
        service.close()
