"""A concurrency stress run of the web app, and the checks made on what it leaves behind.

:func:`run` drives one tenant's app (SQLite or PostgreSQL) through ``httpx`` on the ASGI app
with many asyncio tasks at once (the app runs every service call in a worker thread, so the
service is called from many threads): employees and managers read, prepare, publish, raise
topics, record, confirm and disagree on the same conversations; an employee grants and
revokes a sharing choice to the HR adviser, who keeps reading; the privacy officer restricts
and lifts a conversation its manager keeps reading; the organisation's manager changes while
the next manager reads through the employee's handover choice. Everything is seeded
(``random.Random(seed)`` per task), the clock ticks under a lock (every service call sees a
later time than every call that finished before it started).

The checks (:class:`Outcome`) are those a single-threaded test cannot make: no 500, every
refusal a problem, every write answered 2xx is in the log exactly once and every refused one
is not, stream versions without gaps or doubles, the audit log verifies, every content read
answered has its audit line, and what a revocation, a restriction or a manager change decided
holds for every read that started after it committed.
"""

from __future__ import annotations

import asyncio
import itertools
import random
import threading
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import attrs
import httpx

HOST = "gesprekken.stress.example"
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
ROLES = {HOST: {"hanna": ("hr_adviser",), "piet": ("privacy_officer",)}}
PROBLEM = "application/problem+json"
#: Statuses a refused call may answer with (never 500).
REFUSED = {400, 403, 404, 409}


class TickingClock:
    """A clock that moves on by a millisecond at every look, under a lock, so that times
    follow the order calls happened in across threads; :meth:`advance` jumps ahead."""

    def __init__(self, start: datetime) -> None:
        self._now = start
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            self._now += timedelta(milliseconds=1)
            return self._now

    def advance(self, delta: timedelta) -> datetime:
        with self._lock:
            self._now += delta
            return self._now


def _tick() -> int:
    return time.monotonic_ns()


@attrs.define
class Call:
    """One request as made: who, what, when it started and ended, and the answer."""

    who: str
    method: str
    path: str
    start: int
    end: int
    status: int
    media: str
    body: Any
    tag: str = ""
    text: str = ""
    """The unique text a write sent (a topic, a dissent, a record's summary)."""


@attrs.define
class Toggle:
    """Changes of one fact made by one task in turn: (asked at, committed by, state after)."""

    initial: Any
    changes: list[tuple[int, int, Any]] = attrs.field(factory=list)

    def certain(self, start: int, end: int) -> tuple[bool, Any]:
        """The state for all of [start, end], if no change was under way in it."""
        state = self.initial
        for asked, done, after in self.changes:
            if done < start:
                state = after
            elif asked < end:
                return False, None
        return True, state


@attrs.define
class Outcome:
    """What a run did: every call, the toggles, and the service the app used."""

    calls: list[Call]
    sharing: Toggle
    restriction: Toggle
    manager: Toggle
    service: Any
    conversations: dict[str, str]


