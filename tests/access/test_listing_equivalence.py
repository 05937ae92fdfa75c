"""The guarded listing with its cheap tests in the index lists exactly what the per-candidate
decision listed (issue 13, the listing at a million choices).

Random sharing choices (grantees, roles, ``next_manager``, what, purpose, one conversation or
all), revocations, ``until`` days, restrictions (whole record or one conversation), kinds that
are special-category in one cycle and not in another, and moments on both sides of local
midnight (to the microsecond, in Amsterdam and Auckland, across the spring DST change) are
listed three ways and compared with the oracle (:mod:`tests.access.listing_oracle`, the
listing before the tests moved into the index):

* ``python``: a source with only the older queries, the tests made by
  :func:`~magcore.access.listing.candidates_of` in Python (instants written with any UTC
  offset);
* ``sqlite`` and ``postgresql``: :class:`~magcore.access.listing.SqlListingSource` over the
  read model's ``conversations`` table and the listing index tables, the tests made by the
  engine (:func:`~magcore.storage.listing_sql.candidate_queries`).
"""

from __future__ import annotations

import itertools
import sqlite3
from datetime import UTC, date, datetime, timedelta, timezone

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from magcore.access.decision import Directory, Part, Restrictions
from magcore.access.gateway import CONTENT_PARTS, LISTING, Gateway, StoreListing
from magcore.access.listing import SqlListingSource
from magcore.access.reading import ReadPolicy
from magcore.clock import FixedClock
from magcore.model.days import local_day
from magcore.model.days import timezone as zone_named
from magcore.storage.base import ConversationRow
from magcore.storage.listing_sql import LISTING_INDEX_TABLES, instant_text
from magcore.storage.memory import MemoryStore
from magcore.storage.sql_tables import create_statements, read_model_schema
from magcore.storage.sqlite_read_models import SQLITE

from .listing_oracle import oracle_listing

#: 00:00 on 1 April 2026 in Amsterdam (summer time since 29 March): 22:00 UTC the day before.
MIDNIGHT = datetime(2026, 3, 31, 22, 0, tzinfo=UTC)
SUBJECTS = ("e1", "e2", "e3", "e4")
VIEWERS = ("hr", "x", "m1", "m2", "po", "coach", "nm", "wc")
GRANTEES = (
    "hr_adviser",
    "coach",
    "next_manager",
    "researcher",
    "works_council",
    "x",
    "hr",
    "m1",
    "po",
    "nm",
)
WHATS = ("whole_record", "agreements", "goals", "theme:vitality", "theme:money")
PURPOSES = ("advice", "handover")
POLICIES = {"mag@1": frozenset({"stress"}), "other@1": frozenset()}
SWITCH = date(2026, 4, 1)
ROW_REST = {"scheduled_on": None, "held_on": None, "medium": None, "version": 1}

MICRO = timedelta(microseconds=1)
EDGES = [
    timedelta(0),
    MICRO,
    -MICRO,
    timedelta(seconds=1),
    -timedelta(seconds=1),
    timedelta(hours=2),
    -timedelta(hours=2),
    timedelta(days=1),
    -timedelta(days=1),
]
moments = st.sampled_from(EDGES) | st.integers(-3 * 86_400, 3 * 86_400).map(
    lambda s: timedelta(seconds=s)
)
before = st.integers(1, 3 * 86_400).map(lambda s: -timedelta(seconds=s))
offsets = st.sampled_from([UTC, timezone(timedelta(hours=5)), timezone(-timedelta(hours=3.5))])


def _roles(person: str, day: date) -> frozenset[str]:
    if person == "hr":
        return frozenset({"hr_adviser"}) if day < SWITCH else frozenset()
    if person == "x":
        return frozenset({"coach"}) if day >= SWITCH else frozenset()
    return {
        "po": frozenset({"privacy_officer"}),
        "nm": frozenset({"next_manager"}),
        "wc": frozenset({"works_council"}),
        "m2": frozenset({"researcher"}),
    }.get(person, frozenset())


