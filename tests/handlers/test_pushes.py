"""Pushes: what goes out, to whom and how it is retried — scheduled reports (which period a
scheduled time reports on), alerts, new-deal notices, and delivery through the `Pusher` port
with retries that respect permanent vs temporary platform errors. The fake pusher here is the
platform boundary (one attempt per call, classified errors), not our code."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from handlers.messages import Outgoing, PermanentPlatformError, TemporaryPlatformError
from handlers.pushes import PushConfig, Pushes, deals_text
from handlers.report_service import ReportConfig, ReportService
from store.audit import AuditLog
from store.db import Database, sqlite_url
from store.snapshots import SnapshotStore
from store.subscriptions import SubscriptionStore
from tests.fakes.report_fixtures import (
    Clock,
    RecordingPusher,
    account,
    deal,
    no_sleep,
    one_trade_broker,
    utc,
)

SH = ZoneInfo("Asia/Shanghai")


class Sleeps:
    """An injectable sleep that records the delays asked for and returns at once."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


class ClassifiedPusher:
    """A chat platform at the boundary: one attempt per call; raises, per chat, the queued
    classified errors first, then delivers."""

    def __init__(self, errors: dict[str, list[Exception]] | None = None) -> None:
        self.errors = errors or {}
        self.calls: list[tuple[str, str]] = []
        self.sent: list[tuple[str, str, Outgoing]] = []

    async def push(self, platform: str, chat_id: str, out: Outgoing) -> None:
        self.calls.append((platform, chat_id))
        queued = self.errors.get(chat_id)
        if queued:
            raise queued.pop(0)
        self.sent.append((platform, chat_id, out))


async def _open(path) -> Database:
    return await Database.open(sqlite_url(path))


def _make(db: Database, broker, pusher, clock, sleep=no_sleep, **cfg) -> Pushes:
    svc = ReportService(broker, db, ReportConfig(timezone="Asia/Shanghai", charts=False))
    conf = PushConfig(**{"charts": False, "retry_base_delay_s": 0, **cfg})
    return Pushes(
        svc,
        SubscriptionStore(db),
        SnapshotStore(db),
        broker,
        pusher,
        AuditLog(db),
        conf,
        clock=clock,
        sleep=sleep,
    )


def test_periods_of_each_job() -> None:
    broker = one_trade_broker()
    svc = ReportService(broker, None, ReportConfig(timezone="Asia/Shanghai"))  # type: ignore[arg-type]
    pushes = Pushes(
        svc,
        None,  # type: ignore[arg-type]
        None,  # type: ignore[arg-type]
        broker,
        RecordingPusher(),
        None,  # type: ignore[arg-type]
        PushConfig(),
    )
    daily = datetime(2025, 3, 11, 23, 59, tzinfo=SH)
    assert pushes.period_key("daily", daily) == "2025-03-11"
    monthly = datetime(2025, 4, 1, 0, 5, tzinfo=SH)
    assert pushes.period_key("monthly", monthly) == "2025-03"  # the month before
    weekly = datetime(2025, 3, 17, 0, 10, tzinfo=SH)  # Monday just after midnight
    assert pushes.period_key("weekly", weekly) == "2025-W11"  # the week that just ended
    # a daily job scheduled at 00:05 reports the day that just ended
    assert pushes.period_key("daily", datetime(2025, 3, 12, 0, 5, tzinfo=SH)) == "2025-03-11"


async def test_daily_report_is_pushed_once_per_chat_and_audited(tmp_path) -> None:
    db = await _open(tmp_path / "t.sqlite")
    pusher = RecordingPusher()
    clock = Clock(utc(2025, 3, 11, 15, 59))  # 23:59 Shanghai
    pushes = _make(db, one_trade_broker(), pusher, clock)
    await pushes.subs.add("telegram", "42", "daily", "en")
    await pushes.subs.add("qq", "7", "daily", "zh")
    fire = clock()  # the daily job's pushesuled time (tests/test_pushesuler.py)
    assert await pushes.report("daily", fire) == 2
    assert await pushes.report("daily", fire) == 0  # same period again: nothing
    assert len(pusher.sent) == 2
    texts = {chat: out.text for _, chat, out in pusher.sent}
    assert "Realised P&L: +100.00 USD" in texts["42"]
    assert "已实现盈亏：+100.00 USD" in texts["7"]
    events = [e.event for e in await AuditLog(db).entries()]
    assert events.count("push") == 2
    await db.close()


