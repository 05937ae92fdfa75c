"""The regulation: names every recorded field and every reading role; its hash tracks every rule;
a version is active only once every declared approval is recorded against its hash."""

from __future__ import annotations

from datetime import date

import pytest

from magcore.access.decision import LegalBasis, Part
from magcore.access.inventory import data_inventory
from magcore.access.regulation import render_regulation
from magcore.access.retention import BUILTIN_PROFILES, RetentionProfile
from magcore.domain.approvals import (
    ApproveRegulation,
    active_version,
    decide,
    definition_for,
    is_active,
    replay,
)
from magcore.domain.sharing import GRANTEE_ROLES
from magcore.errors import ConsentError

from ..sharing.support import MAG_CYCLE, RECORD_FORM, T0, mag_cycle

BASIS = LegalBasis(
    name="reintegration",
    article="Wet verbetering poortwachter art. 25",
    roles={"occupational_physician"},
    parts={Part.AGREEMENT},
    purpose="reintegration",
)
FORMS = {"record": RECORD_FORM}


@pytest.mark.parametrize("language", ["nl", "en"])
def test_regulation_names_every_recorded_field_and_every_reading_role(language):
    """Every inventory field, form field, kind, theme and reading role appears in the text."""
    cycle = mag_cycle()
    text = render_regulation(cycle, language=language, forms=FORMS, legal_bases=[BASIS]).text
    for row in data_inventory(cycle, forms=FORMS, legal_bases=[BASIS]):
        assert f"`{row.field}`" in text
    for name in RECORD_FORM["properties"]:
        assert f"form/record/{name}" in text
    for kind in cycle.kinds:
        assert f"`{kind.id}`" in text
    for theme in cycle.themes:
        assert f"`{theme.id}`" in text
    roles = {"employee", "manager", "coach", "privacy_officer", "works_council", "researcher"}
    roles |= set(GRANTEE_ROLES) | {"occupational_physician"}
    for role in roles:
        assert f"`{role}`" in text, role
    assert "selectielijst-2020" in text
    assert {"nl": "## Geen score", "en": "## No score"}[language] in text


def test_dutch_and_english_say_the_same_with_one_hash():
    """Both languages render from the same source, so they carry the same hash."""
    nl = render_regulation(mag_cycle(), language="nl", forms=FORMS)
    en = render_regulation(mag_cycle(), language="en", forms=FORMS)
    assert nl.text != en.text
    assert nl.hash == en.hash
    assert nl.hash in nl.text


@pytest.mark.parametrize(
    "change",
    [
        lambda: {"cycle": mag_cycle(retention_profile="ap-advice")},
        lambda: {"cycle": mag_cycle(approvals_required=["works_council"])},
        lambda: {
            "cycle": mag_cycle(
                kinds=[
                    {**MAG_CYCLE["kinds"][0], "cadence": {"kind": "per_year", "per_year": 2}},
                    MAG_CYCLE["kinds"][1],
                ]
            )
        },
        lambda: {"k": 10},
        lambda: {"legal_bases": [BASIS]},
        lambda: {"forms": {"record": {"properties": {"work": {"type": "string"}}}}},
        lambda: {
            "profiles": {
                **BUILTIN_PROFILES,
                "selectielijst-2020": RetentionProfile(
                    id="selectielijst-2020", title="x", years=7, after="completed"
                ),
            }
        },
    ],
)
def test_changing_one_rule_changes_the_hash(change):
    """Any change in what the regulation is rendered from gives another hash."""
    base = {"cycle": mag_cycle(), "forms": FORMS}
    before = render_regulation(**base).hash
    after = render_regulation(**{**base, **change()}).hash
    assert before != after
    assert render_regulation(**base).hash == before


def test_html_rendering_is_a_page_with_tables():
    """The HTML form has a language attribute, headings and table headers."""
    page = render_regulation(mag_cycle(), language="en", format="html", forms=FORMS).text
    assert page.startswith("<!DOCTYPE html>")
    assert '<html lang="en">' in page
    assert "<h1>" in page
    assert '<th scope="col">' in page
    assert "<code>form/record/wellbeing</code>" in page


