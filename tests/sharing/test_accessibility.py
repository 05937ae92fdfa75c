"""axe-core in headless Chromium finds no WCAG 2.x A/AA violation in the subject-access export
page or the rendered regulation, in Dutch and in English."""

from __future__ import annotations

from datetime import timedelta

import pytest

from magcore.access.decision import LegalBasis, Part
from magcore.access.erasure import destroy_conversation
from magcore.access.regulation import render_regulation
from magcore.access.retention import SELECTIELIJST_2020
from magcore.access.subject_access import subject_access_export
from magcore.access.subject_access_html import export_html
from magcore.clock import FixedClock
from magcore.domain.sharing import GrantSharing
from magcore.storage.memory import MemoryStore
from tests.support.axe import describe_violations, missing_tooling, run_axe
from tests.support.tools import require

from .support import RECORD_FORM, T0, agreed_conversation, mag_cycle, set_goal, share

pytestmark = [pytest.mark.browser, pytest.mark.slow]

BASIS = LegalBasis(
    name="reintegration",
    article="Wet verbetering poortwachter art. 25",
    roles={"hr_adviser"},
    parts={Part.AGREEMENT, Part.GOAL},
    purpose="reintegration",
)


def _export() -> dict:
    store = MemoryStore()
    cycle = mag_cycle()
    agreed_conversation(store, "c1", employee="e1", manager="m1", cycle=cycle)
    agreed_conversation(store, "c2", employee="e1", manager="m1", cycle=cycle)
    agreed_conversation(store, "c3", employee="e2", manager="e1", cycle=cycle)
    destroy_conversation(
        store, "c2", profile=SELECTIELIJST_2020, due=T0.date(), clock=FixedClock(T0)
    )
    set_goal(store, "g1", owner="e1", agreed_in="c1", collaborators=("m1",), note="first step")
    set_goal(store, "g2", owner="e2", collaborators=("e1",))
    share(store, GrantSharing(actor="e1", person="e1", to="hr", what="goals", purpose="advice"), T0)
    return subject_access_export(
        store, "e1", requester="e1", clock=FixedClock(T0 + timedelta(days=1))
    )


def test_export_and_regulation_pages_have_no_axe_violations(tmp_path):
    """The export page (with conversations, a destroyed one, goals, choices and the log) and
    the regulation page pass axe-core's WCAG 2.0/2.1/2.2 A and AA rules in nl and en."""
    require(missing_tooling())
    export = _export()
    pages = []
    for language in ("nl", "en"):
        texts = {
            "export": export_html(export, language=language),
            "regulation": render_regulation(
                mag_cycle(),
                language=language,
                format="html",
                forms={"record": RECORD_FORM},
                legal_bases=[BASIS],
            ).text,
        }
        for name, text in texts.items():
            path = tmp_path / f"{name}-{language}.html"
            path.write_text(text, encoding="utf-8")
            pages.append(path)
    result = run_axe(pages)
    assert sorted(result) == sorted(pages)
    assert all(v == [] for v in result.values()), describe_violations(result)
