"""The gateway machine's own model of the rules (:mod:`.test_gateway_stateful`).

Each text the machine writes is a unique marker; :class:`Written` says where. The model says,
for a marker handed out by a way out, whether a reason to see it holds at that moment
(:meth:`Model.may`), which audit line its part must have (:meth:`Model.part_object`), what the
guarded listing may list (:meth:`Model.listable`) and what a profile may show
(:meth:`Model.may_profile`). It reads the raw state only to know what the commands did (a
conversation's state and people, who published); every rule it applies is its own.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

import attrs

from magcore.access.decision import SUBJECT_ACCESS, LegalBasis, Part
from magcore.domain.conversation import HELD_STATES
from magcore.hookspecs import hookimpl
from magcore.testing import raw_conversation

EMPLOYEES = ("e1", "e2")
PEOPLE = ("e1", "e2", "m1", "m2", "hr", "po", "c1", "x")
GRANTEES = ("x", "hr", "next_manager", "hr_adviser")
WHATS = ("whole_record", "agreements", "goals", "profile")
PURPOSES = ("conversation", "advice", "handover", "reintegration", SUBJECT_ACCESS)
#: What a sharing choice may be for (the overview of profiles among them).
CHOICE_PURPOSES = ("advice", "handover", "reintegration", "profile_overview")
ROLE_HOLDER = {"hr_adviser": "hr"}
SPECIAL_THEME = "vitality"
BASIS = LegalBasis(
    name="reintegration",
    article="Wet verbetering poortwachter art. 25",
    roles={"hr_adviser"},
    parts={Part.RECORD, Part.AGREEMENT, Part.METADATA, Part.GOAL},
    purpose="reintegration",
)
MARKER = re.compile(r"MK\d+X")
#: The parts of a conversation a participant is listed with; what the legal basis lists.
PARTICIPANT_PARTS = frozenset(
    {
        Part.METADATA,
        Part.RECORD,
        Part.AGREEMENT,
        Part.TOPIC,
        Part.PREPARATION,
        Part.DISSENT,
        Part.RESPONSE,
        Part.PRIVATE_NOTE,
    }
)
WHOLE_RECORD_PARTS = PARTICIPANT_PARTS - {Part.PRIVATE_NOTE}
BASIS_PARTS = frozenset({Part.METADATA, Part.RECORD, Part.AGREEMENT})


class Bases:
    @hookimpl
    def magcore_register_legal_bases(self, register: Any) -> None:
        register(BASIS)


@attrs.define
class Written:
    """Where a marker was written: its conversation, part, author (agreement id, theme)."""

    conversation: str
    part: str
    author: str
    agreement: str | None = None
    theme: str | None = None


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
class Fixed:
    """Stands in for ``st.data()`` when one rule calls another with a chosen value."""

    value: Any

    def draw(self, strategy: Any) -> Any:
        return self.value


class Given:
    """Stands in for ``st.data()``: draws *values* in turn (the last one from then on)."""

    def __init__(self, *values: Any) -> None:
        self.values = list(values)

    def draw(self, strategy: Any) -> Any:
        return self.values.pop(0) if len(self.values) > 1 else self.values[0]


def markers(handed: Any) -> set[str]:
    return set(MARKER.findall(repr(handed)))


class Model:
    """The rules, as the machine knows them (mixed into the machine, which gives ``service``,
    ``written``, ``people_of``, ``choices``, ``restricted`` and ``erased``)."""

    service: Any
    written: dict[str, Written]
    people_of: dict[str, set[str]]
    choices: list[Choice]
    restricted: set[str]
    erased: set[str]
    subject_of: dict[str, str | None]

    @property
    def now(self) -> datetime:
        return self.service.clock.now()  # type: ignore[no-any-return]

    def raw(self, conv: str) -> Any:
        return raw_conversation(self.service, conv)

    def manager_of(self, person: str, day: date) -> str | None:
        return self.service.organisation("org").manager_of(person, day)  # type: ignore[no-any-return]

    def grantee(self, choice: Choice, viewer: str) -> bool:
        if choice.to == "next_manager":
            return self.manager_of(choice.person, self.now.date()) == viewer
        return ROLE_HOLDER.get(choice.to, choice.to) == viewer

    def active_choices(self, subject: str | None, viewer: str, purpose: str) -> list[Choice]:
        return [
            c
            for c in self.choices
            if c.person == subject
            and c.active(self.now)
            and c.purpose == purpose
            and self.grantee(c, viewer)
        ]

    def special(self, written: Written, shown_in: str) -> bool:
        """A text is special-category where it was written or shown in a special kind (a
        carried copy is as sensitive as where it was agreed), or about a special theme."""
        kinds = (self.raw(shown_in).kind, self.raw(written.conversation).kind)
        return "stress" in kinds or written.theme == SPECIAL_THEME

    # -- reads: may *viewer* see marker *text* in conversation *shown_in* for *purpose*? -----

    def may(self, viewer: str, purpose: str, shown_in: str, text: str) -> bool:
        written = self.written[text]
        if written.part in ("agreement_note", "goal"):
            return False  # never part of a conversation's view (deliveries, goal views only)
        if shown_in in self.erased or written.conversation in self.erased:
            # Erased is gone everywhere: the carried copies too (their key was destroyed).
            return False
        conv = self.raw(shown_in)
        subject = conv.subject
        carried = written.conversation != shown_in
        if subject in self.restricted:
            return viewer == "po"
        special = self.special(written, shown_in)
        prep = written.part == "preparation"
        # Blind until published, whatever the purpose, until the conversation is held: a
        # cancelled one, or one not held, was never held and stays blind for good.
        if prep and conv.state not in HELD_STATES and written.author != viewer:
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
                return _sees_preparation(conv, viewer, written.author)
            return True
        if prep:
            preparation = conv.preparations.get(written.author)
            if preparation is None or not preparation.published:
                return False
        # A choice passes on what its maker sees: another's preparation only once the employee
        # may read it themselves (their own published, or the conversation held).
        maker_sees = (
            not prep
            or written.author == subject
            or (subject is not None and _sees_preparation(conv, subject, written.author))
        )
        for choice in self.choices if maker_sees else ():
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

    def part_object(self, shown_in: str, text: str) -> str:
        """The audit object of the part *text* is shown in, in a view of *shown_in*."""
        written = self.written[text]
        base = f"conversation:{shown_in}"
        if written.part == "preparation":
            return f"{base}/preparation:{written.author}"
        if written.part == "summary":
            return f"{base}/record"
        if written.part == "agreement":
            if written.conversation != shown_in:
                return f"{base}/carried:{written.conversation}#{written.agreement}"
            return f"{base}/agreement:{written.agreement}"
        conv = self.raw(shown_in)
        items = {
            "topic": conv.topics,
            "dissent": conv.dissents,
            "response": conv.responses,
            "note": conv.private_notes,
        }[written.part]
        index = next(i for i, item in enumerate(items) if item.text == text)
        return f"{base}/{written.part}:{index}"

    def check_out(
        self, handed: Any, viewer: str, purpose: str, shown_in: str | None, before: int
    ) -> None:
        """Every marker in *handed* is allowed now, and its own part has an allowing audit
        line of this call (one line per part disclosed: no part goes out unaudited)."""
        lines = list(self.service.store.read_audit(after=before))
        allowed = {
            line["object"]
            for line in lines
            if line["actor"] == viewer
            and line["result"] == "allowed"
            and line["purpose"] == purpose
        }
        for found in markers(handed):
            written = self.written[found]
            where = shown_in or written.conversation
            assert self.may(viewer, purpose, where, found), (viewer, purpose, where, written)
            obj = self.part_object(where, found)
            assert obj in allowed, (obj, viewer, purpose, written, sorted(allowed))

    # -- the guarded listing ---------------------------------------------------------------

    def listable(self, viewer: str, purpose: str, conv: str) -> frozenset[Part]:
        """The parts *viewer* may be told of in *conv* for *purpose* now (empty: not listed)."""
        state = self.raw(conv) if conv not in self.erased else None
        subject = state.subject if state is not None else self.subject_of[conv]
        shut = subject in self.restricted and viewer != "po"
        if viewer in self.people_of[conv]:
            return frozenset() if shut else PARTICIPANT_PARTS
        if shut or state is None:
            return frozenset()
        special = state.kind == "stress"
        parts: set[Part] = set()
        for choice in self.active_choices(subject, viewer, purpose):
            if choice.what == "whole_record":
                parts |= WHOLE_RECORD_PARTS
            elif choice.what == "agreements" and not special:
                parts |= {Part.METADATA, Part.AGREEMENT}
        if viewer == "hr" and purpose == "reintegration" and not special:
            parts |= BASIS_PARTS
        return frozenset(parts)

    # -- profiles ("last time you wrote", and the overview) ---------------------------------

    def may_profile(
        self, viewer: str, purpose: str, origin: str, shown_in: str | None, text: str
    ) -> bool:
        """The employee's profile (their published preparation in *origin*) shown in their
        next conversation *shown_in* (or, ``None``, in a manager's overview)."""
        written = self.written[text]
        if written.conversation != origin or written.part != "preparation":
            return False
        if origin in self.erased or written.author != self.subject_of[origin]:
            return False
        if self.subject_of[origin] in self.restricted:
            return False  # only the privacy officer, who takes part in nothing
        if shown_in is not None:
            if viewer not in self.people_of[shown_in]:
                return False
            if viewer in self.people_of[origin]:
                return True
        for choice in self.active_choices(self.subject_of[origin], viewer, purpose):
            if choice.what in ("whole_record", "profile"):
                return True
        if shown_in is not None and purpose == "conversation":
            return any(
                c.what in ("whole_record", "profile")
                for c in self.active_choices(self.subject_of[origin], viewer, "handover")
            )
        return False

    def lines_of(self, before: int) -> list[Any]:
        return list(self.service.store.read_audit(after=before))

    def allowed_objects(self, before: int, viewer: str, purpose: str) -> Iterable[str]:
        return {
            line["object"]
            for line in self.lines_of(before)
            if line["actor"] == viewer
            and line["result"] == "allowed"
            and line["purpose"] == purpose
        }


def _sees_preparation(conv: Any, viewer: str, author: str) -> bool:
    """The model's own rule for a participant reading another's preparation: published; to
    the viewer's role if the author named roles (then at once); else once the viewer's own is
    published or the conversation was held (blind until published)."""
    preparation = conv.preparations.get(author)
    if preparation is None or not preparation.published:
        return False
    if preparation.shown_to:
        return str(conv.role_of(viewer)) in preparation.shown_to
    own = conv.preparations.get(viewer)
    return (own is not None and own.published) or conv.state in HELD_STATES
