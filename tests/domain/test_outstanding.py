"""Which due conversations are still outstanding: answered only by one of the same cycle, kind
and person (or team), requested or held since the window started, one each."""

from __future__ import annotations

from datetime import date

from magcore import DueConversation, outstanding
from magcore.read_models import ConversationRow


def _due(person: str | None, kind: str, start: date, due: date, team: str | None = None):
    return DueConversation(
        person=person, kind=kind, due=due, window_start=start, manager="m1", team=team
    )


def _row(
    subject: str | None,
    kind: str,
    requested: date,
    *,
    held: date | None = None,
    state: str = "requested",
    cycle: str = "jaar@1",
    team: str | None = None,
) -> ConversationRow:
    return ConversationRow(
        id=f"c-{subject}-{kind}-{requested}",
        cycle=cycle,
        kind=kind,
        state=state,
        subject=subject,
        team=team,
        participants=(),
        requested_on=requested,
        scheduled_on=None,
        held_on=held,
        medium=None,
        version=1,
    )


YEAR = (date(2025, 1, 1), date(2025, 12, 31))


def test_only_a_conversation_of_the_same_kind_cycle_and_person_answers() -> None:
    due = [_due("e1", "yearly", *YEAR), _due("e2", "yearly", *YEAR), _due("e3", "yearly", *YEAR)]
    rows = [
        _row("e1", "hr", date(2025, 3, 1), held=date(2025, 3, 1), state="agreed"),  # other kind
        _row("e2", "yearly", date(2025, 3, 1), cycle="other@1"),  # other cycle
        _row("e3", "yearly", date(2025, 3, 1), state="cancelled"),  # called off
        _row("e1", "yearly", date(2024, 3, 1), held=date(2024, 3, 1)),  # last year's
    ]
    assert outstanding(due, rows, cycle="jaar@2") == tuple(due)
    answered = [
        _row("e1", "yearly", date(2025, 3, 1)),  # requested is enough
        _row("e2", "yearly", date(2024, 12, 20), held=date(2025, 1, 8), cycle="jaar@1"),
    ]
    assert outstanding(due, rows + answered, cycle="jaar@2") == (due[2],)


def test_a_conversation_answers_the_due_one_whose_window_it_falls_in() -> None:
    first = _due("e1", "half", date(2025, 1, 1), date(2025, 6, 30))
    second = _due("e1", "half", date(2025, 7, 1), date(2025, 12, 31))
    in_second = _row("e1", "half", date(2025, 8, 1), held=date(2025, 8, 2))
    assert outstanding([first, second], [in_second], cycle="jaar@1") == (first,)
    in_first = _row("e1", "half", date(2025, 2, 1))
    also_held_in_first = _row("e1", "half", date(2025, 3, 1), held=date(2025, 3, 1))
    assert outstanding([first, second], [in_first, also_held_in_first], cycle="jaar") == (second,)


def test_a_conversation_requested_ahead_answers_the_due_one_to_come() -> None:
    """plan --request asks a quarter ahead: an exit conversation requested in April for a
    window from June answers it; one held before the window does not."""
    due = _due("e2", "exit", date(2025, 6, 1), date(2025, 7, 1))
    ahead = _row("e2", "exit", date(2025, 4, 1))
    assert outstanding([due], [ahead], cycle="jaar") == ()
    held_before = _row("e2", "exit", date(2025, 4, 1), held=date(2025, 4, 2))
    assert outstanding([due], [held_before], cycle="jaar") == (due,)


def test_a_conversation_after_the_last_due_day_answers_the_overdue_one() -> None:
    due = _due("e1", "welcome", date(2025, 3, 1), date(2025, 3, 31))
    late = _row("e1", "welcome", date(2025, 4, 10))
    assert outstanding([due], [late], cycle="jaar") == ()
    before = _row("e1", "welcome", date(2025, 2, 1), held=date(2025, 2, 1))
    assert outstanding([due], [before], cycle="jaar") == (due,)


def test_a_team_conversation_is_answered_by_the_team_s() -> None:
    due = _due(None, "team", *YEAR, team="t1")
    assert outstanding([due], [_row(None, "team", date(2025, 2, 1), team="t2")], cycle="jaar") == (
        due,
    )
    assert outstanding([due], [_row(None, "team", date(2025, 2, 1), team="t1")], cycle="jaar") == ()


def test_a_late_conversation_answers_the_last_one_missed() -> None:
    first = _due("e1", "half", date(2025, 1, 1), date(2025, 6, 30))
    second = _due("e1", "half", date(2025, 7, 1), date(2025, 12, 31))
    late = _row("e1", "half", date(2026, 2, 1), held=date(2026, 2, 2))
    assert outstanding([first, second], [late], cycle="jaar") == (first,)


def test_a_conversation_for_one_due_before_the_period_does_not_answer_one_in_it() -> None:
    """Planning a quarter: last quarter's conversation, still open, was for last quarter."""
    last = _due("e1", "check-in", date(2025, 1, 1), date(2025, 3, 31))
    this = _due("e1", "check-in", date(2025, 4, 1), date(2025, 6, 30))
    still_open = _row("e1", "check-in", date(2025, 1, 2))
    assert outstanding([this], [still_open], cycle="jaar", earlier=[last]) == (this,)
    # Without the earlier ones, it would pass for one requested ahead.
    assert outstanding([this], [still_open], cycle="jaar") == ()
    ahead = _row("e1", "check-in", date(2025, 3, 20))
    assert outstanding([this], [still_open, ahead], cycle="jaar", earlier=[last]) == ()
