"""A database administrator without keys edits the guarded listing's index (``sharing_choice``,
``restriction``, ``listing_person``): the listing must not disclose on a row the events did not
make, and says which rows it did not believe (attacker review 2, a6 and a6b).

Each edit that would widen a listing is tried on SQLite and PostgreSQL: a choice inserted, a
revoked choice made alive again, a restriction row deleted (also with the person's own index
row), and rows kept from before a revocation put back. A deleted choice only narrows (and
``magcore store check`` names it: ``tests/app/test_check_listing_index.py``).
"""

from __future__ import annotations

import contextlib
import itertools

import pytest

from magcore.domain.sharing import GrantSharing, RevokeSharing

from ..support.postgres import store_url
from .test_listing_store_index import PURPOSES, VIEWERS, _open, _same_as_oracle, _world


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request, tmp_path, monkeypatch):
    return store_url(request, tmp_path, monkeypatch, "forged")


def _dba(url, statement, params=()):
    """Run *statement* as the database administrator ({table} names the engine's table);
    returns the rows it selects."""
    if url.startswith("sqlite"):
        import sqlite3

        conn = sqlite3.connect(url.removeprefix("sqlite:///"))
        try:
            cur = conn.execute(statement.format(p=""), params)
            rows = cur.fetchall()
            conn.commit()
            return rows
        finally:
            conn.close()
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        cur = conn.execute(statement.format(p="magcore_").replace("?", "%s"), params)
        return cur.fetchall() if cur.description else []


def _ids(service, viewer, purpose="advice"):
    return set(service.listing(viewer, purpose=purpose).ids)


def test_the_ordinary_listing_believes_every_row(url):
    service = _open(url, fresh=True)
    try:
        _world(service)
        assert _same_as_oracle(service) >= 3
        for viewer, purpose in itertools.product(VIEWERS, PURPOSES):
            assert service.listing(viewer, purpose=purpose).doubts == ()
    finally:
        service.close()


def test_an_inserted_sharing_choice_lists_nothing(url):
    service = _open(url, fresh=True)
    try:
        mine, stress, _ = _world(service)
        assert _ids(service, "c1") == set()
        # a choice e1 never made, naming c1, with a seal copied from one of e1's rows
        _dba(
            url,
            "INSERT INTO {p}sharing_choice (choice, subject, grantee, what, purpose,"
            " granted_at) VALUES (77, 'e1', 'c1', 'whole_record', 'advice',"
            " '2020-01-01T00:00:00+00:00')",
        )
        if _dba(url, "SELECT 1 FROM {p}sharing_choice WHERE subject = 'e1' AND choice = 1"):
            with contextlib.suppress(Exception):  # an index without seals: the attack as it was
                _dba(
                    url,
                    "UPDATE {p}sharing_choice SET (version, restricted, seal) = (SELECT version,"
                    " restricted, seal FROM {p}sharing_choice WHERE subject = 'e1' AND"
                    " choice = 1) WHERE choice = 77",
                )
        listing = service.listing("c1", purpose="advice")
        assert mine not in listing.ids
        assert listing.ids == ()
        assert any("row 77 of person e1" in d for d in listing.doubts)
        # the audit line of the listing says so
        last = list(service.store.read_audit())[-1]
        assert last["action"] == "list"
        assert "not believed" in last["reason"]
        # e1's own choices still list for the grantee they name (decided from the events)
        assert mine in _ids(service, "hr")
        assert stress not in _ids(service, "hr")
    finally:
        service.close()


def test_a_deleted_restriction_row_does_not_bring_a_record_back(url):
    service = _open(url, fresh=True)
    try:
        mine, stress, _ = _world(service)
        assert mine in _ids(service, "hr")
        assert stress not in _ids(service, "hr")
        assert stress not in _ids(service, "e1", "conversation")
        _dba(url, "DELETE FROM {p}restriction")
        listing = service.listing("hr", purpose="advice")
        assert stress not in listing.ids
        assert mine in listing.ids
        assert any("restriction of person e1 is missing" in d for d in listing.doubts)
        assert stress not in _ids(service, "e1", "conversation")
        # the person's own index row too: their restrictions come from their events
        _dba(url, "DELETE FROM {p}listing_person")
        assert stress not in _ids(service, "hr")
        listing = service.listing("e1", purpose="conversation")
        assert stress not in listing.ids
        assert mine in listing.ids
        assert any("no row for person e1" in d for d in listing.doubts)
        assert mine in _ids(service, "hr")
    finally:
        service.close()


