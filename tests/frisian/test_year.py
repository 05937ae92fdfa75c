"""A year of the Frisian-speaking test municipality on SQLite, through the public API and the CLI.

Issue 15's "what must hold": the right conversations are planned and started (quarterly
check-ins, a career conversation every three years from the hire date with a career coach and the
manager optional, an exit conversation for each person who leaves), and the regulation names
every kind, party and trigger.

With the ``languages`` helper's parts: the third language ``fy`` (the pages' ``lang``; the
regulation, whose own words are Dutch and English, falls back and says so) and the
hybrid-working question shown only to home workers.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import attrs
import pytest
from click.testing import CliRunner

import magcore
from magcore import (
    ConfirmRecord,
    DraftRecord,
    FixedClock,
    MarkHeld,
    Schedule,
    State,
    add_months,
)
from magcore.access.regulation import render_regulation
from magcore.access.retention import BUILTIN_PROFILES
from magcore.cli import cli
from magcore.cli._app import App
from magcore.domain.participants import candidates
from magcore.forms import FormDefinition
from magcore.testing import approve_cycle, generate_organisation, run_cycle_conformance
from tests.support.approve import approve_by_cli

from .plugin import PLUGIN, TEN_YEARS, plugin

YEAR = (date(2025, 1, 1), date(2026, 1, 1))
LEAVES = {0: date(2025, 3, 1), 1: date(2025, 6, 16), 2: date(2025, 11, 1), 3: date(2026, 1, 5)}


def _host() -> magcore.PluginHost:
    return magcore.get_plugin_manager(load_entry_points=False, extra=[(PLUGIN, plugin)])


def _organisation() -> magcore.Organisation:
    """30 people in 4 teams (one self-steering), 2 coaches, 2 exit interviewers (the
    organisation role the exit conversation's interviewer holds); four people leave."""
    org = generate_organisation(
        people=30,
        teams=4,
        seed=15,
        coaches=2,
        self_steering_share=0.25,
        start=date(2022, 6, 1),
        roles={"exit_interviewer": 2},
    )
    lead = ("manager", "coach", "exit_interviewer")
    managers = {a.person for a in org.assignments if a.role in lead}
    members = [p for p in sorted(org.people) if p not in managers]
    people = dict(org.people)
    for index, day in LEAVES.items():
        people[members[index]] = attrs.evolve(people[members[index]], left_on=day)
    return attrs.evolve(org, people=people)


ORG = _organisation()
LEAVERS = {p.id: p.left_on for p in ORG.people.values() if p.left_on is not None}


def _expected_careers() -> set[tuple[str, date]]:
    found = set()
    for person in ORG.people.values():
        assert person.hired_on is not None
        for k in range(1, 10):
            due = add_months(person.hired_on, 36 * k)
            if YEAR[0] <= due < YEAR[1] and person.employed_on(due):
                found.add((person.id, due))
    return found


def test_the_plugin_passes_the_conformance_kit():
    report = run_cycle_conformance(plugin.definition(), plugins=[(PLUGIN, plugin)])
    assert {kind for kind, count in report.planned if count} == {"check-in", "career", "exit"}


def test_the_year_is_planned_right():
    cycle = plugin.definition()
    due = magcore.plan(ORG, cycle, *YEAR)
    by_kind = Counter(d.kind for d in due)
    assert set(by_kind) == {"check-in", "career", "exit"}
    # Quarterly check-ins: everyone employed on the quarter's last day who has a manager.
    quarters = [date(2025, 3, 31), date(2025, 6, 30), date(2025, 9, 30), date(2025, 12, 31)]
    expected = {
        (p.id, q)
        for q in quarters
        for p in ORG.people.values()
        if p.employed_on(q) and ORG.manager_of(p.id, q) is not None
    }
    assert {(d.person, d.due) for d in due if d.kind == "check-in"} == expected
    # Career conversations every 36 months from the hire date, with or without a manager.
    careers = [d for d in due if d.kind == "career"]
    assert {(d.person, d.due) for d in careers} == _expected_careers()
    assert any(d.manager is None for d in careers), "nobody without a manager was planned"
    # One exit conversation per person leaving in the year, 21 days before the leaving day.
    exits = {d.person: d for d in due if d.kind == "exit"}
    assert set(exits) == {p for p, day in LEAVERS.items() if day < YEAR[1]}
    for person, item in exits.items():
        assert item.due == LEAVERS[person]
        assert item.window_start == LEAVERS[person] - timedelta(days=21)
        assert item.trigger is not None
        assert item.trigger.event.value == "left"
    # The leave of January 2026 opens its window in December, but is due next year.
    nxt = magcore.plan(ORG, cycle, date(2026, 1, 1), date(2027, 1, 1), kinds=["exit"])
    assert [d.person for d in nxt] == [p for p, day in LEAVERS.items() if day >= YEAR[1]]


def _moment(day: date, hour: int = 9) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=UTC)


