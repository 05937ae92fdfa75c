"""Moments and days of a conversation lie on supported dates (review of 2026-12-06).

Attack: the command line and the web API take dates from 1900 to 9000, but a caller of the
library could schedule a conversation at 9999-12-31 23:00 UTC (or in year 1, or in a time
zone whose offset is unknown). It was stored; afterwards ``magcore export ics`` ended in an
``OverflowError`` traceback for every conversation (the invitation's end and local time lie
past year 9999), and a reminder "days before" would underflow the same way. A day it was held
in year 1 or an agreement due on 9999-12-31 was stored too.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, tzinfo

import pytest
from click.testing import CliRunner

from magcore import TransitionError, get_plugin_manager, open_service
from magcore.cli import cli
from magcore.clock import FixedClock
from magcore.domain.conversation import (
    DraftRecord,
    MarkHeld,
    Reschedule,
    Schedule,
)
from magcore.model.records import Agreement
from magcore.testing import approve_cycle

from ..sharing.support import MAG_CYCLE, ROLES, T0, small_org


class _NoOffset(tzinfo):
    """A time zone that does not know its offset: the moment is naive after all."""

    def utcoffset(self, dt: datetime | None) -> timedelta | None:
        return None

    def dst(self, dt: datetime | None) -> timedelta | None:
        return None

    def tzname(self, dt: datetime | None) -> str:
        return "?"


@pytest.fixture
def service(tmp_path):
    host = get_plugin_manager(load_entry_points=False)
    svc = open_service(f"sqlite:///{tmp_path}/m.db", clock=FixedClock(T0), host=host)
    approve_cycle(svc, svc.add_cycle(MAG_CYCLE))
    svc.import_organisation(small_org(), actor="hr")
    svc.use_organisation("org", ROLES)
    yield svc
    svc.close()


def _conversation(service) -> str:
    cycle = service.cycle("mag@1")
    people = service.participants_for("org", cycle, "mag", "e1", on=T0.date())
    return service.request(cycle=cycle, kind="mag", participants=people, actor="e1").id


_OUTSIDE = "on: .* is outside the supported dates"


@pytest.mark.parametrize(
    ("moment", "words"),
    [
        (datetime(9999, 12, 31, 23, tzinfo=UTC), _OUTSIDE),
        (datetime(1, 1, 1, 0, 30, tzinfo=UTC), _OUTSIDE),
        (datetime(9001, 1, 1, 10, tzinfo=UTC), _OUTSIDE),
        (
            datetime(2025, 2, 3, 10, tzinfo=_NoOffset()),
            "on must be a date and time with a time zone",
        ),
    ],
    ids=["end-of-9999", "year-1", "past-9000", "no-offset"],
)
def test_a_moment_out_of_range_is_refused_and_nothing_is_stored(service, moment, words):
    conv = _conversation(service)
    version = len(service.store.read(f"conversation:{conv}"))
    with pytest.raises(TransitionError, match=words):
        service.execute(conv, Schedule(actor="e1", on=moment))
    assert len(service.store.read(f"conversation:{conv}")) == version
    service.execute(conv, Schedule(actor="e1", on=datetime(2025, 2, 3, 10, tzinfo=UTC)))
    with pytest.raises(TransitionError, match=words):
        service.execute(conv, Reschedule(actor="e1", on=moment))
    assert service.view(conv, actor="e1").metadata["scheduled_for"].startswith("2025-02-03")


def test_days_out_of_range_are_refused(service):
    conv = _conversation(service)
    with pytest.raises(TransitionError, match="outside the supported dates"):
        service.execute(conv, MarkHeld(actor="m1", on=date(1, 1, 1)))
    with pytest.raises(TransitionError, match="outside the supported dates"):
        service.record(conv, DraftRecord(actor="m1", summary="s"), held_on=date(1899, 12, 31))
    service.execute(conv, MarkHeld(actor="m1", on=T0.date()))
    far = Agreement(id="a1", text="t", owner="employee", due=date(9999, 12, 31))
    with pytest.raises(TransitionError, match="outside the supported dates"):
        service.record(conv, DraftRecord(actor="m1", summary="s", agreements=(far,)))
    assert service.view(conv, actor="e1").summary is None


def test_export_ics_holds_after_the_refusal(service, tmp_path, monkeypatch):
    """The command line's invitations, which ended in a traceback, still work."""
    pytest.importorskip("icalendar")
    monkeypatch.setenv("MAGCORE_NOW", T0.isoformat())
    conv = _conversation(service)
    with pytest.raises(TransitionError):
        service.execute(conv, Schedule(actor="e1", on=datetime(9999, 12, 31, 23, tzinfo=UTC)))
    service.execute(conv, Schedule(actor="e1", on=datetime(2025, 2, 3, 10, tzinfo=UTC)))
    service.close()
    result = CliRunner().invoke(
        cli, ["--store", f"sqlite:///{tmp_path}/m.db", "export", "ics"], catch_exceptions=True
    )
    assert result.exception is None, result.exception
    assert result.exit_code == 0, result.output
    assert "BEGIN:VEVENT" in result.stdout
