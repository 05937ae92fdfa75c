"""The access policy and the read side: each default rule, sharing choices, handover."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from magcore.access.decision import (
    AccessContext,
    AccessRequest,
    Directory,
    LegalBasis,
    Part,
    decide_access,
    grantee_keys,
    shared_with,
)
from magcore.access.reading import ReadPolicy, read_conversation
from magcore.access.restriction import restriction_event
from magcore.clock import FixedClock
from magcore.domain.sharing import GrantSharing, RevokeSharing, SharingChoice, SharingState
from magcore.errors import ConsentError, NotFoundError
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

LATER = T0 + timedelta(days=1)


@pytest.fixture
def org():
    return small_org()


@pytest.fixture
def store():
    s = MemoryStore()
    agreed_conversation(s, "c1", employee="e1", manager="m1", cycle=mag_cycle())
    return s


def policy_for(org, bases=()):
    return ReadPolicy.for_cycle(
        mag_cycle(),
        forms=[RECORD_FORM],
        directory=Directory.from_organisation(org, ROLES),
        legal_bases=bases,
    )


def read(store, org, viewer, purpose="conversation", at=LATER, bases=()):
    return read_conversation(
        store,
        "c1",
        viewer=viewer,
        purpose=purpose,
        clock=FixedClock(at),
        policy=policy_for(org, bases),
    )


def test_participants_see_the_shared_record_including_special_fields(store, org):
    """Both participants see the record, its special field and both agreements."""
    for viewer in ("e1", "m1"):
        view = read(store, org, viewer)
        assert view.summary == "summary-text"
        assert view.answers["wellbeing"] == SECRET
        assert {a.id for a in view.agreements} == {"a1", "a2"}
        assert len(view.dissents) == 1
        assert len(view.responses) == 1


def test_private_note_is_visible_to_its_author_alone(store, org):
    """The manager sees their private note; the employee does not."""
    assert [n.text for n in read(store, org, "m1").private_notes] == ["manager's own note"]
    assert read(store, org, "e1").private_notes == ()


def test_unpublished_preparation_stays_with_its_author(store, org):
    """The manager never published: the employee does not see the manager's preparation."""
    assert "m1" not in read(store, org, "e1").preparations
    assert set(read(store, org, "m1").preparations) == {"e1", "m1"}


def test_outsiders_see_nothing_by_default(store, org):
    """HR, the works council, a researcher and an unrelated person get no content."""
    for viewer in ("hr", "wc", "rs", "x", "m2"):
        view = read(store, org, viewer)
        assert not view.has_content
        assert view.metadata is None
        assert all(not d.allowed for _, d in view.decisions)


def test_works_council_is_told_it_sees_aggregates_only(store, org):
    """The denial reason for the works council names aggregates."""
    view = read(store, org, "wc")
    shared = [d for obj, d in view.decisions if "/note:" not in obj and "/preparation:" not in obj]
    assert shared
    assert all("only aggregates" in d.reason for d in shared)


def test_sharing_choice_opens_only_what_it_covers(store, org):
    """An agreements choice for HR opens the non-special agreement, nothing else."""
    number = share(
        store,
        GrantSharing(actor="e1", person="e1", to="hr_adviser", what="agreements", purpose="advice"),
        T0,
    )
    view = read(store, org, "hr", purpose="advice")
    assert [a.id for a in view.agreements] == ["a1"]
    assert view.summary is None
    assert "wellbeing" not in view.answers
    reasons = {obj.rsplit("/", 1)[1]: d.reason for obj, d in view.decisions}
    assert reasons["agreement:a1"] == f"sharing choice {number}"
    assert reasons["agreement:a2"].startswith("denied because")


def test_choice_is_purpose_bound(store, org):
    """A choice for purpose 'advice' does not open a read for another purpose."""
    share(
        store,
        GrantSharing(actor="e1", person="e1", to="hr", what="whole_record", purpose="advice"),
        T0,
    )
    assert read(store, org, "hr", purpose="advice").summary == "summary-text"
    assert read(store, org, "hr", purpose="reintegration").summary is None


def test_whole_record_includes_special_content_by_the_employees_choice(store, org):
    """The employee's whole-record choice shows the special field; a HR overview never does."""
    share(
        store,
        GrantSharing(actor="e1", person="e1", to="hr", what="whole_record", purpose="hr_overview"),
        T0,
    )
    share(
        store,
        GrantSharing(actor="e1", person="e1", to="c1", what="whole_record", purpose="coaching"),
        T0,
    )
    assert read(store, org, "c1", purpose="coaching").answers["wellbeing"] == SECRET
    overview = read(store, org, "hr", purpose="hr_overview")
    assert overview.summary == "summary-text"
    assert "wellbeing" not in overview.answers
    assert [a.id for a in overview.agreements] == ["a1"]