def _answers(kind: str, number: int) -> dict[str, str]:
    if kind != "check-in":
        return {}
    where = ("office", "home", "both")[number % 3]
    answers = {"about_the_work": "It giet goed.", "where_you_work": where}
    if where in ("home", "both"):  # asked only of people who work at home
        answers["home_workplace"] = "In goede stoel."
    return answers


def test_a_year_on_sqlite_through_the_public_api(tmp_path: Path):
    """Every planned conversation is started with the right parties, held at a place for a
    time, recorded and agreed by the parties that confirm."""
    cycle = plugin.definition()
    clock = FixedClock(_moment(date(2024, 12, 1)))
    svc = magcore.open_service(
        f"sqlite:///{tmp_path / 'lytsewald.db'}", clock=clock, host=_host(), organisation="org"
    )
    svc.import_organisation(ORG, actor="hr")
    approve_cycle(svc, cycle)
    due = svc.plan(ORG.id, cycle.id, *YEAR)
    agreed: Counter[str] = Counter()
    for number, item in enumerate(due):
        assert item.person is not None
        day = max(item.window_start, YEAR[0])
        clock.set(max(_moment(day, 8), clock.now()))
        chosen: dict[str, list[str]] = {}
        kind = cycle.kind(item.kind)
        for party in kind.parties:
            if party.required and party.role in ("career_coach", "exit_interviewer"):
                pool = candidates(ORG, party, on=day, employee=item.person)
                chosen[party.role] = [pool[number % len(pool)]]
        people = svc.participants_for(ORG.id, cycle, item.kind, item.person, on=day, chosen=chosen)
        roles = {str(p.role): p.person for p in people}
        if item.kind == "career":
            assert ("manager" in roles) == (ORG.manager_of(item.person, day) is not None)
        starter = roles.get("career_coach") or roles.get("exit_interviewer") or item.person
        if item.kind == "check-in":
            starter = roles["manager"]
        conv = svc.request(cycle=cycle, kind=item.kind, participants=people, actor=starter)
        svc.execute(
            conv.id,
            Schedule(
                actor=starter, on=_moment(day, 10), place="Gemeentehuis, keamer 3", minutes=50
            ),
        )
        svc.execute(conv.id, MarkHeld(actor=starter, on=day))
        state = svc._load(conv.id)
        assert state.place == "Gemeentehuis, keamer 3"
        assert state.duration_minutes == 50
        writer = state.recorders[0]
        drafted = svc.execute(
            conv.id,
            DraftRecord(actor=writer, summary="Ôfspraken", answers=_answers(item.kind, number)),
        )
        for who in (p for p in state.people if p in state.confirming):
            view = svc.execute(conv.id, ConfirmRecord(actor=who, revision=drafted.revision))
        assert view.state is State.AGREED
        if item.kind == "exit" and "manager" in roles:
            assert roles["manager"] not in state.confirming  # the manager may join, not confirm
        agreed[item.kind] += 1
    planned = Counter(d.kind for d in due)
    assert agreed == planned
    assert agreed["exit"] == sum(1 for day in LEAVERS.values() if day < YEAR[1])
    rows = list(svc.store.conversations())
    assert Counter(r.kind for r in rows) == planned
    assert all(r.state == "agreed" for r in rows)
    svc.close()


def _regulation(language: str) -> str:
    cycle = plugin.definition()
    forms = {f["id"]: FormDefinition.from_json(f).json_schema() for f in plugin.forms()}
    profiles = {**BUILTIN_PROFILES, TEN_YEARS.id: TEN_YEARS}
    return render_regulation(cycle, language=language, forms=forms, profiles=profiles).text


@pytest.mark.parametrize("language", ["nl", "en"])
def test_the_regulation_names_every_kind_party_and_trigger(language):
    text = _regulation(language)
    cycle = plugin.definition()
    for kind in cycle.kinds:
        assert f"{kind.name.get(language)} (`{kind.id}`)" in text
        for party in kind.parties:
            assert f"(`{party.role}`)" in text
    for role in cycle.roles:
        assert (
            f"**{role.name.get(language)}** (`{role.id}`): {role.description.get(language)}" in text
        )
    trigger = {
        "nl": "start als iemand uit dienst gaat: het gesprek kan vanaf 21 dagen voor die dag",
        "en": "starts when someone leaves: the conversation can take place from 21 days before",
    }[language]
    assert trigger in text
    optional = {"nl": "mag meedoen (niet verplicht)", "en": "may take part (optional)"}[language]
    assert optional in text
    assert TEN_YEARS.title.get(language) in text


