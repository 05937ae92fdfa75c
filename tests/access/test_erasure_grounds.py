"""An erasure's reason is a ground from a closed list and at most a reference, never free text.

The audit log outlives the content and auditors read it: a reason such as "verzoek na burn-out
gesprek met bedrijfsarts" would keep there, in clear and for good, what the erasure removed. A
free text is refused (naming the field) before anything is destroyed or written.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from magcore import FixedClock, open_service
from magcore.access.erasure import (
    ErasureGround,
    ErasureReason,
    destroy_conversation,
    erase_person,
)
from magcore.access.erasure_grounds import GROUND_ARTICLES
from magcore.access.retention import SELECTIELIJST_2020
from magcore.errors import InputRefused
from magcore.testing import raw_conversation
from magcore.testing.erasure import write_story

from ..conftest import EXAMPLE_CYCLES

NOW = datetime(2025, 3, 3, 9, tzinfo=UTC)
FREE_TEXT = "verzoek na burn-out gesprek met bedrijfsarts"


@pytest.fixture
def story(tmp_path):
    service = open_service(f"sqlite:///{tmp_path}/magcore.db", clock=FixedClock(NOW))
    cycle = service.add_cycle(json.loads((EXAMPLE_CYCLES / "employee-manager.json").read_text()))
    told = write_story(service, cycle, "e-1", "m-1", on=date(2025, 2, 10))
    yield service, told
    service.close()


def _pointers(refused: pytest.ExceptionInfo[InputRefused]) -> list[str]:
    return [p.pointer for p in refused.value.problems]


def test_every_ground_is_named_with_its_article_and_reads_back():
    """The list is closed and documented: each ground has its article, and the audit text
    (``<ground>`` or ``<ground> ref:<reference>``) reads back as the same reason."""
    assert set(GROUND_ARTICLES) == set(ErasureGround)
    assert [g.value for g in ErasureGround] == [
        "request",
        "no_longer_needed",
        "withdrawn_consent",
        "objection",
        "unlawful",
        "legal_obligation",
        "retention",
    ]
    for ground in ErasureGround:
        for reference in (None, "ZAAK-2025-0012", "INC0012345"):
            reason = ErasureReason(ground.value, reference=reference)
            assert ErasureReason.parse(reason.text) == reason
    assert ErasureReason("objection", reference="Z-1").text == "objection ref:Z-1"
    assert ErasureReason("request", reference="2025/117").text == "request ref:2025/117"
    assert str(ErasureReason(ErasureGround.UNLAWFUL)) == "unlawful"


def test_a_free_text_ground_or_reference_is_refused_naming_the_field_without_quoting_it():
    with pytest.raises(InputRefused) as refused:
        ErasureReason(FREE_TEXT)
    assert _pointers(refused) == ["/ground"]
    assert "request, no_longer_needed" in str(refused.value)
    with pytest.raises(InputRefused) as refused:
        ErasureReason("request", reference=FREE_TEXT)
    assert _pointers(refused) == ["/reference"]
    for problem in refused.value.problems:
        assert "burn-out" not in problem.message
    with pytest.raises(InputRefused) as refused:
        ErasureReason.parse(f"request ref:{FREE_TEXT}")
    assert _pointers(refused) == ["/reference"]
    with pytest.raises(InputRefused):
        ErasureReason.parse("AVG art. 17")


@pytest.mark.parametrize(
    "reference",
    [
        "verzoek_na_burn-out_gesprek_met_bedrijfsarts",  # words joined up
        "jan.jansen@gemeente-oost.nl",  # an e-mail address
        "depressie:ziekteverzuim#Jan_de_Vries#geboren-1971-03-04",
        "Jansen-1971",  # a name and a year
        "ZAAK-2025-" + "1" * 40,  # too long
        "zaak-2025-0012",  # lower case: words fit in lower case
    ],
)
def test_a_reference_is_a_case_number_never_words(reference):
    """A reference any ground but retention gives is a case number (CASE_NUMBER_PATTERN):
    an upper-case prefix and digits; words, names and addresses do not fit."""
    with pytest.raises(InputRefused) as refused:
        ErasureReason("request", reference=reference)
    assert _pointers(refused) == ["/reference"]
    assert reference not in str(refused.value)


def test_a_retention_erasure_names_its_profile():
    """The retention ground's reference is the profile's id, which magcore sets itself."""
    reason = ErasureReason("retention", reference="mag-standaard")
    assert reason.text == "retention ref:mag-standaard"
    assert ErasureReason.parse(reason.text) == reason


@given(st.text(max_size=80))
def test_property_no_text_but_a_ground_is_a_ground(text):
    if text in {g.value for g in ErasureGround}:
        assert ErasureReason(text).text == text
        return
    with pytest.raises(InputRefused) as refused:
        ErasureReason(text)
    assert _pointers(refused) == ["/ground"]


def test_a_free_text_reason_is_refused_and_nothing_is_destroyed_or_written(story):
    """erase_person with a text where the reason belongs raises InputRefused naming /reason,
    before anything: every key stays alive, no audit line and no event is added, and the
    record still reads."""
    service, told = story
    store = service.store
    keys = [(k.id, k.alive) for k in store.inner.list_keys()]
    lines = store.audit_head().count
    events = len(list(store.read_all()))
    for reason in (FREE_TEXT, "request", None):
        with pytest.raises(InputRefused) as refused:
            erase_person(store, "e-1", clock=FixedClock(NOW), actor="po", reason=reason)
        assert _pointers(refused) == ["/reason"]
    assert [(k.id, k.alive) for k in store.inner.list_keys()] == keys
    assert store.audit_head().count == lines
    assert len(list(store.read_all())) == events
    assert raw_conversation(service, "c1").record.summary == told.erased[0]
    assert FREE_TEXT not in json.dumps(list(store.read_audit()))


def test_a_ground_and_reference_are_what_the_audit_line_keeps(story):
    service, _told = story
    reason = ErasureReason("withdrawn_consent", reference="ZAAK-2025-0012")
    erase_person(service.store, "e-1", clock=FixedClock(NOW), actor="po", reason=reason)
    erased = [e for e in service.store.read_audit() if e["action"] == "erase"]
    assert erased
    assert {(e["reason"], e["purpose"], e["actor"]) for e in erased} == {
        ("withdrawn_consent ref:ZAAK-2025-0012", "erasure", "po")
    }


def test_a_retention_run_names_the_retention_ground_and_its_profile(story):
    """destroy_conversation's line: ground ``retention``, the profile as its reference (the due
    date is the tombstone's), no text of its own."""
    service, _told = story
    tombstone = destroy_conversation(
        service.store, "c1", profile=SELECTIELIJST_2020, due=NOW.date(), clock=FixedClock(NOW)
    )
    [line] = [e for e in service.store.read_audit() if e["action"] == "destroy"]
    assert line["reason"] == "retention ref:selectielijst-2020"
    assert ErasureReason.parse(line["reason"]).ground is ErasureGround.RETENTION
    assert tombstone.data["due"] == NOW.date().isoformat()
