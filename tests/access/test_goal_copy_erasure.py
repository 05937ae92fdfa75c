"""A goal made from a record's agreement holds a copy of the record's words: the copy goes with
the conversation (its key), as a carried-forward agreement does.

The security review found that after ``destroy_conversation`` the goal still gave its title (the
record's words) to the employee and the manager, and that a copy of the store taken before the
erasure, opened with the current key file, read it too: the copy was sealed with the goal's own
key, which no erasure of the conversation destroyed. Now the words are sealed with the
conversation's key (``copied_from``); progress notes stay the goal's own. A goal of an older
store (its copy under the goal's key) loses that key with the conversation.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit, urlunsplit

import pytest

from magcore import (
    ConfirmRecord,
    CycleDefinition,
    DraftRecord,
    FixedClock,
    MarkHeld,
    NoteProgress,
    SetGoal,
    get_plugin_manager,
    hookimpl,
    open_service,
)
from magcore.access import audit
from magcore.access.erasure import (
    ErasureReason,
    destroy_conversation,
    destroy_conversations,
    erase_person,
)
from magcore.access.retention import SELECTIELIJST_2020
from magcore.crypto import key_id_of
from magcore.domain.goals import decide_goal, goal_stream, record_goal_id
from magcore.i18n import message
from magcore.model.records import Agreement, Participant
from magcore.storage.base import StreamWrite
from magcore.testing import approve_cycle

from ..app.test_goal_links import CYCLE, DAY, FORM, ORG
from ..support.postgres import store_url
from .test_erasure_bytes import found_markers, raw

NOW = datetime(2025, 3, 3, 9, tzinfo=UTC)
#: The goal's words as written in the record: what must not come out after the erasure.
WORDS = "Zq9GoalWordsBurnoutTherapieGGZ"
#: The employee's progress note on the goal: the goal's own words, which stay.
NOTE = "Zq9ProgressNoteFietsenNaarWerk"
#: The words of a goal the manager set in their own words, agreed in the employee's conversation.
MANAGERS = "Zq9ManagersOwnGoalCoachen"
ERASED = message("content.erased", "nl")


class _Plugin:
    @hookimpl
    def magcore_register_cycles(self, register: Any) -> None:
        register(CYCLE)

    @hookimpl
    def magcore_register_forms(self, register: Any) -> None:
        register(FORM)


def _open(url: str) -> Any:
    extra: list[tuple[str, Any]] = [("linked", _Plugin())]
    if url.startswith("postgresql"):
        from magcore_postgres import plugin

        extra.append(("postgres", plugin))
    host = get_plugin_manager(load_entry_points=False, extra=extra)
    return open_service(url, clock=FixedClock(NOW), host=host)


@pytest.fixture(params=["memory", "sqlite", "postgresql"])
def url(request, tmp_path, monkeypatch):
    return store_url(request, tmp_path, monkeypatch, "gc")


@pytest.fixture
def world(url):
    service = _open(url)
    service.import_organisation(ORG, actor="hr")
    approve_cycle(service, CycleDefinition.from_json(CYCLE))
    person = next(p for p in sorted(ORG.people) if ORG.manager_of(p, DAY) not in (None, p))
    manager = ORG.manager_of(person, DAY)
    yield service, person, manager
    service.close()


def _held(service: Any, person: str, manager: str) -> str:
    conv = service.request(
        cycle="linked",
        kind="talk",
        participants=[Participant(person, "employee"), Participant(manager, "manager")],
        actor=person,
    )
    service.execute(conv.id, MarkHeld(actor=manager, on=DAY))
    return str(conv.id)


def _agreed(service: Any, person: str, manager: str, **draft: Any) -> str:
    cid = _held(service, person, manager)
    drafted = service.execute(cid, DraftRecord(actor=person, **draft))
    for who in (person, manager):
        service.execute(cid, ConfirmRecord(actor=who, revision=drafted.revision))
    return cid


def _destroy(service: Any, cid: str) -> None:
    destroy_conversation(
        service.store, cid, profile=SELECTIELIJST_2020, due=NOW.date(), clock=service.clock
    )


def _legacy_goal(
    service: Any, cid: str, owner: str, other: str, agreement: str, title: str = WORDS
) -> str:
    """The goal an older magcore made from agreement *agreement* of *cid*'s record: the same
    ``goal.set`` event, without ``copied_from``, so its words are sealed with the goal's key."""
    gid = record_goal_id(cid, agreement)
    command = SetGoal(
        actor=owner,
        goal_id=gid,
        owner=owner,
        title=title,
        agreed_in=cid,
        collaborators=(other,),
        agreement=f"{cid}#{agreement}",
    )
    service.store.append([StreamWrite(goal_stream(gid), 0, decide_goal(None, command, now=NOW))])
    return gid