def _form() -> FormDefinition:
    (form,) = (FormDefinition.from_json(f) for f in plugin.forms())
    return form


def test_frisian_pages_say_so_and_what_fell_back_says_so_too():
    """The third language: the form in Frisian is `lang="fy"`, and so is the regulation, whose
    own words exist in Frisian too (`locale/fy`)."""
    from magcore.forms import render_form, render_paper
    from magcore.languages import LanguageSettings

    page = render_form(_form(), language="fy", script_href="/static/conditional.js")
    assert '<html lang="fy">' in page
    assert "Wat hast nedich foar dyn wurkplak thús?" in page
    assert "Op kantoar" in page
    assert "allinnich" in render_paper(_form(), language="fy")
    cycle = plugin.definition()
    assert cycle.kind("exit").name.get("fy") == "Ôfskiedspetear"
    assert cycle.kind("career").name.get("fy") == "Loopbaanpetear"
    rendered = render_regulation(
        cycle,
        language="fy",
        profiles={**BUILTIN_PROFILES, TEN_YEARS.id: TEN_YEARS},
        languages=LanguageSettings(fallbacks={"fy": ["nl"]}),
    )
    assert rendered.language == "fy"
    assert "Ôfskiedspetear (`exit`)" in rendered.text
    assert "begjint as ien út tsjinst giet" in rendered.text


def test_the_home_workplace_question_is_only_for_home_workers():
    """The hybrid-working question is asked only of people who work at home (a condition on
    an earlier answer); an answer where it was not asked is refused naming the field."""
    from magcore.forms import validate

    form = _form()
    base = {"about_the_work": "Goed", "where_you_work": "office"}
    assert validate(form, base) == []
    [missing] = validate(form, {**base, "where_you_work": "home"}, language="fy")
    assert missing.pointer == "/home_workplace"
    assert validate(form, {**base, "where_you_work": "both", "home_workplace": "In stoel"}) == []
    [extra] = validate(form, {**base, "home_workplace": "In stoel"}, language="en")
    assert extra.pointer == "/home_workplace"
    assert "only for" in extra.message


# -- the same year through the command line ----------------------------------------------------

HEADER = "person_id,team_id,team_name,department,parent_team_id,role,start,end,hired_on,left_on"
ORG_CSV = f"""{HEADER},self_steering
boss,dept,Ôfdieling,Ôfdieling,,manager,2015-01-01,,2015-01-01,,
m1,t1,Team Noard,Ôfdieling,dept,manager,2018-01-01,,2018-01-01,,
e1,t1,Team Noard,Ôfdieling,dept,member,2019-09-01,,2019-09-01,,
e2,t1,Team Noard,Ôfdieling,dept,member,2021-02-01,,2021-02-01,2025-06-01,
e3,t1,Team Noard,Ôfdieling,dept,member,2020-04-01,,2020-04-01,,
c1,t1,Team Noard,Ôfdieling,dept,coach,2017-01-01,,2017-01-01,,
s1,z1,Team Sels,Ôfdieling,dept,member,2022-03-01,,2022-03-01,,yes
s2,z1,Team Sels,Ôfdieling,dept,member,2020-05-01,,2020-05-01,,yes
h1,po,Team P&O,Ôfdieling,dept,exit_interviewer,2017-03-15,,2017-03-15,,
"""