def _manager(person: str, day: date) -> str | None:
    if person in ("e1", "e2"):
        return "m1" if day < SWITCH else "m2"
    return "m2" if person == "e3" else None


def _reports(person: str, day: date) -> frozenset[str]:
    return frozenset(s for s in SUBJECTS if _manager(s, day) == person)


DIRECTORY = Directory(manager_of=_manager, roles_of=_roles, reports_of=_reports)


@st.composite
def worlds(draw):
    """Conversations, choices and restrictions, a listing moment, zone and viewer."""
    conversations = []
    for n in range(draw(st.integers(1, 8))):
        subject = draw(st.sampled_from(SUBJECTS[:2]) | st.sampled_from(SUBJECTS) | st.none())
        people = draw(st.sets(st.sampled_from(VIEWERS), max_size=2))
        conversations.append(
            ConversationRow(
                id=f"c{n}",
                cycle=draw(st.sampled_from(sorted(POLICIES))),
                kind=draw(st.sampled_from(("mag", "stress"))),
                state=draw(st.sampled_from(("agreed", "held"))),
                subject=subject,
                team="t1",
                participants=tuple(sorted(people | ({subject} if subject else set()))),
                requested_on=date(2026, 1, 5),
                **ROW_REST,
            )
        )
    zone = zone_named(draw(st.sampled_from(("Europe/Amsterdam", "Pacific/Auckland"))))
    at = MIDNIGHT + draw(moments)
    today = local_day(at, zone)
    ids = [c.id for c in conversations]
    viewer = draw(st.sampled_from(("hr", "x", "m1", "m2")) | st.sampled_from(VIEWERS))
    purpose = draw(st.sampled_from(PURPOSES))
    about = sorted({c.subject for c in conversations if c.subject}) or list(SUBJECTS)
    # mostly choices that could name the viewer, for the listing's purpose, about someone with
    # a conversation: the tests that decide then have something to decide
    relevant = st.sampled_from(
        sorted({viewer, "next_manager", *_roles(viewer, today), *_roles(viewer, SWITCH)})
    )
    grantees = st.one_of(relevant, relevant, relevant, st.sampled_from(GRANTEES))
    choices = []
    numbers = itertools.count(1)
    for _ in range(draw(st.integers(1, 14))):
        granted = at + draw(st.one_of(before, before, moments))
        revoked = draw(
            st.one_of(st.none(), st.none(), moments.map(lambda d, g=granted: g + abs(d) + MICRO))
        )
        until = draw(st.none() | st.integers(-2, 2).map(lambda d: today + timedelta(days=d)))
        subject = draw(st.sampled_from(about) | st.sampled_from(SUBJECTS))
        own = [c.id for c in conversations if c.subject == subject]
        choices.append(
            {
                "choice": next(numbers),
                "subject": subject,
                "grantee": draw(grantees),
                "what": draw(st.sampled_from(WHATS[:2]) | st.sampled_from(WHATS)),
                "purpose": draw(
                    st.one_of(st.just(purpose), st.just(purpose), st.sampled_from(PURPOSES))
                ),
                "until": until,
                "conversation": draw(
                    st.sampled_from([None, None, None])
                    | st.sampled_from([*own, "c99"])
                    | st.sampled_from([*ids, "c99"])
                ),
                "granted_at": granted,
                "revoked_at": revoked,
                "offset": draw(offsets),
            }
        )
    restricted = {}
    chosen = sorted({c["subject"] for c in choices})
    for subject in draw(st.sets(st.sampled_from(chosen))):
        own = [c.id for c in conversations if c.subject == subject]
        if own and draw(st.sampled_from([True, True, True, False])):
            one = frozenset({draw(st.sampled_from([*own, *own, *ids]))})
            restricted[subject] = Restrictions(conversations=one)
        else:
            restricted[subject] = Restrictions(everything=True)
    return {
        "conversations": conversations,
        "choices": choices,
        "restricted": restricted,
        "at": at,
        "zone": zone,
        "viewer": viewer,
        "purpose": purpose,
    }