def _key_of_title(service: Any, gid: str) -> str:
    first = service.store.inner.read(goal_stream(gid))[0]
    return key_id_of(first.data["title"])


def _live_keys(service: Any, owner: str) -> list[str]:
    return [k.id for k in service.store.keys.store.list_keys(owner) if k.alive]


def _pg_dump(schema_url: str) -> bytes:
    tool = shutil.which("pg_dump")
    assert tool is not None, "pg_dump is not installed (apt-get install postgresql-client)"
    parts = urlsplit(schema_url)
    schema = unquote(parse_qs(parts.query)["options"][0]).partition("search_path=")[2]
    plain = urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))
    done = subprocess.run(
        [tool, "--schema", schema, "--dbname", plain], capture_output=True, check=False
    )
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    return done.stdout


def _copy(db: Path, to: Path) -> Path:
    """The SQLite file and its log copied into *to* (a backup), without its key file."""
    to.mkdir()
    for part in db.parent.glob(db.name + "*"):
        if not part.name.endswith(".keys"):
            shutil.copy2(part, to / part.name)
    return to / db.name


def test_after_destroying_the_conversation_no_way_gives_the_goals_copied_words(
    world, url, tmp_path
):
    """The goal made from the record stays (its status, links and progress notes) and reads
    with the erased marker as its title for the employee and the manager, naming the
    conversation it was erased with; the export (the employee's goal listing) holds the goal
    without the words; the raw bytes never hold them; a copy of the store taken before the
    erasure, opened with the current key file, does not read them either."""
    service, person, manager = world
    cid = _agreed(service, person, manager, answers={"goals": [{"goal": WORDS, "link": "care"}]})
    [gid] = service.record_goal_ids(cid)
    service.execute_goal(NoteProgress(actor=person, goal_id=gid, text=NOTE))
    assert service.view_goal(gid, actor=person).goal.title == WORDS
    sealed_with = _key_of_title(service, gid)
    db = Path(url.removeprefix("sqlite:///")) if url.startswith("sqlite") else None
    backup = _copy(db, tmp_path / "backup") if db is not None else None
    dumped = _pg_dump(url) if url.startswith("postgresql") else b""

    _destroy(service, cid)

    for who in (person, manager):
        view = service.view_goal(gid, actor=who)
        assert view.goal is not None
        assert not view.destroyed
        assert view.goal.title == ERASED
        assert view.erased_with == cid
        assert [n.text for n in view.goal.progress] == [NOTE]  # the goal's own words stay
        assert WORDS not in repr(view)
    export = json.dumps(service.export(person))
    assert WORDS not in export
    [listed] = service.export(person)["goals"]
    assert (listed["id"], listed["title"], listed["status"]) == (gid, ERASED, "open")
    assert service.store.open_agreements(person) == []
    if db is not None and backup is not None:
        assert found_markers(raw(db), [WORDS, NOTE]) == []
        # the copy taken before, with the current key file (which remembers destroyed keys)
        shutil.copy2(db.with_name(db.name + ".keys"), backup.with_name(backup.name + ".keys"))
        earlier = _open(f"sqlite:///{backup}")
        try:
            before = earlier.view_goal(gid, actor=person)
            assert before.goal is not None
            assert before.goal.title == ERASED
            assert [n.text for n in before.goal.progress] == [NOTE]
            assert found_markers(raw(backup), [WORDS, NOTE]) == []
        finally:
            earlier.close()
    if url.startswith("postgresql"):
        assert found_markers(dumped, [WORDS, NOTE]) == []
        assert found_markers(_pg_dump(url), [WORDS, NOTE]) == []
    # the copy was sealed with the conversation's key, which the erasure destroyed
    assert sealed_with in [k.id for k in service.store.keys.store.list_keys(f"conversation:{cid}")]


