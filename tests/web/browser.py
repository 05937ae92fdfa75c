"""Driving the pages in Debian's Chromium with Playwright for Python: a live server on
loopback, signing in through the local OpenID provider, keyboard-only steps, axe-core and the
320-pixel reflow check.

Playwright never downloads a browser here: it launches ``/usr/bin/chromium``.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

from tests.support.axe import A11Y_DIR, WCAG_TAGS, chromium_path

AXE_SOURCE = A11Y_DIR / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


def missing_browser() -> str | None:
    """What is missing to run the browser tests, or ``None``."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed (pip install playwright)"
    if not Path(chromium_path()).exists():
        return f"no browser at {chromium_path()}: apt-get install chromium (see .ci/run)"
    if not AXE_SOURCE.exists():
        return "axe-core missing: make node-deps"
    return None


class LiveServer:
    """The app served by uvicorn in a thread on ``127.0.0.1:port`` until :meth:`stop`."""

    def __init__(self, app: Any, port: int) -> None:
        import uvicorn

        self.url = f"http://127.0.0.1:{port}"
        config = uvicorn.Config(
            app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the live server did not start")
            time.sleep(0.05)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def launch(playwright: Any) -> Any:
    """Debian's Chromium, headless."""
    return playwright.chromium.launch(
        executable_path=chromium_path(), headless=True, args=CHROMIUM_ARGS
    )


class Browser:
    """Debian's Chromium for a module's tests, launched again when its process died.

    On the 2-core CI machine Chromium's browser process once died at a sign-in (crashpad wrote
    its report; every later test of the module then failed with "Target closed"). A browser
    that is no longer connected is launched again for the next context, and
    :attr:`relaunched` counts it, so one crash costs at most the test it happened in. What the
    pages show is checked as before: nothing here retries an assertion.
    """

    def __init__(self, playwright: Any) -> None:
        self.playwright = playwright
        self.current = launch(playwright)
        self.relaunched = 0

    def new_context(self, **options: Any) -> Any:
        if not self.current.is_connected():
            self.current = launch(self.playwright)
            self.relaunched += 1
        return self.current.new_context(**options)

    def close(self) -> None:
        if self.current.is_connected():
            self.current.close()


def sign_in(page: Any, base: str, user: str, password: str) -> None:
    """Sign *user* in with the mouse: the app's button, then the provider's form."""
    page.goto(f"{base}/sign-in")
    page.locator("main form button[type=submit]").click()
    page.fill("#login", user)
    page.fill("#password", password)
    page.locator("button[type=submit]").click()
    page.wait_for_url(f"{base}/**")


def tab_to(page: Any, selector: str, *, limit: int = 80) -> None:
    """Press Tab until the element *selector* has the focus (as a keyboard user would)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(
            "(s) => document.activeElement && document.activeElement.matches(s)", selector
        ):
            return
    raise AssertionError(f"{selector} cannot be reached with the Tab key")


def keyboard_sign_in(page: Any, base: str, user: str, password: str) -> None:
    """Sign *user* in with the keyboard only."""
    page.goto(f"{base}/sign-in")
    tab_to(page, "main form button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_selector("#login")
    tab_to(page, "#login")
    page.keyboard.type(user)
    tab_to(page, "#password")
    page.keyboard.type(password)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}/**")


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """axe-core's WCAG 2.x A/AA violations on *page* (the context must bypass the CSP to let
    the checker in: the app itself allows no injected script)."""
    page.add_script_tag(path=str(AXE_SOURCE))
    result: list[dict[str, Any]] = page.evaluate(
        """async (tags) => {
            const r = await axe.run(document, {runOnly: {type: 'tag', values: tags},
                                               resultTypes: ['violations']});
            return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                           nodes: v.nodes.map(n => n.target.join(' '))}));
        }""",
        list(WCAG_TAGS),
    )
    return result


def overflows_at_320(page: Any) -> int:
    """How many CSS pixels the page is wider than a 320-pixel viewport (0: it reflows)."""
    size = page.viewport_size
    page.set_viewport_size({"width": 320, "height": 640})
    try:
        width: int = page.evaluate(
            "() => Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)"
        )
    finally:
        page.set_viewport_size(size)
    return max(0, width - 320)
