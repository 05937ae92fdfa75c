"""Operations: one declaration per endpoint, from which both the route and its OpenAPI entry
are made, so the document cannot drift from the code.

A handler is a plain function ``handler(call) -> result`` run in a worker thread with the
tenant's service (:class:`Call` has the principal, the service, the path and query values and
the structured body); it returns an attrs value, a list of them, ``None`` (204) or a
:class:`Raw` body (an ``.ics`` file). Errors it raises become problem details.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, TypeVar

import attrs
import cattrs
import msgspec
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from magcore.errors import InputRefused, MagcoreError
from magcore.model.input_policy import MAX_ID_LENGTH, date_problem, is_valid_id, load_json

from ..app import tenant_of
from ..identity import NotSignedInError, Principal, require_principal
from ..problems import PROBLEM_JSON, ApiProblem, FieldError, invalid, problem_for
from ..signin.standing import standing
from .echo import without_input

if TYPE_CHECKING:
    from magcore.app.service import Service

    from ..tenants import Tenant

__all__ = ["Call", "Operation", "Param", "Raw", "converter", "routes_for"]

_encode = msgspec.json.Encoder().encode
converter = cattrs.Converter(forbid_extra_keys=True)
converter.register_unstructure_hook(datetime, lambda d: d.isoformat())
converter.register_unstructure_hook(date, lambda d: d.isoformat())
converter.register_unstructure_hook(
    frozenset, lambda s: sorted(converter.unstructure(x) for x in s)
)
converter.register_structure_hook(datetime, lambda v, _: _datetime(v))
for _type, _name in ((str, "a text"), (bool, "true or false"), (int, "a whole number")):
    converter.register_structure_hook(_type, lambda v, t, _n=_name: _strict(v, t, _n))
converter.register_structure_hook(date, lambda v, _: _date(v))


_Day = TypeVar("_Day", date, datetime)


def _strict(value: Any, expected: type, name: str) -> Any:
    """*value* if it is of the JSON type *expected* already: no silent conversion."""
    if type(value) is not expected:
        raise ValueError(f"expected {name}")
    return value


def _datetime(value: Any) -> datetime:
    if not isinstance(value, str):
        raise ValueError("expected an ISO 8601 date and time with time zone")
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        raise ValueError("the time needs a time zone (for example +01:00 or Z)")
    return _supported(parsed)


def _date(value: Any) -> date:
    if not isinstance(value, str) or len(value) != 10:
        raise ValueError("expected an ISO 8601 date (YYYY-MM-DD)")
    return _supported(date.fromisoformat(value))


def _supported(value: _Day) -> _Day:
    """*value* if it lies within the input policy's dates (1900 to 9000: a period planned from
    it stays inside Python's dates), else a ``ValueError`` saying so."""
    problem = date_problem(value, pointer="")
    if problem is not None:
        raise ValueError(problem.message)
    return value


@attrs.frozen
class Raw:
    """A response body that is not JSON (an ``.ics`` calendar, an HTML export)."""

    body: bytes
    media_type: str
    filename: str | None = None


@attrs.frozen(kw_only=True)
class Param:
    """A path or query parameter: its name (lowerCamelCase), where, its type, a description."""

    name: str
    where: str = "query"
    type: type = str
    description: str = ""
    required: bool = False
    enum: tuple[str, ...] = ()


@attrs.frozen(kw_only=True)
class Call:
    """What a handler gets: who asks, which tenant's service, and the request's values."""

    principal: Principal
    service: Service
    tenant: Tenant
    path: Mapping[str, str]
    query: Mapping[str, Any]
    body: Any = None


@attrs.frozen(kw_only=True)
class Operation:
    """One endpoint: method and path, how it is documented, and its handler."""

    method: str
    path: str
    operation_id: str
    summary: str
    tag: str
    handler: Callable[[Call], Any]
    body: Any = None
    response: Any = None
    status: int = 200
    params: tuple[Param, ...] = ()
    errors: tuple[int, ...] = ()
    alternatives: tuple[str, ...] = ()
    """Other media types of the 200 response (``text/calendar``), chosen by ``Accept``."""
    description: str = ""

    @property
    def path_params(self) -> tuple[str, ...]:
        return tuple(re.findall(r"{([A-Za-z]+)}", self.path))


