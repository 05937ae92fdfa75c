"""Problem details (RFC 9457, ``application/problem+json``) for every error the API returns.

magcore's own errors (:class:`~magcore.errors.MagcoreError` and its subclasses) are mapped to
an HTTP status and a problem naming the field at fault: the JSON pointer of a
:class:`~magcore.errors.Problem` becomes an entry of ``errors`` (``in``, ``location``,
``code``, ``detail``), as the API Design Rules' invalid-input extension has it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import attrs

from magcore.errors import (
    AccessDenied,
    ApprovalMissingError,
    ConflictError,
    ConsentError,
    DefinitionError,
    KeyDestroyedError,
    MagcoreError,
    NotFoundError,
    RecordInvalidError,
    TransitionError,
)

from .identity import NotSignedInError
from .tenants import UnknownTenantError

__all__ = [
    "PROBLEM_JSON",
    "ApiProblem",
    "FieldError",
    "Problem",
    "not_found",
    "problem_for",
]

PROBLEM_JSON = "application/problem+json"
_BASE = "https://magcore.github.io/magcore/problems/"


@attrs.frozen(kw_only=True)
class FieldError:
    """One field at fault: where it is (``body``, ``query``, ``path``, ``header``), its JSON
    pointer or name (``location``), a stable ``code`` and a readable ``detail``."""

    in_: str
    location: str
    code: str
    detail: str

    def to_json(self) -> dict[str, str]:
        return {"in": self.in_, "location": self.location, "code": self.code, "detail": self.detail}


@attrs.frozen(kw_only=True)
class Problem:
    """An RFC 9457 problem: ``type``, ``title``, ``status``, ``detail``, ``instance`` and,
    for invalid input, the ``errors`` naming each field."""

    status: int
    title: str
    detail: str
    type: str = "about:blank"
    instance: str | None = None
    errors: tuple[FieldError, ...] = ()

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "type": self.type,
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
        }
        if self.instance is not None:
            body["instance"] = self.instance
        if self.errors:
            body["errors"] = [e.to_json() for e in self.errors]
        return body


class ApiProblem(Exception):
    """Raise to answer with *problem* (the handler writes it as ``application/problem+json``)."""

    def __init__(self, problem: Problem, *, headers: dict[str, str] | None = None) -> None:
        self.problem = problem
        self.headers = headers or {}
        super().__init__(problem.detail)


def _type(slug: str) -> str:
    return _BASE + slug


def not_found(what: str = "resource") -> Problem:
    """The one answer for something that does not exist *or* that the caller may not see: the
    two are never told apart, so ids of other people's records give nothing away."""
    return Problem(
        status=404,
        title="Not found",
        detail=f"there is no {what} with this id that you may see",
        type=_type("not-found"),
    )


def invalid(errors: Sequence[FieldError], detail: str = "the request is invalid") -> Problem:
    return Problem(
        status=400,
        title="Invalid input",
        detail=detail,
        type=_type("invalid-input"),
        errors=tuple(errors),
    )


def problem_for(exc: BaseException, *, where: str = "body") -> Problem:
    """The problem that answers *exc* (a magcore error; anything else is a 500 without detail)."""
    if isinstance(exc, ApiProblem):
        return exc.problem
    if isinstance(exc, NotSignedInError):
        return Problem(
            status=401, title="Not signed in", detail=exc.reason, type=_type("not-signed-in")
        )
    if isinstance(exc, UnknownTenantError):
        return Problem(
            status=421,
            title="Unknown host",
            detail=str(exc),
            type=_type("unknown-host"),
        )
    if isinstance(exc, RecordInvalidError):
        return invalid(
            [
                FieldError(
                    in_=where,
                    location=p.pointer or "/",
                    code=p.keyword or "invalid",
                    detail=p.message,
                )
                for p in exc.problems
            ],
            detail=str(exc),
        )
    if isinstance(exc, DefinitionError):
        return invalid(
            [
                FieldError(
                    in_=where, location=exc.pointer or "/", code="definition", detail=str(exc)
                )
            ],
            detail=str(exc),
        )
    if isinstance(exc, AccessDenied | NotFoundError):
        return not_found()
    if isinstance(exc, ApprovalMissingError):
        return Problem(
            status=409,
            title="Approval missing",
            detail=str(exc),
            type=_type("approval-missing"),
        )
    if isinstance(exc, TransitionError):
        return Problem(
            status=409, title="Not possible now", detail=str(exc), type=_type("transition")
        )
    if isinstance(exc, ConflictError):
        return Problem(
            status=409,
            title="Changed meanwhile",
            detail="the record changed since you read it; nothing was written, try again",
            type=_type("conflict"),
        )
    if isinstance(exc, ConsentError):
        return Problem(status=403, title="Not allowed", detail=str(exc), type=_type("not-allowed"))
    if isinstance(exc, KeyDestroyedError):
        return Problem(status=410, title="Erased", detail=str(exc), type=_type("erased"))
    if isinstance(exc, MagcoreError):
        return Problem(status=400, title="Refused", detail=str(exc), type=_type("refused"))
    return Problem(
        status=500,
        title="Internal error",
        detail="something went wrong on our side; nothing was changed",
        type=_type("internal"),
    )
