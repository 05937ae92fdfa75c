"""Example-based tests of the Conversation aggregate: one rule per test."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from magcore import (
    AddDissent,
    AddPrivateNote,
    AddResponse,
    Agreement,
    Cancel,
    ConfirmRecord,
    CycleDefinition,
    DraftRecord,
    MarkHeld,
    MarkNotHeld,
    Participant,
    PublishPreparation,
    RegisterPaper,
    RequestConversation,
    Reschedule,
    SavePreparation,
    Schedule,
    State,
    TransitionError,
    UpdateAgreement,
    apply,
    decide,
    replay,
    visible_preparation,
)
from magcore.model.records import AgreementStatus

from ..conftest import EXAMPLE_CYCLES

CYCLE = CycleDefinition.from_file(EXAMPLE_CYCLES / "employee-manager.json")
PEERS = CycleDefinition.from_file(EXAMPLE_CYCLES / "peer-team.json")
T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
PAIR = (Participant("emp", "employee"), Participant("mgr", "manager"))


class Flow:
    """A conversation under test with its event log and a clock that moves an hour per command."""

    def __init__(self, participants=PAIR, cycle=CYCLE, kind="yearly", actor="emp", **extra):
        self.now = T0
        self.events = list(
            decide(
                None,
                RequestConversation(
                    actor=actor,
                    conversation_id="c1",
                    cycle=cycle,
                    kind=kind,
                    participants=participants,
                    **extra,
                ),
                now=self.now,
            )
        )
        self.conv = replay(self.events)

    def do(self, command):
        self.now += timedelta(hours=1)
        for event in decide(self.conv, command, now=self.now):
            self.conv = apply(event, self.conv)
            self.events.append(event)
        return self.conv


def test_request_records_cycle_version_and_participants():
    """A request names the cycle version it starts under and who takes part in which role."""
    conv = Flow().conv
    assert conv.state is State.REQUESTED
    assert conv.cycle == "example-yearly@1"
    assert conv.subject == "emp"
    assert conv.people == ("emp", "mgr")
    assert conv.preparers == ("emp", "mgr")


def test_manager_may_initiate_too():
    """Two-sided: the manager can start the conversation as well as the employee."""
    assert Flow(actor="mgr").conv.initiator == "mgr"


@pytest.mark.parametrize(
    ("participants", "actor", "reason"),
    [
        ((Participant("emp", "employee"),), "emp", "needs exactly"),
        ((Participant("emp", "employee"), Participant("emp", "manager")), "emp", "twice"),
        (PAIR, "stranger", "does not take part"),
        ((Participant("emp", "employee"), Participant("x", "peer")), "emp", "needs exactly"),
    ],
)
def test_bad_requests_are_refused_with_reason(participants, actor, reason):
    """A missing participant, a duplicate or an outsider starting it: a clear TransitionError."""
    with pytest.raises(TransitionError, match=reason) as caught:
        Flow(participants=participants, actor=actor)
    assert caught.value.action == "request"


def test_initiator_role_must_be_allowed():
    """In a cycle where only team members start team evaluations, a request by role checks out."""
    members = (Participant("a", "team_member"), Participant("b", "team_member"))
    flow = Flow(participants=members, cycle=PEERS, kind="team-evaluation", actor="a", team="t1")
    assert flow.conv.subject is None
    assert flow.conv.team == "t1"


def test_unknown_kind_is_refused():
    """Asking for a kind the cycle does not have names the kind."""
    with pytest.raises(TransitionError, match="no conversation kind 'nope'"):
        Flow(kind="nope")


def test_schedule_then_prepare_reaches_prepared_only_when_both_published():
    """PREPARED means every preparer published; saving a draft is not enough."""
    flow = Flow()
    flow.do(Schedule(actor="mgr", on=T0 + timedelta(days=7)))
    flow.do(SavePreparation(actor="emp", answers={"wish": "meer thuiswerken"}))
    flow.do(PublishPreparation(actor="emp"))
    assert flow.conv.state is State.SCHEDULED
    flow.do(PublishPreparation(actor="mgr"))
    assert flow.conv.state is State.PREPARED


def test_preparation_hidden_until_viewer_publishes_own():
    """Neither side sees the other's preparation before publishing its own."""
    flow = Flow()
    flow.do(SavePreparation(actor="emp", answers={"wish": "cursus"}))
    assert visible_preparation(flow.conv, "mgr", "emp") is None  # not published
    flow.do(PublishPreparation(actor="emp"))
    assert visible_preparation(flow.conv, "mgr", "emp") is None  # mgr has not published
    assert visible_preparation(flow.conv, "emp", "emp") is not None  # own is always visible
    flow.do(PublishPreparation(actor="mgr"))
    seen = visible_preparation(flow.conv, "mgr", "emp")
    assert seen is not None
    assert seen.answers["wish"] == "cursus"
    assert visible_preparation(flow.conv, "outsider", "emp") is None