def test_a_goal_set_directly_keeps_its_words_when_the_conversation_goes(world):
    """A goal its owner set in their own words, agreed in the conversation (and naming an
    agreement as its link), is theirs: destroying the conversation leaves its title."""
    service, person, manager = world
    cid = _agreed(
        service,
        person,
        manager,
        agreements=[Agreement(id="a1", text=WORDS, owner="employee")],
    )
    service.execute_goal(
        SetGoal(
            actor=person,
            goal_id="own",
            owner=person,
            title=NOTE,
            agreed_in=cid,
            agreement=f"{cid}#a1",
        )
    )
    _destroy(service, cid)
    view = service.view_goal("own", actor=person)
    assert view.goal is not None
    assert view.goal.title == NOTE
    assert view.erased_with is None


def test_an_older_goal_copy_under_the_goals_own_key_goes_with_the_conversation(world):
    """A goal made from a record by an older magcore holds the copy under its own key:
    destroying the conversation destroys that key too (with an audit line of its own, which
    the store check accepts), so its words and its notes until then read as erased; the goal
    stays and takes new notes under a new key."""
    service, person, manager = world
    cid = _agreed(
        service,
        person,
        manager,
        agreements=[Agreement(id="a1", text=WORDS, owner="employee")],
    )
    gid = _legacy_goal(service, cid, person, manager, "a1")
    service.execute_goal(NoteProgress(actor=person, goal_id=gid, text=NOTE))
    assert service.view_goal(gid, actor=person).goal.title == WORDS
    assert _key_of_title(service, gid) in _live_keys(service, goal_stream(gid))

    _destroy(service, cid)

    view = service.view_goal(gid, actor=person)
    assert view.goal is not None
    assert (view.goal.title, [n.text for n in view.goal.progress]) == (ERASED, [ERASED])
    assert view.erased_with == cid
    assert WORDS not in json.dumps(service.export(person))
    lines = [(e["action"], e["object"]) for e in service.store.read_audit()]
    assert ("destroy", goal_stream(gid)) in lines
    assert audit.verify_store(service.store).ok
    later = service.execute_goal(NoteProgress(actor=person, goal_id=gid, text=MANAGERS))
    assert later.goal is not None
    assert [n.text for n in later.goal.progress] == [ERASED, MANAGERS]


def test_erasing_the_employee_takes_the_copies_and_leaves_the_managers_own_goal(world):
    """erase_person of the employee: the goal made from their record is gone (theirs); a goal
    the manager owns in their own words, agreed in the employee's conversation, stays the
    manager's (as the conversations they took part in stay); one the manager owns that holds
    a copy of the employee's record words (an older store's, under its own key) loses them."""
    service, person, manager = world
    cid = _agreed(
        service,
        person,
        manager,
        answers={"goals": [{"goal": WORDS, "link": "care"}]},
        agreements=[Agreement(id="a1", text=WORDS, owner="both")],
    )
    [made] = service.record_goal_ids(cid)
    service.execute_goal(
        SetGoal(
            actor=manager,
            goal_id="managers",
            owner=manager,
            title=MANAGERS,
            agreed_in=cid,
            collaborators=(person,),
        )
    )
    copy = _legacy_goal(service, cid, manager, person, "a1")
    reason = ErasureReason("request", reference="ZAAK-1")
    done = erase_person(service.store, person, clock=service.clock, actor="po", reason=reason)

    assert goal_stream(made) in done.streams
    assert service.view_goal(made, actor=person).destroyed
    kept = service.view_goal("managers", actor=manager)
    assert kept.goal is not None
    assert kept.goal.title == MANAGERS
    copied = service.view_goal(copy, actor=manager)
    assert copied.goal is not None
    assert copied.goal.title == ERASED
    assert copied.erased_with == cid
    assert WORDS not in json.dumps(service.export(manager))
    assert audit.verify_store(service.store).ok


