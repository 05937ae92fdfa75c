"""Days are the municipality's days; the time of a read is the service clock's.

"Until 31 March" ends at midnight in Amsterdam (or the installation's ``timezone``), not at
midnight UTC, also across the switches to and from summer time. An audit line carries the
moment the service clock gives, and a caller cannot pass another one.
"""

from __future__ import annotations

import inspect
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from magcore import get_plugin_manager, open_service
from magcore.access.decision import Directory, shared_with
from magcore.access.reading import ReadPolicy, read_conversation, read_goal
from magcore.access.retention import retention_due
from magcore.cli._app import Config, ConfigError
from magcore.clock import FixedClock
from magcore.domain.sharing import GrantSharing, SharingChoice
from magcore.domain.sharing import decide as decide_sharing
from magcore.errors import ConsentError, TimezoneError
from magcore.model.days import local_day, timezone
from magcore.testing import approve_cycle

from .support import MAG_CYCLE, T0, agreed_conversation, small_org

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def _local(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=AMSTERDAM)  # type: ignore[misc]


def _choice(until: date) -> SharingChoice:
    return SharingChoice(
        id=1,
        person="e1",
        to="m2",
        what="agreements",
        purpose="handover",
        granted_at=datetime(1990, 1, 1, tzinfo=UTC),
        until=until,
    )


@pytest.mark.parametrize(
    ("until", "inside", "outside"),
    [
        # Summer time (+02:00): 00:30 on 1 April is still 31 March in UTC.
        (date(2025, 3, 31), _local(2025, 3, 31, 23, 59), _local(2025, 4, 1, 0, 30)),
        # The night of the switch to summer time (30 March 2025, 02:00 -> 03:00).
        (date(2025, 3, 29), _local(2025, 3, 29, 23, 59), _local(2025, 3, 30, 0, 30)),
        (date(2025, 3, 30), _local(2025, 3, 30, 23, 30), _local(2025, 3, 31, 0, 10)),
        # The night of the switch back (26 October 2025, 03:00 -> 02:00).
        (date(2025, 10, 25), _local(2025, 10, 25, 23, 59), _local(2025, 10, 26, 0, 30)),
        (date(2025, 10, 26), _local(2025, 10, 26, 23, 59), _local(2025, 10, 27, 0, 0)),
        # Winter time (+01:00).
        (date(2025, 1, 31), _local(2025, 1, 31, 23, 59), _local(2025, 2, 1, 0, 0)),
    ],
)
def test_until_ends_at_local_midnight(until, inside, outside):
    choice = _choice(until)
    assert choice.active_at(inside.astimezone(UTC))
    assert not choice.active_at(outside.astimezone(UTC))
    assert not choice.active_at(outside)  # the offset the moment carries does not matter


def test_the_old_utc_rule_would_have_opened_the_record():
    """The case from the issue: 00:30 on 1 April in Amsterdam is 31 March in UTC."""
    moment = _local(2025, 4, 1, 0, 30).astimezone(UTC)
    assert moment.date() == date(2025, 3, 31)
    assert not _choice(date(2025, 3, 31)).active_at(moment)


def test_another_installation_time_zone_counts_its_own_days():
    moment = _local(2025, 4, 1, 0, 30)
    assert _choice(date(2025, 3, 31)).active_at(moment, "UTC")
    assert not _choice(date(2025, 3, 31)).active_at(moment, "Europe/Amsterdam")


@given(st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1)))
def test_a_choice_holds_exactly_on_the_local_days_up_to_until(naive):
    moment = naive.replace(tzinfo=UTC)
    until = moment.astimezone(AMSTERDAM).date()
    assert _choice(until).active_at(moment)
    assert not _choice(until - timedelta(days=1)).active_at(moment)


def test_granting_until_a_local_day_that_has_passed_is_refused():
    now = _local(2025, 4, 1, 0, 30).astimezone(UTC)
    grant = GrantSharing(
        actor="e1",
        person="e1",
        to="m2",
        what="agreements",
        purpose="handover",
        until=date(2025, 3, 31),
    )
    with pytest.raises(ConsentError, match="lies in the past"):
        decide_sharing(None, grant, now=now)
    assert decide_sharing(None, grant, now=now, zone="UTC")


def test_the_listing_path_uses_local_days_too():
    row = (
        1,
        "e1",
        "m2",
        "agreements",
        "handover",
        "2025-03-31",
        None,
        "2025-01-01T00:00:00+00:00",
        None,
    )
    directory = Directory(
        manager_of=lambda person, day: None, roles_of=lambda person, day: frozenset()
    )
    late = _local(2025, 4, 1, 0, 30).astimezone(UTC)
    assert shared_with([row], "m2", late, directory) == []
    assert shared_with([row], "m2", late, directory, "UTC") == [row]


