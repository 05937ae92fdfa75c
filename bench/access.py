"""Access-policy benchmark: decisions per second, and listing what one HR adviser may see.

Part 1 times :func:`magcore.access.decide_access` on a mix of requests (participant, sharing
choice, legal basis, denied) against a baseline of a bare set-membership check in the same run.

Part 2 builds, in SQLite, 1,000,000 sharing choices indexed by grantee and by subject, 100,000
conversations indexed by subject, their participants and restrictions (the indexes a store
keeps, sealed as a store seals them: :mod:`magcore.storage.listing_seal`, with each person's
stream version in an events table), and times the gateway's guarded listing
(:meth:`magcore.access.gateway.Gateway.listing`: what one HR adviser may see for a purpose, with
the policy's tests of time, purpose, restriction and special-category kinds, every row it rests
on checked against its seal and the person's version in the event log, and its one audit line)
next to the bare indexed join that finds the same candidates. Aim: within 2x.

Run: ``.venv/bin/python bench/access.py [records]``
"""

from __future__ import annotations

import random
import sqlite3
import sys
import time
from datetime import UTC, date, datetime, timedelta

from magcore.access.decision import (
    AccessContext,
    AccessRequest,
    Directory,
    LegalBasis,
    Part,
    Restrictions,
    decide_access,
)
from magcore.access.gateway import Gateway
from magcore.access.listing import SqlListingSource
from magcore.access.listing_trust import ListingTrust
from magcore.access.reading import ReadPolicy
from magcore.clock import FixedClock
from magcore.domain.conversation import Conversation, State
from magcore.domain.sharing import SharingChoice, SharingState
from magcore.model.cycle import Pattern
from magcore.model.records import Participant
from magcore.storage.base import ConversationRow
from magcore.storage.listing_seal import choice_seal, person_seal, restricted_text
from magcore.storage.memory import MemoryStore
from magcore.storage.sqlite_read_models import SQLITE

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def best_of(fn, repeat=5):
    return best_of_both(fn, repeat)[0]


def best_of_both(fn, repeat=5):
    """The best wall-clock time and the best CPU time (process time) of *repeat* runs."""
    walls, cpus = [], []
    for _ in range(repeat):
        start, cpu = time.perf_counter(), time.process_time()
        fn()
        cpus.append(time.process_time() - cpu)
        walls.append(time.perf_counter() - start)
    return min(walls), min(cpus)


def decisions():
    conv = Conversation(
        id="c1",
        cycle="mag@1",
        kind="mag",
        pattern=Pattern.EMPLOYEE_MANAGER,
        participants=(Participant("e1", "employee"), Participant("m1", "manager")),
        preparers=("e1", "m1"),
        recorders=("e1", "m1"),
        subject="e1",
        team="t1",
        initiator="e1",
        state=State.AGREED,
        version=12,
        requested_at=T0,
    )
    choices = {
        n: SharingChoice(
            id=n,
            person="e1",
            to=to,
            what=what,
            purpose="advice",
            granted_at=T0 - timedelta(days=30),
        )
        for n, (to, what) in enumerate(
            [
                ("x", "agreements"),
                ("coach", "theme:vitality"),
                ("hr_adviser", "whole_record"),
                ("p9", "goals"),
                ("next_manager", "agreements"),
            ],
            start=1,
        )
    }
    roles = {"hr": frozenset({"hr_adviser"}), "c1": frozenset({"coach"})}
    directory = Directory(
        manager_of=lambda p, d: "m2", roles_of=lambda p, d: roles.get(p, frozenset())
    )
    basis = LegalBasis(
        name="reintegration",
        article="WvP art. 25",
        roles={"hr_adviser"},
        parts={Part.AGREEMENT},
        purpose="reintegration",
    )
    context = AccessContext(
        conversation=conv,
        sharing=SharingState(person="e1", choices=choices),
        directory=directory,
        legal_bases=(basis,),
    )
    at = T0
    requests = [
        AccessRequest(
            viewer=v,
            purpose=p,
            at=at,
            part=part,
            subject="e1",
            conversation="c1",
            theme=theme,
            special_category=theme == "vitality",  # the one special theme here
            author="m1" if part is Part.PRIVATE_NOTE else None,
        )
        for v, p, part, theme in [
            ("m1", "conversation", Part.RECORD, None),
            ("hr", "advice", Part.RECORD, None),
            ("hr", "reintegration", Part.AGREEMENT, "performing"),
            ("c1", "advice", Part.TOPIC, "vitality"),
            ("x", "advice", Part.RECORD, None),
            ("m2", "advice", Part.AGREEMENT, None),
            ("e1", "conversation", Part.PRIVATE_NOTE, None),
            ("wc", "advice", Part.RECORD, None),
        ]
    ] * 2_500
    participants = {"e1", "m1"}

    def policy():
        for request in requests:
            decide_access(request, context)

    def bare():
        for request in requests:
            request.viewer in participants  # noqa: B015

    t_policy = best_of(policy)
    t_bare = best_of(bare)
    n = len(requests)
    return n / t_policy, n / t_bare


