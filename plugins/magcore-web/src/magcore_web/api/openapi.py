"""The OpenAPI 3.1 document, generated from the :class:`~magcore_web.api.routing.Operation`
declarations and the attrs classes they name (no hand-written paths or schemas)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from .routing import Operation, Param
from .schema import schema_for

__all__ = ["INVALID_INPUT_SCHEMA", "PROBLEM_SCHEMA", "openapi_document"]

_VERSION_HEADER = {
    "description": "The full version of the API (semantic versioning).",
    "schema": {"type": "string"},
}
_CORS_HEADER = {
    "description": "Every origin may read the OpenAPI document.",
    "schema": {"type": "string"},
}
_ERROR_TITLES = {
    400: "Invalid input; `errors` names each field at fault.",
    401: "Not signed in (no valid session or bearer token).",
    403: "Not allowed for your role; or, after a write, stored but not yours to see now.",
    404: "There is nothing with this id that you may see.",
    409: "Not possible in the current state, or changed meanwhile.",
    410: "Erased: the key of this content was destroyed.",
}

_PROBLEM_MEMBERS: dict[str, Any] = {
    "type": {"type": "string", "format": "uri"},
    "title": {"type": "string"},
    "status": {"type": "integer", "minimum": 400, "maximum": 599},
    "detail": {"type": "string"},
    "instance": {"type": "string"},
}
PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "Problem details (RFC 9457).",
    "properties": _PROBLEM_MEMBERS,
    "required": ["type", "title", "status", "detail"],
}
INVALID_INPUT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "Problem details (RFC 9457) of invalid input: `errors` names each field.",
    "properties": {
        **_PROBLEM_MEMBERS,
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "in": {"type": "string", "enum": ["body", "query", "path", "header"]},
                    "location": {"type": "string"},
                    "code": {"type": "string"},
                    "detail": {"type": "string"},
                },
                "required": ["in", "location", "code", "detail"],
            },
        },
    },
    "required": ["type", "title", "status", "detail"],
}


def _param(param: Param) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "string"}
    if param.type is int:
        schema = {"type": "integer"}
    elif param.type is bool:
        schema = {"type": "boolean"}
    elif param.type is date:
        schema = {"type": "string", "format": "date"}
    elif param.where == "path":
        schema = {"type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$"}
    if param.enum:
        schema["enum"] = list(param.enum)
    return {
        "name": param.name,
        "in": param.where,
        "required": param.where == "path" or param.required,
        "description": param.description or param.name,
        "schema": schema,
    }


def _problem_response(status: int) -> dict[str, Any]:
    schema = "InvalidInputProblem" if status == 400 else "Problem"
    return {
        "description": _ERROR_TITLES.get(status, "An error."),
        "headers": {"API-Version": {"$ref": "#/components/headers/API-Version"}},
        "content": {
            "application/problem+json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}
        },
    }


def _operation(op: Operation, components: dict[str, Any]) -> dict[str, Any]:
    params = list(op.params)
    path_names = {p.name for p in params if p.where == "path"}
    params[:0] = [Param(name=n, where="path") for n in op.path_params if n not in path_names]
    responses: dict[str, Any] = {}
    ok: dict[str, Any] = {
        "description": op.summary,
        "headers": {"API-Version": {"$ref": "#/components/headers/API-Version"}},
    }
    if op.status != 204:
        content: dict[str, Any] = {}
        if op.response is not None:
            content["application/json"] = {"schema": schema_for(op.response, components)}
        for media in op.alternatives:
            content[media] = {"schema": {"type": "string"}}
        if content:
            ok["content"] = content
    responses[str(op.status)] = ok
    for status in sorted({400, 401, *op.errors}):
        responses[str(status)] = _problem_response(status)
    entry: dict[str, Any] = {
        "operationId": op.operation_id,
        "summary": op.summary,
        "tags": [op.tag],
        "parameters": [_param(p) for p in params],
        "responses": responses,
    }
    entry["description"] = op.description or op.summary
    if op.body is not None:
        entry["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": schema_for(op.body, components)}},
        }
    return entry


def openapi_document(
    operations: Sequence[Operation], *, version: str, server: str
) -> dict[str, Any]:
    """The OpenAPI 3.1 document of *operations*, served from *server* (``.../api/v1``)."""
    components: dict[str, Any] = {
        "Problem": PROBLEM_SCHEMA,
        "InvalidInputProblem": INVALID_INPUT_SCHEMA,
    }
    paths: dict[str, Any] = {
        "/openapi.json": {
            "get": {
                "operationId": "getOpenapiJson",
                "summary": "This OpenAPI document",
                "description": "The OpenAPI 3.1 document of this API, made from its code.",
                "tags": ["openapi"],
                "security": [],
                "responses": {
                    "200": {
                        "description": "The OpenAPI 3.1 document of this API.",
                        "headers": {
                            "API-Version": {"$ref": "#/components/headers/API-Version"},
                            "access-control-allow-origin": _CORS_HEADER,
                        },
                        "content": {"application/json": {"schema": {"type": "object"}}},
                    }
                },
            }
        }
    }
    tags = {"openapi"}
    for op in operations:
        paths.setdefault(op.path, {})[op.method.lower()] = _operation(op, components)
        tags.add(op.tag)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "magcore API",
            "description": (
                "The HTTP API of magcore, the scoring-free conversation cycle for Dutch "
                "municipalities: conversations, preparations, records, goals and sharing "
                "choices of the signed-in person, read through the access gateway (every "
                "read audited). Follows the Dutch API Design Rules."
            ),
            "version": version,
            "contact": {
                "name": "magcore maintainers",
                "url": "https://github.com/magcore/magcore",
                "email": "magcore@example.org",
            },
            "license": {"name": "EUPL-1.2", "identifier": "EUPL-1.2"},
        },
        "servers": [{"url": server}],
        "security": [{"bearer": []}],
        "tags": [{"name": t} for t in sorted(tags)],
        "paths": paths,
        "components": {
            "schemas": dict(sorted(components.items())),
            "headers": {"API-Version": _VERSION_HEADER},
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "bearerFormat": "JWT",
                    "description": "An access token of the municipality's OpenID provider.",
                }
            },
        },
    }
