"""The local OpenID provider for the web tests, and signing in through it with plain HTTP.

:class:`LocalProvider` starts ``tests/web/oidc/provider.mjs`` (the npm ``oidc-provider``
package, installed by ``make node-deps``) on a free loopback port and stops it again; its
standard input is a pipe, so the provider also stops if the test run dies.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx

OIDC_DIR = Path(__file__).resolve().parent / "oidc"
CLIENT_ID = "magcore-web"
CLIENT_SECRET = "magcore-web-test-secret"
PASSWORDS = {
    "anna": "anna-pw",
    "bram": "bram-pw",
    "carla": "carla-pw",
    "hanna": "hanna-pw",
    "pieter": "pieter-pw",
    "olga": "olga-pw",
    "gast": "gast-pw",
}
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def missing_provider() -> str | None:
    """What is missing to run the provider, or ``None``."""
    if shutil.which("node") is None:
        return "node is not on PATH"
    if not (OIDC_DIR / "node_modules" / "oidc-provider").is_dir():
        return f"node packages missing: run `npm ci --prefix {OIDC_DIR}` (make node-deps)"
    return None


class LocalProvider:
    """A running test OpenID provider; ``issuer`` is its URL."""

    def __init__(self, redirect_uris: list[str]) -> None:
        self.process = subprocess.Popen(
            ["node", str(OIDC_DIR / "provider.mjs")],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env={
                "PATH": "/usr/local/bin:/usr/bin:/bin",
                "MAGCORE_OIDC_REDIRECT_URIS": ",".join(redirect_uris),
                "MAGCORE_OIDC_CLIENT_ID": CLIENT_ID,
                "MAGCORE_OIDC_CLIENT_SECRET": CLIENT_SECRET,
            },
        )
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line:
            self.stop()
            raise RuntimeError("the test OpenID provider did not start")
        self.issuer: str = json.loads(line)["issuer"]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def csrf_of(html: str) -> str:
    """The CSRF token in a page's forms."""
    found = _CSRF.search(html)
    assert found is not None, "the page has no form with a CSRF token"
    return found.group(1)


def provider_login(authorize_url: str, user: str, password: str | None = None) -> str:
    """Sign *user* in at the provider (real HTTP) and return where it sends the browser back
    (the app's callback URL with ``code`` and ``state``)."""
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(authorize_url))
    with httpx.Client(timeout=10) as idp:
        response = idp.get(authorize_url)
        while response.status_code in (302, 303) and response.headers["location"].startswith(
            ("/", origin)
        ):
            response = idp.get(urljoin(origin, response.headers["location"]))
        assert response.status_code == 200, response.text
        action = re.search(r'action="([^"]+)"', response.text)
        assert action is not None, response.text
        response = idp.post(
            urljoin(origin, action.group(1)),
            data={"login": user, "password": password or PASSWORDS[user]},
        )
        while response.status_code in (302, 303):
            location = urljoin(origin, response.headers["location"])
            if not location.startswith(origin):
                return location
            response = idp.get(location)
        raise AssertionError(f"the provider did not send the browser back: {response.text[:500]}")


def sign_in(client: Any, user: str, password: str | None = None, *, next_path: str = "/") -> Any:
    """Sign *user* in on the app behind the Starlette test *client*; the app's last answer."""
    page = client.get("/sign-in")
    start = client.post(
        "/sign-in",
        data={"csrf_token": csrf_of(page.text), "next": next_path},
        follow_redirects=False,
    )
    assert start.status_code == 303, start.text
    back = provider_login(start.headers["location"], user, password)
    parts = urlsplit(back)
    return client.get(f"{parts.path}?{parts.query}", follow_redirects=False)