async def test_failing_push_is_retried_and_every_attempt_audited(tmp_path) -> None:
    db = await _open(tmp_path / "t.sqlite")
    pusher = RecordingPusher(fail_times=2)
    clock = Clock(utc(2025, 3, 11, 15, 59))
    pushes = _make(db, one_trade_broker(), pusher, clock, retry_attempts=4)
    await pushes.subs.add("telegram", "42", "daily", "en")
    assert await pushes.report("daily", clock()) == 1
    assert pusher.calls == 3
    events = [e.event for e in await AuditLog(db).entries()]
    assert events.count("push_failed") == 2
    assert events.count("push") == 1
    await db.close()


async def test_margin_and_drawdown_alerts_fire_once(tmp_path) -> None:
    db = await _open(tmp_path / "t.sqlite")
    broker = one_trade_broker()
    pusher = RecordingPusher()
    clock = Clock(utc(2025, 3, 11, 1))  # 09:00 Shanghai
    pushes = _make(db, broker, pusher, clock, margin_level_below=150, drawdown_pct=5)
    await pushes.subs.add("telegram", "42", "alerts", "en")
    broker.acc = account(balance=10_000, equity=10_000, margin=1000, margin_level=1000)
    await pushes.snapshot()
    assert pusher.sent == []
    clock.t += timedelta(minutes=5)
    broker.acc = account(balance=10_000, equity=9_400, margin=7000, margin_level=134)
    await pushes.snapshot()
    texts = [o.text for _, _, o in pusher.sent]
    assert any("Margin level 134%" in t for t in texts)
    assert any("Equity is down 6.0%" in t for t in texts)
    clock.t += timedelta(minutes=5)
    await pushes.snapshot()  # still bad: no repeat
    assert len(pusher.sent) == 2
    snaps = await SnapshotStore(db).between(utc(2025, 3, 11), utc(2025, 3, 12))
    assert [s.equity for s in snaps] == [10_000, 9_400, 9_400]
    await db.close()


async def test_alerts_reach_the_default_audience_without_subscribing(tmp_path) -> None:
    from handlers.subscriptions import Audience, Member

    db = await _open(tmp_path / "t.sqlite")
    broker = one_trade_broker()
    pusher = ClassifiedPusher()
    clock = Clock(utc(2025, 3, 11, 1))
    pushes = _make(db, broker, pusher, clock, margin_level_below=150, drawdown_pct=0)
    members = [
        Member("telegram", "42", "admin", "42", "en"),
        Member("qq", "7", "trader", "private:7"),  # traders only when alerts_to_traders
    ]
    pushes.audience = Audience(pushes.subs, members=members)
    await pushes.subs.add("telegram", "42", "alerts", "en")  # subscribed as well: still once
    await pushes.subs.add("telegram", "-100", "alerts", "zh")  # a group that subscribed
    broker.acc = account(balance=10_000, equity=9_400, margin=7000, margin_level=134)
    await pushes.snapshot()
    assert sorted((p, c) for p, c, _ in pusher.sent) == [("telegram", "-100"), ("telegram", "42")]
    await pushes.subs.refuse("telegram", "42", "alerts")
    await pushes.terminal_down()
    assert [(p, c) for p, c, _ in pusher.sent[2:]] == [("telegram", "-100")]
    await db.close()


async def test_terminal_down_and_up_alert_once_each(tmp_path) -> None:
    db = await _open(tmp_path / "t.sqlite")
    pusher = RecordingPusher()
    pushes = _make(db, one_trade_broker(), pusher, Clock(utc(2025, 3, 11, 1)))
    await pushes.subs.add("qq", "7", "alerts", "zh")
    await pushes.terminal_down()
    await pushes.terminal_down()
    await pushes.terminal_up()
    await pushes.terminal_up()
    texts = [o.text for _, _, o in pusher.sent]
    assert len(texts) == 2
    assert "连接中断" in texts[0]
    assert "重新连接" in texts[1]
    await db.close()


async def test_new_deals_are_aggregated_into_one_push(tmp_path) -> None:
    db = await _open(tmp_path / "t.sqlite")
    broker = one_trade_broker()
    pusher = RecordingPusher()
    clock = Clock(utc(2025, 3, 11, 10))
    pushes = _make(db, broker, pusher, clock)
    await pushes.subs.add("telegram", "42", "deals", "en")
    pushes.watch_deals_from(clock())
    assert await pushes.new_deals() == 0
    for i in range(3):
        broker.deal_list.append(
            deal(
                utc(2025, 3, 11, 10, 1, i),
                "sell",
                "out",
                "XAUUSD",
                0.1,
                2920,
                profit=10.0,
                position_id=100 + i,
            )
        )
    clock.t = utc(2025, 3, 11, 10, 2)
    assert await pushes.new_deals() == 1
    assert "3 new deal(s)" in pusher.sent[0][2].text
    assert "Net realised: +30.00" in pusher.sent[0][2].text
    clock.t = utc(2025, 3, 11, 10, 3)
    assert await pushes.new_deals() == 0  # nothing new: no push
    await db.close()