def test_theme_choice_opens_that_theme_only(store, org):
    """theme:vitality opens the vitality agreement, topic and field, not the rest."""
    share(
        store,
        GrantSharing(
            actor="e1", person="e1", to="coach", what="theme:vitality", purpose="coaching"
        ),
        T0,
    )
    view = read(store, org, "c1", purpose="coaching")
    assert [a.id for a in view.agreements] == ["a2"]
    assert [t.text for t in view.topics] == ["topic-vitality"]
    assert view.summary is None
    assert view.answers == {"wellbeing": SECRET}


def test_revocation_closes_reads_from_that_moment(store, org):
    """After revoking, the same read is denied; before, it was allowed."""
    number = share(
        store,
        GrantSharing(actor="e1", person="e1", to="x", what="whole_record", purpose="mentoring"),
        T0,
    )
    assert read(store, org, "x", purpose="mentoring").summary == "summary-text"
    share(store, RevokeSharing(actor="e1", person="e1", choice=number), LATER)
    assert read(store, org, "x", purpose="mentoring", at=LATER).summary is None


def test_choice_ends_after_until(store, org):
    """A choice until a date no longer holds the day after."""
    share(
        store,
        GrantSharing(
            actor="e1",
            person="e1",
            to="x",
            what="agreements",
            purpose="mentoring",
            until=date(2025, 1, 10),
        ),
        T0,
    )
    assert read(store, org, "x", purpose="mentoring", at=T0 + timedelta(days=4)).agreements
    assert not read(store, org, "x", purpose="mentoring", at=T0 + timedelta(days=5)).agreements


def test_only_the_employee_grants_and_no_private_notes(store):
    """A manager cannot share the employee's record; 'private notes' is not a what."""
    with pytest.raises(ConsentError, match="only e1 decides"):
        share(
            store,
            GrantSharing(actor="m1", person="e1", to="x", what="agreements", purpose="advice"),
            T0,
        )
    with pytest.raises(ConsentError, match="private notes"):
        share(
            store,
            GrantSharing(actor="e1", person="e1", to="x", what="private_notes", purpose="advice"),
            T0,
        )
    with pytest.raises(ConsentError, match="no sharing choice 9"):
        share(store, RevokeSharing(actor="e1", person="e1", choice=9), T0)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"to": "e1"}, "to"),
        ({"to": "p" * 65}, "to"),
        ({"what": "private_notes"}, "what"),
        ({"purpose": "Burnout.Gesprek"}, "purpose"),
        ({"until": date(2024, 12, 31)}, "until"),
        ({"conversation": "c#1"}, "conversation"),
    ],
)
def test_a_refused_choice_names_its_field(store, changes, field):
    """A refusal names the field at fault (``ConsentError.field``), so that a front end points
    at it without reading the message, which may quote what was typed."""
    command = {"actor": "e1", "person": "e1", "to": "x", "what": "agreements", "purpose": "advice"}
    with pytest.raises(ConsentError) as refused:
        share(store, GrantSharing(**{**command, **changes}), T0)
    assert refused.value.field == field


def test_revoking_names_the_choice_and_other_refusals_name_no_field(store):
    with pytest.raises(ConsentError) as refused:
        share(store, RevokeSharing(actor="e1", person="e1", choice=9), T0)
    assert refused.value.field == "choice"
    with pytest.raises(ConsentError) as refused:
        share(store, RevokeSharing(actor="m1", person="e1", choice=1), T0)
    assert refused.value.field is None


def test_new_manager_sees_nothing_until_the_employee_chooses(store, org):
    """After a manager change, m2 sees nothing; the next_manager choice opens agreements only."""
    changed = org.change_manager("t1", "m2", date(2025, 2, 1))
    at = T0 + timedelta(days=40)
    view = read(store, changed, "m2", purpose="handover", at=at)
    assert not view.has_content
    share(
        store,
        GrantSharing(
            actor="e1", person="e1", to="next_manager", what="agreements", purpose="handover"
        ),
        at,
    )
    view = read(store, changed, "m2", purpose="handover", at=at)
    assert [a.id for a in view.agreements] == ["a1"]
    assert view.private_notes == ()
    assert view.summary is None
    # m3 is nobody's manager: the choice does not reach them.
    assert not read(store, changed, "m3", purpose="handover", at=at).has_content


def test_legal_basis_opens_declared_parts_but_never_special_content(store, org):
    """A declared basis gives HR the agreements for its purpose; the vitality one stays shut."""
    basis = LegalBasis(
        name="reintegration",
        article="Wet verbetering poortwachter art. 25",
        roles={"hr_adviser"},
        parts={Part.AGREEMENT},
        purpose="reintegration",
    )
    view = read(store, org, "hr", purpose="reintegration", bases=(basis,))
    assert [a.id for a in view.agreements] == ["a1"]
    reasons = {obj.rsplit("/", 1)[1]: d.reason for obj, d in view.decisions}
    assert (
        reasons["agreement:a1"]
        == "legal basis reintegration (Wet verbetering poortwachter art. 25)"
    )
    with pytest.raises(ValueError, match="private notes"):
        LegalBasis(name="n", article="a", roles={"hr_adviser"}, parts={"private_note"}, purpose="p")