class OlderSource:
    """The older ``ListingSource`` queries over a world (instants with any UTC offset)."""

    def __init__(self, world) -> None:
        self.world = world

    def participations(self, person):
        return [c for c in self.world["conversations"] if person in c.participants]

    def choices(self, grantees, subjects):
        return [
            (
                c["choice"],
                c["subject"],
                c["grantee"],
                c["what"],
                c["purpose"],
                c["until"].isoformat() if c["until"] else None,
                c["conversation"],
                c["granted_at"].astimezone(c["offset"]).isoformat(),
                c["revoked_at"].astimezone(c["offset"]).isoformat() if c["revoked_at"] else None,
            )
            for c in self.world["choices"]
            if c["grantee"] in grantees
            or (c["grantee"] == "next_manager" and c["subject"] in subjects)
        ]

    def about(self, subjects):
        return [c for c in self.world["conversations"] if c.subject in subjects]

    def restrictions(self, subjects):
        return {s: r for s, r in self.world["restricted"].items() if s in subjects}


def _fill(execute, dialect, world) -> None:
    """The world's conversations, choices and restrictions into the SQL tables."""
    mark = dialect.placeholder
    for c in world["conversations"]:
        execute(
            f"INSERT INTO {dialect.table('conversations')} (id, cycle, kind, state, subject,"
            " team, participants, requested_on, version, preparers, published)"
            f" VALUES ({', '.join([mark] * 11)})",
            (
                c.id,
                c.cycle,
                c.kind,
                c.state,
                c.subject,
                c.team,
                dialect.encode_list(c.participants),
                dialect.encode_date(c.requested_on),
                1,
                dialect.encode_list(()),
                dialect.encode_list(()),
            ),
        )
    for c in world["choices"]:
        execute(
            f"INSERT INTO {dialect.table('sharing_choice')} VALUES ({', '.join([mark] * 9)})",
            (
                c["choice"],
                c["subject"],
                c["grantee"],
                c["what"],
                c["purpose"],
                dialect.encode_date(c["until"]),
                c["conversation"],
                instant_text(c["granted_at"].astimezone(c["offset"])),
                instant_text(c["revoked_at"]) if c["revoked_at"] else None,
            ),
        )
    for subject, held in world["restricted"].items():
        rows = [None] if held.everything else []
        for conversation in [*rows, *sorted(held.conversations)]:
            execute(
                f"INSERT INTO {dialect.table('restriction')} VALUES ({mark}, {mark})",
                (subject, conversation),
            )


class Engine:
    """One way of listing: ``python`` (the older source) or an SQL engine's index tables."""

    def __init__(self, name, dialect=None, connection=None) -> None:
        self.name, self.dialect, self.connection = name, dialect, connection
        if connection is not None:
            for statement in (
                *read_model_schema(dialect),
                *create_statements(LISTING_INDEX_TABLES, dialect),
            ):
                connection.execute(statement)

    def source(self, world):
        older = OlderSource(world)
        if self.connection is None:
            return older
        conn, dialect = self.connection, self.dialect
        for table in ("restriction", "sharing_choice", "conversation_people", "agreements"):
            conn.execute(f"DELETE FROM {dialect.table(table)}")
        conn.execute(f"DELETE FROM {dialect.table('conversations')}")
        _fill(conn.execute, dialect, world)
        return SqlListingSource(
            dialect,
            lambda sql, params: conn.execute(sql, params).fetchall(),
            older.participations,
        )