@pytest.mark.parametrize("day", [date(2025, 3, 31)])
async def test_monthly_run_reports_the_month_before(tmp_path, day) -> None:
    db = await _open(tmp_path / "t.sqlite")
    pusher = RecordingPusher()
    clock = Clock(datetime(2025, 4, 1, 0, 5, tzinfo=SH))
    pushes = _make(db, one_trade_broker(), pusher, clock)
    await pushes.subs.add("telegram", "42", "monthly", "en")
    assert await pushes.report("monthly", clock()) == 1
    text = pusher.sent[0][2].text
    assert "March 2025" in text
    assert "Realised P&L: +100.00 USD" in text
    await db.close()


async def test_permanent_error_is_attempted_once_audited_and_the_others_still_get_theirs(
    tmp_path,
) -> None:
    db = await _open(tmp_path / "t.sqlite")
    blocked = PermanentPlatformError("403 Forbidden: bot was blocked", platform="telegram")
    pusher = ClassifiedPusher({"42": [blocked]})
    sleeps = Sleeps()
    clock = Clock(utc(2025, 3, 11, 15, 59))
    pushes = _make(db, one_trade_broker(), pusher, clock, sleep=sleeps, retry_attempts=4)
    await pushes.subs.add("telegram", "42", "daily", "en")
    await pushes.subs.add("qq", "7", "daily", "zh")
    assert await pushes.report("daily", clock()) == 1
    assert pusher.calls.count(("telegram", "42")) == 1  # never retried
    assert [chat for _, chat, _ in pusher.sent] == ["7"]
    assert sleeps.delays == []
    entries = await AuditLog(db).entries()
    failed = [e for e in entries if e.event == "push_failed"]
    assert [(e.chat_id, json.loads(e.detail)["retry_in_s"]) for e in failed] == [("42", None)]
    assert "PermanentPlatformError" in json.loads(failed[0].detail)["error"]
    assert [e.chat_id for e in entries if e.event == "push"] == ["7"]
    # not marked as sent: a later run (or the catch-up) tries that chat again
    assert not await pushes.subs.was_sent("daily", "2025-03-11", "telegram", "42")
    assert await pushes.subs.was_sent("daily", "2025-03-11", "qq", "7")
    await db.close()


async def test_temporary_error_is_retried_up_to_the_limit_with_back_off(tmp_path) -> None:
    db = await _open(tmp_path / "t.sqlite")
    flaky = [TemporaryPlatformError(f"502 Bad Gateway #{i}") for i in range(10)]
    pusher = ClassifiedPusher({"42": flaky})
    sleeps = Sleeps()
    clock = Clock(utc(2025, 3, 11, 15, 59))
    pushes = _make(
        db,
        one_trade_broker(),
        pusher,
        clock,
        sleep=sleeps,
        retry_attempts=3,
        retry_base_delay_s=5,
        retry_max_delay_s=120,
    )
    await pushes.subs.add("telegram", "42", "daily", "en")
    assert await pushes.report("daily", clock()) == 0
    assert len(pusher.calls) == 3  # the limit
    assert sleeps.delays == [5.0, 10.0]  # between attempts, none after the last
    events = [e.event for e in await AuditLog(db).entries()]
    assert events.count("push_failed") == 3
    assert events.count("push") == 0
    await db.close()


async def test_temporary_error_then_success_is_delivered_once(tmp_path) -> None:
    db = await _open(tmp_path / "t.sqlite")
    pusher = ClassifiedPusher({"42": [TemporaryPlatformError("timeout")]})
    clock = Clock(utc(2025, 3, 11, 15, 59))
    pushes = _make(db, one_trade_broker(), pusher, clock, retry_attempts=4)
    await pushes.subs.add("telegram", "42", "daily", "en")
    assert await pushes.report("daily", clock()) == 1
    assert len(pusher.calls) == 2
    assert len(pusher.sent) == 1
    await db.close()


async def test_retry_after_asked_by_the_app_is_honoured(tmp_path) -> None:
    db = await _open(tmp_path / "t.sqlite")
    limited = TemporaryPlatformError("429 Too Many Requests", platform="telegram", retry_after=37)
    pusher = ClassifiedPusher({"42": [limited]})
    sleeps = Sleeps()
    clock = Clock(utc(2025, 3, 11, 15, 59))
    pushes = _make(db, one_trade_broker(), pusher, clock, sleep=sleeps, retry_base_delay_s=5)
    await pushes.subs.add("telegram", "42", "daily", "en")
    assert await pushes.report("daily", clock()) == 1
    assert sleeps.delays == [37]  # the app's wait, not the 5 s back-off
    failed = [e for e in await AuditLog(db).entries() if e.event == "push_failed"]
    assert json.loads(failed[0].detail)["retry_in_s"] == 37
    await db.close()