def test_running_the_erasure_again_reaches_an_older_copy_of_a_conversation_destroyed_before(
    world, monkeypatch
):
    """A conversation destroyed by an older magcore (its goal copy's key left alive): running
    destroy_conversation again destroys that key, and only that (the tombstone stays one)."""
    import magcore.access.erasure as erasure

    service, person, manager = world
    cid = _agreed(
        service,
        person,
        manager,
        agreements=[Agreement(id="a1", text=WORDS, owner="employee")],
    )
    gid = _legacy_goal(service, cid, person, manager, "a1")
    with monkeypatch.context() as old:  # the erasure as an older magcore did it
        old.setattr(erasure, "legacy_copies", lambda store, conversations, **_: [])
        _destroy(service, cid)
    assert service.view_goal(gid, actor=person).goal.title == WORDS
    events = len(service.store.inner.read(f"conversation:{cid}"))

    _destroy(service, cid)

    assert service.view_goal(gid, actor=person).goal.title == ERASED
    assert _live_keys(service, goal_stream(gid)) == []
    assert len(service.store.inner.read(f"conversation:{cid}")) == events
    assert audit.verify_store(service.store).ok


def _older_copies(service: Any, person: str, manager: str, n: int) -> tuple[str, list[str], str]:
    """Conversation *n*, agreed with two agreements in words of its own, and the two goals an
    older magcore made from them (one the employee's, one the manager's)."""
    words = f"{WORDS}Run{n}"
    cid = _agreed(
        service,
        person,
        manager,
        agreements=[
            Agreement(id="a1", text=words, owner="employee"),
            Agreement(id="a2", text=f"{words}Twee", owner="manager"),
        ],
    )
    goals = [
        _legacy_goal(service, cid, person, manager, "a1", title=words),
        _legacy_goal(service, cid, manager, person, "a2", title=f"{words}Twee"),
    ]
    return cid, goals, words


def _own_goals(service: Any, person: str, count: int) -> list[str]:
    """*count* goals *person* set in their own words (no conversation's copy)."""
    for n in range(count):
        service.execute_goal(SetGoal(actor=person, goal_id=f"own-{n}", owner=person, title=NOTE))
    return [f"own-{n}" for n in range(count)]


def _destroying(service: Any) -> Counter[tuple[str, str]]:
    """The audit log's lines that destroy keys, as (action, object)."""
    lines = service.store.read_audit()
    return Counter((e["action"], e["object"]) for e in lines if e["action"] == "destroy")


def _goal_reads(monkeypatch: Any, store: Any) -> list[str]:
    """The goal streams whose events *store* reads from now on (any reading method: the
    decrypting store's and the stored one's), one entry per read."""
    reads: list[str] = []

    def counting(method: Any) -> Any:
        def read(stream: str, *args: Any, **kwargs: Any) -> Any:
            if stream.startswith("goal:"):
                reads.append(stream)
            return method(stream, *args, **kwargs)

        return read

    monkeypatch.setattr(store, "read", counting(store.read))
    inner = store.inner
    for name in ("read", "read_stream", "read_stream_data"):
        if callable(getattr(inner, name, None)):
            monkeypatch.setattr(inner, name, counting(getattr(inner, name)))
    return reads