@pytest.fixture(scope="module", params=["python", "sqlite", "postgresql"])
def engine(request):
    if request.param == "python":
        yield Engine("python")
    elif request.param == "sqlite":
        db = sqlite3.connect(":memory:")
        yield Engine("sqlite", SQLITE, db)
        db.close()
    else:
        psycopg = pytest.importorskip("psycopg")
        dialect = pytest.importorskip("magcore_postgres.dialect").POSTGRES
        url = request.getfixturevalue("postgresql_url")
        conn = psycopg.connect(url, autocommit=True)
        conn.execute("CREATE SCHEMA listing_equivalence")
        conn.execute("SET search_path TO listing_equivalence")
        yield Engine("postgresql", dialect, conn)
        conn.execute("DROP SCHEMA listing_equivalence CASCADE")
        conn.close()


def _gateway(world, source, store=None) -> Gateway:
    policies = {
        cycle: ReadPolicy(directory=DIRECTORY, special_kinds=kinds)
        for cycle, kinds in POLICIES.items()
    }
    return Gateway(
        store or MemoryStore(),
        clock=FixedClock(world["at"]),
        policy=ReadPolicy(directory=DIRECTORY),
        policy_for=policies.__getitem__,
        zone=world["zone"],
        source=source,
    )


def _sorted_reasons(items):
    return [attrs.evolve(i, reasons=tuple(sorted(i.reasons))) for i in items]


@settings(max_examples=150)
@given(world=worlds())
def test_the_indexed_listing_lists_what_the_per_candidate_decision_listed(engine, world):
    source = engine.source(world)
    gateway = _gateway(world, source)
    listed = gateway.listing(world["viewer"], purpose=world["purpose"])
    expected = oracle_listing(gateway, OlderSource(world), world["viewer"], world["purpose"])
    assert _sorted_reasons(listed.items) == _sorted_reasons(expected)
    # reasons name each choice once, by number
    for item in listed:
        assert list(item.reasons) == sorted(set(item.reasons), key=item.reasons.index)
    lines = list(gateway.store.read_audit())
    assert [(line["action"], line["actor"]) for line in lines] == [(LISTING, world["viewer"])]


@pytest.mark.parametrize(
    ("offset", "listed"),
    [(-MICRO, True), (timedelta(0), False), (MICRO, False)],
    ids=["before", "at", "after"],
)
def test_a_revocation_counts_from_its_instant_to_the_microsecond(engine, offset, listed):
    """Pinned: a choice revoked at the listing's moment is gone; one revoked a microsecond
    later still lists (the index compares instants written in one UTC form)."""
    at = MIDNIGHT + timedelta(microseconds=500)
    conversation = ConversationRow(
        id="c1",
        cycle="other@1",
        kind="mag",
        state="agreed",
        subject="e1",
        team="t1",
        participants=("e1",),
        requested_on=date(2026, 1, 5),
        **ROW_REST,
    )
    world = {
        "conversations": [conversation],
        "choices": [
            {
                "choice": 1,
                "subject": "e1",
                "grantee": "x",
                "what": "agreements",
                "purpose": "advice",
                "until": None,
                "conversation": None,
                "granted_at": at - timedelta(days=1),
                "revoked_at": at - offset,
                "offset": timezone(timedelta(hours=5)),
            }
        ],
        "restricted": {},
        "at": at,
        "zone": zone_named("Europe/Amsterdam"),
    }
    items = _gateway(world, engine.source(world)).listing("x", purpose="advice").items
    assert bool(items) is listed


