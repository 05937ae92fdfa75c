"""End to end in Debian's Chromium: employee and manager, each in their own browser context
signed in through the local OpenID provider, from blind preparation to a revoked sharing
choice, then the privacy officer restricting and lifting (after confirming); the same path
with the keyboard only; axe-core and reflow at 320 px on every page in nl, en and fy.

One live server and one browser serve the whole module; each test uses fresh contexts.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.tools import require
from tests.web.browser import (
    Browser,
    LiveServer,
    axe_violations,
    keyboard_sign_in,
    missing_browser,
    overflows_at_320,
    sign_in,
    tab_to,
)
from tests.web.seed import seed
from tests.web.support import PASSWORDS

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(oidc: Any, live_port: int, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    require(missing_browser())
    from magcore_web import create_app

    from tests.web.conftest import web_config

    url = f"sqlite:///{tmp_path_factory.mktemp('browser') / 'magcore.db'}"
    seed(url)
    app = create_app(web_config(url, oidc.issuer, signin_limit=1000))
    live = LiveServer(app, live_port)
    yield live.url
    live.stop()


@pytest.fixture(scope="module")
def browser(server: str) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = Browser(playwright)
        yield chromium
        chromium.close()


def _person(browser: Any, base: str, user: str, *, keyboard: bool = False, **options: Any) -> Any:
    context = browser.new_context(**{"locale": "nl-NL", **options})
    page = context.new_page()
    (keyboard_sign_in if keyboard else sign_in)(page, base, user, PASSWORDS[user])
    return page


def _text(page: Any) -> str:
    text: str = page.inner_text("main")
    return text


def _press(page: Any, selector: str, keyboard: bool) -> None:
    """Submit the form of the button *selector* and wait for the page it leads to."""
    if keyboard:
        tab_to(page, selector)
        with page.expect_navigation():
            page.keyboard.press("Enter")
    else:
        with page.expect_navigation():
            page.locator(selector).click()


def _fill(page: Any, selector: str, text: str, keyboard: bool) -> None:
    if keyboard:
        tab_to(page, selector)
        page.keyboard.type(text)
    else:
        page.fill(selector, text)


def _whole_path(browser: Any, base: str, keyboard: bool) -> None:
    anna = _person(browser, base, "anna", keyboard=keyboard)
    bram = _person(browser, base, "bram", keyboard=keyboard)
    hanna = _person(browser, base, "hanna", keyboard=keyboard)
    mark = "toetsenbord" if keyboard else "muis"
    anna_note, bram_note = f"Anna: cursus ({mark})", f"Bram: groei ({mark})"

    anna.goto(f"{base}/conversations")
    _press(anna, "form[action='/conversations'] button[type=submit]", keyboard)
    assert re.search(r"/conversations/[0-9a-f]+$", anna.url), _text(anna)
    conversation = anna.url
    _fill(anna, "#notes", anna_note, keyboard)
    _press(anna, "button[value=publish]", keyboard)

    bram.goto(conversation)
    assert anna_note not in _text(bram)
    _fill(bram, "#notes", bram_note, keyboard)
    _press(bram, "button[value=save]", keyboard)
    assert anna_note not in _text(bram)
    anna.goto(conversation)
    assert bram_note not in _text(anna)
    _press(bram, "button[value=publish]", keyboard)
    assert anna_note in _text(bram)
    anna.goto(conversation)
    assert bram_note in _text(anna)

    _press(bram, "form[action$='/held'] button", keyboard)
    _fill(bram, "#summary-text", "Goed gesprek over de cursus.", keyboard)
    _fill(bram, "#agreement-1", "Anna volgt de cursus.", keyboard)
    _press(bram, "form[action$='/record'] button[type=submit]", keyboard)
    anna.goto(conversation)
    _press(anna, "form[action$='/confirm'] button", keyboard)
    bram.goto(conversation)
    _press(bram, "form[action$='/confirm'] button", keyboard)
    anna.goto(conversation)
    assert "afgerond" in _text(anna)

    _fill(anna, "#dissent-text", "De werkdruk is hoger dan het verslag zegt.", keyboard)
    _press(anna, "form[action$='/dissent'] button", keyboard)
    bram.goto(conversation)
    assert "De werkdruk is hoger dan het verslag zegt." in _text(bram)

    anna.goto(f"{base}/sharing")
    _fill(anna, "#share-to", "hanna", keyboard)
    _press(anna, "form[action='/sharing'] button[type=submit]", keyboard)
    hanna.goto(f"{base}/hr")
    assert hanna.locator("#hr-items li").count() >= 1
    before = hanna.locator("#hr-items li").count()
    anna.goto(f"{base}/sharing")
    _press(anna, "form[action$='/revoke'] button", keyboard)
    hanna.goto(f"{base}/hr")
    assert hanna.locator("#hr-items li").count() < before

    # The privacy officer restricts Anna's record (after a confirmation), then lifts it.
    pieter = _person(browser, base, "pieter", keyboard=keyboard)
    pieter.goto(f"{base}/privacy")
    _fill(pieter, "#person", "anna", keyboard)
    _press(pieter, "form[action='/privacy'] button[type=submit]", keyboard)
    _press(pieter, "#restrict-all", keyboard)
    _fill(pieter, "#reason", f"Anna betwist het verslag ({mark}).", keyboard)
    _press(pieter, "#confirm-button", keyboard)
    assert "Alles beperkt" in _text(pieter)
    assert bram.goto(conversation).status == 404
    _press(pieter, "#lift-all", keyboard)
    _press(pieter, "#confirm-button", keyboard)
    assert "Geen beperking" in _text(pieter)
    assert bram.goto(conversation).status == 200
    for page in (anna, bram, hanna, pieter):
        page.context.close()


def test_employee_and_manager_from_blind_preparation_to_revocation(browser, server):
    _whole_path(browser, server, keyboard=False)


def test_the_same_path_with_the_keyboard_only(browser, server):
    _whole_path(browser, server, keyboard=True)


def test_the_profile_is_shared_for_the_overview_and_revoked_with_the_keyboard_only(browser, server):
    """The profile and the manager's overview of profiles are radio buttons like the others:
    reached with Tab, chosen with the arrow keys, sent with Enter, revoked in one step."""
    anna = _person(browser, server, "anna", keyboard=True)
    anna.goto(f"{server}/sharing")
    _fill(anna, "#share-to", "next_manager", keyboard=True)
    tab_to(anna, "#what-agreements")
    for _ in range(2):  # agreements, goals, profile
        anna.keyboard.press("ArrowDown")
    assert anna.is_checked("#what-profile")
    tab_to(anna, "#purpose-hr_overview")
    for _ in range(2):  # overview for HR, handover, overview of profiles
        anna.keyboard.press("ArrowDown")
    assert anna.is_checked("#purpose-profile_overview")
    _press(anna, "form[action='/sharing'] button[type=submit]", keyboard=True)
    newest = anna.locator("#choices > li").last.inner_text()
    assert "mijn profiel (wat ik de vorige keer schreef)" in newest
    assert "overzicht van profielen voor de leidinggevende" in newest
    _press(anna, "#choices > li:last-child form button", keyboard=True)
    revoked = anna.locator("main h2 + ul > li").last.inner_text()
    assert "next_manager: mijn profiel (wat ik de vorige keer schreef)" in revoked
    anna.context.close()


PAGES = {
    "anna": ["/", "/conversations", "/goals", "/sharing", "/export", "/conversations/none"],
    "bram": ["/team", "/team/participation"],
    "hanna": ["/hr"],
    "pieter": [
        "/privacy",
        "/privacy?person=anna",
        "/privacy/confirm?action=restrict&person=anna",
        "/privacy/confirm?action=erase&person=anna",
    ],
    "olga": ["/regulation"],
}


def test_every_page_passes_axe_and_reflows_at_320_px_in_nl_en_and_fy(browser, server):
    problems: list[str] = []
    anonymous = browser.new_context(bypass_csp=True).new_page()
    # The checks can fail: an unlabelled field and a too-wide block are both caught.
    anonymous.set_content(
        '<html lang="nl"><title>t</title><main><input name="x">'
        '<div class="wide"></div></main></html>'
    )
    anonymous.add_style_tag(content=".wide { width: 900px; height: 1px; }")
    assert "label" in {v["id"] for v in axe_violations(anonymous)}
    assert overflows_at_320(anonymous) > 0
    checks = [(anonymous, "/sign-in")]
    pages: dict[str, Any] = {}
    for user, paths in PAGES.items():
        pages[user] = _person(browser, server, user, bypass_csp=True)
        checks += [(pages[user], path) for path in paths]
    # A conversation page, as the employee and as the manager (with the scheduling form).
    anna = pages["anna"]
    anna.goto(f"{server}/conversations")
    with anna.expect_navigation():
        anna.locator("form[action='/conversations'] button[type=submit]").click()
    href = anna.url.removeprefix(server)
    checks += [(anna, href), (pages["bram"], href)]
    for page, path in checks:
        for lang in ("nl", "en", "fy"):
            joiner = "&" if "?" in path else "?"
            response = page.goto(f"{server}{path}{joiner}lang={lang}")
            expected = 404 if path.endswith("/none") else 200
            if response.status != expected:
                problems.append(f"{path} [{lang}] answered {response.status}")
            for violation in axe_violations(page):
                problems.append(
                    f"{path} [{lang}] {violation['id']}: {violation['help']} "
                    f"{violation['nodes'][:3]}"
                )
            extra = overflows_at_320(page)
            if extra:
                problems.append(f"{path} [{lang}] is {extra} px wider than 320 px")
    for page in [anonymous, *pages.values()]:
        page.context.close()
    assert problems == [], "\n".join(problems)


def test_a_browser_whose_process_died_is_launched_again_for_the_next_test(
    browser: Browser, server: str
) -> None:
    """The module's browser survives a Chromium crash: the next context comes from a new one."""
    before = browser.relaunched
    browser.current.close()  # as if its process had died
    page = browser.new_context().new_page()
    page.goto(f"{server}/sign-in")
    assert browser.relaunched == before + 1
    assert page.locator("main form button[type=submit]").count() == 1