def _query(request: Request, params: Sequence[Param]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    problems: list[FieldError] = []
    known = {p.name for p in params if p.where == "query"}
    for name in sorted(set(request.query_params) - known):
        problems.append(
            FieldError(in_="query", location=name[:100], code="unknown", detail="not a parameter")
        )
    for param in params:
        if param.where != "query":
            continue
        raw = request.query_params.get(param.name)
        if raw is None:
            if param.required:
                problems.append(
                    FieldError(in_="query", location=param.name, code="required", detail="missing")
                )
            continue
        try:
            if param.type is date:
                values[param.name] = _date(raw)
            elif param.type is int:
                values[param.name] = int(raw)
            elif param.type is bool:
                if raw not in ("true", "false"):
                    raise ValueError("expected true or false")
                values[param.name] = raw == "true"
            else:
                if param.enum and raw not in param.enum:
                    raise ValueError(f"expected one of {', '.join(param.enum)}")
                if not param.enum and not is_valid_id(raw):
                    problems.append(_not_an_id("query", param.name))
                    continue
                values[param.name] = raw
        except ValueError as exc:
            problems.append(
                FieldError(in_="query", location=param.name, code="invalid", detail=str(exc))
            )
    if problems:
        raise ApiProblem(invalid(problems))
    return values


#: Why a path or query value is no id; the value itself is not echoed (it may be anything).
_NOT_AN_ID = (
    "not a valid id (letters, digits, '.', '_', ':', '@' or '-', starting with a letter or "
    f"digit; parts joined by '#'; at most {MAX_ID_LENGTH} characters)"
)


def _not_an_id(where: str, name: str) -> FieldError:
    return FieldError(in_=where, location=name, code="pattern", detail=_NOT_AN_ID)


def _path(request: Request, operation: Operation) -> dict[str, str]:
    """The path values of *request*, each an id by the input policy (else 400, naming it)."""
    values = {name: str(request.path_params[name]) for name in operation.path_params}
    problems = [
        _not_an_id("path", name) for name, value in values.items() if not is_valid_id(value)
    ]
    if problems:
        raise ApiProblem(invalid(problems))
    return values


def _pointer(path: str) -> str:
    """``$.a[0].b`` (cattrs) → ``/a/0/b`` (JSON pointer)."""
    parts = re.findall(r"\.([^.\[]+)|\[['\"]?([^\]'\"]+)['\"]?\]", path.removeprefix("$"))
    return "/" + "/".join(a or b for a, b in parts) if parts else "/"


@functools.cache
def _validator(cls: Any) -> Any:
    """A JSON Schema validator of *cls*'s body, from the same schema the document shows."""
    import jsonschema

    from .schema import schema_for

    components: dict[str, Any] = {}
    root = schema_for(cls, components)
    return jsonschema.Draft202012Validator(
        {**root, "components": {"schemas": components}},
        format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER,
    )


#: The schema rules whose own message names only the schema's keys, never a value sent.
_KEYS_ONLY = frozenset({"required", "dependentRequired"})
#: The schema rules about fields the schema does not have (their message quotes the names sent).
_EXTRA = frozenset({"additionalProperties", "unevaluatedProperties"})


def _rule_text(error: Any) -> str:
    """What *error*'s rule asks, in words that never quote the value sent: a refused value
    may be what should not have been sent (a free-text reason, a name), and an answer is
    logged by proxies and shown on screens."""
    rule, wanted = error.validator, error.validator_value
    if rule in _KEYS_ONLY:
        return str(error.message)
    if rule in _EXTRA:
        known = sorted((error.schema or {}).get("properties", {}))
        sent = list(error.instance) if isinstance(error.instance, dict) else []
        extra = [str(i + 1) for i, name in enumerate(sent) if name not in known]
        where = f"field {', '.join(extra)} of those sent; " if extra else ""
        fields = f"{where}its fields: {', '.join(known)}" if known else where.rstrip("; ")
        return f"holds a field it does not have ({fields})" if fields else "holds a field too many"
    if rule == "enum":
        return f"must be one of {json.dumps(wanted, ensure_ascii=False)}"
    if rule == "const":
        return f"must be {json.dumps(wanted, ensure_ascii=False)}"
    if rule == "type":
        kinds = [wanted] if isinstance(wanted, str) else list(wanted)
        return f"must be of type {' or '.join(kinds)}"
    if rule == "pattern":
        return f"must match the pattern {wanted}"
    if rule == "format":
        return f"must be a valid {wanted}"
    if rule in ("maxLength", "minLength"):
        return f"must be at {'most' if rule == 'maxLength' else 'least'} {wanted} characters"
    if rule in ("maxItems", "minItems"):
        return f"must have at {'most' if rule == 'maxItems' else 'least'} {wanted} items"
    if rule in ("maximum", "minimum", "exclusiveMaximum", "exclusiveMinimum"):
        words = {
            "maximum": "at most",
            "minimum": "at least",
            "exclusiveMaximum": "below",
            "exclusiveMinimum": "above",
        }
        return f"must be {words[rule]} {wanted}"
    return f"does not meet the schema's {rule!r} rule"


def _schema_problems(cls: Any, data: Any) -> list[FieldError]:
    found = []
    for error in sorted(_validator(cls).iter_errors(data), key=lambda e: list(e.absolute_path)):
        pointer = "/" + "/".join(str(part) for part in error.absolute_path)
        message = _rule_text(error)
        message = message if len(message) <= 200 else message[:200] + "…"
        found.append(FieldError(in_="body", location=pointer, code=error.validator, detail=message))
    return found


async def _json(request: Request) -> Any:
    """The request body as JSON, by the input policy (else 400, naming where)."""
    raw = await request.body()  # at most MAX_JSON_BYTES: the app's body limit stops more
    try:
        data = load_json(raw or b"null", what="request body")
    except InputRefused as exc:
        raise ApiProblem(
            invalid(
                [
                    FieldError(
                        in_="body",
                        location=p.pointer or "/",
                        code=p.keyword or "invalid",
                        detail=p.message if len(p.message) <= 200 else p.message[:200] + "…",
                    )
                    for p in exc.problems
                ]
            )
        ) from None
    return data


def _lenient(raw: bytes) -> Any:
    """*raw* as JSON by Python's rules alone (to know what a refusal must not quote), or
    ``None``."""
    try:
        return json.loads(raw)
    except (ValueError, RecursionError):
        return None


def _structure(cls: Any, data: Any) -> Any:
    """*data* as a body of class *cls* (else 400, naming each field at fault)."""
    if not isinstance(data, dict):
        raise ApiProblem(
            invalid([FieldError(in_="body", location="/", code="type", detail="expected object")])
        )
    problems = _schema_problems(cls, data)
    if problems:
        raise ApiProblem(invalid(problems))
    try:
        return converter.structure(data, cls)
    except (cattrs.BaseValidationError, ValueError, TypeError) as exc:
        if isinstance(exc, cattrs.BaseValidationError):
            messages = cattrs.transform_error(exc)
        else:
            messages = [f"{exc} @ $"]
        problems = []
        for message in messages:
            text, _, where = message.rpartition(" @ ")
            problems.append(
                FieldError(in_="body", location=_pointer(where), code="invalid", detail=text)
            )
        raise ApiProblem(invalid(problems)) from None


def _respond(operation: Operation, result: Any, request: Request) -> Response:
    if isinstance(result, Raw):
        headers = {}
        if result.filename:
            headers["content-disposition"] = f'attachment; filename="{result.filename}"'
        return Response(result.body, media_type=result.media_type, headers=headers)
    if result is None or operation.status == 204:
        return Response(status_code=204)
    # msgspec encodes attrs values directly (measured: bench/web_framework.py).
    return Response(_encode(result), status_code=operation.status, media_type="application/json")


def routes_for(operations: Sequence[Operation]) -> list[Route]:
    """One Starlette route per path, running the operation of the request's method (so that
    a method the path does not have gets 405 with an ``Allow`` header listing all it has)."""
    by_path: dict[str, dict[str, Callable[[Request], Any]]] = {}
    for operation in operations:
        by_path.setdefault(operation.path, {})[operation.method.upper()] = _endpoint(operation)
    routes = []
    for path, endpoints in by_path.items():

        async def endpoint(
            request: Request, endpoints: Mapping[str, Callable[[Request], Any]] = endpoints
        ) -> Response:
            method = "GET" if request.method == "HEAD" else request.method
            response: Response = await endpoints[method](request)
            return response

        routes.append(Route(path, endpoint, methods=sorted(endpoints)))
    return routes


def _endpoint(operation: Operation) -> Callable[[Request], Any]:
    """The handler of one operation, as an async function of the request."""

    async def endpoint(request: Request) -> Response:
        tenant = tenant_of(request)
        principal = require_principal(request)
        if principal.tenant != tenant.name:  # providers are checked already; never trust one
            raise ApiProblem(invalid([]))
        path = _path(request, operation)
        query = _query(request, operation.params)
        if operation.body is None:
            return await _answer(operation, request, principal, tenant, path, query, None)
        data: Any = None
        try:
            data = await _json(request)
            body = _structure(operation.body, data)
            return await _answer(operation, request, principal, tenant, path, query, body)
        except (ApiProblem, MagcoreError) as exc:
            # A problem about a body names its fields and rules, never a value sent.
            headers = exc.headers if isinstance(exc, ApiProblem) else None
            if data is None:  # refused by the input policy: still, nothing of it goes back
                data = _lenient(await request.body())
            safe = without_input(problem_for(exc), operation.body, data)
            raise ApiProblem(safe, headers=headers) from None

    return endpoint


async def _answer(
    operation: Operation,
    request: Request,
    principal: Principal,
    tenant: Tenant,
    path: Mapping[str, str],
    query: Mapping[str, Any],
    body: Any,
) -> Response:
    """Run *operation*'s handler with the tenant's service and answer with its result."""

    def run(service: Service) -> Any:
        # A bearer token is valid until it expires; the person it names may have left (or
        # been taken out of the organisation) since it was issued, and the tenant's directory
        # may give them roles the token does not name. Ask the core where they stand now, as
        # the pages do for a session (the API is never driven by a session cookie).
        current = standing(service, principal)
        if current is None:
            raise NotSignedInError("this person is no longer in the organisation")
        return operation.handler(
            Call(
                principal=current,
                service=service,
                tenant=tenant,
                path=path,
                query={**query, "accept": request.headers.get("accept", "")},
                body=body,
            )
        )

    result = await run_in_threadpool(tenant.call, run)
    return _respond(operation, result, request)


#: The media type of problems, for the OpenAPI document.
PROBLEM_MEDIA = PROBLEM_JSON