def test_restricted_record_is_read_by_the_privacy_officer_only(store, org):
    """Under AVG art. 18 even the participants are refused; the privacy officer reads."""
    commit(
        store,
        [
            restriction_event(
                "e1", store.version("person:e1") + 1, actor="po", now=T0, conversation="c1"
            )
        ],
    )
    assert not read(store, org, "e1").has_content
    assert not read(store, org, "m1").has_content
    officer = read(store, org, "po")
    assert officer.summary == "summary-text"
    commit(
        store,
        [
            restriction_event(
                "e1",
                store.version("person:e1") + 1,
                actor="po",
                now=T0,
                conversation="c1",
                lift=True,
            )
        ],
    )
    assert read(store, org, "e1").summary == "summary-text"


def test_unknown_conversation_is_audited_then_refused(org):
    """Reading a conversation that does not exist raises NotFoundError and leaves a line."""
    store = MemoryStore()
    with pytest.raises(NotFoundError):
        read(store, org, "e1")
    [entry] = list(store.read_audit())
    assert entry["result"] == "denied"


@given(
    to=st.sampled_from(
        ["hr", "x", "hr_adviser", "coach", "next_manager", "m1", "privacy_officer", "works_council"]
    ),
    granted=st.integers(0, 20),
    revoked=st.none() | st.integers(0, 20),
    until=st.none() | st.integers(0, 20),
    read_at=st.integers(0, 20),
    minutes=st.integers(0, 24 * 60),
    offset=st.integers(-12, 14),
    viewer=st.sampled_from(["hr", "x", "c1", "m1", "m2", "po", "wc"]),
)
def test_listing_path_agrees_with_decide_access(
    to, granted, revoked, until, read_at, minutes, offset, viewer
):
    """shared_with (the indexed listing path) keeps a choice exactly when decide_access would
    let the viewer read metadata under it at that moment, whatever the UTC offset of the read
    time, and treats a ``to`` that is no grantee role (``works_council``) as a person id."""
    org = small_org()
    directory = Directory.from_organisation(org, ROLES)
    granted_at = T0 + timedelta(days=granted)
    revoked_at = None if revoked is None else granted_at + timedelta(days=revoked, seconds=1)
    until_day = None if until is None else (granted_at + timedelta(days=until)).date()
    at = (T0 + timedelta(days=read_at, minutes=minutes)).astimezone(
        timezone(timedelta(hours=offset))
    )
    choice = SharingChoice(
        id=1,
        person="e1",
        to=to,
        what="agreements",
        purpose="advice",
        granted_at=granted_at,
        until=until_day,
        revoked_at=revoked_at,
    )
    row = (
        1,
        "e1",
        to,
        "agreements",
        "advice",
        until_day.isoformat() if until_day else None,
        None,
        granted_at.isoformat(),
        revoked_at.isoformat() if revoked_at else None,
    )
    decision = decide_access(
        AccessRequest(
            viewer=viewer,
            purpose="advice",
            at=at,
            part=Part.METADATA,
            subject="e1",
            special_category=False,
            special_kind=False,
            special_themes=frozenset(),
        ),
        AccessContext(sharing=SharingState(person="e1", choices={1: choice}), directory=directory),
    )
    listed = shared_with([row], viewer, at, directory)
    assert bool(listed) == decision.allowed
    if to != "next_manager" and listed:
        assert to in grantee_keys(viewer, at.date(), directory)


def test_a_choice_for_one_conversation_opens_that_one_only(store, org):
    """Pinned from the state machine: a whole-record choice for c1 lets x read c1 and nothing
    of c2, another conversation about the same employee."""
    agreed_conversation(store, "c2", employee="e1", manager="m1", cycle=mag_cycle())
    number = share(
        store,
        GrantSharing(
            actor="e1",
            person="e1",
            to="x",
            what="whole_record",
            purpose="advice",
            conversation="c1",
        ),
        T0,
    )
    policy = policy_for(org)
    one = read_conversation(
        store, "c1", viewer="x", purpose="advice", clock=FixedClock(LATER), policy=policy
    )
    assert one.summary == "summary-text"
    assert dict(one.decisions)["conversation:c1/metadata"].reason == f"sharing choice {number}"
    two = read_conversation(
        store, "c2", viewer="x", purpose="advice", clock=FixedClock(LATER), policy=policy
    )
    assert two.metadata is None
    assert not two.has_content


