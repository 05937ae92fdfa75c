"""A field that takes one of a fixed set of values refuses anything else with a named error
(the field and the values it takes, never the value sent), not the enum's bare ValueError; the
same value as the enum member or its text is taken."""

from __future__ import annotations

import pytest

from magcore.domain.conversation import DraftRecord, MarkNotHeld, UpdateAgreement
from magcore.domain.goals import CloseGoal, GoalStatus
from magcore.errors import InputRefused
from magcore.model.records import AgreementStatus

HOSTILE = ["klaar", "", "DONE", "done\u202e", 3, None, ["done"]]

CASES = [
    (lambda v: CloseGoal(actor="e1", goal_id="g-1", status=v), "/status", "reached"),
    (lambda v: UpdateAgreement(actor="e1", agreement_id="a-1", status=v), "/status", "done"),
    (lambda v: MarkNotHeld(actor="m1", reason=v), "/reason", "absence"),
    (lambda v: DraftRecord(actor="m1", medium=v), "/medium", "paper"),
]


@pytest.mark.parametrize(("make", "pointer", "good"), CASES)
@pytest.mark.parametrize("bad", HOSTILE, ids=repr)
def test_a_value_outside_the_set_is_refused_naming_the_field(make, pointer, good, bad):
    with pytest.raises(InputRefused) as refused:
        make(bad)
    (problem,) = refused.value.problems
    assert problem.pointer == pointer
    assert problem.message.startswith("must be one of: ")
    assert good in problem.message
    if isinstance(bad, str) and bad:
        assert bad not in problem.message  # never the value sent


@pytest.mark.parametrize(("make", "pointer", "good"), CASES)
def test_the_members_value_and_the_member_are_taken(make, pointer, good):
    assert make(good) == make(make(good).__getattribute__(pointer[1:]))


def test_the_enums_are_the_ones_the_records_use():
    assert CloseGoal(actor="e1", goal_id="g-1", status="reached").status is GoalStatus.REACHED
    assert (
        UpdateAgreement(actor="e1", agreement_id="a-1", status="done").status
        is AgreementStatus.DONE
    )


@pytest.mark.parametrize(("field", "good"), [("owner", "employee"), ("status", "done")])
@pytest.mark.parametrize("bad", HOSTILE, ids=repr)
def test_an_agreements_fixed_fields_refuse_naming_the_field(field, good, bad):
    """A review found the agreement itself (built by the web form from a posted owner) still
    raised the enum's ValueError."""
    from magcore.model.records import Agreement

    values = {"id": "a-1", "text": "Cursus", "owner": "employee", field: bad}
    with pytest.raises(InputRefused) as refused:
        Agreement(**values)
    assert refused.value.problems[0].pointer == f"/{field}"
    assert good in refused.value.problems[0].message