def test_a_year_through_the_command_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MAGCORE_NOW", "2025-01-02T09:00:00+00:00")
    monkeypatch.delenv("MAGCORE_CONFIG", raising=False)
    host = _host()

    def run(*args: str):
        app = App(config_path=tmp_path / "magcore.toml", host=host)
        return CliRunner().invoke(cli, list(args), obj=app, catch_exceptions=False)

    assert run("init", "--cycle", "lytsewald@1").exit_code == 0
    (tmp_path / "org.csv").write_text(ORG_CSV, encoding="utf-8")
    imported = run("import-org", "org.csv")
    assert imported.exit_code == 0, imported.output
    approve_by_cli(run)
    planned = json.loads(run("plan", "--from", "2025-01-01", "--to", "2026-01-01", "--json").stdout)
    due = Counter((d["kind"], d["person"]) for d in planned["due"])
    # Check-ins: e1 and e3 four times, e2 once before leaving (31 March), m1 under boss.
    assert due[("check-in", "e1")] == 4
    assert due[("check-in", "e2")] == 1
    assert due[("check-in", "m1")] == 4
    assert ("check-in", "s1") not in due  # self-steering: no manager, no check-in
    (exit_due,) = [d for d in planned["due"] if d["kind"] == "exit"]
    assert exit_due["started_by"] == {"event": "left", "on": "2025-06-01"}
    # A quarter at a time, as a secretary would: what is due is requested, once, where the
    # manager may start it; the career and exit conversations (started by the employee, the
    # career coach or the HR adviser) are left to their people, in nobody else's name.
    requested: list[dict] = []
    left: list[dict] = []
    for month in (1, 4, 7, 10):
        start = date(2025, month, 1)
        end = add_months(start, 3)
        monkeypatch.setenv("MAGCORE_NOW", f"{start}T09:00:00+00:00")
        result = run("plan", "--from", str(start), "--to", str(end), "--request", "--json")
        assert result.exit_code == 0, result.output
        assert json.loads(result.stdout)["skipped"] == []
        requested += json.loads(result.stdout)["requested"]
        left += json.loads(result.stdout)["left_to_people"]
        again = run("plan", "--from", str(start), "--to", str(end), "--request", "--json")
        assert json.loads(again.stdout)["requested"] == []
    got = Counter((r["kind"], r["person"]) for r in requested)
    assert got == Counter({k: n for k, n in due.items() if k[0] == "check-in"})
    # Career every three years from the hire date: e1 (2019-09 → 2025-09), s1 (2022-03 →
    # 2025-03) without a manager; e2 (2021-02 → 2024-02) not this year.
    careers = {r["person"] for r in left if r["kind"] == "career"}
    assert careers == {"e1", "s1"}
    exits = [r for r in left if r["kind"] == "exit"]
    assert [r["person"] for r in exits] == ["e2"]
    assert {r["why"] for r in exits} == {
        "a manager may not start a exit conversation (allowed: employee, exit_interviewer)"
    }
    import sqlite3

    with sqlite3.connect("magcore.db") as conn:
        actors = {
            row[0]
            for row in conn.execute(
                "SELECT actor FROM events WHERE type = 'conversation.requested'"
            )
        }
    assert actors == {"m1", "boss"}  # the managers of the check-ins, nobody else
    rendered = run("policy", "render", "--language", "en")
    assert rendered.exit_code == 0, rendered.output
    for words in (
        "Quarterly check-in (`check-in`)",
        "Career conversation (`career`)",
        "Exit conversation (`exit`)",
        "career coach (`career_coach`)",
        "HR adviser (`exit_interviewer`)",
        "starts when someone leaves",
        "10 years after employment ends",
    ):
        assert words in rendered.output, words


def test_a_reminder_before_the_exit_conversation_reaches_the_manager():
    """Reminders know kinds that a change starts: 'plan the exit conversation' goes to the
    manager 7 days before the window's end, for each person leaving, and to nobody else."""
    from magcore.app.workflows import due_actions, load_workflow

    clock = FixedClock(_moment(date(2024, 12, 1)))
    svc = magcore.open_service("memory://", clock=clock, host=_host(), organisation="org")
    svc.import_organisation(ORG, actor="hr")
    workflow = load_workflow(
        {
            "id": "plan-exit",
            "name": {"nl": "Plan het vertrekgesprek", "en": "Plan the exit conversation"},
            "trigger": {
                "type": "cadence",
                "cycle": "lytsewald",
                "kind": "exit",
                "days_before_due": 7,
            },
            "actions": [{"do": "remind", "to": "manager", "message": "workflow.plan_conversation"}],
        }
    )
    events = [event for _, event in svc.store.read_all()]
    until = _moment(date(2025, 12, 31), 23)
    due = due_actions(events, [workflow], until=until, cycles=svc.cycles)
    leaving = {p: day for p, day in LEAVERS.items() if day < YEAR[1]}
    assert {a.subject for a in due} == set(leaving)
    for action in due:
        assert action.due == leaving[action.subject]
        assert action.recipient == ORG.manager_of(action.subject, action.due - timedelta(days=1))
    svc.close()


def test_the_definition_written_back_fits_the_cycle_schema():
    from magcore import schemas

    assert schemas.problems("cycle-definition", plugin.definition().to_json()) == []
