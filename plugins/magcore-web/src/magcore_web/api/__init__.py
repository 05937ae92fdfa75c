"""The HTTP API under ``/api/v1``, following the Dutch API Design Rules.

Every operation is declared once (:mod:`magcore_web.api.routing`); the routes and the OpenAPI
3.1 document at ``/api/v1/openapi.json`` (and ``/openapi.json``) are made from those
declarations. Errors are problem details; every content read goes through the service's
access gateway and leaves an audit line. Every answer under ``/api/v1`` carries
``Cache-Control: no-store``: what it holds is personal, no cache may keep it.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from magcore.errors import MagcoreError

from ..config import WebConfig
from ..problems import PROBLEM_JSON, ApiProblem, Problem, problem_for
from .openapi import openapi_document
from .routing import Operation, routes_for

__all__ = ["API_PREFIX", "install", "operations"]

API_PREFIX = "/api/v1"
log = logging.getLogger("magcore.web")


def operations() -> tuple[Operation, ...]:
    """Every operation of the API, in the order of the document."""
    from . import conversations, goals, manager, officer, people, sharing

    found: list[Operation] = []
    for module in (conversations, goals, sharing, people, manager, officer):
        found.extend(module.OPERATIONS)
    return tuple(found)


def _problem_response(problem: Problem, headers: dict[str, str] | None = None) -> Response:
    return JSONResponse(
        problem.to_json(), status_code=problem.status, media_type=PROBLEM_JSON, headers=headers
    )


async def _on_error(request: Request, exc: Exception) -> Response:
    problem = problem_for(exc)
    if problem.status >= 500:
        log.exception("unexpected error at %s", request.url.path, exc_info=exc)
    headers = dict(getattr(exc, "headers", None) or {})
    if problem.status == 401:
        headers["www-authenticate"] = 'Bearer realm="magcore"'
    return _problem_response(problem, headers)


async def _on_http(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    titles = {404: "Not found", 405: "Method not allowed", 413: "Content too large"}
    problem = Problem(
        status=exc.status_code,
        title=titles.get(exc.status_code, "Error"),
        detail=str(exc.detail),
        # a body too large while streaming: the same problem type as one refused by its length
        type=_TOO_LARGE if exc.status_code == 413 else "about:blank",
    )
    return _problem_response(problem, dict(exc.headers or {}))


_TOO_LARGE = "https://magcore.github.io/magcore/problems/too-large"


def _server(request: Request, config: WebConfig) -> str:
    if config.public_url:
        return config.public_url.rstrip("/")
    base = str(request.base_url).rstrip("/")
    return base if base.endswith(API_PREFIX) else base + API_PREFIX


def _openapi(config: WebConfig, ops: Sequence[Operation]) -> Any:
    async def openapi(request: Request) -> Response:
        document = openapi_document(
            ops, version=config.api_version, server=_server(request, config)
        )
        return JSONResponse(document, headers={"access-control-allow-origin": "*"})

    return openapi


class _NoStore:
    """Send ``Cache-Control: no-store`` with every response of *app* (whatever it set)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def send_no_store(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [
                    h for h in message.get("headers", []) if h[0].lower() != b"cache-control"
                ]
                message["headers"] = [*headers, (b"cache-control", b"no-store")]
            await send(message)

        await self.app(scope, receive, send_no_store)


def install(app: Starlette, config: WebConfig) -> None:
    """Mount the API at ``/api/v1`` on *app*, and its document at ``/openapi.json`` too."""
    ops = operations()
    openapi = _openapi(config, ops)
    api = Starlette(
        routes=[Route("/openapi.json", openapi, methods=["GET"]), *routes_for(ops)],
        exception_handlers={
            MagcoreError: _on_error,
            ApiProblem: _on_error,
            HTTPException: _on_http,
            Exception: _on_error,
        },
    )
    app.router.routes.append(Mount(API_PREFIX, app=_NoStore(api), name="api"))
    app.router.routes.append(Route("/openapi.json", openapi, methods=["GET"], name="openapi"))