PEOPLE = 100_000


class BenchKey:
    """An audit key as a store seals with (:class:`magcore.storage.chain.ChainKey`)."""

    id = "audit-bench"
    secret = b"k" * 32


KEY = BenchKey()


def build(records: int) -> sqlite3.Connection:
    """The tables a store keeps for a listing, indexed as it indexes them: sharing choices by
    grantee and by subject, conversations by subject, conversation_people by person, and
    restrictions by subject."""
    rng = random.Random(6)
    db = sqlite3.connect(":memory:")
    db.execute(
        "CREATE TABLE sharing_choice (choice INTEGER, subject TEXT, grantee TEXT, what TEXT,"
        " purpose TEXT, until TEXT, conversation TEXT, granted_at TEXT, revoked_at TEXT,"
        " version INTEGER, restricted TEXT, seal TEXT)"
    )
    db.execute(
        "CREATE TABLE listing_person (subject TEXT PRIMARY KEY, version INTEGER,"
        " restricted TEXT, seal TEXT)"
    )
    db.execute(
        "CREATE TABLE events (position INTEGER PRIMARY KEY, stream TEXT, version INTEGER,"
        " UNIQUE (stream, version))"
    )
    db.execute(
        "CREATE TABLE conversations (id TEXT PRIMARY KEY, cycle TEXT, kind TEXT, state TEXT,"
        " subject TEXT, team TEXT, requested_on TEXT, scheduled_on TEXT, held_on TEXT,"
        " medium TEXT, version INTEGER)"
    )
    db.execute("CREATE TABLE conversation_people (conversation TEXT, person TEXT)")
    db.execute("CREATE TABLE restriction (subject TEXT, conversation TEXT)")
    whats = ("whole_record", "agreements", "goals", "theme:vitality")

    def held(n: int) -> str:  # the whole record of every 997th person is restricted
        return restricted_text([None] if n % 997 == 0 else [])

    def rows():
        for i in range(records):
            roll = rng.random()
            if roll < 0.01:
                grantee = "hr_adviser"
            elif roll < 0.012:
                grantee = "hr-7"
            elif roll < 0.05:
                grantee = "next_manager"
            else:
                grantee = f"p{rng.randrange(PEOPLE)}"
            granted = T0 - timedelta(days=rng.randrange(1, 900))
            revoked = (
                (granted + timedelta(days=rng.randrange(1, 300))).isoformat()
                if rng.random() < 0.2
                else None
            )
            until = (
                (granted.date() + timedelta(days=rng.randrange(30, 800))).isoformat()
                if rng.random() < 0.3
                else None
            )
            subject = rng.randrange(PEOPLE)
            row = (
                i % 50 + 1,
                f"p{subject}",
                grantee,
                rng.choice(whats),
                "advice",
                until,
                None,
                granted.isoformat(),
                revoked,
            )
            yield (*row, 1, held(subject), choice_seal(KEY, 1, *row, held(subject)))

    def conversations():
        for n in range(PEOPLE):
            kind = "stress" if n % 20 == 0 else "mag"
            yield (
                f"c{n}",
                "mag@1",
                kind,
                "agreed",
                f"p{n}",
                "t1",
                "2025-03-01",
                None,
                "2025-03-10",
                "digital",
                9,
            )

    db.executemany("INSERT INTO sharing_choice VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", rows())

    def people():
        for n in range(PEOPLE):
            yield (f"p{n}", 1, held(n), person_seal(KEY, f"p{n}", 1, held(n)))

    db.executemany("INSERT INTO listing_person VALUES (?,?,?,?)", people())
    db.executemany(
        "INSERT INTO events (stream, version) VALUES (?, 1)",
        ((f"person:p{n}",) for n in range(PEOPLE)),
    )
    db.executemany("INSERT INTO conversations VALUES (?,?,?,?,?,?,?,?,?,?,?)", conversations())
    db.executemany(
        "INSERT INTO conversation_people VALUES (?,?)",
        ((f"c{n}", p) for n in range(PEOPLE) for p in (f"p{n}", f"m{n % 500}")),
    )
    db.executemany(
        "INSERT INTO restriction VALUES (?, NULL)", ((f"p{n}",) for n in range(0, PEOPLE, 997))
    )
    db.execute("CREATE INDEX sharing_choice_grantee ON sharing_choice (grantee)")
    db.execute("CREATE INDEX sharing_choice_subject ON sharing_choice (subject, grantee)")
    db.execute("CREATE INDEX conversations_subject ON conversations (subject)")
    db.execute("CREATE INDEX conversation_people_person ON conversation_people (person)")
    db.execute("CREATE INDEX restriction_subject ON restriction (subject)")
    db.commit()
    return db


