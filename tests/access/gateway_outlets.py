"""The ways out of the gateway machine beside reads (:mod:`.test_gateway_stateful`).

- observer deliveries: an HR connector plugin declares content of every event type that
  carries some (a private note's too, which it must never get); the machine drains the outbox
  when it likes (the service dispatches ``off``), and calls :meth:`Gateway.deliver` directly
  too. Every marker delivered must be one a legal basis opens at that moment by the model (not
  erased, not restricted, not of or carried from the special-category kind, not on a special
  theme, never a private note, a preparation only once published and the conversation no
  longer open, a goal not agreed in the special kind) and its event must have its ``done``
  line; envelopes carry no marker.
- profiles ("last time you wrote", :meth:`Service.profile`) and the overview of profiles
  (:meth:`Service.profile_overview`), decided like a carried agreement and by the employee's
  choice for the overview, each with its allowed line;
- the sharing choices (:meth:`Service.sharing`): the person and the privacy officer only;
- workflow notifications (:func:`run_workflows`) and invitations (:func:`invitations_for`):
  a reference only to a participant of a record that is not restricted, with its line;
- the due list (:meth:`Service.due_list`): for taking part, the conversations a manager holds
  with the people they manage that day; for planning, the whole organisation to the HR
  adviser; anyone else refused; one line each, refusals too, and never a marker.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from hypothesis import strategies as st
from hypothesis.stateful import precondition, rule

from magcore.access.decision import PARTICIPATION
from magcore.access.due import PLANNING
from magcore.access.observers import ContentNeed
from magcore.app.invitations import invitations_for
from magcore.app.workflows.runner import WITHHELD, run_workflows
from magcore.domain.conversation import OPEN_STATES
from magcore.errors import AccessDenied, MagcoreError
from magcore.hookspecs import hookimpl

from ..sharing.support import MAG_CYCLE
from .gateway_model import (
    CHOICE_PURPOSES,
    EMPLOYEES,
    PEOPLE,
    PURPOSES,
    ROLE_HOLDER,
    SPECIAL_THEME,
    Fixed,
    Given,
    markers,
)

FORM: dict[str, Any] = {
    "id": "talent-prep",
    "version": 1,
    "purpose": "preparation",
    "title": {"nl": "Talenten", "en": "Talents"},
    "schema": {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "additionalProperties": False,
        "properties": {"talents": {"type": "string", "maxLength": 2000}},
    },
    "ui": {"fields": {"talents": {"label": {"nl": "Talenten", "en": "Talents"}}}},
}
#: The MAG-like cycle whose yearly kind carries the employee's prepared talents as a profile.
CYCLE: dict[str, Any] = {
    **MAG_CYCLE,
    "kinds": [
        {
            **MAG_CYCLE["kinds"][0],
            "preparation_form": "talent-prep",
            "profile": {"id": "talents", "source": "preparation", "fields": ["talents"]},
        },
        MAG_CYCLE["kinds"][1],
    ],
}
TYPES = (
    "conversation.requested",
    "preparation.saved",
    "topic.raised",
    "record.drafted",
    "dissent.added",
    "response.added",
    "agreement.updated",
    "note.private_added",
    "goal.set",
    "goal.progress_noted",
    "goal.closed",
)
FIELDS = ("carried_forward", "answers", "text", "summary", "agreements", "note", "title")
CONNECTOR = "plugin:hr-connector"
WORKFLOWS = [
    {
        "id": "remind-before",
        "name": {"nl": "Herinnering", "en": "Reminder"},
        "trigger": {"type": "before_conversation", "days": 14},
        "actions": [{"do": "remind", "to": "participants"}],
    },
    {
        "id": "on-request",
        "name": {"nl": "Aangevraagd", "en": "Requested"},
        "trigger": {"type": "event", "event": "conversation.requested"},
        "actions": [{"do": "remind", "to": "participants"}],
    },
]


class Plugin:
    """An HR connector that declares content of every event type with some, observes every
    batch, sends notifications, and brings the preparation form of the profile."""

    def __init__(self) -> None:
        self.got: list[Any] = []
        self.sent: list[Any] = []

    @hookimpl
    def magcore_register_forms(self, register: Any) -> None:
        register(FORM)

    @hookimpl
    def magcore_declare_content(self, register: Any) -> None:
        register(
            ContentNeed(
                event_types=TYPES,
                fields=FIELDS,
                purpose="keep the HR file current",
                basis="AVG art. 6(1)(b)",
            )
        )

    @hookimpl
    def magcore_events_committed(self, batch: Any) -> None:
        self.got.append(batch)

    @hookimpl
    def magcore_send_notification(self, notification: Any) -> str:
        self.sent.append(notification)
        return f"sent-{len(self.sent)}"


class Outlets:
    """Mixed into the machine (see :class:`~.gateway_model.Model` for what it gives)."""

    service: Any
    plugin: Plugin
    convs: list[str]
    goals: dict[str, Any]
    written: dict[str, Any]
    people_of: dict[str, set[str]]
    subject_of: dict[str, str | None]
    restricted: set[str]
    erased: set[str]
    choices: list[Any]
    audited: Any
    raw: Any
    lines_of: Any
    allowed_objects: Any
    may_profile: Any
    try_: Any
    now: Any
    manager_of: Any

    # -- observer deliveries -----------------------------------------------------------------

    def may_deliver(self, text: str, stream: str) -> bool:
        """May marker *text*, found in an event of *stream*, go to a plugin now?"""
        kind, _, ident = stream.partition(":")
        written = self.written[text]
        if kind == "goal":
            goal = self.goals.get(ident)
            if goal is None or goal.erased or goal.special or goal.owner in self.restricted:
                return False
            # the goal's own words stay the goal's; words it copied from a record go with the
            # conversation they were written in
            return text in goal.markers or (
                text in goal.copied and goal.agreed_in not in self.erased
            )
        if kind != "conversation" or written.part in ("note", "goal"):
            return False
        origin = written.conversation
        if ident in self.erased or origin in self.erased:
            return False
        if "stress" in (self.raw(ident).kind, self.raw(origin).kind):
            return False
        if written.theme == SPECIAL_THEME:
            return False
        if {self.subject_of[ident], self.subject_of[origin]} & self.restricted:
            return False
        if written.part == "preparation":
            conv = self.raw(ident)
            prep = conv.preparations.get(written.author)
            if conv.state in OPEN_STATES or prep is None or not prep.published or prep.shown_to:
                return False
        return True

    def check_delivered(self, events: Any, plugin: str, before: int) -> None:
        done = {
            line["object"]
            for line in self.lines_of(before)
            if line["actor"] == plugin
            and line["action"] == "deliver-content"
            and line["result"] == "done"
        }
        for event in events:
            envelope = (event.stream, event.version, event.type, event.actor, event.role)
            assert not markers(envelope)
            if event.content is None:
                continue
            assert f"{event.stream}/{event.version}" in done, (event.stream, event.version)
            for text in markers(event.content):
                assert self.may_deliver(text, event.stream), (text, event, self.written[text])

    @rule()
    def dispatch(self) -> None:
        """The dispatcher drains the outbox now: each event's declared content is decided at
        this moment."""
        before = self.audited()
        seen = len(self.plugin.got)
        self.service.dispatcher.drain()
        for batch in self.plugin.got[seen:]:
            self.check_delivered(batch.events, CONNECTOR, before)

    @precondition(lambda self: bool(self.convs))
    @rule(data=st.data())
    def deliver_directly(self, data: st.DataObject) -> None:
        """:meth:`Gateway.deliver` asked for one event of a conversation or a goal."""
        streams = [f"conversation:{c}" for c in self.convs] + [f"goal:{g}" for g in self.goals]
        stream = data.draw(st.sampled_from(streams))
        version = self.service.store.version(stream)
        if version == 0:
            return
        number = data.draw(st.integers(1, version))
        before = self.audited()
        content = self.service.gateway.deliver(
            stream, number, plugin="direct", fields=FIELDS, purpose="p", basis="b"
        )

        class _Seen:
            def __init__(self) -> None:
                self.stream, self.version, self.content = stream, number, content
                self.type, self.actor, self.role = "", "", ""

        self.check_delivered([_Seen()], "plugin:direct", before)

    # -- profiles ----------------------------------------------------------------------------

    def check_profile(self, view: Any, viewer: str, purpose: str, before: int) -> None:
        found = markers(view)
        if not found:
            return
        assert view.origin is not None
        for text in found:
            assert self.may_profile(viewer, purpose, view.origin, view.shown_in, text), (
                viewer,
                purpose,
                view.origin,
                view.shown_in,
                self.written[text],
            )
        obj = f"conversation:{view.origin}/profile:talents"
        assert obj in self.allowed_objects(before, viewer, purpose), (obj, viewer, purpose)

    @precondition(lambda self: bool(self.convs))
    @rule(data=st.data(), viewer=st.sampled_from(PEOPLE), purpose=st.sampled_from(PURPOSES))
    def profile(self, data: st.DataObject, viewer: str, purpose: str) -> None:
        """ "Last time you wrote", shown in a conversation of the employee's."""
        conv = data.draw(st.sampled_from(self.convs))
        before = self.audited()
        view = self.try_(lambda: self.service.profile(conv, actor=viewer, purpose=purpose))
        if view is not None:
            assert view.shown_in in (None, conv)
            self.check_profile(view, viewer, purpose, before)

    @rule(viewer=st.sampled_from(PEOPLE), purpose=st.sampled_from(CHOICE_PURPOSES))
    def profile_overview(self, viewer: str, purpose: str) -> None:
        before = self.audited()
        overview = self.service.profile_overview(actor=viewer, cycle="mag@1", purpose=purpose)
        for entry in overview:
            assert entry.shown_in is None
            self.check_profile(entry, viewer, purpose, before)

    @precondition(lambda self: bool(self.open_convs()) and len(self.convs) < 6)
    @rule(data=st.data(), new_manager=st.booleans(), bulk=st.booleans())
    def everyone_everywhere(self, data: st.DataObject, new_manager: bool, bulk: bool) -> None:
        """The employee prepares (their talents, the profile) and publishes, the conversation
        is agreed and the next one started, alone or on the bulk path (its agreement carried,
        perhaps with a new manager), and read by everyone;
        then everyone takes content out every way at once: the profile in the new one, the
        overview and the listing for every reason, the due lists, the deliveries, the export;
        and the profile and the overview once more while the employee's record is
        restricted."""
        conv = data.draw(st.sampled_from(self.open_convs()))
        subject = self.subject_of[conv]
        if subject is None:
            return
        self.prepare(Given(conv, subject), publish=True)
        before = len(self.convs)
        self.agree_and_follow_up(Fixed(conv), new_manager, bulk)
        if len(self.convs) == before:
            return
        follow = self.convs[-1]
        for viewer in PEOPLE:
            self.read(Fixed(follow), viewer, "conversation")
            self.profile(Fixed(follow), viewer, "conversation")
            self.listing(viewer, "conversation")
            self.due_list(viewer, PARTICIPATION)
        for viewer, purpose in self.reasons():
            self.profile(Fixed(follow), viewer, purpose)
            self.profile_overview(viewer, purpose)
            self.listing(viewer, purpose)
        self.profile_overview("m2", "profile_overview")
        self.due_list(ROLE_HOLDER["hr_adviser"], PLANNING)
        self.dispatch()
        self.export(subject, "po", by_service=True)
        if subject not in self.restricted:  # and again while the record is restricted
            self._restriction(subject, lift=False)
            for viewer in sorted(self.people_of[follow]):
                self.profile(Fixed(follow), viewer, "conversation")
            for viewer, purpose in self.reasons():
                self.profile_overview(viewer, purpose)
            self._restriction(subject, lift=True)

    @precondition(lambda self: bool(self.open_convs()))
    @rule(data=st.data())
    def while_restricted(self, data: st.DataObject) -> None:
        """A published preparation (the conversation still open) and topics (one on the special
        theme) are written and delivered; then the subject's record is restricted and more is
        written while it is: every way out runs during the restriction (deliveries, the
        dispatcher's and a direct one of each event, a goal's commands, profiles,
        notifications, invitations, the export, the listing), and the restriction is lifted
        again if this rule made it."""
        conv = data.draw(st.sampled_from(self.open_convs()))
        subject = self.subject_of[conv]
        if subject is None:
            return
        self.prepare(Given(conv, subject), publish=True)
        self.raise_topic(Given(conv, subject), theme=SPECIAL_THEME)
        self.raise_topic(Given(conv, subject), theme=None)
        self.dispatch()
        made = subject not in self.restricted
        if made:
            self._restriction(subject, lift=False)
        self.schedule(Fixed(conv))
        self.raise_topic(Given(conv, subject), theme=None)
        self.write_beside(Given(conv, subject), "dissent")
        self.set_goal(Fixed(conv))
        self.dispatch()
        stream = f"conversation:{conv}"
        for version in range(1, self.service.store.version(stream) + 1):
            self.deliver_directly(Given(stream, version))
        for person in sorted(self.people_of[conv] | {"po", "hr"}):
            self.profile(Fixed(conv), person, "conversation")
            self.invitations(person, cancelled=False)
            self.read(Fixed(conv), person, "conversation")
        self.workflows()
        self.sharing(subject, subject)
        self.export(subject, subject, by_service=False)
        self.listing("hr", "reintegration")
        if made:
            self._restriction(subject, lift=True)

    _restriction: Any
    schedule: Any
    write_beside: Any
    set_goal: Any
    read: Any
    raise_topic: Any
    prepare: Any
    agree_and_follow_up: Any
    listing: Any
    export: Any
    reasons: Any
    open_convs: Any

    # -- sharing choices ---------------------------------------------------------------------

    @rule(person=st.sampled_from(EMPLOYEES), asker=st.sampled_from(PEOPLE))
    def sharing(self, person: str, asker: str) -> None:
        """A person's sharing choices: to them and the privacy officer only, audited."""
        before = self.audited()
        try:
            state = self.service.sharing(person, actor=asker)
        except MagcoreError:
            state = None
        lines = self.lines_of(before)
        assert [(line["actor"], line["object"]) for line in lines] == [
            (asker, f"person:{person}/sharing")
        ]
        allowed = asker in (person, "po")
        assert (state is not None) == allowed == (lines[0]["result"] == "allowed")
        if state is not None:
            assert not markers(state)
            numbers = {c.number for c in self.choices if c.person == person}
            assert set(state.choices) == numbers

    # -- notifications: workflows and invitations --------------------------------------------

    def check_noticed(self, before: int) -> set[tuple[str, str]]:
        """Every notice allowed since *before* went to a participant of a record that is not
        restricted; returns them as (recipient, reference)."""
        allowed = set()
        for line in self.lines_of(before):
            if line["purpose"] != "notification" or line["result"] != "allowed":
                continue
            conv = line["object"].partition(":")[2]
            assert line["actor"] in self.people_of[conv], line
            assert self.subject_of[conv] not in self.restricted, line
            allowed.add((line["actor"], line["object"]))
        return allowed

    @rule()
    def workflows(self) -> None:
        before = self.audited()
        sent = len(self.plugin.sent)
        report = run_workflows(self.service, workflows=WORKFLOWS)
        assert not markers(report)
        allowed = self.check_noticed(before)
        for notification in self.plugin.sent[sent:]:
            if notification.reference != WITHHELD:
                assert (notification.recipient, notification.reference) in allowed

    @rule(person=st.sampled_from(PEOPLE), cancelled=st.booleans())
    def invitations(self, person: str, cancelled: bool) -> None:
        before = self.audited()
        found = invitations_for(self.service, "org", person=person, cancelled=cancelled)
        assert not markers(found)
        allowed = self.check_noticed(before)
        for invitation in found:
            for attendee in invitation.attendees:
                reference = f"conversation:{invitation.conversation}"
                assert (attendee.person, reference) in allowed

    # -- the due list --------------------------------------------------------------------------

    @rule(
        viewer=st.sampled_from(PEOPLE),
        purpose=st.sampled_from((PARTICIPATION, PLANNING, "research")),
    )
    def due_list(self, viewer: str, purpose: str) -> None:
        """Who is due a conversation, this year and next: a manager the conversations they
        hold with the people they manage today, the HR adviser the organisation's for
        planning, nobody anything else; one line each, refusals too; never a marker."""
        day = self.now.date()
        start, end = date(day.year, 1, 1), date(day.year + 2, 1, 1)
        before = self.audited()
        try:
            listed = self.service.due_list(
                viewer, cycles=["mag@1"], start=start, end=end, purpose=purpose
            )
        except AccessDenied:
            listed = None
        lines = self.lines_of(before)
        assert [(x["actor"], x["action"], x["object"]) for x in lines] == [
            (viewer, "list-due", f"listing:{viewer}/due")
        ]
        planner = purpose == PLANNING and viewer == ROLE_HOLDER["hr_adviser"]
        allowed = planner or purpose == PARTICIPATION
        assert (listed is not None) == allowed == (lines[0]["result"] == "allowed")
        if listed is None:
            return
        assert not markers(listed)
        everyone = self.service.outstanding("org", "mag@1", start, end)
        if planner:  # every kind but the special-category one (about health)
            assert [item for _, item in listed] == [i for i in everyone if i.kind != "stress"]
            return
        managed = {p for p in EMPLOYEES if self.manager_of(p, day) == viewer}
        assert [item for _, item in listed] == [
            item for item in everyone if item.person in managed and item.manager == viewer
        ]
