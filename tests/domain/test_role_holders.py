"""Parties whose people hold an organisation role (membership ``holds_role``), and the hole it
closes: with an open pool (``organisation``, ``other_team``) for a role that may start the
conversation, any employee could request a colleague's conversation naming themselves for that
party, and so become a participant of it. Such a kind is refused; a role holder may take the
part, nobody else."""

from __future__ import annotations

import copy
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from magcore import Assignment, CycleDefinition, DefinitionError, Organisation, Person, Team
from magcore.domain.conversation import RequestConversation, decide
from magcore.domain.participants import candidates, check_membership, participants
from magcore.errors import TransitionError
from magcore.model.cycle import Membership
from magcore.model.parties import Party, _kept_before_the_initiator_rule, roles_to_hold
from magcore.model.records import Participant

START = date(2024, 1, 1)
DAY = date(2025, 6, 2)

EXIT = {
    "id": "exit",
    "version": 1,
    "name": {"nl": "Vertrek", "en": "Leaving"},
    "roles": [
        {
            "id": "exit_interviewer",
            "name": {"nl": "vertrekgesprekvoerder", "en": "exit interviewer"},
            "description": {"nl": "Voert het vertrekgesprek.", "en": "Holds the exit talk."},
        }
    ],
    "kinds": [
        {
            "id": "exit",
            "name": {"nl": "Vertrekgesprek", "en": "Exit conversation"},
            "parties": [
                {"role": "employee"},
                {"role": "exit_interviewer", "membership": "holds_role"},
            ],
            "cadence": {"kind": "free"},
            "initiators": ["employee", "exit_interviewer"],
            "preparers": ["employee"],
        }
    ],
}


def _exit(**party: object) -> dict:
    data = copy.deepcopy(EXIT)
    data["kinds"][0]["parties"][1].update(party)
    return data


CYCLE = CycleDefinition.from_json(EXIT)
KIND = CYCLE.kind("exit")


def _org() -> Organisation:
    people = ["m1", "e1", "e2", "i1", "i2", "m2"]
    return Organisation.build(
        id="org",
        people=[Person(id=p, hired_on=date(2020, 1, 1)) for p in people],
        teams=[Team(id="t1"), Team(id="hr")],
        assignments=[
            Assignment(person="m1", team="t1", role="manager", start=START),
            Assignment(person="e1", team="t1", role="member", start=START),
            Assignment(person="e2", team="t1", role="member", start=START),
            Assignment(person="m2", team="hr", role="manager", start=START),
            Assignment(person="i1", team="hr", role="member", start=START),
            Assignment(person="i1", team="hr", role="exit_interviewer", start=START),
            # i2's role ends on DAY (the end is exclusive): its last day was the day before.
            Assignment(person="i2", team="hr", role="member", start=START),
            Assignment(person="i2", team="hr", role="exit_interviewer", start=START, end=DAY),
            # The employee's own manager holds the role too.
            Assignment(person="m1", team="hr", role="exit_interviewer", start=START),
        ],
    )


ORG = _org()


def _pair(employee: str, interviewer: str) -> list[Participant]:
    return [Participant(employee, "employee"), Participant(interviewer, "exit_interviewer")]


# -- the party -----------------------------------------------------------------------------


def test_holds_defaults_to_the_party_role_and_round_trips():
    party = KIND.party("exit_interviewer")
    assert party.membership is Membership.ROLE_HOLDER
    assert party.holds == "exit_interviewer"
    written = CYCLE.to_json()
    assert written["kinds"][0]["parties"][1]["holds"] == "exit_interviewer"
    assert "holds" not in written["kinds"][0]["parties"][0]  # other parties: no new key
    assert CycleDefinition.from_json(written) == CYCLE
    assert roles_to_hold(CYCLE.kinds) == ("exit_interviewer",)
    named = CycleDefinition.from_json(_exit(holds="hr_adviser"))
    assert named.kind("exit").party("exit_interviewer").holds == "hr_adviser"


@pytest.mark.parametrize(
    ("party", "words"),
    [
        ({"membership": "organisation", "holds": "hr_adviser"}, "only membership 'holds_role'"),
        ({"holds": "member"}, "every employee is a member"),
        ({"holds": "HR adviser"}, "holds: role 'HR adviser'"),
    ],
)
def test_a_wrong_holds_is_refused_naming_the_field(party, words):
    with pytest.raises(DefinitionError, match=words) as refused:
        CycleDefinition.from_json(_exit(**party))
    assert refused.value.pointer == "/kinds/0/parties/1/holds"


@pytest.mark.parametrize("membership", ["organisation", "other_team"])
def test_an_open_pool_that_may_start_the_conversation_is_refused(membership):
    """The hole, closed by definition: the error names the kind and the party and tells the
    author to use holds_role."""
    with pytest.raises(DefinitionError) as refused:
        CycleDefinition.from_json(_exit(membership=membership))
    message = str(refused.value)
    assert "kind exit: party 'exit_interviewer' may start the conversation" in message
    assert "holds_role" in message
    assert refused.value.pointer == "/kinds/0/parties/1/membership"
    # A registered role without a membership is an open pool too.
    data = _exit()
    del data["kinds"][0]["parties"][1]["membership"]
    with pytest.raises(DefinitionError, match="'exit_interviewer' may start"):
        CycleDefinition.from_json(data)


def test_an_open_pool_the_employee_chooses_from_is_still_allowed():
    data = _exit(membership="organisation")
    data["kinds"][0]["initiators"] = ["employee"]
    kind = CycleDefinition.from_json(data).kind("exit")
    assert kind.party("exit_interviewer").membership is Membership.ORGANISATION


# -- who may take the part -------------------------------------------------------------------


