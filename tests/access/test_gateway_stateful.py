"""Every command, every way out: content reaches an actor only with a reason valid then, and
each disclosure has its audit line (issue 13, "what must hold at the end").

The machine drives one :class:`~magcore.app.service.Service` through its public commands:
request (one at a time and many at once), prepare and publish, schedule and reschedule, raise a
topic, cancel, mark not held, hold and record (or register on paper), confirm, dissent, respond,
private note, update an agreement (a carried one too), share, revoke, a manager change, a move
to another team (:meth:`move_person` and :meth:`record_change`), restriction and its lifting
(AVG art. 18, written with :func:`~magcore.access.restriction.restriction_event` through
:meth:`Service.commit`: the service has no command of its own for it), destruction and a
person's erasure (:mod:`magcore.access.erasure`, the documented path), which ends their sharing
choices; and goals (:mod:`.gateway_goals`): set, progress, link, close.

It takes content out by every public way: views for any actor and purpose, every command's
result (conversations and goals), the subject-access export (its conversations and its goals),
the guarded listing, the due list, notices, invitations, workflow notifications, profiles and
the overview of profiles, the sharing choices, participation reports, and observer deliveries
of declared content through the dispatcher and :meth:`Gateway.deliver`
(:mod:`.gateway_outlets`). Every text written is a unique marker; after each way out the
machine finds the markers in what was handed out and checks each against its own simple model
of the rules (:mod:`.gateway_model`: participation and blind-until-published, for good in a
cancelled conversation or one not held, carried agreements and the handover choice, a carried
copy as sensitive as the kind it was agreed in, special themes, sharing choices with their
grantee, purpose and time, the legal basis that never opens the special-category kind,
restriction, erasure) and against the audit lines the call wrote: one allowing line for every
part disclosed. What the listing lists is checked against the model both ways.
"""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from typing import Any

