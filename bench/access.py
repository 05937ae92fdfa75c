"""Access-policy benchmark: decisions per second, and listing what one HR adviser may see.

Part 1 times :func:`magcore.access.decide_access` on a mix of requests (participant, sharing
choice, legal basis, denied) against a baseline of a bare set-membership check in the same run.

Part 2 builds, in SQLite, a table of 1,000,000 sharing choices indexed by grantee (what a store
keeps) and times listing everything one HR adviser may see through the policy's listing path
(:func:`magcore.access.grantee_keys` + the indexed query + :func:`magcore.access.shared_with`)
next to the bare indexed query for the same keys. Aim: within 2x.

Run: ``.venv/bin/python bench/access.py [records]``
"""

from __future__ import annotations

import random
import sqlite3
import sys
import time
from datetime import UTC, datetime, timedelta

from magcore.access.decision import (
    AccessContext,
    AccessRequest,
    Directory,
    LegalBasis,
    Part,
    decide_access,
    grantee_keys,
    shared_with,
)
from magcore.domain.conversation import Conversation, Pattern, State
from magcore.domain.sharing import SharingChoice, SharingState
from magcore.model.records import Participant

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def best_of(fn, repeat=5):
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


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


def build(records: int) -> sqlite3.Connection:
    rng = random.Random(6)
    db = sqlite3.connect(":memory:")
    db.execute(
        "CREATE TABLE sharing_choice (choice INTEGER, subject TEXT, grantee TEXT, what TEXT,"
        " purpose TEXT, until TEXT, conversation TEXT, granted_at TEXT, revoked_at TEXT)"
    )
    whats = ("whole_record", "agreements", "goals", "theme:vitality")

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
                grantee = f"p{rng.randrange(100_000)}"
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
            yield (
                i % 50 + 1,
                f"p{rng.randrange(100_000)}",
                grantee,
                rng.choice(whats),
                "advice",
                until,
                None,
                granted.isoformat(),
                revoked,
            )

    db.executemany("INSERT INTO sharing_choice VALUES (?,?,?,?,?,?,?,?,?)", rows())
    db.execute("CREATE INDEX sharing_choice_grantee ON sharing_choice (grantee)")
    db.execute("CREATE INDEX sharing_choice_subject ON sharing_choice (subject, grantee)")
    db.commit()
    return db


def listing(db: sqlite3.Connection):
    roles = {"hr-7": frozenset({"hr_adviser"})}
    directory = Directory(
        manager_of=lambda p, d: None, roles_of=lambda p, d: roles.get(p, frozenset())
    )
    viewer, at = "hr-7", T0
    sql = (
        "SELECT choice, subject, grantee, what, purpose, until, conversation, granted_at,"
        " revoked_at FROM sharing_choice WHERE grantee IN ({})"
    )

    def bare():
        return db.execute(sql.format("?,?"), ("hr-7", "hr_adviser")).fetchall()

    def policy():
        keys = sorted(grantee_keys(viewer, at.date(), directory))
        rows = db.execute(sql.format(",".join("?" * len(keys))), keys).fetchall()
        return shared_with(rows, viewer, at, directory)

    n_bare, n_policy = len(bare()), len(policy())
    return best_of(bare), best_of(policy), n_bare, n_policy


def main() -> None:
    records = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    per_policy, per_bare = decisions()
    start = time.perf_counter()
    db = build(records)
    built = time.perf_counter() - start
    t_bare, t_policy, n_bare, n_policy = listing(db)
    print(f"access benchmark ({records:,} sharing choices in SQLite, built in {built:.1f} s)")
    print(f"{'operation':58} {'result':>16} {'baseline':>16} {'ratio':>7}")
    print(
        f"{'access decisions per second (vs bare set membership)':58} "
        f"{per_policy:>14,.0f}/s {per_bare:>14,.0f}/s {per_bare / per_policy:>6.1f}x"
    )
    print(
        f"{'list what one HR adviser may see (vs bare indexed query)':58} "
        f"{t_policy * 1000:>13.2f} ms {t_bare * 1000:>13.2f} ms {t_policy / t_bare:>6.2f}x"
    )
    print(f"  rows: bare query {n_bare:,}, visible after the policy {n_policy:,}")


if __name__ == "__main__":
    main()
