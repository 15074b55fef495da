"""Times in answers are in the report time zone and say so: quotes through the conversation,
the report service's clock."""

from __future__ import annotations

from datetime import timedelta

from handlers.queries import quote_text
from handlers.report_service import ReportConfig, ReportService
from reports.clock import UserClock
from tests.conftest import ChatWorld
from tests.fakes.report_fixtures import FakeTerminalBroker


def only(out):
    assert len(out) == 1, out
    return out[0]


async def test_quote_time_is_in_the_report_zone_and_names_it(world: ChatWorld) -> None:
    # the test conversation reports in server time (UTC+2)
    o = only(await world.say("黄金现在多少"))
    q = await world.broker.quote("XAUUSD")
    local = q.time + timedelta(hours=2)
    assert f"{local:%H:%M:%S}（服务器时间 UTC+2）" in o.text
    assert "UTC\n" not in o.text + "\n"  # no bare UTC time any more


async def test_quote_in_an_iana_zone(world: ChatWorld) -> None:
    from zoneinfo import ZoneInfo

    q = await world.broker.quote("EURUSD")
    text = await quote_text(world.broker, "en", "EURUSD", UserClock(ZoneInfo("Asia/Shanghai")))
    assert f"{q.time + timedelta(hours=8):%H:%M:%S} (UTC+8)" in text


async def test_report_service_clock_follows_the_report_time_zone() -> None:
    broker = FakeTerminalBroker()
    shanghai = ReportService(broker, None, ReportConfig(timezone="Asia/Shanghai"))  # type: ignore[arg-type]
    assert shanghai.zone_label("en") == "UTC+8"
    assert not shanghai.user_clock().server
    # "server": the offset the terminal reports (here 2), the configured one only without it
    server = ReportService(broker, None, ReportConfig(server_utc_offset_hours=3))  # type: ignore[arg-type]
    assert server.zone_label("zh") == "服务器时间 UTC+2"
    broker.server_utc_offset_hours = None
    assert server.zone_label("en") == "server time UTC+3"