class Driver:
    """Makes the calls of one run against *app* and records them."""

    def __init__(self, app: Any, clock: TickingClock) -> None:
        self.app = app
        self.clock = clock
        self.calls: list[Call] = []
        sessions = app.state.sessions
        from magcore_web.identity import Principal

        self.cookies: dict[str, str] = {}
        self.csrf: dict[str, str] = {}
        for person in ("anna", "ben", "carla", "bram", "dirk", "eva", "hanna", "piet"):
            roles = frozenset(ROLES[HOST].get(person, ()))
            session = sessions.sign_in(
                sessions.new(HOST), Principal(person_id=person, roles=roles, tenant=HOST)
            )
            self.cookies[person] = session.id
            self.csrf[person] = session.csrf
        self.client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url=f"http://{HOST}"
        )

    async def api(self, who: str, method: str, path: str, tag: str = "", **kw: Any) -> Call:
        headers = {"authorization": f"Bearer {who}@{HOST}"}
        return await self._send(who, method, "/api/v1" + path, headers, tag, **kw)

    async def page(self, who: str, method: str, path: str, tag: str = "", **kw: Any) -> Call:
        headers = {"cookie": f"__Host-magcore-session={self.cookies[who]}"}
        if method == "POST":
            kw["data"] = {**kw.get("data", {}), "csrf_token": self.csrf[who]}
        return await self._send(who, method, path, headers, tag, **kw)

    async def _send(
        self,
        who: str,
        method: str,
        path: str,
        headers: dict[str, str],
        tag: str,
        text: str = "",
        **kw: Any,
    ) -> Call:
        start = _tick()
        response = await self.client.request(method, path, headers=headers, **kw)
        end = _tick()
        media = response.headers.get("content-type", "").partition(";")[0]
        body: Any = response.json() if media.endswith("json") else response.text
        status = response.status_code
        call = Call(who, method, path, start, end, status, media, body, tag, text)
        self.calls.append(call)
        return call

    async def read_after(self, tags: tuple[str, ...], done: int, timeout: float = 10.0) -> None:
        """Wait until a call tagged one of *tags* started after *done* and was answered (so
        every state a toggle passes through is seen by at least one certain read)."""
        waited = 0.0
        while not any(c.tag in tags and c.start > done for c in reversed(self.calls[-200:])):
            if waited > timeout:
                raise AssertionError(f"no {tags} read after a change within {timeout} s")
            await asyncio.sleep(0.005)
            waited += 0.005

    async def close(self) -> None:
        await self.client.aclose()


async def _prepare(driver: Driver, service: Any) -> dict[str, str]:
    """Four conversations; eva's with dirk agreed, with her handover choice to her next
    manager; carla's held and agreed, so the HR adviser has something to be shown."""
    made: dict[str, str] = {}
    for name, employee in (("anna", "anna"), ("ben", "ben"), ("carla", "carla"), ("eva", "eva")):
        started = await driver.api(
            employee, "POST", "/conversations", json={"cycle": "web-example@1", "kind": "yearly"}
        )
        assert started.status == 201, started.body
        made[name] = started.body["id"]
    when = (driver.clock.now() + timedelta(hours=1)).isoformat()
    for name, manager in (("anna", "bram"), ("ben", "bram"), ("carla", "bram"), ("eva", "dirk")):
        cid = made[name]
        path = f"/conversations/{cid}/schedule"
        planned = await driver.api(manager, "PUT", path, json={"on": when})
        assert planned.status == 200, planned.body
    driver.clock.advance(timedelta(hours=2))
    for name, manager in (("carla", "bram"), ("eva", "dirk")):
        cid = made[name]
        record = {
            "summary": f"Verslag van {name}",
            "agreements": [{"id": "a1", "text": f"Afspraak van {name}", "owner": "employee"}],
        }
        written = await driver.api(manager, "PUT", f"/conversations/{cid}/record", json=record)
        assert written.status == 200, written.body
        for person in (name, manager):
            done = await driver.api(
                person, "POST", f"/conversations/{cid}/record/confirmations", json={"revision": 1}
            )
            assert done.status == 201, done.body
    handover = {"to": "next_manager", "what": "whole_record", "purpose": "handover"}
    granted = await driver.api("eva", "POST", "/sharing-choices", json=handover)
    assert granted.status == 201, granted.body
    return made


Task = Callable[[random.Random], Any]


