"""Every command, every way out: content reaches an actor only with a reason valid then, and
each disclosure has its audit line (issue 13, "what must hold at the end").

The machine drives one :class:`~magcore.app.service.Service` through its public commands
(request, prepare and publish, schedule, hold and record, confirm, dissent, respond, private
note, share, revoke, manager change, restriction and its lifting, destruction and a person's
erasure, which ends their sharing choices) and takes content out by every public way (views for
any actor and purpose, command results, the subject-access export, the guarded listing,
notices). Every text written is a unique marker; after each way
out the machine finds the markers in what was handed out and checks each against its own
simple model of the rules (participation and blind-until-published, carried agreements and the
handover choice, a carried copy as sensitive as the kind it was agreed in, sharing choices with
their grantee, purpose and time, the legal basis that never opens the special-category kind,
restriction, erasure) and against the audit lines the
call wrote; participation reports carry no marker and leave their line. Goals
(:mod:`.gateway_goals`) are set in any conversation, of the special-category kind too, and
read by every way a goal is read: a goal is as sensitive as the kind it was agreed in.
Observer deliveries are not on this branch yet (they land with the audit-chain helper's
envelopes).
"""

from __future__ import annotations

import itertools
import re
from datetime import date, datetime, timedelta
from typing import Any

import attrs
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from magcore import get_plugin_manager, open_service
from magcore.access import audit
from magcore.access.decision import SUBJECT_ACCESS, LegalBasis, Part
from magcore.access.erasure import ErasureReason, destroy_conversation, erase_person
from magcore.access.restriction import restriction_event
from magcore.access.retention import SELECTIELIJST_2020
from magcore.clock import FixedClock
from magcore.domain.conversation import (
    HELD_STATES,
    OPEN_STATES,
    AddDissent,
    AddPrivateNote,
    AddResponse,
    ConfirmRecord,
    DraftRecord,
    PublishPreparation,
    SavePreparation,
    Schedule,
)
from magcore.domain.sharing import GrantSharing, RevokeSharing, person_stream
from magcore.errors import MagcoreError
from magcore.hookspecs import hookimpl
from magcore.model.records import Agreement
from magcore.storage.base import StreamWrite
from magcore.testing import approve_cycle, raw_conversation

from ..sharing.support import MAG_CYCLE, ROLES, T0, small_org
from .gateway_goals import GoalWays, GoalWritten

EMPLOYEES = ("e1", "e2")
PEOPLE = ("e1", "e2", "m1", "m2", "hr", "po", "c1", "x")
GRANTEES = ("x", "hr", "next_manager", "hr_adviser")
WHATS = ("whole_record", "agreements", "goals")
PURPOSES = ("conversation", "advice", "handover", "reintegration", SUBJECT_ACCESS)
ROLE_HOLDER = {"hr_adviser": "hr"}
BASIS = LegalBasis(
    name="reintegration",
    article="Wet verbetering poortwachter art. 25",
    roles={"hr_adviser"},
    parts={Part.RECORD, Part.AGREEMENT, Part.METADATA, Part.GOAL},
    purpose="reintegration",
)
MARKER = re.compile(r"MK\d+X")


class _Bases:
    @hookimpl
    def magcore_register_legal_bases(self, register: Any) -> None:
        register(BASIS)


@attrs.define
class Written:
    """Where a marker was written: its conversation, part, author (and agreement id)."""

    conversation: str
    part: str
    author: str
    agreement: str | None = None


@attrs.define
class Choice:
    number: int
    person: str
    to: str
    what: str
    purpose: str
    granted_at: datetime
    revoked_at: datetime | None = None

    def active(self, now: datetime) -> bool:
        return self.granted_at <= now and (self.revoked_at is None or now < self.revoked_at)


@attrs.frozen
class _Fixed:
    """Stands in for ``st.data()`` when one rule calls another with a chosen conversation."""

    value: Any

    def draw(self, strategy: Any) -> Any:
        return self.value


