"""A plugin registers roles that no built-in party pattern knows (a career coach, a P&O adviser
for exit conversations), with a name and a description in every language it has: the regulation
names and describes them wherever a role appears, and the subject-access page uses their names."""

from __future__ import annotations

import copy
import re
from datetime import UTC, datetime

import pytest

from magcore import get_plugin_manager, hookimpl
from magcore.access.decision import LegalBasis
from magcore.access.regulation import render_regulation
from magcore.access.subject_access import subject_access_export
from magcore.access.subject_access_html import export_html
from magcore.clock import FixedClock
from magcore.model.parties import BUILTIN_ROLES
from magcore.model.records import Participant
from tests.model.test_parties import CAREER

from .test_parties_service import _service

FY_DESCRIPTION = "Helpt dy nei te tinken oer dyn wurk en dyn rinbaan."


def _definition() -> dict:
    definition = copy.deepcopy(CAREER)
    coach = definition["roles"][0]
    coach["name"]["fy"] = "rinbaancoach"
    coach["description"]["fy"] = FY_DESCRIPTION
    definition["roles"].append(
        {
            "id": "exit_interviewer",
            "name": {"nl": "P&O-adviseur", "en": "HR adviser for leaving"},
            "description": {
                "nl": "Voert het vertrekgesprek als je dat wilt.",
                "en": "Holds the exit conversation if you want one.",
            },
        }
    )
    definition["kinds"][0]["parties"].append(
        {"role": "exit_interviewer", "required": False, "membership": "holds_role"}
    )
    return definition


class Cycles:
    @hookimpl
    def magcore_register_cycles(self, register):
        register(_definition())


def _cycle():
    host = get_plugin_manager(load_entry_points=False, extra=[("roles-plugin", Cycles())])
    [cycle] = host.hooks.cycles()
    return cycle


def test_the_roles_are_new_to_the_core():
    assert not {"career_coach", "exit_interviewer"} & set(BUILTIN_ROLES)


@pytest.mark.parametrize(
    ("language", "name", "description"),
    [
        ("nl", "loopbaancoach", "Helpt je na te denken over je loopbaan."),
        ("en", "career coach", "Helps you think about your career."),
        ("fy", "rinbaancoach", FY_DESCRIPTION),
    ],
)
def test_the_regulation_names_and_describes_a_plugin_role_in_each_language(
    language, name, description
):
    cycle = _cycle()
    basis = LegalBasis(
        name="loopbaanadvies",
        article="AVG art. 6(1)(a)",
        roles={"career_coach"},
        parts={"agreement"},
        purpose="advice",
    )
    text = render_regulation(cycle, language=language, legal_bases=[basis]).text
    named = f"{name} (`career_coach`)"
    assert f"- **{name}** (`career_coach`): {description}" in text  # the roles section
    assert f"  - {named}:" in text  # the party line of the kind
    assert re.search(rf"- [^\n]*: [^\n]*{re.escape(named)}", text)  # who may ask for it
    assert f"**loopbaanadvies** (AVG art. 6(1)(a)): {named}" in text  # the legal basis
    assert f"- {named}\n" in text  # the roles that can read something


def test_a_plugin_role_without_the_language_says_which_language_it_is_in():
    text = render_regulation(_cycle(), language="fy", format="html").text
    assert '<span lang="nl">P&amp;O-adviseur</span>' in text
    assert '<span lang="nl">Voert het vertrekgesprek als je dat wilt.</span>' in text
    assert "rinbaancoach" in text


def test_the_subject_access_page_names_a_plugin_role_as_the_cycle_registers_it():
    svc, cycle = _service(_definition())
    svc.request(
        cycle=cycle,
        kind="career",
        participants=[Participant("e1", "employee"), Participant("c1", "career_coach")],
        actor="e1",
    )
    export = subject_access_export(
        svc.store, "e1", requester="e1", clock=FixedClock(datetime(2025, 6, 3, tzinfo=UTC))
    )
    cycles = {cycle.key: cycle}
    assert "c1 (rinbaancoach)" in export_html(export, language="fy", cycles=cycles)
    assert "c1 (career coach)" in export_html(export, language="en", cycles=cycles)
    assert "c1 (loopbaancoach)" in export_html(export, language="nl", cycles=cycles)