@pytest.mark.parametrize(
    ("granted", "held", "listed"),
    [
        (timedelta(0), Restrictions(), True),
        (MICRO, Restrictions(), False),
        (timedelta(0), Restrictions(conversations=frozenset({"c2"})), True),
        (timedelta(0), Restrictions(conversations=frozenset({"c1"})), False),
        (timedelta(0), Restrictions(everything=True), False),
    ],
    ids=["granted-now", "granted-after", "other-restricted", "this-restricted", "all-restricted"],
)
def test_a_choice_granted_at_the_moment_lists_unless_the_record_is_restricted(
    engine, granted, held, listed
):
    """Pinned: a choice granted at the listing's very moment counts, one granted a microsecond
    later does not; a restriction of this conversation or of the whole record shuts it, one of
    another conversation of the same employee does not."""
    at = MIDNIGHT + timedelta(microseconds=250)
    world = {
        "conversations": [
            ConversationRow(
                id=n,
                cycle="other@1",
                kind="mag",
                state="agreed",
                subject="e1",
                team="t1",
                participants=("e1",),
                requested_on=date(2026, 1, 5),
                **ROW_REST,
            )
            for n in ("c1", "c2")
        ],
        "choices": [
            {
                "choice": 1,
                "subject": "e1",
                "grantee": "x",
                "what": "agreements",
                "purpose": "advice",
                "until": None,
                "conversation": "c1",
                "granted_at": at + granted,
                "revoked_at": None,
                "offset": timezone(-timedelta(hours=3.5)),
            }
        ],
        "restricted": {"e1": held},
        "at": at,
        "zone": zone_named("Europe/Amsterdam"),
    }
    items = _gateway(world, engine.source(world)).listing("x", purpose="advice").items
    assert [i.conversation for i in items] == (["c1"] if listed else [])


def test_choices_on_one_conversation_add_up(engine):
    """Pinned: two theme choices and an agreements choice on one stress conversation of a cycle
    where stress is special-category: both themes, the metadata only (agreements do not open a
    special-category kind), each choice named once, by number; whole_record on another kind
    opens every content part."""
    at = MIDNIGHT
    rows = [("c1", "mag@1", "stress"), ("c2", "other@1", "stress")]
    choice = {
        "subject": "e1",
        "grantee": "x",
        "purpose": "advice",
        "until": None,
        "granted_at": at - timedelta(days=1),
        "revoked_at": None,
        "offset": UTC,
    }
    world = {
        "conversations": [
            ConversationRow(
                id=n,
                cycle=cycle,
                kind=kind,
                state="agreed",
                subject="e1",
                team="t1",
                participants=("e1",),
                requested_on=date(2026, 1, 5),
                **ROW_REST,
            )
            for n, cycle, kind in rows
        ],
        "choices": [
            {**choice, "choice": 12, "what": "theme:vitality", "conversation": "c1"},
            {**choice, "choice": 3, "what": "agreements", "conversation": None},
            {**choice, "choice": 7, "what": "theme:money", "conversation": None},
            {**choice, "choice": 9, "what": "whole_record", "conversation": "c2"},
        ],
        "restricted": {},
        "at": at,
        "zone": zone_named("Europe/Amsterdam"),
    }
    gateway = _gateway(world, engine.source(world))
    first, second = gateway.listing("x", purpose="advice").items
    assert first.conversation == "c1"
    assert first.themes == frozenset({"vitality", "money"})
    assert first.parts == frozenset({Part.METADATA})
    assert first.reasons == ("sharing choice 7", "sharing choice 12")
    assert second.conversation == "c2"
    assert second.themes == frozenset({"money"})
    assert second.parts == frozenset({Part.METADATA, *CONTENT_PARTS})
    assert second.reasons == ("sharing choice 3", "sharing choice 7", "sharing choice 9")
    expected = oracle_listing(gateway, OlderSource(world), "x", "advice")
    assert _sorted_reasons((first, second)) == _sorted_reasons(expected)