def test_unpublished_preparation_stays_hidden_even_after_the_other_publishes():
    """Pinned from the state machine: a saved draft is never shown to the other side."""
    flow = Flow()
    flow.do(SavePreparation(actor="emp", answers={"x": "draft"}))
    flow.do(PublishPreparation(actor="mgr"))
    assert visible_preparation(flow.conv, "mgr", "emp") is None


@pytest.mark.parametrize(
    "end", [Cancel(actor="mgr"), MarkNotHeld(actor="mgr")], ids=["cancel", "not_held"]
)
def test_ending_a_conversation_does_not_reveal_the_other_preparation(end):
    """Cancelling (or marking not held) is no way around publishing your own preparation first."""
    flow = Flow()
    flow.do(SavePreparation(actor="emp", answers={"wish": "private"}))
    flow.do(PublishPreparation(actor="emp"))
    flow.do(end)
    assert visible_preparation(flow.conv, "mgr", "emp") is None
    assert visible_preparation(flow.conv, "emp", "emp") is not None


def test_cannot_change_published_preparation():
    """A published preparation is final: saving again is refused with the state and action."""
    flow = Flow()
    flow.do(PublishPreparation(actor="emp"))
    with pytest.raises(TransitionError) as caught:
        flow.do(SavePreparation(actor="emp", answers={}))
    assert (caught.value.state, caught.value.action) == ("requested", "save_preparation")


def test_publishing_with_nothing_saved_opens_the_other_side_only_as_a_final_choice():
    """Publishing with nothing saved says "I have nothing to prepare": the other side's
    published preparation is then shown, because the publisher can no longer write one of
    their own after reading it (the point of blind-until-published)."""
    flow = Flow()
    flow.do(SavePreparation(actor="mgr", answers={"werk": "Mijn punten"}))
    flow.do(PublishPreparation(actor="mgr"))
    assert visible_preparation(flow.conv, "emp", "mgr") is None
    flow.do(PublishPreparation(actor="emp"))
    assert visible_preparation(flow.conv, "emp", "mgr") is not None
    with pytest.raises(TransitionError):
        flow.do(SavePreparation(actor="emp", answers={"werk": "Na het lezen"}))
    assert dict(flow.conv.preparations["emp"].answers) == {}


def full_record(flow, agreements=None):
    flow.do(MarkHeld(actor="emp", on=date(2025, 3, 10)))
    agreements = agreements or (
        Agreement(id="a1", text="Training plannen", owner="employee", due=date(2025, 9, 1)),
    )
    return flow.do(
        DraftRecord(actor="mgr", summary="Goed gesprek over werk", agreements=agreements)
    )


def test_agreed_only_after_everyone_confirms_current_revision():
    """Both confirm what was agreed; a new revision makes earlier confirmations stale."""
    flow = Flow()
    full_record(flow)
    flow.do(ConfirmRecord(actor="emp", revision=1))
    assert flow.conv.state is State.RECORD_DRAFTED
    flow.do(DraftRecord(actor="emp", summary="Aangevuld", agreements=()))
    assert flow.conv.confirmed_by == frozenset()
    with pytest.raises(TransitionError, match="not the current one"):
        flow.do(ConfirmRecord(actor="mgr", revision=1))
    flow.do(ConfirmRecord(actor="mgr", revision=2))
    flow.do(ConfirmRecord(actor="emp", revision=2))
    assert flow.conv.state is State.AGREED
    assert flow.events[-1].type == "conversation.agreed"


def test_dissent_never_blocks_and_stays():
    """Either side may add a note of disagreement; agreement still happens and keeps the note."""
    flow = Flow()
    full_record(flow)
    flow.do(AddDissent(actor="emp", text="Ik zie de werkdruk anders."))
    flow.do(ConfirmRecord(actor="emp", revision=1))
    flow.do(ConfirmRecord(actor="mgr", revision=1))
    flow.do(AddDissent(actor="mgr", text="Ik zie het anders."))
    assert flow.conv.state is State.AGREED
    assert [d.author for d in flow.conv.dissents] == ["emp", "mgr"]


