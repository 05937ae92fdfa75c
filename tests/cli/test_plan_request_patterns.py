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


class _Cycles:
    @hookimpl
    def magcore_register_cycles(self, register):
        register(json.loads((CYCLES / "peer-team.json").read_text(encoding="utf-8")))
        register(THREE_PARTY)


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


def test_peer_and_team_conversations_are_requested(town):
    """Peers are paired inside their self-steering team; a team conversation has all members."""
    _init(town, "example-peers@1")
    result = _plan_request(town)
    assert result["skipped"] == []
    peers = [r for r in result["requested"] if r["kind"] == "peer"]
    assert {r["person"] for r in peers} == {"a1", "a2", "a3"}
    partners = set()
    for r in peers:
        event = _requested_events(r["conversation"])
        roles = {p["person"]: p["role"] for p in event["participants"]}
        assert roles[r["person"]] == "employee"
        (peer,) = [p for p, role in roles.items() if role == "peer"]
        assert peer in {"a1", "a2", "a3"}
        assert peer != r["person"]
        partners.add(peer)
        assert event["actor"] == r["person"]  # the first initiator role: the employee
    assert len(partners) == 3  # each is someone's peer: the pairs spread over the team
    teams = [r for r in result["requested"] if r["kind"] == "team-evaluation"]
    assert {r["team"] for r in teams} >= {"s1", "t1"}
    for r in teams:
        event = _requested_events(r["conversation"])
        assert event["team"] == r["team"]
        assert {p["role"] for p in event["participants"]} == {"team_member"}
        assert len(event["participants"]) >= 2


def test_three_party_conversations_get_a_coach(town):
    """A three-party conversation takes the employee, their manager and a coach."""
    _init(town, "example-triangle@1")
    result = _plan_request(town)
    by_person = {r["person"]: r for r in result["requested"]}
    assert {"e1", "e2"} <= set(by_person)
    event = _requested_events(by_person["e1"]["conversation"])
    roles = {p["person"]: p["role"] for p in event["participants"]}
    assert roles == {"e1": "employee", "m1": "manager", "c1": "coach"}
    assert event["actor"] == "e1"  # no manager among the initiators: the first role starts


def test_plan_request_twice_requests_nothing_new(town):
    """Peer and team requests are idempotent like employee-manager ones."""
    _init(town, "example-peers@1")
    first = _plan_request(town)
    assert first["requested"]
    again = _plan_request(town)
    assert again["requested"] == []