def test_the_candidates_hold_the_role_and_are_not_the_employee_or_their_manager():
    """m1 holds the role but manages e1: an exit interview is with someone beside the line."""
    party = KIND.party("exit_interviewer")
    assert candidates(ORG, party, on=DAY, employee="e1") == ("i1",)
    assert candidates(ORG, party, on=DAY - timedelta(days=1), employee="e1") == ("i1", "i2")
    # For i1's own conversation, i1 is not a candidate; m1 is (not i1's manager).
    assert candidates(ORG, party, on=DAY, employee="i1") == ("m1",)


def test_a_real_role_holder_is_accepted_and_may_start_it():
    people = check_membership(ORG, KIND, _pair("e1", "i1"), on=DAY)
    command = RequestConversation(
        actor="i1", conversation_id="c1", cycle=CYCLE, kind="exit", participants=people
    )
    assert decide(None, command, now=_now())


@pytest.mark.parametrize(
    ("interviewer", "who"),
    [
        ("e2", "a colleague naming themselves"),
        ("e1", "the employee themself"),
        ("m1", "the employee's manager, though holding the role"),
        ("i2", "someone whose role ended the day before"),
    ],
)
def test_anyone_else_is_refused_naming_the_party(interviewer, who):
    with pytest.raises(TransitionError, match=r"party 'exit_interviewer'.*'exit_interviewer'"):
        check_membership(ORG, KIND, _pair("e1", interviewer), on=DAY)
    with pytest.raises(TransitionError, match="exit_interviewer"):
        participants(ORG, KIND, "e1", on=DAY, chosen={"exit_interviewer": [interviewer]})


def test_in_a_team_conversation_holders_are_neither_members_nor_the_manager():
    data = copy.deepcopy(EXIT)
    data["kinds"][0].update(
        parties=[
            {"role": "team_member", "min": 2, "max": None},
            {"role": "exit_interviewer", "membership": "holds_role"},
        ],
        initiators=["exit_interviewer"],
        preparers=[],
        applies_to="teams",
    )
    kind = CycleDefinition.from_json(data).kind("exit")
    party = kind.party("exit_interviewer")
    assert candidates(ORG, party, on=DAY, team="t1") == ("i1",)  # not m1, t1's manager
    assert candidates(ORG, party, on=DAY, team="hr") == ("m1",)  # not i1, a member


# -- a definition kept from before -------------------------------------------------------------


def test_a_kept_definition_with_an_open_pool_loads_but_its_pool_cannot_start_it():
    """A store may keep a version approved before the rule: it loads (its conversations stay
    readable), but a request started by the open pool's party is refused when decided."""
    old = _exit(membership="organisation")
    with _kept_before_the_initiator_rule():
        kept = CycleDefinition.from_json(old)
    with pytest.raises(DefinitionError):
        CycleDefinition.from_json(old)  # outside the store's loading: refused
    people = (Participant("e1", "employee"), Participant("e2", "exit_interviewer"))
    by_intruder = RequestConversation(
        actor="e2", conversation_id="c1", cycle=kept, kind="exit", participants=people
    )
    with pytest.raises(TransitionError, match="'exit_interviewer' of a exit conversation may not"):
        decide(None, by_intruder, now=_now())
    by_employee = RequestConversation(
        actor="e1", conversation_id="c2", cycle=kept, kind="exit", participants=people
    )
    assert decide(None, by_employee, now=_now())


def _now():
    from datetime import UTC, datetime

    return datetime(2025, 6, 2, 9, tzinfo=UTC)


# -- a property over random organisations --------------------------------------------------------


@st.composite
def organisations(draw):
    """A team of members under a manager, and people holding ``exit_interviewer`` (some of them
    members, or the manager) for random periods; a random day and employee."""
    n = draw(st.integers(3, 8))
    people = [f"p{i}" for i in range(n)]
    assignments = [Assignment(person="p0", team="t1", role="manager", start=START)]
    for person in people[1:]:
        assignments.append(Assignment(person=person, team="t1", role="member", start=START))
    for person in draw(st.lists(st.sampled_from(people), max_size=n)):
        start = START + timedelta(days=draw(st.integers(0, 400)))
        length = draw(st.one_of(st.none(), st.integers(1, 400)))
        end = None if length is None else start + timedelta(days=length)
        assignments.append(
            Assignment(person=person, team="t1", role="exit_interviewer", start=start, end=end)
        )
    left = {
        p: START + timedelta(days=draw(st.integers(1, 800)))
        for p in draw(st.sets(st.sampled_from(people)))
    }
    org = Organisation.build(
        id="org",
        people=[Person(id=p, hired_on=date(2020, 1, 1), left_on=left.get(p)) for p in people],
        teams=[Team(id="t1")],
        assignments=assignments,
    )
    day = START + timedelta(days=draw(st.integers(0, 800)))
    employee = draw(st.sampled_from(people[1:]))
    pick = draw(st.sampled_from(people))
    return org, day, employee, pick


@settings(deadline=None)
@given(case=organisations())
def test_every_accepted_holder_held_the_role_that_day(case):
    """Accepted exactly when the person held the role on the day, was employed, and is
    neither the employee nor their manager."""
    org, day, employee, pick = case
    held = any(
        a.person == pick and a.role == "exit_interviewer" and a.active_on(day)
        for a in org.assignments
    )
    fits = (
        held
        and org.people[pick].employed_on(day)
        and pick not in (employee, org.manager_of(employee, day))
    )
    try:
        check_membership(org, KIND, _pair(employee, pick), on=day)
    except TransitionError:
        assert not fits
    else:
        assert fits


def test_party_is_frozen_with_holds():
    party = Party(role="exit_interviewer", membership="holds_role", holds="hr_adviser")
    with pytest.raises(AttributeError):
        party.holds = "alderman"  # type: ignore[misc]