_CHOICE = (
    "SELECT choice, subject, grantee, what, purpose, until, conversation, granted_at, revoked_at"
    " FROM sharing_choice"
)
_CONVERSATION = (
    "SELECT id, cycle, kind, state, subject, team, requested_on, scheduled_on, held_on, medium,"
    " version FROM conversations"
)


class SqliteListing:
    """A :class:`magcore.access.gateway.ListingSource` over the indexed tables above, without
    the policy's tests in its index (the older source: every test in Python)."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def _rows(self, sql: str, values) -> list[ConversationRow]:
        return [
            ConversationRow(
                id=r[0],
                cycle=r[1],
                kind=r[2],
                state=r[3],
                subject=r[4],
                team=r[5],
                participants=(),
                requested_on=date.fromisoformat(r[6]),
                scheduled_on=None,
                held_on=date.fromisoformat(r[8]) if r[8] else None,
                medium=r[9],
                version=r[10],
            )
            for r in self.db.execute(sql, values)
        ]

    def participations(self, person):
        return self._rows(
            _CONVERSATION + " WHERE id IN (SELECT conversation FROM conversation_people"
            " WHERE person = ?)",
            (person,),
        )

    def choices(self, grantees, subjects):
        keys = sorted(grantees)
        found = self.db.execute(
            _CHOICE + f" WHERE grantee IN ({','.join('?' * len(keys))})", keys
        ).fetchall()
        if subjects:
            mine = sorted(subjects)
            found += self.db.execute(
                _CHOICE + f" WHERE grantee = 'next_manager' AND subject IN"
                f" ({','.join('?' * len(mine))})",
                mine,
            ).fetchall()
        return found

    def _want(self, subjects) -> None:
        wanted = frozenset(subjects)
        if wanted == getattr(self, "_wanted", None):
            return
        self._wanted = wanted
        self.db.execute("CREATE TEMP TABLE IF NOT EXISTS wanted (subject TEXT PRIMARY KEY)")
        self.db.execute("DELETE FROM wanted")
        self.db.executemany("INSERT OR IGNORE INTO wanted VALUES (?)", ((s,) for s in wanted))

    def about(self, subjects):
        self._want(subjects)
        return self._rows(_CONVERSATION + " WHERE subject IN (SELECT subject FROM wanted)", ())

    def restrictions(self, subjects):
        self._want(subjects)
        sql = (
            "SELECT r.subject, r.conversation FROM wanted w"
            " JOIN restriction r ON r.subject = w.subject"
        )
        return {s: Restrictions(everything=c is None) for s, c in self.db.execute(sql)}


def indexed(db: sqlite3.Connection) -> SqlListingSource:
    """The listing source over the index tables (:mod:`magcore.storage.listing_sql`): the
    policy's exact, cheap tests made in the indexed join, every row it rests on checked against
    its seal and the person's version (:class:`~magcore.access.listing_trust.ListingTrust`)."""
    return SqlListingSource(
        SQLITE,
        lambda sql, params: db.execute(sql, params).fetchall(),
        SqliteListing(db).participations,
        trust=ListingTrust(KEY),
    )


