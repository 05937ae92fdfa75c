"""A large first import is written as batch events (``teams.added``, ``people.joined``) and
folds into the same organisation as the single events would; loading it back makes no value
per person; later imports and changes work on it as on any other stream."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import magcore.app.people as people_module
import magcore.domain.orgbulk as orgbulk
from magcore import open_service
from magcore.access.audit import verify_store
from magcore.cli.orgcsv import read_organisation_csv
from magcore.clock import FixedClock
from magcore.domain.organisation import OrgState, org_stream
from magcore.domain.orgchanges import Leave, Move
from magcore.errors import StorageError
from magcore.model.organisation import Organisation, Return
from magcore.model.orgtables import PeopleTable, RoleTable
from magcore.storage.streaming import append_stream
from magcore.testing import generate_organisation

NOW = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
TODAY = NOW.date()


@pytest.fixture
def small_batches(monkeypatch):
    """Batches from 10 people on, 7 people or teams per event."""
    monkeypatch.setattr(people_module, "BULK_FROM", 10)
    monkeypatch.setattr(orgbulk, "BATCH", 7)


def _varied(seed: int, people: int, teams: int) -> Organisation:
    """A generated organisation with a name, e-mail addresses, announced leaves and returns."""
    org = generate_organisation(people=people, teams=teams, seed=seed)
    rng = random.Random(seed)
    changed = {}
    for person in org.people.values():
        roll = rng.random()
        hired = person.hired_on or date(2015, 1, 1)
        if roll < 0.2:
            person = attrs.evolve(person, left_on=hired + timedelta(days=rng.randint(1, 900)))
        elif roll < 0.35:
            back = Return(on=hired + timedelta(days=rng.randint(1, 500)), absent_days=40)
            person = attrs.evolve(person, returns=(back,))
        if rng.random() < 0.5:
            person = attrs.evolve(person, email=f"{person.id}@example.org")
        changed[person.id] = person
    return attrs.evolve(org, name="Gemeente Voorbeeld", people=changed)


def _service(url: str):
    return open_service(url, clock=FixedClock(NOW), dispatch="off")


def _state(service, org_id: str) -> OrgState:
    return OrgState.replay(org_id, service.store.read(org_stream(org_id)))


@settings(max_examples=12, deadline=None)
@given(seed=st.integers(0, 1000), people=st.integers(12, 80), teams=st.integers(1, 5))
def test_batches_fold_into_what_the_single_events_fold_into(tmp_path_factory, seed, people, teams):
    org = _varied(seed, people, teams)
    folder = tmp_path_factory.mktemp("bulk")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(orgbulk, "BATCH", 7)
        patch.setattr(people_module, "BULK_FROM", 10**9)
        single = _service(f"sqlite:///{folder / 'single.db'}")
        single.import_organisation(org, actor="hr")
        patch.setattr(people_module, "BULK_FROM", 10)
        bulk = _service(f"sqlite:///{folder / 'bulk.db'}")
        written = bulk.import_organisation(org, actor="hr")
    assert {e.type for e in written} <= {"organisation.renamed", "teams.added", "people.joined"}
    assert len(written) == 1 + -(-len(org.teams) // 7) + -(-len(org.people) // 7)

    one, other = _state(single, org.id), _state(bulk, org.id)
    for field in ("name", "people", "teams", "roles", "managers", "joined", "left"):
        assert getattr(one, field) == getattr(other, field), field
    fresh = _service(f"sqlite:///{folder / 'bulk.db'}")
    loaded = fresh.organisation(org.id)
    assert isinstance(loaded.people, PeopleTable)
    assert isinstance(loaded.assignments, RoleTable)
    assert loaded == org == single.organisation(org.id) == bulk.organisation(org.id)
    assert verify_store(fresh.store).ok
    for service in (single, bulk, fresh):
        service.close()


def test_later_imports_and_changes_go_on_from_the_batches(tmp_path, small_batches):
    org = _varied(3, 60, 4)
    url = f"sqlite:///{tmp_path / 'org.db'}"
    first = _service(url)
    assert first.import_organisation_summary(org, actor="hr").written > 0
    assert first.import_organisation_summary(org, actor="hr").written == 0  # nothing changed
    first.close()

    again = _service(url)  # a fresh service: the stored organisation is read as tables
    assert again.import_organisation_summary(org, actor="hr").written == 0
    member = next(a for a in org.assignments if a.role.value == "member")
    other_team = next(t for t in org.teams if t != member.team)
    moved = again.record_change(
        org.id, Move(person=member.person, team=other_team, on=TODAY), actor="hr"
    )
    assert [e.type for e in moved] == ["person.moved"]
    leaver = next(p for p in org.people.values() if p.left_on is None)
    again.record_change(org.id, Leave(person=leaver.id, on=TODAY), actor="hr")
    now = again.organisation(org.id)
    assert now.team_of(member.person, TODAY) == other_team
    assert now.person(leaver.id).left_on == TODAY
    # the file again: the move and the leave are taken back as changes, nothing else
    back = again.import_organisation(org, actor="hr")
    assert {e.type for e in back} <= {"person.moved", "person.roles_changed", "person.changed"}
    assert again.organisation(org.id) == org
    again.close()
    fresh = _service(url)
    assert fresh.organisation(org.id) == org
    assert verify_store(fresh.store).ok
    fresh.close()


def test_a_batch_import_that_fails_half_way_leaves_nothing(tmp_path, small_batches, monkeypatch):
    org = _varied(5, 60, 4)

    def breaks(store, stream, version, events, *, origin="", chunk=0, snapshot=None):
        def some_then_fail():
            for index, event in enumerate(events):
                if index == 9:
                    raise StorageError("disk full")
                yield event

        return append_stream(store, stream, version, some_then_fail(), origin=origin, chunk=2)

    monkeypatch.setattr(people_module, "append_stream", breaks)
    service = _service(f"sqlite:///{tmp_path / 'org.db'}")
    with pytest.raises(StorageError):
        service.import_organisation(org, actor="hr")
    assert service.store.version(org_stream(org.id)) == 0
    assert verify_store(service.store).ok
    service.close()


def test_a_file_of_one_role_a_person_folds_the_same_in_batches(tmp_path, small_batches):
    """The CSV reader's tables with one role per person (each person's role on their own row,
    managers among them): the batches carry the roles by position and fold the same."""
    lines = ["person_id,team_id,role,start,hired_on,parent_team_id"]
    for team in range(6):
        parent = f"t{team - 1}" if team else ""
        lines.append(f"m{team},t{team},manager,2020-01-01,2019-01-01,{parent}")
    for number in range(40):
        lines.append(f"p{number:02d},t{number % 6},member,2020-0{1 + number % 9}-01,2019-06-01,")
    path = tmp_path / "org.csv"
    path.write_text("\n".join(lines) + "\n")
    org = read_organisation_csv(path, org_id="org")
    assert isinstance(org.assignments, RoleTable)
    assert org.assignments.person is org.people.ids  # one role a person, in the same order
    single = _service(f"sqlite:///{tmp_path / 'single.db'}")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(people_module, "BULK_FROM", 10**9)
        single.import_organisation(org, actor="hr")
    bulk = _service(f"sqlite:///{tmp_path / 'bulk.db'}")
    written = bulk.import_organisation(org, actor="hr")
    assert {e.type for e in written} == {"teams.added", "people.joined"}
    one, other = _state(single, org.id), _state(bulk, org.id)
    for field in ("people", "teams", "roles", "managers", "joined", "left"):
        assert getattr(one, field) == getattr(other, field), field
    assert _service(f"sqlite:///{tmp_path / 'bulk.db'}").organisation(org.id) == org


def test_a_batch_with_an_id_the_input_policy_refuses_is_not_loaded(tmp_path, small_batches):
    """A batch written straight into the store (by a plugin, say) is checked column by column
    when it is folded: an id the input policy refuses is a named error, not an organisation."""
    from magcore.errors import DefinitionError
    from magcore.events import Event
    from magcore.storage import StreamWrite

    url = f"sqlite:///{tmp_path / 'org.db'}"
    service = _service(url)
    batch = {
        "on": "2026-12-03",
        "count": 2,
        "people": {
            "id": "p1\np 2",
            "hired_on": {"values": [None]},
            "left_on": {"values": [None]},
            "email": {"values": [None]},
        },
        "returns": {},
        "roles": {
            "count": 0,
            "team": {"values": []},
            "role": {"values": []},
            "start": {"values": []},
            "end": {"values": []},
        },
    }
    event = Event(stream="org:org", version=1, type="people.joined", at=NOW, actor="hr", data=batch)
    service.store.append([StreamWrite("org:org", 0, (event,))])
    fresh = _service(url)
    with pytest.raises(DefinitionError) as refused:
        fresh.organisation("org")
    assert refused.value.pointer == "/ids/1"