async def run(app: Any, service: Any, clock: TickingClock, *, seed: int, rounds: int) -> Outcome:
    """One stress run: every task makes *rounds* calls (the toggles fewer, spread out)."""
    driver = Driver(app, clock)
    made = await _prepare(driver, service)
    texts = itertools.count(1)
    sharing = Toggle(initial=False)
    restriction = Toggle(initial=False)
    manager = Toggle(initial="dirk")

    def unique(prefix: str) -> str:
        return f"{prefix}-{next(texts)}"

    async def participant(who: str, own: list[str], rng: random.Random) -> None:
        for _ in range(rounds):
            cid = rng.choice(own)
            one = f"/conversations/{cid}"
            choice = rng.randrange(11)
            if choice == 0:
                await driver.api(who, "GET", "/conversations")
            elif choice == 1:
                await driver.page(who, "GET", "/conversations")
            elif choice == 2:
                await driver.page(who, "GET", one)
            elif choice == 3:
                await driver.api(who, "GET", one)
            elif choice == 4:
                text = unique(f"prep-{who}")
                prep = {"answers": {"going_well": text}}
                await driver.api(who, "PUT", one + "/preparation", json=prep)
            elif choice == 5:
                await driver.api(who, "POST", one + "/preparation/publication")
            elif choice == 6:
                text = unique(f"topic-{who}")
                await driver.api(
                    who, "POST", one + "/topics", json={"text": text}, tag="write", text=text
                )
            elif choice == 7:
                text = unique(f"dissent-{who}")
                await driver.api(
                    who, "POST", one + "/dissents", json={"text": text}, tag="write", text=text
                )
            elif choice == 10:  # the page's form, with its CSRF token
                text = unique(f"dissent-{who}")
                await driver.page(
                    who,
                    "POST",
                    one + "/dissent",
                    data={"text": text},
                    follow_redirects=False,
                    tag="write",
                    text=text,
                )
            elif choice == 8 and who in ("bram", "dirk"):
                text = unique(f"record-{who}")
                await driver.api(
                    who, "PUT", one + "/record", json={"summary": text}, tag="write", text=text
                )
            else:
                seen = await driver.api(who, "GET", one)
                revision = seen.body.get("revision") if seen.status == 200 else None
                if revision:
                    await driver.api(
                        who,
                        "POST",
                        one + "/record/confirmations",
                        json={"revision": revision},
                    )

    async def sharer(rng: random.Random) -> None:
        """Carla grants the HR adviser her agreements, and revokes, in turn."""
        choice = {"to": "hanna", "what": "agreements", "purpose": "hr_overview"}
        for _ in range(rounds // 4):
            asked = _tick()
            granted = await driver.api("carla", "POST", "/sharing-choices", json=choice)
            assert granted.status == 201, granted.body
            sharing.changes.append((asked, granted.end, True))
            await driver.read_after(("hr-list", "hr-read"), granted.end)
            await asyncio.sleep(rng.random() / 50)
            asked = _tick()
            path = f"/sharing-choices/{granted.body['id']}"
            # Revoked twice at once (a double click, two tabs; in turn by the API twice and by
            # the API and the page): both are answered as done.
            page = f"/sharing/{granted.body['id']}/revoke"
            second = (
                driver.api("carla", "DELETE", path)
                if rng.random() < 0.5
                else driver.page("carla", "POST", page, follow_redirects=False)
            )
            revoked, again = await asyncio.gather(driver.api("carla", "DELETE", path), second)
            assert revoked.status == 204, revoked.body
            assert again.status in (204, 303), (again.status, again.body)
            sharing.changes.append((asked, max(revoked.end, again.end), False))
            await driver.page("carla", "GET", "/sharing")
            await driver.read_after(("hr-list", "hr-read"), revoked.end)
            await asyncio.sleep(rng.random() / 50)

    async def officer(rng: random.Random) -> None:
        """The privacy officer restricts anna's conversation, and lifts it, in turn."""
        cid = made["anna"]
        for _ in range(rounds // 4):
            for lift in (False, True):
                asked = _tick()
                if lift:
                    done = await driver.api(
                        "piet", "DELETE", f"/people/anna/restrictions?conversation={cid}"
                    )
                else:
                    done = await driver.api(
                        "piet",
                        "POST",
                        "/people/anna/restrictions",
                        json={"reason": "stress", "conversation": cid},
                    )
                if done.status in (200, 201):
                    restriction.changes.append((asked, done.end, not lift))
                else:  # a conflict with anna's own writes on her person stream: unchanged
                    assert done.status == 409, done.body
                    restriction.changes.append((asked, done.end, restriction_now()))
                await driver.read_after(("restricted",), done.end)
                await asyncio.sleep(rng.random() / 50)
            await driver.api("piet", "GET", "/audit-verification", tag="verify")

    def restriction_now() -> bool:
        return bool(restriction.changes[-1][2]) if restriction.changes else False

    async def reorganiser(rng: random.Random) -> None:
        """Team sport gets bram as its manager, then dirk again (a day later each time)."""
        from magcore.model.days import local_day

        for _ in range(max(2, rounds // 8)):
            for new in ("bram", "dirk"):
                clock.advance(timedelta(days=1))

                def change(new: str = new) -> None:
                    day = local_day(clock.now(), service.timezone)
                    service.change_manager("gemeente", "sport", new, day, actor="hr")

                asked = _tick()
                await asyncio.to_thread(change)
                done = _tick()
                manager.changes.append((asked, done, new))
                await driver.read_after(("handover",), done)
                await asyncio.sleep(rng.random() / 30)

    toggling = [3]  # the sharer, the officer and the reorganiser, until each is done

    def reading(count: int) -> bool:
        """Readers go on for *rounds* calls, and for as long as a toggle still changes."""
        return count < rounds or toggling[0] > 0

    def toggler(work: Callable[[random.Random], Any]) -> Task:
        async def run_then_stop(rng: random.Random) -> None:
            try:
                await work(rng)
            finally:
                toggling[0] -= 1

        return run_then_stop

    async def hr_reader(rng: random.Random) -> None:
        for count in itertools.count():
            if not reading(count):
                return
            if rng.random() < 0.5:
                await driver.api("hanna", "GET", "/shared-conversations", tag="hr-list")
            else:
                path = f"/conversations/{made['carla']}?purpose=hr_overview"
                await driver.api("hanna", "GET", path, tag="hr-read")

    async def next_manager(rng: random.Random) -> None:
        for count in itertools.count():
            if not reading(count):
                return
            path = f"/conversations/{made['eva']}?purpose=handover"
            await driver.api("bram", "GET", path, tag="handover")
            await asyncio.sleep(rng.random() / 100)

    async def restricted_reader(rng: random.Random) -> None:
        for count in itertools.count():
            if not reading(count):
                return
            await driver.api("bram", "GET", f"/conversations/{made['anna']}", tag="restricted")
            await asyncio.sleep(rng.random() / 100)

    anna_ben = [made["anna"], made["ben"]]
    tasks: list[Task] = [
        lambda r: participant("anna", [made["anna"]], r),
        lambda r: participant("anna", [made["anna"]], r),
        lambda r: participant("ben", [made["ben"]], r),
        lambda r: participant("bram", anna_ben, r),
        lambda r: participant("bram", anna_ben, r),
        lambda r: participant("eva", [made["eva"]], r),
        lambda r: participant("dirk", [made["eva"]], r),
        toggler(sharer),
        toggler(officer),
        toggler(reorganiser),
        hr_reader,
        hr_reader,
        next_manager,
        restricted_reader,
    ]
    try:
        await asyncio.gather(*(task(random.Random(seed * 100 + n)) for n, task in enumerate(tasks)))
    finally:
        await driver.close()
    return Outcome(driver.calls, sharing, restriction, manager, service, made)


# -- the checks -----------------------------------------------------------------------------


def statuses(outcome: Outcome) -> Counter[int]:
    return Counter(call.status for call in outcome.calls)


def check_answers(outcome: Outcome) -> None:
    """No 500; every refusal of the API is a problem (a conflict says so)."""
    for call in outcome.calls:
        assert call.status < 500, (call.method, call.path, call.status, call.body)
        if call.status >= 400:
            assert call.status in REFUSED, (call.path, call.status, call.body)
            if call.path.startswith("/api/"):
                assert call.media == PROBLEM, (call.path, call.media)
                assert call.body["status"] == call.status
                if call.status == 409:
                    assert call.body["type"].rsplit("/", 1)[-1] in ("conflict", "transition")


def _events(service: Any, cid: str) -> list[Any]:
    from magcore.domain.conversation import stream_of

    return list(service.store.read(stream_of(cid)))


def check_exactly_once(outcome: Outcome) -> None:
    """A write answered 2xx is in the log once; a refused one is not there at all."""
    import json
    import re

    logged: Counter[str] = Counter()
    for cid in outcome.conversations.values():
        for event in _events(outcome.service, cid):
            data = json.dumps(dict(event.data), default=str)
            logged.update(re.findall(r"(?:topic|dissent|record)-[a-z]+-\d+", data))
    writes = [call for call in outcome.calls if call.tag == "write"]
    assert any(_done(call) for call in writes), "no write went through"
    assert any(_done(call) for call in writes if not call.path.startswith("/api/"))
    for call in writes:
        expected = 1 if _done(call) else 0
        assert logged[call.text] == expected, (call.path, call.status, call.text, call.body)


def _done(call: Call) -> bool:
    """Whether a write was answered as done: 2xx from the API, a 303 to the next page."""
    return 200 <= call.status < 300 or (call.status == 303 and not call.path.startswith("/api/"))


def check_versions(outcome: Outcome) -> None:
    """Every stream's versions are 1..n (nothing lost, nothing twice), and each
    conversation's list row tells the state its events fold to."""
    from magcore.app.aggregates import CONVERSATION

    store = outcome.service.store
    for stream in store.streams(""):
        versions = [event.version for event in store.read(stream)]
        assert versions == list(range(1, len(versions) + 1)), (stream, versions)
    rows = {row.id: row for row in store.conversations()}
    for cid in outcome.conversations.values():
        state = CONVERSATION.replay(cid, tuple(_events(outcome.service, cid)))
        assert rows[cid].state == state.state.value, (cid, rows[cid].state, state.state)


def check_audit(outcome: Outcome) -> None:
    """The audit log verifies end to end (also as the officer saw it during the run), and
    every conversation answered with content has its allowed read line for that reader."""
    from magcore.access.audit import verify_store
    from magcore.access.decision import PARTICIPATION

    service = outcome.service
    provider = service.key_provider
    result = verify_store(service.store, keys=provider.audit_key if provider else None)
    assert result.ok, result.problem
    assert result.uncovered == 0
    for call in outcome.calls:
        if call.tag == "verify":
            assert call.status == 200, call.body
            assert call.body["ok"], call.body
    lines: Counter[tuple[str, str, str]] = Counter()
    for line in service.store.read_audit():
        obj, _, part = str(line["object"]).partition("/")
        if line["action"] == "read" and line["result"] == "allowed" and part == "metadata":
            lines[(str(line["actor"]), obj, str(line["purpose"]))] += 1
    reads: Counter[tuple[str, str, str]] = Counter()
    for call in outcome.calls:
        if (
            call.method == "GET"
            and call.status == 200
            and call.path.startswith("/api/v1/conversations/")
        ):
            cid, _, query = call.path.removeprefix("/api/v1/conversations/").partition("?")
            purpose = query.partition("=")[2] or PARTICIPATION
            reads[(call.who, f"conversation:{cid}", purpose)] += 1
    assert reads, "no conversation was read"
    for key, count in reads.items():
        assert lines[key] >= count, (key, count, lines[key])


def check_toggles(outcome: Outcome) -> None:
    """A read that started after a change committed (and ended before the next was asked
    for) decides by that change: a revoked choice shows nothing, a restricted conversation
    is not read by its manager, and the next manager reads through the handover choice
    exactly while the organisation says he is the manager."""
    carla = outcome.conversations["carla"]
    checked = Counter[str]()
    for call in outcome.calls:
        if call.tag == "hr-list":
            sure, shared = outcome.sharing.certain(call.start, call.end)
            if sure:
                listed = carla in {item["id"] for item in call.body}
                assert listed == shared, ("listing", shared, call.body)
                checked["sharing"] += 1
        elif call.tag == "hr-read":
            sure, shared = outcome.sharing.certain(call.start, call.end)
            if sure:
                shown = call.status == 200 and bool(call.body.get("agreements"))
                assert shown == shared, ("hr read", shared, call.status, call.body)
                checked["sharing"] += 1
        elif call.tag == "restricted":
            sure, restricted = outcome.restriction.certain(call.start, call.end)
            if sure:
                assert (call.status == 404) == restricted, (restricted, call.status, call.body)
                checked["restriction"] += 1
        elif call.tag == "handover":
            sure, manager = outcome.manager.certain(call.start, call.end)
            if sure:
                shown = call.status == 200 and bool(call.body.get("agreements"))
                assert shown == (manager == "bram"), (manager, call.status, call.body)
                checked["manager"] += 1
    for what in ("sharing", "restriction", "manager"):
        assert checked[what] > 0, f"no read was certain about the {what} ({checked})"


def check_all(outcome: Outcome) -> None:
    check_answers(outcome)
    check_exactly_once(outcome)
    check_versions(outcome)
    check_audit(outcome)
    check_toggles(outcome)