def listing(db: sqlite3.Connection):
    """The gateway's guarded listing for one HR adviser against the bare indexed query that
    finds the same candidates (choices naming her or her role, joined to the conversations
    about their subjects), in the same run; wall-clock and CPU times. Also the same listing
    through the older source that leaves every test to Python."""
    roles = {"hr-7": frozenset({"hr_adviser"})}
    directory = Directory(
        manager_of=lambda p, d: None, roles_of=lambda p, d: roles.get(p, frozenset())
    )

    def gateway(source):
        return Gateway(
            MemoryStore(),
            clock=FixedClock(T0),
            policy=ReadPolicy(directory=directory, special_kinds=frozenset({"stress"})),
            source=source,
        )

    guarded, older = gateway(indexed(db)), gateway(SqliteListing(db))
    bare_sql = (
        "SELECT c.id, c.kind, c.state, c.subject, s.what, s.purpose, s.granted_at, s.revoked_at"
        " FROM sharing_choice s JOIN conversations c ON c.subject = s.subject"
        " WHERE s.grantee IN (?, ?)"
    )

    def bare():
        return db.execute(bare_sql, ("hr-7", "hr_adviser")).fetchall()

    def policy():
        return guarded.listing("hr-7", purpose="advice")

    def python_tests():
        return older.listing("hr-7", purpose="advice")

    n_bare, n_policy = len(bare()), len(policy())
    assert policy().items == python_tests().items, "the two sources list alike"
    assert not policy().doubts, "every row of the index is believed"
    # interleaved, so that a change of load on a shared machine touches all three alike
    runs = [[best_of_both(fn, 1) for fn in (bare, policy, python_tests)] for _ in range(9)]
    t_bare, t_policy, t_older = (
        (min(r[i][0] for r in runs), min(r[i][1] for r in runs)) for i in range(3)
    )
    return t_bare, t_policy, t_older, n_bare, n_policy


def main() -> None:
    records = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    per_policy, per_bare = decisions()
    start = time.perf_counter()
    db = build(records)
    built = time.perf_counter() - start
    (t_bare, c_bare), (t_policy, c_policy), (t_older, c_older), n_bare, n_policy = listing(db)
    print(f"access benchmark ({records:,} sharing choices in SQLite, built in {built:.1f} s)")
    print(f"{'operation':58} {'result':>16} {'baseline':>16} {'ratio':>7}")
    print(
        f"{'access decisions per second (vs bare set membership)':58} "
        f"{per_policy:>14,.0f}/s {per_bare:>14,.0f}/s {per_bare / per_policy:>6.1f}x"
    )
    for label, wall, bare_wall in (
        ("guarded listing for one HR adviser (vs bare indexed join)", t_policy, t_bare),
        ("  the same, CPU time", c_policy, c_bare),
        ("  older source, every test in Python (wall)", t_older, t_bare),
        ("  older source, every test in Python (CPU)", c_older, c_bare),
    ):
        print(
            f"{label:58} {wall * 1000:>13.2f} ms {bare_wall * 1000:>13.2f} ms"
            f" {wall / bare_wall:>6.2f}x"
        )
    print(f"  rows: bare join {n_bare:,}, listed by the gateway {n_policy:,} conversations")
    print(
        f"  ratio guarded listing / bare indexed join: {t_policy / t_bare:.2f}x wall,"
        f" {c_policy / c_bare:.2f}x CPU (aim: within 2x)"
    )


if __name__ == "__main__":
    main()