class GatewayMachine(GoalWays, RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        host = get_plugin_manager(load_entry_points=False, extra=[("bases", _Bases())])
        self.service = open_service("memory://", clock=FixedClock(T0), host=host)
        approve_cycle(self.service, self.service.add_cycle(MAG_CYCLE))
        self.service.import_organisation(small_org(), actor="hr")
        self.service.use_organisation("org", ROLES)
        self.counter = itertools.count(1)
        self.written: dict[str, Written] = {}
        self.convs: list[str] = []
        self.people_of: dict[str, set[str]] = {}
        self.choices: list[Choice] = []
        self.restricted: set[str] = set()
        self.erased: set[str] = set()
        self.last_change = T0.date()
        self.reads = 0
        self.goals: dict[str, GoalWritten] = {}

    # -- helpers -------------------------------------------------------------------------------

    @property
    def now(self) -> datetime:
        return self.service.clock.now()

    def marker(
        self, conversation: str, part: str, author: str, agreement: str | None = None
    ) -> str:
        text = f"MK{next(self.counter)}X"
        self.written[text] = Written(conversation, part, author, agreement)
        return text

    def raw(self, conv: str) -> Any:
        return raw_conversation(self.service, conv)

    def open_convs(self) -> list[str]:
        return [c for c in self.convs if c not in self.erased]

    def manager_of(self, person: str, day: date) -> str | None:
        return self.service.organisation("org").manager_of(person, day)

    def try_(self, call: Any) -> Any:
        try:
            return call()
        except MagcoreError:
            return None

    # -- the model: is there a reason valid now? ---------------------------------------------

    def grantee(self, choice: Choice, viewer: str) -> bool:
        if choice.to == "next_manager":
            return self.manager_of(choice.person, self.now.date()) == viewer
        return ROLE_HOLDER.get(choice.to, choice.to) == viewer

    def may(self, viewer: str, purpose: str, shown_in: str, text: str) -> bool:
        """Whether *viewer* may see marker *text* in conversation *shown_in* for *purpose*."""
        written = self.written[text]
        if shown_in in self.erased or written.conversation in self.erased:
            # Erased is gone everywhere: the carried copies too (their key was destroyed).
            return False
        conv = self.raw(shown_in)
        subject = conv.subject
        carried = written.conversation != shown_in
        if subject in self.restricted:
            return viewer == "po"
        # A carried copy is as sensitive as where it was agreed, and where it is shown.
        special = "stress" in (conv.kind, self.raw(written.conversation).kind)
        prep = written.part == "preparation"
        if prep and conv.state in OPEN_STATES and written.author != viewer:
            side = viewer if conv.is_participant(viewer) else subject
            if purpose == SUBJECT_ACCESS or conv.is_participant(viewer):
                theirs = conv.preparations.get(written.author)
                mine = conv.preparations.get(side)
                if written.author != side and not (
                    theirs and theirs.published and mine and mine.published
                ):
                    return False
        if purpose == SUBJECT_ACCESS:
            return bool(viewer == subject or viewer == "po")
        if written.part == "note":
            return viewer == written.author
        if carried:
            if viewer in self.people_of[written.conversation]:
                return True
        elif conv.is_participant(viewer):
            if prep and written.author != viewer:
                preparation = conv.preparations[written.author]
                own = conv.preparations.get(viewer)
                return preparation.published and (
                    (own is not None and own.published) or conv.state in HELD_STATES
                )
            return True
        if prep:
            preparation = conv.preparations.get(written.author)
            if preparation is None or not preparation.published:
                return False
        for choice in self.choices:
            if (
                choice.person == subject
                and choice.active(self.now)
                and (choice.purpose == purpose or (carried and choice.purpose == "handover"))
                and self.grantee(choice, viewer)
                and (
                    choice.what == "whole_record"
                    or (choice.what == "agreements" and written.part == "agreement" and not special)
                )
            ):
                return True
        return (
            viewer == "hr"
            and purpose == "reintegration"
            and not special
            and written.part in ("summary", "agreement")
        )

    def check_out(
        self, handed: Any, viewer: str, purpose: str, shown_in: str | None, before: int
    ) -> None:
        """Every marker in *handed* is allowed now, and an allowing audit line was written."""
        text = repr(handed)
        lines = list(self.service.store.read_audit(after=before))
        for found in set(MARKER.findall(text)):
            written = self.written[found]
            where = shown_in or written.conversation
            assert self.may(viewer, purpose, where, found), (viewer, purpose, where, written)
            assert any(
                line["actor"] == viewer
                and line["result"] == "allowed"
                and line["purpose"] == purpose
                and line["object"].startswith(f"conversation:{where}/")
                for line in lines
            ), (viewer, purpose, where, written)

    def audited(self) -> int:
        return self.service.store.audit_head().count

    def command(self, conv: str, actor: str, command: Any) -> None:
        before = self.audited()
        view = self.try_(lambda: self.service.execute(conv, command))
        if view is not None:
            self.check_out(view, actor, "conversation", conv, before)

    # -- commands --------------------------------------------------------------------------

    @rule(days=st.integers(0, 20))
    def advance(self, days: int) -> None:
        self.service.clock.current += timedelta(days=days, minutes=1)

    @precondition(lambda self: len(self.convs) < 5)
    @rule(employee=st.sampled_from(EMPLOYEES), kind=st.sampled_from(("mag", "stress")))
    def request(self, employee: str, kind: str) -> None:
        cycle = self.service.cycle("mag@1")
        coach = "c1" if kind == "stress" else None
        day = self.now.date()
        people = self.try_(
            lambda: self.service.participants_for("org", cycle, kind, employee, on=day, coach=coach)
        )
        if people is None:
            return
        actor = people[-1].person if kind == "mag" else employee
        before = self.audited()
        view = self.try_(
            lambda: self.service.request(cycle=cycle, kind=kind, participants=people, actor=actor)
        )
        if view is None:
            return
        self.convs.append(view.id)
        self.people_of[view.id] = {p.person for p in people}
        self.check_out(view, actor, "conversation", view.id, before)

    @precondition(lambda self: bool(self.open_convs()))
    @rule(data=st.data(), publish=st.booleans())
    def prepare(self, data: st.DataObject, publish: bool) -> None:
        conv = data.draw(st.sampled_from(self.open_convs()))
        state = self.raw(conv)
        if not state.preparers:
            return
        author = data.draw(st.sampled_from(state.preparers))
        text = self.marker(conv, "preparation", author)
        self.command(conv, author, SavePreparation(actor=author, answers={"x": text}))
        if publish:
            self.command(conv, author, PublishPreparation(actor=author))

    @precondition(lambda self: bool(self.open_convs()))
    @rule(data=st.data())
    def schedule(self, data: st.DataObject) -> None:
        conv = data.draw(st.sampled_from(self.open_convs()))
        actor = self.raw(conv).people[0]
        self.command(conv, actor, Schedule(actor=actor, on=self.now + timedelta(days=7)))

    @precondition(lambda self: bool(self.open_convs()))
    @rule(data=st.data())
    def hold_and_record(self, data: st.DataObject) -> None:
        conv = data.draw(st.sampled_from(self.open_convs()))
        state = self.raw(conv)
        author = state.recorders[0]
        summary = self.marker(conv, "summary", author)
        agreement = self.marker(conv, "agreement", author, agreement="a1")
        draft = DraftRecord(
            actor=author,
            summary=summary,
            agreements=(Agreement(id="a1", text=agreement, owner="employee"),),
        )
        before = self.audited()
        view = self.try_(lambda: self.service.record(conv, draft))
        if view is not None:
            self.check_out(view, author, "conversation", conv, before)

    @precondition(lambda self: bool(self.open_convs()))
    @rule(data=st.data())
    def confirm(self, data: st.DataObject) -> None:
        conv = data.draw(st.sampled_from(self.open_convs()))
        state = self.raw(conv)
        if state.record is None:
            return
        for person in state.people:
            self.command(conv, person, ConfirmRecord(actor=person, revision=state.record.revision))

    @precondition(lambda self: bool(self.open_convs()))
    @rule(data=st.data(), what=st.sampled_from(("dissent", "response", "note")))
    def write_beside(self, data: st.DataObject, what: str) -> None:
        conv = data.draw(st.sampled_from(self.open_convs()))
        actor = data.draw(st.sampled_from(self.raw(conv).people))
        text = self.marker(conv, what, actor)
        command: Any
        if what == "dissent":
            command = AddDissent(actor=actor, text=text)
        elif what == "response":
            command = AddResponse(actor=actor, about="record", text=text)
        else:
            command = AddPrivateNote(actor=actor, text=text)
        self.command(conv, actor, command)

    @rule(
        person=st.sampled_from(EMPLOYEES),
        to=st.sampled_from(GRANTEES),
        what=st.sampled_from(WHATS),
        purpose=st.sampled_from(PURPOSES[1:4]),
    )
    def share(self, person: str, to: str, what: str, purpose: str) -> None:
        self.service.clock.current += timedelta(seconds=1)
        state = self.service.share(
            GrantSharing(actor=person, person=person, to=to, what=what, purpose=purpose)
        )
        number = max(state.choices)
        self.choices.append(Choice(number, person, to, what, purpose, self.now))
        assert not MARKER.findall(repr(state))

    @precondition(lambda self: any(c.revoked_at is None for c in self.choices))
    @rule(data=st.data())
    def revoke(self, data: st.DataObject) -> None:
        choice = data.draw(st.sampled_from([c for c in self.choices if c.revoked_at is None]))
        self.service.clock.current += timedelta(seconds=1)
        self.service.share(
            RevokeSharing(actor=choice.person, person=choice.person, choice=choice.number)
        )
        choice.revoked_at = self.now

    @rule(manager=st.sampled_from(("m1", "m2")))
    def change_manager(self, manager: str) -> None:
        self.service.clock.current += timedelta(days=1)
        day = self.now.date()
        if day <= self.last_change:
            return
        self.service.change_manager("org", "t1", manager, day, actor="hr")
        self.last_change = day

    def _restriction(self, person: str, lift: bool) -> None:
        stream = person_stream(person)
        version = self.service.store.version(stream)
        event = restriction_event(person, version + 1, actor="po", now=self.now, lift=lift)
        self.service.commit([StreamWrite(stream, version, (event,))])
        self.restricted ^= {person}

    # Rarer than the rest, so that what a restriction hides is also seen open.
    @precondition(lambda self: not self.restricted and self.reads % 5 == 4)
    @rule(person=st.sampled_from(EMPLOYEES))
    def restrict(self, person: str) -> None:
        self._restriction(person, lift=False)

    @precondition(lambda self: bool(self.restricted))
    @rule()
    def lift(self) -> None:
        self._restriction(next(iter(self.restricted)), lift=True)

    @precondition(lambda self: len(self.open_convs()) > 2)
    @rule(data=st.data())
    def erase(self, data: st.DataObject) -> None:
        conv = data.draw(st.sampled_from(self.open_convs()))
        destroy_conversation(
            self.service.store,
            conv,
            profile=SELECTIELIJST_2020,
            due=self.now.date(),
            clock=self.service.clock,
        )
        self.erased.add(conv)

    # Rarer still: an erased person's conversations are gone, and what comes after should be
    # seen too (new conversations about them, that their old choices must not open).
    @precondition(lambda self: self.reads % 7 == 6 and len(self.open_convs()) > 2)
    @rule(person=st.sampled_from(EMPLOYEES))
    def erase_a_person(self, person: str) -> None:
        """erase_person: every conversation about *person* is erased, and every choice and
        restriction they made ends (the model revokes them at this moment)."""
        about = {c for c in self.open_convs() if self.raw(c).subject == person}
        self.service.clock.current += timedelta(seconds=1)
        reason = ErasureReason("request", reference="ZAAK-1")
        erase_person(
            self.service.store, person, clock=self.service.clock, actor="po", reason=reason
        )
        self.erased |= about
        self.forget_goals(person)
        for choice in self.choices:
            if choice.person == person and choice.revoked_at is None:
                choice.revoked_at = self.now
        self.restricted.discard(person)

    # -- ways out --------------------------------------------------------------------------

    @precondition(lambda self: bool(self.convs))
    @rule(data=st.data(), viewer=st.sampled_from(PEOPLE), purpose=st.sampled_from(PURPOSES))
    def read(self, data: st.DataObject, viewer: str, purpose: str) -> None:
        conv = data.draw(st.sampled_from(self.convs))
        before = self.audited()
        view = self.service.view(conv, actor=viewer, purpose=purpose)
        self.reads += 1
        self.check_out(view, viewer, purpose, conv, before)
        if conv in self.erased:
            assert view.destroyed
            assert not view.has_content

    @precondition(lambda self: bool(self.convs))
    @rule(data=st.data())
    def read_by_a_reason(self, data: st.DataObject) -> None:
        """Read as someone a choice names (or names a role of), for its purpose, or as the HR
        adviser under the legal basis: the coincidences a random read seldom hits."""
        pairs = [("hr", "reintegration"), ("m2", "handover")]
        for choice in self.choices:
            if choice.to == "next_manager":
                pairs += [("m1", choice.purpose), ("m2", choice.purpose)]
            else:
                pairs.append((ROLE_HOLDER.get(choice.to, choice.to), choice.purpose))
        viewer, purpose = data.draw(st.sampled_from(pairs))
        recorded = [
            c
            for c in self.open_convs()
            if self.raw(c).record is not None or self.raw(c).carried_forward
        ]
        conv = data.draw(st.sampled_from(recorded or self.convs))
        self.read(_Fixed(conv), viewer, purpose)

    def reasons(self) -> list[tuple[str, str]]:
        """Every (viewer, purpose) some choice or the legal basis could open something to."""
        pairs = {("hr", "reintegration"), ("m1", "handover"), ("m2", "handover")}
        for choice in self.choices:
            for viewer in ("m1", "m2") if choice.to == "next_manager" else (choice.to,):
                pairs.add((ROLE_HOLDER.get(viewer, viewer), choice.purpose))
        return sorted(pairs)

    @precondition(lambda self: len(self.convs) < 4)
    @rule(employee=st.sampled_from(EMPLOYEES), new_manager=st.booleans())
    def agree_special_and_follow_up(self, employee: str, new_manager: bool) -> None:
        """A conversation of the special-category kind is agreed and the employee's next
        ordinary one carries its agreement; then everyone a choice or the legal basis names
        reads the new one: the copy is as special as where it was agreed (an ``agreements``
        choice, a ``handover`` choice and the legal basis open nothing of it)."""
        before = len(self.convs)
        self.request(employee, "stress")
        if len(self.convs) == before:
            return
        self.agree_and_follow_up(_Fixed(self.convs[-1]), new_manager)
        follow_up = self.convs[-1]
        if self.raw(follow_up).carried_forward:
            for viewer, purpose in self.reasons():
                self.read(_Fixed(follow_up), viewer, purpose)

    @precondition(lambda self: bool(self.open_convs()) and len(self.convs) < 6)
    @rule(data=st.data(), new_manager=st.booleans())
    def agree_and_follow_up(self, data: st.DataObject, new_manager: bool) -> None:
        """Record and agree a conversation, then start the employee's next ordinary one
        (perhaps with a new manager): its open agreement is carried forward. The agreed one
        may be of the special-category kind: its copy stays special where it is carried."""
        conv = data.draw(st.sampled_from(self.open_convs()))
        state = self.raw(conv)
        if state.subject is None:
            return
        self.hold_and_record(_Fixed(conv))
        self.confirm(_Fixed(conv))
        if new_manager:
            current = self.manager_of(state.subject, self.now.date())
            self.change_manager("m2" if current == "m1" else "m1")
        before = len(self.convs)
        self.request(state.subject, "mag")
        if len(self.convs) > before:
            carried = self.raw(self.convs[-1]).carried_forward
            assert all(a.text in self.written for a in carried)

    @rule(person=st.sampled_from(EMPLOYEES), requester=st.sampled_from(("e1", "e2", "po", "hr")))
    def export(self, person: str, requester: str) -> None:
        before = self.audited()
        try:
            data = self.service.gateway.export(person, requester=requester)
        except MagcoreError:
            assert requester not in (person, "po")
            assert self.audited() == before + 1  # the refusal is audited
            return
        assert requester in (person, "po")
        self.check_out(data["conversations_about_you"], requester, SUBJECT_ACCESS, None, before)
        # the goals: only what is still there of each (a copy goes with its conversation)
        shown = {m for goal in self.goals.values() for m in self.shown_markers(goal)}
        assert set(MARKER.findall(repr(data["goals"]))) <= shown

    @rule(viewer=st.sampled_from(PEOPLE), purpose=st.sampled_from(PURPOSES))
    def listing(self, viewer: str, purpose: str) -> None:
        before = self.audited()
        listed = self.service.listing(viewer, purpose=purpose)
        assert not MARKER.findall(repr(listed))
        lines = list(self.service.store.read_audit(after=before))
        assert [(line["action"], line["actor"]) for line in lines] == [("list", viewer)]
        for item in listed:
            if item.subject in self.restricted:
                assert viewer == "po", item

    @precondition(lambda self: bool(self.convs))
    @rule(data=st.data(), recipient=st.sampled_from(PEOPLE))
    def notice(self, data: st.DataObject, recipient: str) -> None:
        conv = data.draw(st.sampled_from(self.convs))
        before = self.audited()
        notice = self.service.gateway.notice(f"conversation:{conv}", recipient=recipient)
        assert self.audited() == before + 1
        if notice.allowed:
            row = next(r for r in self.service.store.conversations() if r.id == conv)
            assert recipient in row.participants
            assert row.subject not in self.restricted

    @rule(asker=st.sampled_from(("hr", "x", "po")))
    def report(self, asker: str) -> None:
        """A participation report: counts only, never a marker, and its audit line."""
        from magcore.access.statistics_report import participation_report

        before = self.audited()
        year = T0.year
        report = participation_report(
            self.service.store,
            self.service.organisation("org"),
            start=date(year, 1, 1),
            end=date(year + 1, 1, 1),
            grain="year",
            asker=asker,
            at=self.now,
        )
        assert not MARKER.findall(repr(report))
        lines = list(self.service.store.read_audit(after=before))
        # one line for the report itself; the first report of a year also stores its
        # suppression decision, and that stored event has its own line (the chain covers it)
        reports = [line for line in lines if line["purpose"] != "" and not line.get("digest")]
        assert [line["actor"] for line in reports] == [asker]
        assert all(line["actor"] == asker for line in lines)

    @invariant()
    def chain_holds(self) -> None:
        # the keyed chain over every line and every stored event, checked against its head
        assert audit.verify_store(self.service.store).ok

    def teardown(self) -> None:
        self.service.close()


TestGatewayMachine = GatewayMachine.TestCase
