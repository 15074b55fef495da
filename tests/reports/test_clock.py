"""The one user clock: every time a person reads says which clock it is in."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from reports.clock import UserClock, utc_offset_label

AT = datetime(2026, 12, 4, 6, 3, 9, tzinfo=UTC)


def test_times_carry_their_offset_in_both_languages() -> None:
    shanghai = UserClock(ZoneInfo("Asia/Shanghai"))
    assert shanghai.time(AT, "en") == "14:03 (UTC+8)"
    assert shanghai.time(AT, "zh") == "14:03（UTC+8）"
    assert shanghai.time(AT, "en", seconds=True) == "14:03:09 (UTC+8)"
    assert shanghai.stamp(AT, "en") == "2026-12-04 14:03 (UTC+8)"
    assert shanghai.bare(AT) == "2026-12-04 14:03"


def test_the_server_clock_is_named_server_time() -> None:
    server = UserClock(timezone(timedelta(hours=2)), server=True)
    assert server.time(AT, "en") == "08:03 (server time UTC+2)"
    assert server.time(AT, "zh") == "08:03（服务器时间 UTC+2）"


def test_a_zone_with_daylight_saving_names_itself_and_the_offset_in_force() -> None:
    berlin = UserClock(ZoneInfo("Europe/Berlin"))
    assert berlin.zone_name("en", AT) == "UTC+1 Europe/Berlin"
    assert berlin.zone_name("en", datetime(2026, 7, 1, tzinfo=UTC)) == "UTC+2 Europe/Berlin"


def test_offsets_and_naive_times() -> None:
    assert utc_offset_label(timedelta(hours=5, minutes=30)) == "UTC+5:30"
    assert utc_offset_label(timedelta(hours=-5)) == "UTC-5"
    assert utc_offset_label(timedelta(0)) == "UTC"
    naive = datetime(2026, 12, 4, 6, 3)  # noqa: DTZ001 - what a naive time is taken for
    assert UserClock().time(naive, "en") == "06:03 (UTC)"
