"""``magcore plan --request`` for every participant pattern: peer, three-party and team too."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from magcore import hookimpl
from magcore.cli import cli
from magcore.cli._app import App
from magcore.plugins import get_plugin_manager
from tests.support.approve import approve_by_cli

from .conftest import CYCLES, data

HEADER = "person_id,team_id,team_name,department,parent_team_id,role,start,end,hired_on,left_on"
ORG_CSV = f"""{HEADER},self_steering
boss,dept,Afdeling,Afdeling,,manager,2024-01-01,,2015-03-01,,
m1,t1,Team Noord,Afdeling,dept,manager,2024-01-01,,2018-06-01,,
e1,t1,Team Noord,Afdeling,dept,member,2024-01-01,,2020-02-01,,
e2,t1,Team Noord,Afdeling,dept,member,2024-01-01,,2021-09-01,,
c1,t1,Team Noord,Afdeling,dept,coach,2024-01-01,,2019-01-01,,
a1,s1,Team Zelf,Afdeling,dept,member,2024-01-01,,2020-02-01,,yes
a2,s1,Team Zelf,Afdeling,dept,member,2024-01-01,,2021-02-01,,yes
a3,s1,Team Zelf,Afdeling,dept,member,2024-01-01,,2022-02-01,,yes
"""

THREE_PARTY = {
    "id": "example-triangle",
    "version": 1,
    "name": {"nl": "Gesprek met z'n drieën", "en": "Three-party conversation"},
    "approvals_required": ["works_council"],
    "kinds": [
        {
            "id": "triangle",
            "name": {"nl": "Driegesprek", "en": "Three-party conversation"},
            "pattern": "three_party",
            "applies_to": "with_manager",
            "cadence": {"kind": "per_year", "per_year": 1},
            "initiators": ["employee", "coach"],
            "preparers": ["employee"],
        }
    ],
}


#: The three-party conversation again, which the manager may start too.
MANAGED_TRIANGLE = {
    **THREE_PARTY,
    "id": "example-managed-triangle",
    "kinds": [{**THREE_PARTY["kinds"][0], "initiators": ["employee", "manager"]}],
}

#: A conversation only the employee may start (a career conversation they ask for).
EMPLOYEE_ONLY = {
    "id": "example-own-initiative",
    "version": 1,
    "name": {"nl": "Op eigen initiatief", "en": "On your own initiative"},
    "approvals_required": ["works_council"],
    "kinds": [
        {
            "id": "career",
            "name": {"nl": "Loopbaangesprek", "en": "Career conversation"},
            "pattern": "employee_manager",
            "applies_to": "with_manager",
            "cadence": {"kind": "per_year", "per_year": 1},
            "initiators": ["employee"],
            "preparers": ["employee", "manager"],
        }
    ],
}


class _Cycles:
    @hookimpl
    def magcore_register_cycles(self, register):
        register(json.loads((CYCLES / "peer-team.json").read_text(encoding="utf-8")))
        register(THREE_PARTY)
        register(MANAGED_TRIANGLE)
        register(EMPLOYEE_ONLY)


@pytest.fixture
def town(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A folder with an organisation that has a self-steering team and a coach."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MAGCORE_NOW", "2025-03-10T09:00:00+00:00")
    monkeypatch.delenv("MAGCORE_CONFIG", raising=False)
    host = get_plugin_manager(load_entry_points=False, extra=[("test-cycles", _Cycles())])

    def run(*args: str):
        app = App(config_path=tmp_path / "magcore.toml", host=host)
        return CliRunner().invoke(cli, list(args), obj=app, catch_exceptions=False)

    (tmp_path / "org.csv").write_text(ORG_CSV, encoding="utf-8")
    return run


def _init(run, cycle: str) -> None:
    assert run("init", "--cycle", cycle).exit_code == 0
    result = run("import-org", "org.csv")
    assert result.exit_code == 0, result.output
    approve_by_cli(run)


def _plan_request(run):
    return data(run("plan", "--from", "2025-01-01", "--to", "2026-01-01", "--request", "--json"))


def _requested_events(conversation: str) -> dict:
    import sqlite3

    with sqlite3.connect("magcore.db") as conn:
        row = conn.execute(
            "SELECT actor, data FROM events WHERE stream = ? AND type = 'conversation.requested'",
            (f"conversation:{conversation}",),
        ).fetchone()
    return {"actor": row[0], **json.loads(row[1])}


def _requested_actors() -> list[str]:
    import sqlite3

    with sqlite3.connect("magcore.db") as conn:
        rows = conn.execute("SELECT actor FROM events WHERE type = 'conversation.requested'")
        return [row[0] for row in rows]


def test_employee_only_kinds_are_left_to_the_employee(town):
    """A kind only the employee may start is never requested in their name: it stays due, and
    the output says how many were left for the people to start and why."""
    _init(town, "example-own-initiative@1")
    result = _plan_request(town)
    assert result["requested"] == []
    assert {"e1", "e2", "m1"} <= {r["person"] for r in result["due"]}
    left = {r["person"]: r["why"] for r in result["left_to_people"]}
    assert set(left) == {r["person"] for r in result["due"]}
    assert left["e1"] == "a manager may not start a career conversation (allowed: employee)"
    assert _requested_actors() == []
    text = town("plan", "--from", "2025-01-01", "--to", "2026-01-01", "--request")
    assert text.exit_code == 0, text.output
    count = len(left)
    assert (
        f"Left {count} due conversations for the people to start: a manager may not start a "
        "career conversation (allowed: employee)." in " ".join(text.output.split())
    )
    assert _requested_actors() == []


def test_peer_and_team_conversations_are_left_to_their_people(town):
    """Peers and team members start their own conversations: bulk requesting acts as the
    manager only, so it requests none of them and names none of them as the one who asked."""
    _init(town, "example-peers@1")
    result = _plan_request(town)
    assert result["skipped"] == []
    assert result["requested"] == []
    left = result["left_to_people"]
    assert {"a1", "a2", "a3"} == {r["person"] for r in left if r["kind"] == "peer"}
    assert {"s1", "t1"} <= {r["team"] for r in left if r["kind"] == "team-evaluation"}
    why = {r["kind"]: r["why"] for r in left}
    assert why["peer"] == "a manager may not start a peer conversation (allowed: employee, peer)"
    assert _requested_actors() == []


def test_three_party_conversations_get_a_coach(town):
    """A three-party conversation the manager may start takes the employee, their manager and
    a coach, and is requested by the manager."""
    _init(town, "example-managed-triangle@1")
    result = _plan_request(town)
    by_person = {r["person"]: r for r in result["requested"]}
    assert {"e1", "e2"} <= set(by_person)
    event = _requested_events(by_person["e1"]["conversation"])
    roles = {p["person"]: p["role"] for p in event["participants"]}
    assert roles == {"e1": "employee", "m1": "manager", "c1": "coach"}
    assert event["actor"] == "m1"


def test_three_party_conversations_the_manager_may_not_start_are_left(town):
    """Started by the employee or the coach only, a three-party conversation is not requested
    in bulk (in nobody's name)."""
    _init(town, "example-triangle@1")
    result = _plan_request(town)
    assert result["requested"] == []
    assert {"e1", "e2"} <= {r["person"] for r in result["left_to_people"]}
    assert _requested_actors() == []


def test_plan_request_twice_requests_nothing_new(town):
    """A rerun requests nothing again, and says each due one was requested before."""
    _init(town, "example-managed-triangle@1")
    first = _plan_request(town)
    assert first["requested"]
    again = _plan_request(town)
    assert again["requested"] == []
    text = town("plan", "--from", "2025-01-01", "--to", "2026-01-01", "--request")
    assert "Requested no new conversations: each due one was requested before." in text.output


def test_plan_request_with_nothing_due_says_so(town):
    """With nothing due (a manager without people), nothing was requested before either: the
    output says none is due rather than that each was requested before."""
    _init(town, "example-managed-triangle@1")
    args = ("plan", "--from", "2025-01-01", "--to", "2026-01-01", "--manager", "c1")
    text = town(*args, "--request")
    assert text.exit_code == 0, text.output
    assert "Requested no conversations: none is due in this period." in text.output
    assert "requested before" not in text.output


@pytest.fixture
def two_coaches(town, tmp_path):
    """The town with a second coach, c2: most people's coach may be c1 or c2."""
    extra = "c2,t1,Team Noord,Afdeling,dept,coach,2024-01-01,,2019-05-01,,\n"
    (tmp_path / "org.csv").write_text(ORG_CSV + extra, encoding="utf-8")
    _init(town, "example-managed-triangle@1")
    return town


PERIOD = ("plan", "--from", "2025-01-01", "--to", "2026-01-01", "--request")


def _coaches() -> dict[str, str]:
    """Each requested conversation's employee and coach, from the store."""
    import sqlite3

    with sqlite3.connect("magcore.db") as conn:
        rows = conn.execute("SELECT data FROM events WHERE type = 'conversation.requested'")
        found = {}
        for (raw,) in rows:
            roles = {p["role"]: p["person"] for p in json.loads(raw)["participants"]}
            found[roles["employee"]] = roles["coach"]
    return found


def test_a_party_several_people_may_take_is_not_picked_silently(two_coaches):
    """Two coaches may be e1's coach: plan --request refuses, naming the role, how many may
    take it and the option that names them, and requests nothing (before, it took c1, the
    first in id order, without a word)."""
    result = two_coaches(*PERIOD)
    assert result.exit_code == 2
    message = " ".join(result.stderr.split())
    assert "2 people may be the coach of " in message
    assert "(c1, c2)" in message
    assert "--choose coach=PERSON" in message
    assert "nothing was requested" in message
    assert _requested_actors() == []


def test_choose_names_the_coach_of_every_conversation_requested(two_coaches):
    """--choose coach=c2 makes c2 the coach of every conversation requested."""
    result = data(two_coaches(*PERIOD, "--choose", "coach=c2", "--json"))
    assert {r["person"] for r in result["requested"]} == {"e1", "e2", "m1"}
    assert result["skipped"] == []
    assert _coaches() == {"e1": "c2", "e2": "c2", "m1": "c2"}


def test_choose_repeated_takes_the_people_named_in_turn(two_coaches):
    data(two_coaches(*PERIOD, "--choose", "coach=c1", "--choose", "coach=c2", "--json"))
    coaches = _coaches()
    assert set(coaches) == {"e1", "e2", "m1"}
    assert set(coaches.values()) == {"c1", "c2"}


def test_choose_someone_who_may_not_take_the_party_is_refused_per_conversation(two_coaches):
    """e2 holds no coach role: each request naming them is skipped with the rule."""
    result = data(two_coaches(*PERIOD, "--choose", "coach=e2", "--json"))
    assert result["requested"] == []
    assert result["skipped"]
    assert all("e2 may not be party 'coach'" in s["why"] for s in result["skipped"])


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (("--choose", "coach=c1"), "--choose chooses people for --request"),
        (("--request", "--choose", "coach"), "give ROLE=PERSON"),
        (("--request", "--choose", "coach=a b"), "the person:"),
        (("--request", "--choose", "coach=nobody"), "there is no person 'nobody'"),
        (
            ("--request", "--choose", "peer=e1"),
            "has a party 'peer' to choose someone for (parties to choose for: coach)",
        ),
    ],
)
def test_choose_refuses_what_it_cannot_use(two_coaches, args, said):
    result = two_coaches("plan", "--from", "2025-01-01", "--to", "2026-01-01", *args)
    assert result.exit_code == 2
    assert said in " ".join(result.stderr.split())
    assert _requested_actors() == []