def test_retention_counts_from_the_local_day():
    from magcore.access.retention import BUILTIN_PROFILES, COMPLETED
    from magcore.events import Event

    profile = next(p for p in BUILTIN_PROFILES.values() if p.after == COMPLETED)
    anchor_type = "conversation.agreed"
    event = Event(
        stream="conversation:c1",
        version=1,
        type=anchor_type,
        at=_local(2025, 1, 1, 0, 30).astimezone(UTC),  # 31 December 2024 in UTC
        actor="e1",
        data={},
    )
    local = retention_due(profile, [event])
    in_utc = retention_due(profile, [event], zone="UTC")
    assert local is not None
    assert in_utc is not None
    assert local.year - profile.years == 2025
    assert in_utc.year - profile.years == 2024


def test_local_day_and_time_zone_names():
    assert local_day(datetime(2025, 3, 31, 22, 30, tzinfo=UTC)) == date(2025, 4, 1)
    assert local_day(datetime(2025, 3, 31, 22, 30, tzinfo=UTC), "UTC") == date(2025, 3, 31)
    assert timezone() == AMSTERDAM
    for bad in ("Mars/Olympus", "", "../etc/passwd", "/etc/localtime"):
        with pytest.raises(TimezoneError, match="IANA"):
            timezone(bad)
    with pytest.raises(ValueError, match="no time zone"):
        local_day(datetime(2025, 1, 1))


def test_the_installation_sets_its_time_zone(tmp_path):
    with pytest.raises(TimezoneError):
        open_service("memory://", timezone="Nowhere/Land")
    service = open_service("memory://", timezone="Europe/Lisbon")
    assert service.timezone == ZoneInfo("Europe/Lisbon")
    assert open_service("memory://").timezone == AMSTERDAM
    config = tmp_path / "magcore.toml"
    config.write_text('store = "memory://"\ntimezone = "Europe/Lisbon"\n', encoding="utf-8")
    assert Config.read(config).timezone == "Europe/Lisbon"
    assert 'timezone = "Europe/Lisbon"' in Config.read(config).to_toml()
    config.write_text('timezone = "Atlantis/Capital"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="timezone"):
        Config.read(config)


# -- reads through the service: its clock, its zone ------------------------------------------


def _service(clock: FixedClock, zone: str | None = None):
    service = open_service(
        "memory://", clock=clock, host=get_plugin_manager(load_entry_points=False), timezone=zone
    )
    approve_cycle(service, service.add_cycle(MAG_CYCLE))
    service.import_organisation(small_org(), actor="hr")
    return service


def _agreed(service) -> str:
    agreed_conversation(
        service.store, "c1", employee="e1", manager="m1", cycle=service.cycle("mag@1")
    )
    return "c1"


def test_a_read_after_local_midnight_is_refused_and_audited_at_the_clock_time():
    clock = FixedClock(T0)
    service = _service(clock)
    conv = _agreed(service)
    service.share(
        GrantSharing(
            actor="e1",
            person="e1",
            to="m2",
            what="agreements",
            purpose="handover",
            until=date(2025, 3, 31),
        )
    )
    clock.set(_local(2025, 3, 31, 23, 50))
    assert service.read_conversation(conv, viewer="m2", purpose="handover").agreements
    clock.set(_local(2025, 4, 1, 0, 30))
    view = service.read_conversation(conv, viewer="m2", purpose="handover")
    assert view.agreements == ()
    assert view.at == clock.now()
    lines = list(service.store.read_audit())
    last = [line for line in lines if line["at"] == clock.now().isoformat()]
    assert last
    assert all(line["result"] == "denied" for line in last)
    assert all(datetime.fromisoformat(line["at"]) == clock.now() for line in last)


def test_an_installation_in_utc_keeps_the_utc_day():
    clock = FixedClock(T0)
    service = _service(clock, "UTC")
    conv = _agreed(service)
    service.share(
        GrantSharing(
            actor="e1",
            person="e1",
            to="m2",
            what="agreements",
            purpose="handover",
            until=date(2025, 3, 31),
        )
    )
    clock.set(_local(2025, 4, 1, 0, 30))
    assert service.read_conversation(conv, viewer="m2", purpose="handover").agreements


def test_reads_take_no_caller_time():
    """The reading functions have no ``now``: the moment is the clock's, in the audit line too."""
    for function in (read_conversation, read_goal):
        assert "now" not in inspect.signature(function).parameters
    clock = FixedClock(T0)
    service = _service(clock)
    conv = _agreed(service)
    with pytest.raises(TypeError):
        read_conversation(  # type: ignore[call-arg]
            service.store, conv, viewer="hr", purpose="advice", now=T0 - timedelta(days=400)
        )
    clock.advance(timedelta(hours=5))
    read_conversation(
        service.store, conv, viewer="hr", purpose="advice", clock=clock, policy=ReadPolicy()
    )
    assert list(service.store.read_audit())[-1]["at"] == clock.now().isoformat()