def test_response_only_by_the_employee_and_only_to_something_that_exists():
    """The employee adds their own view next to the record; the manager cannot, nor to nothing."""
    flow = Flow()
    full_record(flow)
    flow.do(AddResponse(actor="emp", about="agreement:a1", text="Dit wil ik zelf plannen."))
    with pytest.raises(TransitionError, match="only the employee"):
        flow.do(AddResponse(actor="mgr", about="record", text="x"))
    with pytest.raises(TransitionError, match="nothing called"):
        flow.do(AddResponse(actor="emp", about="agreement:zz", text="x"))
    assert flow.conv.record.summary == "Goed gesprek over werk"  # never overwritten


def test_not_held_is_neutral_and_final():
    """'Did not happen' records a neutral reason, and nothing further can be done."""
    flow = Flow()
    flow.do(MarkNotHeld(actor="mgr", reason="absence"))
    assert flow.conv.state is State.NOT_HELD
    with pytest.raises(TransitionError, match="while it did not take place"):
        flow.do(MarkHeld(actor="emp", on=date(2025, 3, 4)))


def test_reschedule_is_neutral():
    """Rescheduling keeps the state and only counts how often it happened."""
    flow = Flow()
    flow.do(Schedule(actor="emp", on=T0 + timedelta(days=3)))
    flow.do(Reschedule(actor="mgr", on=T0 + timedelta(days=10), reason="ziek"))
    assert flow.conv.state is State.SCHEDULED
    assert flow.conv.reschedules == 1


def test_paper_registration_has_no_content_and_needs_both_confirmations():
    """'Held, agreements on paper': no digital content, yet both still confirm."""
    flow = Flow()
    flow.do(RegisterPaper(actor="mgr", held_on=date(2025, 3, 12)))
    assert flow.conv.state is State.RECORD_DRAFTED
    assert flow.conv.record.content_on_paper
    assert flow.conv.record.medium.value == "paper"
    assert flow.conv.record.summary == ""
    assert flow.conv.record.agreements == ()
    flow.do(ConfirmRecord(actor="mgr", revision=1))
    flow.do(ConfirmRecord(actor="emp", revision=1))
    assert flow.conv.state is State.AGREED


def test_agreement_owner_must_take_part():
    """An agreement owned by a coach in a two-person conversation is refused."""
    flow = Flow()
    with pytest.raises(TransitionError, match="nobody is a coach"):
        full_record(flow, (Agreement(id="a1", text="x", owner="coach"),))


def test_agreement_status_updates_after_agreement():
    """Open agreements can be marked done or dropped after the record is agreed."""
    flow = Flow()
    full_record(flow)
    flow.do(ConfirmRecord(actor="emp", revision=1))
    flow.do(ConfirmRecord(actor="mgr", revision=1))
    flow.do(UpdateAgreement(actor="emp", agreement_id="a1", status="done"))
    assert flow.conv.agreements[0].status is AgreementStatus.DONE


def test_private_notes_are_kept_with_author():
    """A private note is stored with its author (the access policy shows it to them alone)."""
    flow = Flow()
    flow.do(AddPrivateNote(actor="mgr", text="Vragen naar de verhuizing"))
    assert flow.conv.private_notes[0].author == "mgr"


def test_refused_command_changes_nothing():
    """A refusal raises TransitionError naming state and action, and produces no event."""
    flow = Flow()
    before = (flow.conv, len(flow.events))
    with pytest.raises(TransitionError) as caught:
        flow.do(ConfirmRecord(actor="emp", revision=1))
    assert str(caught.value) == (
        "Confirming the record is not possible in conversation c1 "
        "while it is requested but not yet scheduled."
    )
    assert caught.value.in_language("nl") == (
        "Het verslag bevestigen kan niet in gesprek c1: "
        "het gesprek is aangevraagd, maar nog niet gepland."
    )
    assert (caught.value.state, caught.value.action) == ("requested", "confirm")
    assert (flow.conv, len(flow.events)) == before


AWARE = datetime(2025, 4, 1, 10, 0, tzinfo=UTC)


def _held(flow):
    flow.do(MarkHeld(actor="emp", on=date(2025, 4, 1)))