def test_a_retention_run_destroys_every_older_goal_copy_of_each_conversation(world, url):
    """destroy_conversations over several conversations destroys, for each, the keys of the
    goals an older magcore made from its record (each with its audit line), so their words
    read as erased, in the views and in the bytes; a conversation outside the run keeps its
    copy."""
    service, person, manager = world
    made = [_older_copies(service, person, manager, n) for n in range(3)]
    kept, [kept_goal, _], kept_words = _older_copies(service, person, manager, 9)
    _own_goals(service, person, 2)
    due = [(cid, SELECTIELIJST_2020, NOW.date()) for cid, _, _ in made]

    tombstones = destroy_conversations(service.store, due, clock=service.clock)

    assert [t.stream for t in tombstones] == [f"conversation:{cid}" for cid, _, _ in made]
    lines = _destroying(service)
    for cid, goals, _ in made:
        assert service.view(cid, actor=person).destroyed
        for gid in goals:
            assert _live_keys(service, goal_stream(gid)) == []
            assert lines[("destroy", goal_stream(gid))] == 1
            for who in (person, manager):
                view = service.view_goal(gid, actor=who)
                assert view.goal is not None
                assert (view.goal.title, view.erased_with) == (ERASED, cid)
    erased = [w for _, _, words in made for w in (words, f"{words}Twee")]
    assert found_markers(json.dumps(service.export(person)).encode(), erased) == []
    assert found_markers(json.dumps(service.export(manager)).encode(), erased) == []
    still = service.view_goal(kept_goal, actor=person).goal
    assert still is not None
    assert still.title == kept_words
    assert not service.view(kept, actor=person).destroyed
    if url.startswith("sqlite"):
        assert found_markers(raw(Path(url.removeprefix("sqlite:///"))), erased) == []
    if url.startswith("postgresql"):
        assert found_markers(_pg_dump(url), erased) == []
    assert audit.verify_store(service.store).ok
    # run again (the tombstones are there): nothing changes, no line is added
    again = destroy_conversations(service.store, due, clock=service.clock)
    assert again == tombstones
    assert _destroying(service) == lines


def test_a_retention_run_reads_only_the_older_copies_of_its_conversations(world, monkeypatch):
    """Finding the older goal copies reads only the goal streams under each conversation's
    prefix (``<conversation>.<agreement>``, the id such a copy has), each once: no other goal
    (a run over N conversations read every goal N times; a single destruction read them all)."""
    service, person, manager = world
    made = [_older_copies(service, person, manager, n) for n in range(4)]
    _own_goals(service, person, 3)
    goals = list(service.store.streams("goal:"))
    assert len(goals) == 4 * 2 + 3
    due = [(cid, SELECTIELIJST_2020, NOW.date()) for cid, _, _ in made]
    reads = _goal_reads(monkeypatch, service.store)

    destroy_conversations(service.store, due, clock=service.clock)

    copies = [goal_stream(gid) for _, made_copies, _ in made for gid in made_copies]
    assert Counter(reads) == Counter(copies)  # each older copy once, no other goal
    for _, copies, _ in made:
        assert all(_live_keys(service, goal_stream(gid)) == [] for gid in copies)


def test_erasing_a_person_reads_the_goal_streams_once(world, monkeypatch):
    """erase_person finds the goals the person owns and the older copies of their records in
    one pass over the goal streams (it made two, reading every goal stream whole in one); the
    goals it tombstones are read once more, for their tombstones' versions."""
    service, person, manager = world
    cid, [mine, theirs], _ = _older_copies(service, person, manager, 0)
    own = _own_goals(service, person, 2)
    service.execute_goal(SetGoal(actor=manager, goal_id="managers", owner=manager, title=MANAGERS))
    goals = list(service.store.streams("goal:"))
    reads = _goal_reads(monkeypatch, service.store)
    reason = ErasureReason("request", reference="ZAAK-2")

    done = erase_person(service.store, person, clock=service.clock, actor="po", reason=reason)

    erased = {goal_stream(g) for g in (mine, *own)}
    assert {s for s in done.streams if s.startswith("goal:")} == erased
    assert Counter(reads) == Counter(goals) + Counter(erased)
    assert _live_keys(service, goal_stream(theirs)) == []  # the manager's copy of cid's words
    assert service.view_goal("managers", actor=manager).goal.title == MANAGERS
    assert f"conversation:{cid}" in done.streams
