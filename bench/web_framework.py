"""Choosing the ASGI framework for magcore-web: Starlette (with cattrs) against Litestar.

Both run in this process, called as ASGI apps directly (no sockets, no server), so the figures
are the frameworks' own cost per request. The baseline is a bare ASGI function written by hand,
measured in the same run; every row prints its ratio to it. Three requests:

* ``bare``: GET returning ``{"ok": true}``;
* ``list``: GET returning 50 attrs values (the shape of "my conversations");
* ``body``: POST of a JSON body structured into an attrs value, answered with it.

Also the time to import each framework (a fresh interpreter, best of three) and a note on how
each one makes the OpenAPI document. Litestar is optional: without it only Starlette is
measured. Run: ``.venv/bin/python bench/web_framework.py [requests]``
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import attrs
import cattrs


@attrs.frozen
class Item:
    id: str
    kind: str
    state: str
    at: datetime
    parts: tuple[str, ...]


ITEMS = [
    Item(f"c{i:04d}", "yearly", "agreed", datetime(2026, 3, 2, 9, i % 60, tzinfo=UTC), ("record",))
    for i in range(50)
]
BODY = json.dumps(
    {
        "id": "c1",
        "kind": "yearly",
        "state": "held",
        "at": "2026-03-02T09:00:00+00:00",
        "parts": ["record", "agreement"],
    }
).encode()


def bare_app() -> Any:
    conv = cattrs.Converter()
    conv.register_unstructure_hook(datetime, lambda d: d.isoformat())
    conv.register_structure_hook(datetime, lambda v, _: datetime.fromisoformat(v))

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        path = scope["path"]
        if path == "/body":
            message = await receive()
            item = conv.structure(json.loads(message["body"]), Item)
            data = json.dumps(conv.unstructure(item)).encode()
        elif path == "/list":
            data = json.dumps(conv.unstructure(ITEMS)).encode()
        else:
            data = b'{"ok":true}'
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"application/json")],
            }
        )
        await send({"type": "http.response.body", "body": data})

    return app


def starlette_app() -> Any:
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    conv = cattrs.Converter()
    conv.register_unstructure_hook(datetime, lambda d: d.isoformat())
    conv.register_structure_hook(datetime, lambda v, _: datetime.fromisoformat(v))

    async def bare(request: Request) -> JSONResponse:
        return JSONResponse({"ok": True})

    async def listing(request: Request) -> JSONResponse:
        return JSONResponse(conv.unstructure(ITEMS))

    async def body(request: Request) -> JSONResponse:
        item = conv.structure(json.loads(await request.body()), Item)
        return JSONResponse(conv.unstructure(item))

    return Starlette(
        routes=[
            Route("/bare", bare),
            Route("/list", listing),
            Route("/body", body, methods=["POST"]),
        ]
    )


def starlette_msgspec_app() -> Any:
    """Starlette with msgspec encoding the attrs values (and decoding the body into them)."""
    import msgspec
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route

    encode = msgspec.json.Encoder().encode
    decode = msgspec.json.Decoder(Item).decode

    def reply(data: bytes) -> Response:
        return Response(data, media_type="application/json")

    async def bare(request: Request) -> Response:
        return reply(b'{"ok":true}')

    async def listing(request: Request) -> Response:
        return reply(encode(ITEMS))

    async def body(request: Request) -> Response:
        return reply(encode(decode(await request.body())))

    return Starlette(
        routes=[
            Route("/bare", bare),
            Route("/list", listing),
            Route("/body", body, methods=["POST"]),
        ]
    )


def litestar_app() -> Any:
    from litestar import Litestar, get, post
    from litestar.plugins.attrs import AttrsSchemaPlugin

    @get("/bare", sync_to_thread=False)
    def bare() -> dict[str, bool]:
        return {"ok": True}

    @get("/list", sync_to_thread=False)
    def listing() -> list[Item]:
        return ITEMS

    @post("/body", sync_to_thread=False, status_code=200)
    def body(data: Item) -> Item:
        return data

    return Litestar([bare, listing, body], plugins=[AttrsSchemaPlugin()], openapi_config=None)


async def drive(app: Any, method: str, path: str, n: int) -> float:
    """Seconds per request for *n* requests of *method* *path* to *app*."""
    scope_base = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "client": ("127.0.0.1", 1),
        "server": ("127.0.0.1", 80),
        "headers": [
            (b"host", b"bench"),
            (b"content-type", b"application/json"),
            (b"content-length", str(len(BODY)).encode()),
        ],
    }
    body = BODY if method == "POST" else b""
    status: list[int] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            status.append(message["status"])

    for _ in range(50):  # warm up
        await app(dict(scope_base, state={}), receive, send)
    start = time.perf_counter()
    for _ in range(n):
        await app(dict(scope_base, state={}), receive, send)
    elapsed = time.perf_counter() - start
    assert set(status) == {200}, (path, set(status))
    return elapsed / n


def import_time(module: str) -> float:
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", f"import {module}"], check=True)
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
    apps: dict[str, Callable[[], Any]] = {
        "bare ASGI (baseline)": bare_app,
        "starlette + cattrs": starlette_app,
        "starlette + msgspec": starlette_msgspec_app,
    }
    try:
        import litestar  # noqa: F401
    except ImportError:
        print("litestar is not installed: measuring Starlette only")
    else:
        apps["litestar"] = litestar_app
    requests = [("bare", "GET", "/bare"), ("list", "GET", "/list"), ("body", "POST", "/body")]
    results: dict[tuple[str, str], float] = {}
    for name, make in apps.items():
        app = make()
        for label, method, path in requests:
            results[(name, label)] = asyncio.run(drive(app, method, path, n))
    print(f"{n} requests each, in-process ASGI calls (µs per request; ratio to the baseline)")
    print(f"{'framework':<22}" + "".join(f"{label:>20}" for label, _, _ in requests))
    for name in apps:
        cells = []
        for label, _, _ in requests:
            value = results[(name, label)]
            base = results[("bare ASGI (baseline)", label)]
            cells.append(f"{value * 1e6:9.1f} ({value / base:4.1f}x)")
        print(f"{name:<22}" + "".join(f"{c:>20}" for c in cells))
    python = import_time("json")
    print("import time (fresh interpreter, minus a bare `import json`):")
    for module in (
        ("starlette.applications", "litestar")
        if "litestar" in apps
        else ("starlette.applications",)
    ):
        print(f"  {module:<24}{(import_time(module) - python) * 1000:7.0f} ms")


if __name__ == "__main__":
    main()
