"""The regulation of a cycle with a profile says how the profile travels: shown again next time
("last time you wrote") to the people of the earlier conversation, to a new manager only by the
employee's handover choice, and in the manager's overview only by the employee's own choice for
``profile_overview``; its hash covers those rules. A cycle without a profile is unchanged."""

from __future__ import annotations

import hashlib

import pytest

from magcore.access import profiles as profile_rules
from magcore.access.regulation import _NEW_MANAGER_ROW, regulation_source, render_regulation
from magcore.events import canonical_json
from magcore.i18n import table

from ..sharing.support import MAG_CYCLE, RECORD_FORM, mag_cycle

PREPARATION = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "properties": {
        "talents": {"type": "string", "title": "My talents"},
        "now": {"type": "string", "title": "Now"},
    },
}
FORMS = {"record": RECORD_FORM, "talents": PREPARATION}

#: Words of the two rows and of the kind's line, per language (from ``locale/*/magcore.po``).
WORDS = {
    "en": (
        "| Profile from last time",
        "| The manager's overview of profiles |",
        "'handover' sharing choice that covers 'profile'",
        "'profile_overview'",
        "no counts, scores or rankings",
        "- Carries a profile (`talents`: My talents (`talents`), from the employee's own "
        "preparation)",
    ),
    "nl": (
        "| Profiel van de vorige keer",
        "| Overzicht van profielen voor de leidinggevende |",
        "(deelkeuze 'handover' voor 'profile')",
        "'profile_overview'",
        "geen aantallen, scores of ranglijsten",
        "- Neemt een profiel mee (`talents`: My talents (`talents`), uit de eigen voorbereiding "
        "van de medewerker)",
    ),
    "fy": (
        "| Profyl fan de foarige kear",
        "| Oersjoch fan profilen foar de liedinggjouwer |",
        "(dielkar 'handover' foar 'profile')",
        "'profile_overview'",
        "gjin oantallen, skoares of rangoarders",
        "- Nimt in profyl mei (`talents`: My talents (`talents`), út de eigen tarieding fan de "
        "meiwurker)",
    ),
}


def talent_cycle():
    """The MAG-like cycle whose yearly kind carries the employee's talents to the next one."""
    yearly = {
        **MAG_CYCLE["kinds"][0],
        "preparation_form": "talents",
        "profile": {"id": "talents", "source": "preparation", "fields": ["talents"]},
    }
    return mag_cycle(kinds=[yearly, MAG_CYCLE["kinds"][1]])


@pytest.mark.parametrize("language", ["nl", "en", "fy"])
def test_a_cycle_with_a_profile_says_who_sees_it_and_the_overview(language):
    """Both ways a profile travels are in the table "who sees what", right after the new
    manager's row, and the kind says which profile it carries, in the page's own language."""
    rendered = render_regulation(talent_cycle(), language=language, forms=FORMS)
    assert language == rendered.language
    carried, overview, handover, purpose, no_rank, line = WORDS[language]
    rows = [row for row in rendered.text.splitlines() if row.startswith("| ")]
    at = next(i for i, row in enumerate(rows) if row.startswith(carried))
    new_manager = table("regulation.access")[language]["4.part"]
    assert rows[at - 1].startswith(f"| {new_manager} |")
    assert rows[at + 1].startswith(overview)
    assert handover in rows[at]
    assert purpose in rows[at + 1]
    assert no_rank in rows[at + 1]
    assert line in rendered.text


@pytest.mark.parametrize("language", ["nl", "en", "fy"])
def test_a_cycle_without_a_profile_does_not_mention_one(language):
    """A regulation describes its own cycle: no profile row when no kind carries one."""
    text = render_regulation(mag_cycle(), language=language, forms=FORMS).text
    carried, overview, *_rest, line = WORDS[language]
    assert carried not in text
    assert overview not in text
    assert line[:20] not in text


def test_the_hash_covers_the_profile_rules():
    """The hash of a cycle with a profile is the hash of a source that holds the profile's
    rules; changing a rule changes the hash, and both languages still share it."""
    cycle = talent_cycle()
    source = regulation_source(cycle, forms=FORMS)
    assert source["profile_access"] == dict(profile_rules.PROFILE_ACCESS_RULES)
    [kind] = [k for k in source["cycle"]["kinds"] if k.get("profile")]
    assert kind["profile"]["id"] == "talents"  # the profile itself is in the cycle's JSON
    digest = hashlib.sha256(canonical_json(source).encode("utf-8")).hexdigest()
    nl = render_regulation(cycle, language="nl", forms=FORMS)
    assert digest == nl.hash == render_regulation(cycle, language="en", forms=FORMS).hash
    without = dict(source)
    del without["profile_access"]
    assert nl.hash != hashlib.sha256(canonical_json(without).encode("utf-8")).hexdigest()


def test_changing_a_profile_rule_changes_the_hash(monkeypatch):
    """A change in how profiles travel needs a new approval: the hash follows the rules."""
    import magcore.access.regulation as regulation

    before = render_regulation(talent_cycle(), forms=FORMS).hash
    changed = {**profile_rules.PROFILE_ACCESS_RULES, "overview": {"purpose": "other"}}
    monkeypatch.setattr(regulation, "PROFILE_ACCESS_RULES", changed)
    assert before != render_regulation(talent_cycle(), forms=FORMS).hash


def test_a_cycle_without_a_profile_keeps_its_hash():
    """No profile, no profile rules in the source: such a cycle's approval stays valid."""
    assert "profile_access" not in regulation_source(mag_cycle(), forms=FORMS)


def test_a_changed_profile_changes_the_hash():
    """Another field in the profile is another rule about what travels: another hash."""
    cycle = talent_cycle()
    wider = {
        **MAG_CYCLE["kinds"][0],
        "preparation_form": "talents",
        "profile": {"id": "talents", "source": "preparation", "fields": ["talents", "now"]},
    }
    other = mag_cycle(kinds=[wider, MAG_CYCLE["kinds"][1]])
    assert render_regulation(cycle, forms=FORMS).hash != render_regulation(other, forms=FORMS).hash


def test_the_profile_rows_follow_the_row_about_the_new_manager():
    """The place of the profile rows is named by the row's number in the word table: that row
    is the one about the new manager (a row put before it would move it)."""
    assert table("regulation.access")["en"][f"{_NEW_MANAGER_ROW}.part"] == "New manager"