@pytest.mark.parametrize(("seconds", "listed"), [(-1, True), (0, False)], ids=["23:59:59", "0:00"])
def test_until_ends_at_local_midnight_in_the_index(engine, seconds, listed):
    """A choice until 31 March lists at 23:59:59 in Amsterdam and not at 00:00 on 1 April
    (22:00 UTC), on every engine."""
    at = MIDNIGHT + timedelta(seconds=seconds)
    world = {
        "conversations": [
            ConversationRow(
                id="c1",
                cycle="other@1",
                kind="mag",
                state="agreed",
                subject="e1",
                team="t1",
                participants=("e1",),
                requested_on=date(2026, 1, 5),
                **ROW_REST,
            )
        ],
        "choices": [
            {
                "choice": 1,
                "subject": "e1",
                "grantee": "x",
                "what": "whole_record",
                "purpose": "advice",
                "until": date(2026, 3, 31),
                "conversation": None,
                "granted_at": MIDNIGHT - timedelta(days=3),
                "revoked_at": None,
                "offset": UTC,
            }
        ],
        "restricted": {},
        "at": at,
        "zone": zone_named("Europe/Amsterdam"),
    }
    items = _gateway(world, engine.source(world)).listing("x", purpose="advice").items
    assert bool(items) is listed


def test_the_store_listing_folds_streams_and_lists_what_the_oracle_lists():
    """Through a store (person streams folded by StoreListing) the listing is the oracle's."""
    from magcore.domain.sharing import GrantSharing, RevokeSharing

    from ..sharing.support import agreed_conversation, mag_cycle, share

    store = MemoryStore()
    agreed_conversation(store, "c1", employee="e1", manager="m1", cycle=mag_cycle())
    agreed_conversation(store, "c2", employee="e2", manager="m1", cycle=mag_cycle())
    at = MIDNIGHT - timedelta(days=2)
    first = share(
        store,
        GrantSharing(actor="e1", person="e1", to="x", what="whole_record", purpose="advice"),
        at,
    )
    share(
        store,
        GrantSharing(actor="e2", person="e2", to="hr_adviser", what="agreements", purpose="advice"),
        at,
    )
    share(store, RevokeSharing(actor="e1", person="e1", choice=first), at + timedelta(hours=1))
    share(
        store,
        GrantSharing(
            actor="e1",
            person="e1",
            to="x",
            what="theme:vitality",
            purpose="advice",
            until=date(2026, 3, 31),
        ),
        at + timedelta(hours=2),
    )
    for viewer in ("x", "hr", "m1"):
        for moment in (MIDNIGHT - MICRO, MIDNIGHT):
            world = {"at": moment, "zone": zone_named("Europe/Amsterdam")}
            gateway = _gateway(world, None, store)
            listed = gateway.listing(viewer, purpose="advice")
            expected = oracle_listing(gateway, StoreListing(store), viewer, "advice")
            assert _sorted_reasons(listed.items) == _sorted_reasons(expected)
    amsterdam = zone_named("Europe/Amsterdam")
    early = _gateway({"at": MIDNIGHT - MICRO, "zone": amsterdam}, None, store)
    assert early.listing("x", purpose="advice").ids == ("c1",)
    late = _gateway({"at": MIDNIGHT, "zone": amsterdam}, None, store)
    assert late.listing("x", purpose="advice").ids == ()


def test_a_destroyed_conversation_is_not_listed():
    from magcore.access.erasure import destroy_conversation
    from magcore.access.retention import RetentionProfile
    from magcore.domain.sharing import GrantSharing

    from ..sharing.support import T0, agreed_conversation, mag_cycle, share

    store = MemoryStore()
    agreed_conversation(store, "c1", employee="e1", manager="m1", cycle=mag_cycle())
    share(
        store,
        GrantSharing(actor="e1", person="e1", to="x", what="whole_record", purpose="advice"),
        T0,
    )
    later = FixedClock(T0 + timedelta(days=1))
    gateway = Gateway(store, clock=later, policy=ReadPolicy())
    assert gateway.listing("x", purpose="advice").ids == ("c1",)
    profile = RetentionProfile(id="p", title="p", years=1, after="completed")
    destroy_conversation(store, "c1", profile=profile, due=later.now().date(), clock=later)
    assert gateway.conversation("c1", actor="x", purpose="advice").destroyed
    assert gateway.listing("x", purpose="advice").ids == ()