def test_retry_delay_is_the_longer_of_back_off_and_retry_after() -> None:
    pushes = Pushes(
        None,  # type: ignore[arg-type]
        None,  # type: ignore[arg-type]
        None,  # type: ignore[arg-type]
        None,  # type: ignore[arg-type]
        ClassifiedPusher(),
        None,  # type: ignore[arg-type]
        PushConfig(retry_attempts=5, retry_base_delay_s=5, retry_max_delay_s=60),
    )
    quick = TemporaryPlatformError("429", retry_after=1)
    assert pushes.retry_delay(0, quick) == 5.0
    assert pushes.retry_delay(2, quick) == 20.0
    assert pushes.retry_delay(3, TemporaryPlatformError("x")) == 40.0
    assert pushes.retry_delay(4, TemporaryPlatformError("x")) is None  # the limit
    # waiting longer than we ever wait: give up now; the catch-up tries again later
    assert pushes.retry_delay(0, TemporaryPlatformError("429", retry_after=600)) is None
    assert pushes.retry_delay(0, PermanentPlatformError("403")) is None
    assert pushes.retry_delay(0, LookupError("platform 'qq' is not running")) is None
    assert pushes.retry_delay(0, ConnectionError("unclassified")) == 5.0


async def test_alert_with_a_permanently_failing_chat_reaches_the_others(tmp_path) -> None:
    db = await _open(tmp_path / "t.sqlite")
    pusher = ClassifiedPusher({"1": [PermanentPlatformError("chat not found")]})
    sleeps = Sleeps()
    pushes = _make(db, one_trade_broker(), pusher, Clock(utc(2025, 3, 11, 1)), sleep=sleeps)
    await pushes.subs.add("telegram", "1", "alerts", "en")
    await pushes.subs.add("telegram", "2", "alerts", "en")
    await pushes.terminal_down()
    assert pusher.calls == [("telegram", "1"), ("telegram", "2")]
    assert [chat for _, chat, _ in pusher.sent] == ["2"]
    assert sleeps.delays == []
    await db.close()


def test_deals_text_lists_up_to_the_limit_then_sums_the_rest() -> None:
    deals = [
        deal(utc(2025, 3, 11, 10, 0, i), "sell", "out", "XAUUSD", 0.1, 2920, profit=10.0)
        for i in range(12)
    ]
    deals.insert(0, deal(utc(2025, 3, 11, 9), "buy", "in", "XAUUSD", 0.1, 2900))
    text = deals_text(deals, "zh")
    lines = text.split("\n")
    assert lines[0] == "🔔 13 笔新成交："
    assert lines[1] == "  XAUUSD 多 0.10 开仓 @ 2900"
    # reason 0 is DEAL_REASON_CLIENT: closed by hand in the desktop terminal
    assert lines[2] == "  XAUUSD 空 0.10 平仓 @ 2920 +10.00 · 手动平仓（电脑端）"
    assert lines[-2] == "  …另有 3 笔，合计 +30.00"
    assert lines[-1] == "合计已实现：+120.00"
    en = deals_text(deals, "en").split("\n")
    assert en[1] == "  XAUUSD buy 0.10 open @ 2900"
    assert en[-2] == "  …and 3 more, net +30.00"


async def test_the_hedge_push_carries_its_one_tap_suggestions(tmp_path) -> None:
    from tests.fakes.report_fixtures import FakeTerminalBroker, position, spec

    gold = spec("XAUUSD", 2, 100.0, tick_value=1.0, tick_size=0.01)
    broker = FakeTerminalBroker(
        positions=[position(41, "XAUUSD", "buy", 0.5, 2650.0, 2640.0, -500.0)],
        acct=account(balance=10_000.0, equity=9_500.0),
        specs=[gold],
    )
    db = await _open(tmp_path / "t.sqlite")
    await SubscriptionStore(db).add("telegram", "7", "hedge", "zh")
    pusher = RecordingPusher()
    pushes = _make(db, broker, pusher, Clock(utc(2025, 3, 11, 15)))
    assert await pushes.report("hedge", utc(2025, 3, 11, 15)) == 1
    (_, _, out) = pusher.sent[0]
    assert isinstance(out, Outgoing)
    # 0.5 lot net long: 1% of 2640 × 100 × 0.5 = 1320, 14% of equity → reduce, one tap
    assert [b.id for b in out.buttons] == ["hs:41x0.5"]
    assert out.buttons[0].reply_code == "执行建议 41x0.5"
    assert "#41" in out.text
    await db.close()
