"""A random walk through sharing, revoking, manager changes, restriction, erasure and reads.

Employee e1 has two conversations (c1, c2) and e2 one (c3); choices may be for every
conversation or for one (also one that does not exist). After every read the machine checks,
against its own simple model of the rules, that each piece of content returned had an allowing
reason valid at that moment for *that* conversation, that special-category content reached
nobody without the employee's choice, that every decision is in the audit log, and the other
way round: that a grantee with a valid choice does get what it covers (so a filter that is too
strict fails as well as one that is too loose).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import attrs
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from magcore.access import audit
from magcore.access.decision import Directory, LegalBasis, Part
from magcore.access.erasure import destroy_conversation
from magcore.access.reading import ReadPolicy, read_conversation
from magcore.access.restriction import restriction_event
from magcore.access.retention import SELECTIELIJST_2020
from magcore.clock import FixedClock
from magcore.domain.sharing import GrantSharing, RevokeSharing
from magcore.storage.memory import MemoryStore

from .support import (
    RECORD_FORM,
    ROLES,
    SECRET,
    T0,
    agreed_conversation,
    commit,
    mag_cycle,
    share,
    small_org,
)

# Small pools, so that the interesting coincidences (a choice, then a read by its grantee for
# its purpose) happen within the default number of examples.
PEOPLE = ("e1", "e2", "m1", "m2", "hr", "po", "wc", "c1", "x")
#: Conversation -> its employee; every one has m1 as manager.
CONVERSATIONS = {"c1": "e1", "c2": "e1", "c3": "e2"}
GRANTEES = ("x", "hr", "next_manager", "hr_adviser", "coach")
WHATS = ("whole_record", "agreements", "theme:vitality", "goals")
PURPOSES = ("advice", "hr_overview", "reintegration")
ROLE_HOLDER = {"hr_adviser": "hr", "coach": "c1", "researcher": "rs"}
BASIS = LegalBasis(
    name="reintegration",
    article="Wet verbetering poortwachter art. 25",
    roles={"hr_adviser"},
    parts={Part.AGREEMENT},
    purpose="reintegration",
)
SPECIAL_TEXTS = (SECRET, "agreement-vitality", "topic-vitality")


@attrs.define
class ModelChoice:
    number: int
    to: str
    what: str
    purpose: str
    conversation: str | None
    granted_at: datetime
    revoked_at: datetime | None = None

    def active(self, now: datetime) -> bool:
        return self.granted_at <= now and (self.revoked_at is None or now < self.revoked_at)


class SharingMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.clock = FixedClock(T0)
        self.store = MemoryStore()
        self.cycle = mag_cycle()
        for conv, employee in CONVERSATIONS.items():
            agreed_conversation(self.store, conv, employee=employee, manager="m1", cycle=self.cycle)
        self.org = small_org()
        self.choices: list[ModelChoice] = []
        self.restricted = False
        self.destroyed: set[str] = set()
        self.last_change = date(2024, 1, 1)
        self.reads = 0
        self.policy_org = None
        self.policy = None

    # -- model -------------------------------------------------------------------------------

    def grantee_is(self, choice: ModelChoice, viewer: str, day: date) -> bool:
        if choice.to == "next_manager":
            return self.org.manager_of("e1", day) == viewer
        return ROLE_HOLDER.get(choice.to, choice.to) == viewer

    def valid_choices(
        self, viewer: str, purpose: str, now: datetime, conv: str
    ) -> list[ModelChoice]:
        """e1's choices that let *viewer* read *conv* for *purpose* at *now*."""
        if CONVERSATIONS[conv] != "e1":
            return []
        return [
            c
            for c in self.choices
            if c.active(now)
            and c.purpose == purpose
            and c.conversation in (None, conv)
            and self.grantee_is(c, viewer, now.date())
        ]

    # -- rules -------------------------------------------------------------------------------

    @rule(days=st.integers(0, 60))
    def advance(self, days: int) -> None:
        self.clock.advance(timedelta(days=days, minutes=1))

    @rule(
        to=st.sampled_from(GRANTEES),
        what=st.sampled_from(WHATS),
        purpose=st.sampled_from(PURPOSES),
        conversation=st.sampled_from((None, "c1", "c2", "c9")),
    )
    def grant(self, to: str, what: str, purpose: str, conversation: str | None) -> None:
        now = self.clock.now()
        number = share(
            self.store,
            GrantSharing(
                actor="e1",
                person="e1",
                to=to,
                what=what,
                purpose=purpose,
                conversation=conversation,
            ),
            now,
        )
        assert number == len(self.choices) + 1
        self.choices.append(ModelChoice(number, to, what, purpose, conversation, now))

    @precondition(lambda self: any(c.revoked_at is None for c in self.choices))
    @rule(data=st.data())
    def revoke(self, data: st.DataObject) -> None:
        open_choices = [c for c in self.choices if c.revoked_at is None]
        choice = data.draw(st.sampled_from(open_choices))
        self.clock.advance(timedelta(seconds=1))
        now = self.clock.now()
        share(self.store, RevokeSharing(actor="e1", person="e1", choice=choice.number), now)
        choice.revoked_at = now

    @rule(manager=st.sampled_from(("m1", "m2")))
    def change_manager(self, manager: str) -> None:
        self.clock.advance(timedelta(days=1))
        day = self.clock.now().date()
        if day <= self.last_change:
            return
        self.org = self.org.change_manager("t1", manager, day)
        self.last_change = day

    def _restriction(self, lift: bool) -> None:
        version = self.store.version("person:e1") + 1
        commit(
            self.store,
            [restriction_event("e1", version, actor="po", now=self.clock.now(), lift=lift)],
        )
        self.restricted = not lift

    @precondition(lambda self: not self.restricted and self.reads % 4 == 3)
    @rule()
    def restrict(self) -> None:
        self._restriction(lift=False)

    @precondition(lambda self: self.restricted)
    @rule()
    def lift_restriction(self) -> None:
        self._restriction(lift=True)

    @precondition(lambda self: len(self.destroyed) < 2 and self.reads >= 12)
    @rule(conv=st.sampled_from(tuple(CONVERSATIONS)))
    def erase(self, conv: str) -> None:
        destroy_conversation(
            self.store,
            conv,
            profile=SELECTIELIJST_2020,
            due=self.clock.now().date(),
            clock=FixedClock(self.clock.now()),
        )
        self.destroyed.add(conv)

    @precondition(lambda self: bool(self.choices))
    @rule(data=st.data(), conv=st.sampled_from(tuple(CONVERSATIONS)))
    def read_as_a_grantee(self, data: st.DataObject, conv: str) -> None:
        """Read as someone a choice names (or names a role of), for that choice's purpose."""
        choice = data.draw(st.sampled_from(self.choices))
        if choice.to == "next_manager":
            viewer = data.draw(st.sampled_from(("m1", "m2")))
        else:
            viewer = ROLE_HOLDER.get(choice.to, choice.to)
        self.read(viewer, choice.purpose, conv)

    @rule(
        viewer=st.sampled_from(PEOPLE),
        purpose=st.sampled_from(PURPOSES),
        conv=st.sampled_from(tuple(CONVERSATIONS)),
    )
    def read(self, viewer: str, purpose: str, conv: str) -> None:
        now = self.clock.now()
        if self.policy_org is not self.org:
            self.policy = ReadPolicy.for_cycle(
                self.cycle,
                forms=[RECORD_FORM],
                directory=Directory.from_organisation(self.org, ROLES),
                legal_bases=[BASIS],
            )
            self.policy_org = self.org
        policy = self.policy
        before = self.store.audit_head().count
        view = read_conversation(
            self.store, conv, viewer=viewer, purpose=purpose, clock=FixedClock(now), policy=policy
        )
        self.reads += 1
        entries = list(self.store.read_audit(after=before))
        # Every decision, allowed or denied, is in the log, in order, with its result; the view
        # holds the same but a refusal about a special theme, whose object names the theme.
        assert not any("/record/themes/" in obj and not d.allowed for obj, d in view.decisions)
        assert [
            (e["object"], e["result"], e["reason"], e["actor"], e["purpose"])
            for e in entries
            if not (e["result"] == "denied" and "/record/themes/" in e["object"])
        ] == [
            (obj, "allowed" if d.allowed else "denied", d.reason, viewer, purpose)
            for obj, d in view.decisions
        ]
        assert all(obj.startswith(f"conversation:{conv}") for obj, _ in view.decisions)
        # the refusals left out of the view: one per special theme of the record, each the
        # refusal of a theme the view does not show
        themed = [e for e in entries if "/record/themes/" in e["object"]]
        assert len({e["object"] for e in themed}) == len(themed)
        for e in themed:
            theme = e["object"].rsplit("/", 1)[1]
            assert (e["result"] == "allowed") == (theme in view.themes), e
        if conv in self.destroyed:
            assert view.destroyed
            assert not view.has_content
            return
        employee = CONVERSATIONS[conv]
        restricted = self.restricted and employee == "e1"
        participant = viewer in (employee, "m1")
        valid = self.valid_choices(viewer, purpose, now, conv)
        for obj, decision in view.decisions:
            if not decision.allowed:
                continue
            reason = decision.reason
            if restricted:
                assert viewer == "po", (obj, reason)
                assert reason.startswith("privacy officer")
            elif reason in ("participant", "author"):
                assert participant, (obj, reason)
            elif reason.startswith("sharing choice "):
                number = int(reason.rsplit(" ", 1)[1])
                assert number in {c.number for c in valid}, (conv, obj, reason)
            elif reason.startswith("legal basis"):
                assert (viewer, purpose) == ("hr", "reintegration")
                assert "/agreement:a1" in obj
            else:
                raise AssertionError(f"unexpected allowing reason {reason!r} for {obj}")
        shown = repr(
            (view.summary, dict(view.answers), view.agreements, view.topics, view.preparations)
        )
        if any(text in shown for text in SPECIAL_TEXTS):
            by_choice = any(
                c.what in ("whole_record", "theme:vitality") for c in valid
            ) and purpose not in ("hr_overview", "research")
            assert (
                (participant and not restricted)
                or (viewer == "po" and restricted)
                or (by_choice and not restricted)
            ), (viewer, purpose, conv, shown)
        if view.private_notes:
            assert viewer in ("m1", "po")
        if (
            not participant
            and not valid
            and not (viewer == "po" and restricted)
            and (viewer, purpose) != ("hr", "reintegration")
        ):
            assert not view.has_content, (viewer, purpose, conv)
        if not participant and not restricted:
            # A choice shows that the conversation exists only if it opens something in it for
            # the purpose (as the listing lists it): not ``goals``, not a special theme for an
            # HR overview; the legal basis here opens agreements, not metadata.
            opening = [
                c
                for c in valid
                if c.what in ("whole_record", "agreements")
                or (c.what == "theme:vitality" and purpose != "hr_overview")
            ]
            assert (view.metadata is not None) == bool(opening), (viewer, purpose, conv)
        if valid and not participant and not restricted:
            # The other way round: what a valid choice covers is given.
            whats = {c.what for c in valid}
            if "whole_record" in whats:
                assert view.summary == "summary-text", (viewer, purpose, conv)
            if "agreements" in whats or "whole_record" in whats:
                assert "a1" in {a.id for a in view.agreements}, (viewer, purpose, conv)

    @invariant()
    def audit_chain_holds(self) -> None:
        head = self.store.audit_head()
        assert audit.verify(self.store.read_audit(), expected_count=head.count).ok


TestSharingMachine = SharingMachine.TestCase