def test_a_version_is_active_only_after_every_declared_approval():
    """Works council alone is not enough for a cycle that also asks the executive."""
    cycle = mag_cycle()
    policy_hash = render_regulation(cycle, forms=FORMS).hash
    state = replay(cycle.id, [])
    events = []
    for body in ("works_council", "executive"):
        assert not is_active(cycle, policy_hash, state)
        new = decide(
            state,
            ApproveRegulation(
                actor="secretary",
                cycle=cycle,
                policy_hash=policy_hash,
                body=body,
                reference="2025-17",
                on=date(2025, 1, 6),
            ),
            now=T0,
            current_hash=policy_hash,
        )
        assert new[0].stream == "cycle:mag"
        assert dict(new[0].data) == {
            "version": 1,
            "hash": policy_hash,
            "body": body,
            "reference": "2025-17",
            "date": "2025-01-06",
        }
        events.extend(new)
        state = replay(cycle.id, events)
    assert is_active(cycle, policy_hash, state)


def test_a_changed_rule_needs_new_approvals_and_old_conversations_keep_their_version():
    """Version 2 with another hash is not active on version 1's approvals."""
    v1 = mag_cycle()
    v2 = mag_cycle(version=2, retention_profile="ap-advice")
    h1 = render_regulation(v1, forms=FORMS).hash
    h2 = render_regulation(v2, forms=FORMS).hash
    events = []
    state = replay("mag", [])
    for body in ("works_council", "executive"):
        events += decide(
            state,
            ApproveRegulation(
                actor="s", cycle=v1, policy_hash=h1, body=body, reference="r", on=date(2025, 1, 6)
            ),
            now=T0,
            current_hash=h1,
        )
        state = replay("mag", events)
    assert active_version([(v1, h1), (v2, h2)], state) == v1
    assert not is_active(v2, h2, state)
    events += decide(
        state,
        ApproveRegulation(
            actor="s",
            cycle=v2,
            policy_hash=h2,
            body="works_council",
            reference="r2",
            on=date(2025, 6, 1),
        ),
        now=T0,
        current_hash=h2,
    )
    state = replay("mag", events)
    assert active_version([(v1, h1), (v2, h2)], state) == v1
    events += decide(
        state,
        ApproveRegulation(
            actor="s",
            cycle=v2,
            policy_hash=h2,
            body="executive",
            reference="r3",
            on=date(2025, 6, 2),
        ),
        now=T0,
        current_hash=h2,
    )
    state = replay("mag", events)
    assert active_version([(v1, h1), (v2, h2)], state) == v2
    assert definition_for("mag@1", [v1, v2]) is v1


def test_approval_refusals():
    """A stale hash, an undeclared body, a repeated approval and no reference are refused."""
    cycle = mag_cycle(approvals_required=["works_council"])
    current = render_regulation(cycle).hash
    state = replay("mag", [])

    def command(body="works_council", policy_hash=current, reference="r"):
        return ApproveRegulation(
            actor="s",
            cycle=cycle,
            policy_hash=policy_hash,
            body=body,
            reference=reference,
            on=date(2025, 1, 6),
        )

    with pytest.raises(ConsentError, match="current hash"):
        decide(state, command(policy_hash="0" * 64), now=T0, current_hash=current)
    with pytest.raises(ConsentError, match="does not ask executive"):
        decide(state, command(body="executive"), now=T0, current_hash=current)
    with pytest.raises(ConsentError, match="not one of"):
        decide(state, command(body="mayor"), now=T0, current_hash=current)
    with pytest.raises(ConsentError, match="reference"):
        decide(state, command(reference=" "), now=T0, current_hash=current)
    state = replay("mag", decide(state, command(), now=T0, current_hash=current))
    with pytest.raises(ConsentError, match="already approved"):
        decide(state, command(), now=T0, current_hash=current)


def test_the_old_policy_names_still_import():
    """render_policy and ApprovePolicy (in magcore.__all__) are the renamed objects."""
    import magcore

    assert magcore.render_policy is magcore.render_regulation
    assert magcore.ApprovePolicy is magcore.ApproveRegulation
    assert {"render_policy", "ApprovePolicy"} <= set(magcore.__all__)