def test_a_revoked_choice_made_alive_again_lists_nothing(url):
    service = _open(url, fresh=True)
    try:
        mine, _, theirs = _world(service)
        assert theirs not in _ids(service, "x")
        _dba(url, "UPDATE {p}sharing_choice SET revoked_at = NULL")
        listing = service.listing("x", purpose="advice")
        assert theirs not in listing.ids
        assert mine in listing.ids  # e1's choice for x is alive (until two days on)
        assert any("of person e2 does not verify" in d for d in listing.doubts)
    finally:
        service.close()


def test_rows_kept_from_before_a_revocation_and_put_back_list_nothing(url):
    service = _open(url, fresh=True)
    try:
        mine, _, _ = _world(service)
        service.share(
            GrantSharing(actor="e1", person="e1", to="c1", what="whole_record", purpose="advice")
        )
        assert mine in _ids(service, "c1")
        tables = [
            t
            for t in ("sharing_choice", "listing_person")
            if _dba(url, "SELECT 1 FROM {p}" + t + " WHERE subject = 'e1'") or t == "sharing_choice"
        ]
        kept = {t: _dba(url, "SELECT * FROM {p}" + t + " WHERE subject = 'e1'") for t in tables}
        number = max(service.sharing("e1").choices)
        service.share(RevokeSharing(actor="e1", person="e1", choice=number))
        assert mine not in _ids(service, "c1")
        for table, rows in kept.items():
            _dba(url, "DELETE FROM {p}" + table + " WHERE subject = 'e1'")
            for row in rows:
                marks = ", ".join(["?"] * len(row))
                _dba(url, "INSERT INTO {p}" + table + f" VALUES ({marks})", tuple(row))
        listing = service.listing("c1", purpose="advice")
        assert mine not in listing.ids
        assert any("put back" in d for d in listing.doubts)
    finally:
        service.close()


def test_a_new_audit_key_seals_the_index_again(url):
    """Rows sealed under an earlier audit key are sealed again (from the events) by the next
    listing after the key changes, not doubted one by one."""
    service = _open(url, fresh=True)
    try:
        mine, _, _ = _world(service)
        assert mine in _ids(service, "hr")
        provider = service.key_provider
        provider.new_audit_key()
        service.store.use_audit_key(provider.audit_key())
        listing = service.listing("hr", purpose="advice")
        assert mine in listing.ids
        assert listing.doubts == ()
        seals = _dba(url, "SELECT seal FROM {p}listing_person")
        assert seals
        assert all(s[0].startswith(f"{provider.audit_key().id}:") for s in seals)
    finally:
        service.close()


def test_a_people_row_naming_someone_in_a_conversation_lists_nothing_to_them(url):
    """A review found that a ``conversation_people`` row (the read model of who takes part)
    inserted for x listed e1's conversations, the stress one too, to x as a participant. The
    participant part of a listing is now held against the conversation's first event, which
    names its people; the rows of those who do take part still list."""
    service = _open(url, fresh=True)
    try:
        mine, stress, _ = _world(service)
        before = _ids(service, "e1", purpose="conversation")
        assert mine in before
        for conversation in (mine, stress):
            _dba(
                url,
                "INSERT INTO {p}conversation_people (person, conversation) VALUES ('x', ?)",
                (conversation,),
            )
        listing = service.listing("x", purpose="conversation")
        assert mine not in listing.ids
        assert stress not in listing.ids
        assert any("its events do not" in d for d in listing.doubts)
        assert _ids(service, "e1", purpose="conversation") == before
        # a row whose subject was edited is not believed either (store check names it)
        _dba(url, "UPDATE {p}conversations SET subject = 'e2' WHERE id = ?", (mine,))
        edited = service.listing("e1", purpose="conversation")
        assert mine not in edited.ids
        assert any("differs from its events" in d for d in edited.doubts)
    finally:
        service.close()