from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from magcore import get_plugin_manager, open_service
from magcore.access import audit
from magcore.access.decision import SUBJECT_ACCESS
from magcore.access.erasure import ErasureReason, destroy_conversation, erase_person
from magcore.access.restriction import restriction_event
from magcore.access.retention import SELECTIELIJST_2020
from magcore.clock import FixedClock
from magcore.domain.conversation import (
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
from magcore.model.records import Agreement
from magcore.storage.base import StreamWrite
from magcore.testing import approve_cycle

from ..sharing.support import ROLES, T0, small_org
from .gateway_commands import MoreCommands
from .gateway_goals import GoalWays, GoalWritten
from .gateway_model import (
    CHOICE_PURPOSES,
    EMPLOYEES,
    GRANTEES,
    PEOPLE,
    PURPOSES,
    ROLE_HOLDER,
    WHATS,
    Bases,
    Choice,
    Fixed,
    Model,
    Written,
    markers,
)
from .gateway_outlets import CYCLE, Outlets, Plugin


class GatewayMachine(Outlets, MoreCommands, GoalWays, Model, RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.plugin = Plugin()
        host = get_plugin_manager(
            load_entry_points=False, extra=[("bases", Bases()), ("hr-connector", self.plugin)]
        )
        # dispatch "off": observers hear when the machine drains the outbox (a rule), so what
        # they receive is decided at a moment the machine chose
        self.service = open_service("memory://", clock=FixedClock(T0), host=host, dispatch="off")
        approve_cycle(self.service, self.service.add_cycle(CYCLE))
        self.service.import_organisation(small_org(), actor="hr")
        self.service.use_organisation("org", ROLES)
        self.counter = itertools.count(1)
        self.written: dict[str, Written] = {}
        self.convs: list[str] = []
        self.people_of: dict[str, set[str]] = {}
        self.subject_of: dict[str, str | None] = {}
        self.choices: list[Choice] = []
        self.restricted: set[str] = set()
        self.erased: set[str] = set()
        self.last_change = T0.date()
        self.reads = 0
        self.goals: dict[str, GoalWritten] = {}

    def marker(
        self,
        conversation: str,
        part: str,
        author: str,
        agreement: str | None = None,
        theme: str | None = None,
    ) -> str:
        text = f"MK{next(self.counter)}X"
        self.written[text] = Written(conversation, part, author, agreement, theme)
        return text

    def open_convs(self) -> list[str]:
        return [c for c in self.convs if c not in self.erased]

    def try_(self, call: Any) -> Any:
        try:
            return call()
        except MagcoreError:
            return None

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
        self.started(view.id, people)
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
        self.command(conv, author, SavePreparation(actor=author, answers={"talents": text}))
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
        purpose=st.sampled_from(CHOICE_PURPOSES),
    )
    def share(self, person: str, to: str, what: str, purpose: str) -> None:
        self.service.clock.current += timedelta(seconds=1)
        state = self.service.share(
            GrantSharing(actor=person, person=person, to=to, what=what, purpose=purpose)
        )
        number = max(state.choices)
        self.choices.append(Choice(number, person, to, what, purpose, self.now))
        assert not markers(state)

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
        self.read(Fixed(conv), viewer, purpose)

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
        self.agree_and_follow_up(Fixed(self.convs[-1]), new_manager)
        follow_up = self.convs[-1]
        if self.raw(follow_up).carried_forward:
            for viewer, purpose in self.reasons():
                self.read(Fixed(follow_up), viewer, purpose)

    @precondition(lambda self: bool(self.open_convs()) and len(self.convs) < 6)
    @rule(data=st.data(), new_manager=st.booleans(), bulk=st.booleans())
    def agree_and_follow_up(
        self, data: st.DataObject, new_manager: bool, bulk: bool = False
    ) -> None:
        """Record and agree a conversation, then start the employee's next ordinary one
        (perhaps with a new manager): its open agreement is carried forward. The agreed one
        may be of the special-category kind: its copy stays special where it is carried. The
        next one is requested alone or on the bulk path (:meth:`Service.request_many`)."""
        conv = data.draw(st.sampled_from(self.open_convs()))
        state = self.raw(conv)
        if state.subject is None:
            return
        self.hold_and_record(Fixed(conv))
        self.confirm(Fixed(conv))
        if new_manager:
            current = self.manager_of(state.subject, self.now.date())
            self.change_manager("m2" if current == "m1" else "m1")
        before = len(self.convs)
        if bulk:
            self.request_many(state.subject)
        else:
            self.request(state.subject, "mag")
        if len(self.convs) > before:
            carried = self.raw(self.convs[-1]).carried_forward
            assert all(a.text in self.written for a in carried)

    @rule(
        person=st.sampled_from(EMPLOYEES),
        requester=st.sampled_from(("e1", "e2", "po", "hr")),
        by_service=st.booleans(),
    )
    def export(self, person: str, requester: str, by_service: bool) -> None:
        """The subject-access export, by the service or the gateway: every conversation about
        *person* as the requester may see it (each part with its line), their goals the same
        way, and no marker anywhere else in it."""
        before = self.audited()
        try:
            if by_service:
                data = self.service.export(person, requester=requester)
            else:
                data = self.service.gateway.export(person, requester=requester)
        except MagcoreError:
            assert requester not in (person, "po")
            assert self.audited() == before + 1  # the refusal is audited
            return
        assert requester in (person, "po")
        about = data["conversations_about_you"]
        for entry in about:
            assert self.subject_of[entry["id"]] == person
            self.check_out(entry, requester, SUBJECT_ACCESS, entry["id"], before)
        self.check_goals_out(data["goals"], person, requester, before)
        rest = {k: v for k, v in data.items() if k not in ("conversations_about_you", "goals")}
        assert not markers(rest), sorted(markers(rest))

    @rule(viewer=st.sampled_from(PEOPLE), purpose=st.sampled_from(PURPOSES))
    def listing(self, viewer: str, purpose: str) -> None:
        """The guarded listing lists exactly the conversations the model gives a reason for
        now (participation, a sharing choice, the legal basis; not restricted, not erased
        unless the viewer took part), with no part the model does not give; one line."""
        before = self.audited()
        listed = self.service.listing(viewer, purpose=purpose)
        assert not markers(listed)
        lines = list(self.service.store.read_audit(after=before))
        assert [(line["action"], line["actor"]) for line in lines] == [("list", viewer)]
        expected = {c: self.listable(viewer, purpose, c) for c in self.convs}
        assert set(listed.ids) == {c for c, parts in expected.items() if parts}, (
            viewer,
            purpose,
            listed.ids,
            expected,
        )
        for item in listed:
            assert item.parts <= expected[item.conversation], (item, expected[item.conversation])

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
        assert not markers(report)
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
