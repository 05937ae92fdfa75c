"""The session cookie opens pages only, also when the app is deployed under a path prefix.

Behind a proxy at ``https://intranet.example/magcore/`` (uvicorn ``--root-path /magcore``) the
request path is ``/magcore/api/v1/...``: the API must still be recognised as the API, or a
signed-in browser's cookie would drive it from another site (its POSTs carry no CSRF token).
"""

from __future__ import annotations

from typing import Any

import pytest
from magcore_web.signin.sessions import SessionIdentity, under_api
from starlette.requests import HTTPConnection


def _connection(path: str, root_path: str = "", mounted: str = "") -> HTTPConnection:
    """A request to *path* of an app the server mounted at *root_path*, as a route inside the
    app's own mount at *mounted* (the API is one) sees it."""
    scope = {
        "type": "http",
        "path": path,
        "app_root_path": root_path,
        "root_path": root_path + mounted,
        "headers": [(b"cookie", b"magcore-session=stolen")],
        "query_string": b"",
        "server": ("testserver", 80),
        "scheme": "http",
    }
    return HTTPConnection(scope)


class _Untouchable:
    """A session store that must not be asked: the cookie is not even read for the API."""

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"the session store was asked ({name}) for an API request")


@pytest.mark.parametrize(
    ("path", "root"),
    [
        ("/api/v1/conversations", ""),
        ("/magcore/api/v1/conversations", "/magcore"),
        ("/magcore/api/v1/sharing-choices", "/magcore"),
        ("/gemeente/magcore/api", "/gemeente/magcore"),
    ],
)
def test_an_api_request_is_never_signed_in_by_the_cookie(path, root):
    for request in (_connection(path, root), _connection(path, root, mounted="/api")):
        assert under_api(request)
    request = _connection(path, root, mounted="/api")
    assert SessionIdentity(_Untouchable()).authenticate(request, tenant=None) is None  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("path", "root"),
    [
        ("/conversations", ""),
        ("/magcore/conversations", "/magcore"),
        ("/magcore/apiary", "/magcore"),
        ("/api-docs", ""),
    ],
)
def test_a_page_is_not_taken_for_the_api(path, root):
    assert not under_api(_connection(path, root))