def test_listing_path_compares_instants_not_text():
    """Pinned: a choice revoked at 10:00 UTC, listed for a read at 05:30-05:00 (10:30 UTC), is
    gone, and one read at 04:30-05:00 (09:30 UTC) before the revocation is still there."""
    directory = Directory.from_organisation(small_org(), ROLES)
    revoked = datetime(2025, 1, 6, 10, 0, tzinfo=UTC)
    row = (
        1,
        "e1",
        "x",
        "agreements",
        "advice",
        None,
        None,
        "2025-01-01T09:00:00+00:00",
        revoked.isoformat(),
    )
    minus5 = timezone(timedelta(hours=-5))
    assert shared_with([row], "x", revoked + timedelta(minutes=30), directory) == []
    assert (
        shared_with([row], "x", (revoked + timedelta(minutes=30)).astimezone(minus5), directory)
        == []
    )
    assert shared_with(
        [row], "x", (revoked - timedelta(minutes=30)).astimezone(minus5), directory
    ) == [row]
    assert shared_with([row], "x", revoked.astimezone(minus5), directory) == []


def test_listing_path_never_turns_a_person_id_into_a_role():
    """A choice whose ``to`` is ``works_council`` (no grantee role, so a person id) is not
    listed for a works council member; decide_access refuses them too."""
    directory = Directory.from_organisation(small_org(), ROLES)
    row = (1, "e1", "works_council", "agreements", "advice", None, None, T0.isoformat(), None)
    assert shared_with([row], "wc", LATER, directory) == []


@pytest.mark.parametrize("role", ["works_council", "researcher"])
def test_no_legal_basis_for_the_works_council_or_researchers(role):
    """The works council and researchers see only aggregates: a plugin cannot declare a legal
    basis that would let them read records."""
    with pytest.raises(ValueError, match="aggregates"):
        LegalBasis(
            name="or-inzage",
            article="WOR art. 31",
            roles={role, "hr_adviser"},
            parts={"record"},
            purpose="oversight",
        )


def test_lifting_the_blanket_restriction_keeps_single_ones():
    """Restrict c1, restrict everything, lift everything: c1 stays restricted (fail closed)."""
    from datetime import UTC, datetime

    from magcore.access.decision import restrictions
    from magcore.access.restriction import restriction_event

    now = datetime(2025, 1, 1, tzinfo=UTC)
    events = [
        restriction_event("e1", 1, actor="po", now=now, conversation="c1"),
        restriction_event("e1", 2, actor="po", now=now),
        restriction_event("e1", 3, actor="po", now=now, lift=True),
    ]
    folded = restrictions(events)
    assert folded.covers("c1")
    assert not folded.covers("c2")
    lifted = restrictions(
        [*events, restriction_event("e1", 4, actor="po", now=now, conversation="c1", lift=True)]
    )
    assert not lifted.covers("c1")


def test_subject_access_does_not_show_the_other_sides_unpublished_preparation():
    """The right of access does not undo two-sidedness: while the conversation is open, the
    manager's unpublished preparation stays the manager's; once published (or held) it shows."""
    from magcore import (
        CycleDefinition,
        Participant,
        PublishPreparation,
        RequestConversation,
        SavePreparation,
        apply,
        decide,
    )
    from magcore.access.decision import SUBJECT_ACCESS

    cycle = CycleDefinition.from_json(mag_cycle().to_json())
    kind = cycle.kinds[0]
    now = T0
    conv = None
    for command in (
        RequestConversation(
            actor="e1",
            conversation_id="c9",
            cycle=cycle,
            kind=kind.id,
            participants=(Participant("e1", "employee"), Participant("m1", "manager")),
        ),
        SavePreparation(actor="m1", answers={"x": "concept"}),
    ):
        for event in decide(conv, command, now=now):
            conv = apply(event, conv)

    def ask():
        request = AccessRequest(
            viewer="e1",
            purpose=SUBJECT_ACCESS,
            at=now,
            part=Part.PREPARATION,
            subject="e1",
            conversation="c9",
            author="m1",
            special_category=False,
        )
        return decide_access(request, AccessContext(conversation=conv))

    refused = ask()
    assert not refused.allowed
    assert "unpublished preparation" in refused.reason
    for event in decide(conv, PublishPreparation(actor="m1"), now=now):
        conv = apply(event, conv)
    # Published by the other side, but e1 has not published their own: still blind, whatever
    # the purpose (issue 13, item 2).
    blind = ask()
    assert not blind.allowed
    assert "blind until published" in blind.reason
    for command in (
        SavePreparation(actor="e1", answers={"x": "mine"}),
        PublishPreparation(actor="e1"),
    ):
        for event in decide(conv, command, now=now):
            conv = apply(event, conv)
    assert ask().allowed