def _scheduled(flow):
    flow.do(Schedule(actor="emp", on=AWARE))


@pytest.mark.parametrize(
    ("setup", "command", "field"),
    [
        (None, Schedule(actor="emp", on="2025-04-01"), "on"),
        (None, Schedule(actor="emp", on=datetime(2025, 4, 1, 10)), "on"),
        (None, Schedule(actor="emp", on=date(2025, 4, 1)), "on"),
        (_scheduled, Reschedule(actor="emp", on=datetime(2025, 4, 2)), "on"),
        (None, MarkHeld(actor="emp", on=AWARE), "on"),
        (None, MarkHeld(actor="emp", on="2025-04-01"), "on"),
        (None, RegisterPaper(actor="emp", held_on=AWARE), "held_on"),
        (None, SavePreparation(actor="emp", answers=["not", "a", "mapping"]), "answers"),
        (_held, DraftRecord(actor="emp", answers="text"), "answers"),
        (
            _held,
            DraftRecord(
                actor="emp", agreements=[Agreement(id="a1", text="x", owner="both", due=AWARE)]
            ),
            "due",
        ),
    ],
)
def test_badly_typed_values_are_refused_before_anything_is_stored(setup, command, field):
    """A value replay could not read back (a naive or missing time zone, a date and time where a
    date belongs) is refused naming the field, so the stream never holds an unreadable event."""
    flow = Flow()
    if setup is not None:
        setup(flow)
    before = list(flow.events)
    with pytest.raises(TransitionError) as caught:
        flow.do(command)
    assert field in str(caught.value)
    assert flow.events == before
    assert replay(flow.events) == flow.conv


def test_every_accepted_value_replays():
    """Aware date-times in any zone and plain dates survive the round trip through replay."""
    flow = Flow()
    amsterdam = timezone(timedelta(hours=2))
    flow.do(Schedule(actor="emp", on=datetime(2025, 4, 1, 10, tzinfo=amsterdam)))
    flow.do(Reschedule(actor="mgr", on=datetime(2025, 4, 8, 10, tzinfo=amsterdam)))
    flow.do(MarkHeld(actor="emp", on=date(2025, 4, 8)))
    assert replay(flow.events) == flow.conv
    assert flow.conv.scheduled_for == datetime(2025, 4, 8, 8, tzinfo=UTC)


def test_events_round_trip_through_json():
    """Every event survives JSON and replays to the same state."""
    flow = Flow()
    full_record(flow)
    from magcore import Event

    again = [Event.from_json(e.to_json()) for e in flow.events]
    assert replay(again) == flow.conv


def test_recorders_limit_who_writes_the_record_not_who_confirms():
    """A kind where only the employee writes the record: the manager still confirms it."""
    data = CYCLE.to_json()
    data["kinds"][0]["recorders"] = ["employee"]
    cycle = CycleDefinition.from_json(data)
    flow = Flow(cycle=cycle)
    flow.do(MarkHeld(actor="emp", on=date(2025, 3, 10)))
    with pytest.raises(TransitionError, match="a manager does not write this record"):
        flow.do(DraftRecord(actor="mgr", summary="x"))
    flow.do(DraftRecord(actor="emp", summary="Mijn ontwikkeling"))
    flow.do(ConfirmRecord(actor="mgr", revision=1))
    flow.do(ConfirmRecord(actor="emp", revision=1))
    assert flow.conv.state is State.AGREED


def test_only_the_owner_marks_an_agreement_done_or_dropped():
    """The manager cannot mark the employee's agreement dropped on their own; 'both' is shared."""
    flow = Flow()
    agreements = (
        Agreement(id="a1", text="Training plannen", owner="employee"),
        Agreement(id="a2", text="Samen evalueren", owner="both"),
    )
    full_record(flow, agreements)
    flow.do(ConfirmRecord(actor="emp", revision=1))
    flow.do(ConfirmRecord(actor="mgr", revision=1))
    with pytest.raises(TransitionError, match="belongs to the employee"):
        flow.do(UpdateAgreement(actor="mgr", agreement_id="a1", status="dropped"))
    flow.do(UpdateAgreement(actor="mgr", agreement_id="a2", status="done"))
    flow.do(UpdateAgreement(actor="emp", agreement_id="a1", status="done"))
    assert [a.status.value for a in flow.conv.agreements] == ["done", "done"]
