"""Bounded load on the HTTP API (magcore-web) over loopback, next to a bare endpoint.

Builds a store of an 18,000-person organisation (``--people``) with a conversation for each of
the first ``--conversations`` employees (half of them scheduled, with a saved preparation),
starts ``magcore serve``'s app with uvicorn in a separate process on 127.0.0.1, and lets
``--users`` simulated users (asyncio tasks with httpx, each signed in as an employee with a
conversation) call the API in a loop for ``--duration`` seconds, with ``--think`` seconds
between calls on average (people read a page before the next; 0 sends back to back).
The employee's pages (``GET /conversations`` and ``GET /conversations/{id}``, HTML, with a
session cookie made in the server process as a sign-in would) are called too. Prints, per
call, requests per second and the 50th, 95th and 99th percentile latency, next to a bare
endpoint of the same app in the same run (Starlette, the same middleware, no service call):
the baseline, and each call's p95 as a multiple of the bare endpoint's.

SQLite always; PostgreSQL too when the Debian server binaries and psycopg are there (a
throwaway server from ``tests/support/postgres.py``, or ``MAGCORE_BENCH_PG_URL``), unless
``--no-postgres``. Loopback only, every server stopped at the end.

Run: ``.venv/bin/python bench/web.py [--people 18000] [--users 200] [--duration 60]``;
``--quick`` is 2,000 people, 50 users, 10 s.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
from _pg import pg_server  # noqa: E402

ORG = "gemeente"
CYCLE = "web-example@1"


def build_store(url: str, keys: Path, people: int, conversations: int) -> list[str]:
    """Fill the store at *url*; return the employees that have a conversation."""
    from magcore_web.testing import prepare_service

    from magcore.app.service import open_service
    from magcore.domain.conversation import SavePreparation, Schedule
    from magcore.storage.base import StoreSettings

    os.environ["MAGCORE_KEY_FOLDER"] = str(keys)
    service = open_service(url, dispatch="off", settings=StoreSettings(create=True))
    try:
        prepare_service(service, org_id=ORG, people=people)
        org = service.organisation(ORG)
        cycle = service.cycle(CYCLE)
        today = date.today()
        requests, subjects = [], []
        for person in sorted(org.people):
            if len(requests) >= conversations:
                break
            try:
                participants = service.participants_for(
                    ORG, cycle, "yearly", person, on=today, organisation=org
                )
            except Exception:  # a manager without a manager, a vacancy: not due
                continue
            requests.append(
                {
                    "cycle": cycle,
                    "kind": "yearly",
                    "participants": participants,
                    "actor": person,
                }
            )
            subjects.append(person)
        started = service.request_many(requests)
        when = service.clock.now() + timedelta(days=30)
        for conversation, person, spec in list(zip(started, subjects, requests, strict=True))[::2]:
            manager = next(p.person for p in spec["participants"] if p.role.value == "manager")
            service.execute(conversation, Schedule(actor=manager, on=when, place="Stadhuis"))
            service.execute(
                conversation,
                SavePreparation(actor=person, answers={"going_well": "Het werk met bewoners."}),
            )
        return subjects
    finally:
        service.close()
        os.environ.pop("MAGCORE_KEY_FOLDER", None)


def serve(url: str, keys: str, port: int, cookies: str) -> None:
    """The server process: the API for *url* with a token per person, a signed-in page
    session per person (their ids written to *cookies*, JSON), and a bare route."""
    import uvicorn
    from magcore_web import Principal, TenantConfig, WebConfig, create_app
    from magcore_web.app import EXTENSIONS
    from magcore_web.identity import StaticTokens
    from magcore_web.testing import SECRET
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import PlainTextResponse
    from starlette.routing import Route

    from magcore.app.service import open_service

    os.environ["MAGCORE_KEY_FOLDER"] = keys
    probe = open_service(url, dispatch="off")
    people = sorted(probe.organisation(ORG).people)
    probe.close()
    tokens = {p: Principal(person_id=p, tenant="*") for p in people}

    async def bare(request: Request) -> PlainTextResponse:
        return PlainTextResponse("ok")

    def bare_route(app: Starlette, config: WebConfig) -> None:
        app.router.routes.append(Route("/bare", bare))

    config = WebConfig(
        tenants={
            "*": TenantConfig(store=url, organisation=ORG, cycle=CYCLE, key_folder=Path(keys))
        },
        session_secret=SECRET,
        identity=StaticTokens(tokens),
    )
    app = create_app(config, extensions=[*EXTENSIONS, bare_route])
    sessions = app.state.sessions
    signed_in = {p: sessions.sign_in(sessions.new("*"), tokens[p]).id for p in people}
    Path(cookies).write_text(json.dumps(signed_in), encoding="utf-8")
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def server(url: str, keys: Path) -> Iterator[tuple[str, dict[str, str]]]:
    """The server's address and each person's page session id."""
    port = _free_port()
    cookies = keys.parent / "sessions.json"
    proc = subprocess.Popen(
        [sys.executable, __file__, "--serve", url, str(keys), str(port), str(cookies)],
        stdout=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        import httpx

        for _ in range(600):
            if proc.poll() is not None:
                raise RuntimeError("the server stopped before it answered")
            try:
                if httpx.get(base + "/bare", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        else:
            raise RuntimeError("the server did not start")
        yield base, json.loads(cookies.read_text(encoding="utf-8"))
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=30)


CALLS = [
    ("bare endpoint (baseline)", lambda cid: "/bare"),
    ("page /conversations (HTML)", lambda cid: "/conversations"),
    ("page /conversations/{id} (HTML)", lambda cid: f"/conversations/{cid}"),
    ("GET /conversations (my list)", lambda cid: "/api/v1/conversations"),
    ("GET /conversations/{id}", lambda cid: f"/api/v1/conversations/{cid}"),
    ("GET /sharing-choices", lambda cid: "/api/v1/sharing-choices"),
    ("GET /me", lambda cid: "/api/v1/me"),
]


async def load(
    base: str,
    people: dict[str, str],
    users: int,
    duration: float,
    think: float,
    sessions: dict[str, str],
) -> dict:
    """*users* tasks, each signed in as a random employee, making the calls in turn with a
    think time of *think* seconds on average between them (0: back to back)."""
    import httpx

    timings: dict[str, list[float]] = {name: [] for name, _ in CALLS}
    failures: dict[str, int] = {name: 0 for name, _ in CALLS}
    deadline = time.perf_counter() + duration
    limits = httpx.Limits(max_connections=users, max_keepalive_connections=users)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=60) as client:

        async def user(seed: int) -> None:
            rng = random.Random(seed)
            names = list(people)
            while time.perf_counter() < deadline:
                person = rng.choice(names)
                api = {"authorization": f"Bearer {person}"}
                page = {"cookie": f"magcore-session={sessions[person]}"}
                for name, path in CALLS:
                    headers = page if name.startswith("page") else api
                    if think:
                        await asyncio.sleep(rng.uniform(0.5 * think, 1.5 * think))
                    if time.perf_counter() >= deadline:
                        return
                    start = time.perf_counter()
                    try:
                        response = await client.get(path(people[person]), headers=headers)
                        ok = response.status_code == 200
                    except httpx.HTTPError:
                        ok = False
                    timings[name].append(time.perf_counter() - start)
                    if not ok:
                        failures[name] += 1

        await asyncio.gather(*(user(i) for i in range(users)))
    return {"timings": timings, "failures": failures}


def _pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


def report(title: str, result: dict, duration: float) -> None:
    print(f"\n{title}")
    columns = ("req/s", 8), ("p50 ms", 9), ("p95 ms", 9), ("p99 ms", 9), ("errors", 8)
    ratios = f"{'p50 x':>8}{'p95 x':>8}"
    print(f"{'call':<34}" + "".join(f"{c:>{w}}" for c, w in columns) + ratios)
    base = _pct(result["timings"][CALLS[0][0]], 0.5) or float("nan")
    base95 = _pct(result["timings"][CALLS[0][0]], 0.95) or float("nan")
    for name, _ in CALLS:
        values = result["timings"][name]
        p50, p95 = _pct(values, 0.5), _pct(values, 0.95)
        print(
            f"{name:<34}{len(values) / duration:8.0f}{p50:9.1f}{p95:9.1f}"
            f"{_pct(values, 0.99):9.1f}{result['failures'][name]:8d}{p50 / base:8.1f}"
            f"{p95 / base95:8.1f}"
        )


def run(label: str, url: str, keys: Path, args: argparse.Namespace) -> None:
    start = time.perf_counter()
    subjects = build_store(url, keys, args.people, args.conversations)
    built = time.perf_counter() - start
    from magcore.app.service import open_service

    os.environ["MAGCORE_KEY_FOLDER"] = str(keys)
    service = open_service(url, dispatch="off")
    people = {}
    for person in subjects[: args.conversations]:
        listing = service.store.conversations(participant=person)
        if listing:
            people[person] = listing[0].id
    service.close()
    os.environ.pop("MAGCORE_KEY_FOLDER", None)
    before = os.getloadavg()[0]
    with server(url, keys) as (base, sessions):
        result = asyncio.run(load(base, people, args.users, args.duration, args.think, sessions))
    load_average = f"{before:.1f} before, {os.getloadavg()[0]:.1f} after"
    report(
        f"{label}: {args.people} people, {len(people)} conversations (built in {built:.0f} s), "
        f"{args.users} users thinking {args.think:g} s on average, for {args.duration:.0f} s "
        f"(machine load average {load_average}, {os.cpu_count()} cores)",
        result,
        args.duration,
    )


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--serve":
        serve(sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5])
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=18000)
    parser.add_argument("--conversations", type=int, default=2000)
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--duration", type=float, default=60.0)
    parser.add_argument("--think", type=float, default=2.0, help="Seconds between calls.")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    if args.quick:
        args.people, args.conversations, args.users, args.duration = 2000, 300, 50, 10.0
    with tempfile.TemporaryDirectory() as folder:
        keys = Path(folder) / "keys"
        keys.mkdir()
        run("SQLite", f"sqlite:///{folder}/web.db", keys, args)
    if args.no_postgres:
        return
    try:
        import magcore_postgres  # noqa: F401

        context = pg_server()
        url = context.__enter__()
    except Exception as exc:
        print(f"\nPostgreSQL skipped: {exc}")
        return
    try:
        with tempfile.TemporaryDirectory() as folder:
            keys = Path(folder) / "keys"
            keys.mkdir()
            run("PostgreSQL", url, keys, args)
    finally:
        context.__exit__(None, None, None)


if __name__ == "__main__":
    main()
