"""ReportScheduler with a controlled clock: once per day in the report zone, catch-up after a
restart, retried pushes, alerts."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from handlers.report_service import ReportConfig, ReportService
from scheduler import ReportScheduler, SchedulerConfig
from store.audit import AuditLog
from store.db import Database, sqlite_url
from store.snapshots import SnapshotStore
from store.subscriptions import SubscriptionStore
from tests.fakes.report_fixtures import (
    FakeTerminalBroker,
    RecordingPusher,
    account,
    deal,
    utc,
)

SH = ZoneInfo("Asia/Shanghai")


class Clock:
    def __init__(self, t: datetime) -> None:
        self.t = t

    def __call__(self) -> datetime:
        return self.t


async def _no_sleep(_s: float) -> None:
    return None


def _broker() -> FakeTerminalBroker:
    return FakeTerminalBroker(
        [
            deal(utc(2025, 3, 11, 3), "buy", "in", "XAUUSD", 0.1, 2900, magic=5, position_id=1),
            deal(
                utc(2025, 3, 11, 6),
                "sell",
                "out",
                "XAUUSD",
                0.1,
                2910,
                profit=100.0,
                magic=5,
                position_id=1,
            ),
        ],
        [],
        account(balance=10_100.0),
    )


async def _open(path) -> Database:
    return await Database.open(sqlite_url(path))


def _make(db: Database, broker, pusher, clock, **cfg) -> ReportScheduler:
    svc = ReportService(broker, db, ReportConfig(timezone="Asia/Shanghai", charts=False))
    conf = SchedulerConfig(charts=False, retry_base_delay_s=0, **cfg)
    return ReportScheduler(
        svc,
        SubscriptionStore(db),
        SnapshotStore(db),
        broker,
        pusher,
        AuditLog(db),
        conf,
        clock=clock,
        sleep=_no_sleep,
    )


def test_daily_job_fires_once_per_day_at_the_report_zone_time(tmp_path) -> None:
    sched = _make(None, _broker(), RecordingPusher(), Clock(utc(2025, 3, 1)))  # type: ignore[arg-type]
    start = utc(2025, 3, 1)
    times = sched.fire_times("daily", start, start + timedelta(days=10))
    assert len(times) == 10
    local = [t.astimezone(SH) for t in times]
    assert all((t.hour, t.minute) == (23, 59) for t in local)
    assert len({t.date() for t in local}) == 10  # one per calendar day in Shanghai
    assert times[0] == utc(2025, 3, 1, 15, 59)  # 23:59 in Shanghai is 15:59 UTC


def test_daily_job_keeps_local_time_across_a_dst_change() -> None:
    broker = _broker()
    svc = ReportService(broker, None, ReportConfig(timezone="Europe/Berlin"))  # type: ignore[arg-type]
    sched = ReportScheduler(
        svc,
        None,
        None,
        broker,
        RecordingPusher(),
        None,  # type: ignore[arg-type]
        SchedulerConfig(),
    )
    times = sched.fire_times("daily", utc(2025, 3, 28), utc(2025, 4, 2))
    berlin = [t.astimezone(ZoneInfo("Europe/Berlin")) for t in times]
    assert [t.day for t in berlin] == [28, 29, 30, 31, 1]
    assert all((t.hour, t.minute) == (23, 59) for t in berlin)
    u = [t.astimezone(UTC) for t in times]
    assert u[1] - u[0] == timedelta(days=1)
    assert u[2] - u[1] == timedelta(hours=23)  # the short day


def test_periods_of_each_job() -> None:
    broker = _broker()
    svc = ReportService(broker, None, ReportConfig(timezone="Asia/Shanghai"))  # type: ignore[arg-type]
    sched = ReportScheduler(
        svc,
        None,
        None,
        broker,
        RecordingPusher(),
        None,  # type: ignore[arg-type]
        SchedulerConfig(weekly_day="mon", weekly_at="00:10"),
    )
    daily = datetime(2025, 3, 11, 23, 59, tzinfo=SH)
    assert sched.period_key("daily", daily) == "2025-03-11"
    monthly = datetime(2025, 4, 1, 0, 5, tzinfo=SH)
    assert sched.period_key("monthly", monthly) == "2025-03"  # the month before
    weekly = datetime(2025, 3, 17, 0, 10, tzinfo=SH)  # Monday just after midnight
    assert sched.period_key("weekly", weekly) == "2025-W11"  # the week that just ended
    early = ReportScheduler(
        svc,
        None,
        None,
        broker,
        RecordingPusher(),
        None,  # type: ignore[arg-type]
        SchedulerConfig(daily_at="00:05"),
    )
    assert early.period_key("daily", datetime(2025, 3, 12, 0, 5, tzinfo=SH)) == "2025-03-11"


async def test_daily_report_is_pushed_once_per_chat_and_audited(tmp_path) -> None:
    db = await _open(tmp_path / "t.sqlite")
    pusher = RecordingPusher()
    clock = Clock(utc(2025, 3, 11, 15, 59))  # 23:59 Shanghai
    sched = _make(db, _broker(), pusher, clock)
    await sched.subs.add("telegram", "42", "daily", "en")
    await sched.subs.add("qq", "7", "daily", "zh")
    fire = sched.previous_fire("daily", clock(), timedelta(hours=1))
    assert fire == clock()
    assert await sched.run_report("daily", fire) == 2
    assert await sched.run_report("daily", fire) == 0  # same period again: nothing
    assert len(pusher.sent) == 2
    texts = {chat: out.text for _, chat, out in pusher.sent}
    assert "Realised P&L: +100.00 USD" in texts["42"]
    assert "已实现盈亏：+100.00 USD" in texts["7"]
    events = [e.event for e in await AuditLog(db).entries()]
    assert events.count("push") == 2
    await db.close()


async def test_missed_report_is_caught_up_once_after_restart(tmp_path) -> None:
    path = tmp_path / "t.sqlite"
    db = await _open(path)
    await SubscriptionStore(db).add("telegram", "42", "daily", "en")
    await db.close()

    # the bot was down at 23:59 on the 11th and starts again at 03:00 on the 12th (Shanghai)
    db = await _open(path)
    pusher = RecordingPusher()
    sched = _make(db, _broker(), pusher, Clock(utc(2025, 3, 11, 19)))
    tried = await sched.catch_up()
    assert tried == {"daily": "2025-03-11"}
    assert len(pusher.sent) == 1
    assert "2025-03-11" in pusher.sent[0][2].text
    await db.close()

    # another restart an hour later: already sent, nothing again
    db = await _open(path)
    pusher2 = RecordingPusher()
    sched2 = _make(db, _broker(), pusher2, Clock(utc(2025, 3, 11, 20)))
    assert await sched2.catch_up() == {}
    assert pusher2.sent == []
    await db.close()


async def test_report_older_than_the_grace_period_is_not_caught_up(tmp_path) -> None:
    db = await _open(tmp_path / "t.sqlite")
    await SubscriptionStore(db).add("telegram", "42", "daily", "en")
    pusher = RecordingPusher()
    # 14 h after the 23:59 run, with a 12 h grace
    sched = _make(db, _broker(), pusher, Clock(utc(2025, 3, 12, 6)), catchup_grace_hours=12)
    assert await sched.catch_up() == {}
    assert pusher.sent == []
    await db.close()


async def test_failing_push_is_retried_and_every_attempt_audited(tmp_path) -> None:
    db = await _open(tmp_path / "t.sqlite")
    pusher = RecordingPusher(fail_times=2)
    clock = Clock(utc(2025, 3, 11, 15, 59))
    sched = _make(db, _broker(), pusher, clock, retry_attempts=4)
    await sched.subs.add("telegram", "42", "daily", "en")
    assert await sched.run_report("daily", clock()) == 1
    assert pusher.calls == 3
    events = [e.event for e in await AuditLog(db).entries()]
    assert events.count("push_failed") == 2
    assert events.count("push") == 1
    await db.close()


async def test_push_that_keeps_failing_is_left_for_the_next_start(tmp_path) -> None:
    db = await _open(tmp_path / "t.sqlite")
    clock = Clock(utc(2025, 3, 11, 15, 59))
    failing = RecordingPusher(fail_times=100)
    sched = _make(db, _broker(), failing, clock, retry_attempts=3)
    await sched.subs.add("telegram", "42", "daily", "en")
    assert await sched.run_report("daily", clock()) == 0
    assert failing.calls == 3  # bounded
    clock.t = utc(2025, 3, 11, 17)
    ok = RecordingPusher()
    sched2 = _make(db, _broker(), ok, clock)
    assert await sched2.catch_up() == {"daily": "2025-03-11"}
    assert len(ok.sent) == 1
    await db.close()


async def test_subscriptions_survive_a_restart(tmp_path) -> None:
    from handlers.messages import Incoming
    from handlers.subscriptions import handle_subscription_command

    path = tmp_path / "t.sqlite"
    db = await _open(path)
    msg = Incoming("telegram", "42", "u1", text="订阅日报")
    out = await handle_subscription_command(msg, "zh", SubscriptionStore(db))
    assert out is not None
    assert "已订阅日报" in out.text
    await db.close()
    db = await _open(path)
    subs = await SubscriptionStore(db).list_for_kind("daily")
    assert [(s.platform, s.chat_id, s.lang) for s in subs] == [("telegram", "42", "zh")]
    await db.close()


async def test_start_registers_fixed_jobs_in_the_report_zone(tmp_path) -> None:
    db = await _open(tmp_path / "t.sqlite")
    sched = _make(
        db,
        _broker(),
        RecordingPusher(),
        Clock(utc(2025, 3, 11, 1)),
        push_new_deals=True,
        misfire_grace_s=900,
    )
    sched.start()
    try:
        assert sched.scheduler is not None
        ids = {j.id for j in sched.scheduler.get_jobs()}
        assert ids == {
            "report:daily",
            "report:weekly",
            "report:monthly",
            "report:hedge",
            "snapshot",
            "deals",
        }
        job = sched.scheduler.get_job("report:daily")
        assert job.coalesce is True
        assert job.misfire_grace_time == 900
        nrt = job.next_run_time.astimezone(SH)
        assert (nrt.hour, nrt.minute) == (23, 59)
        assert str(sched.scheduler.timezone) == "Asia/Shanghai"
        await sched.catchup_task
    finally:
        await sched.shutdown()
    await db.close()


async def test_margin_and_drawdown_alerts_fire_once(tmp_path) -> None:
    db = await _open(tmp_path / "t.sqlite")
    broker = _broker()
    pusher = RecordingPusher()
    clock = Clock(utc(2025, 3, 11, 1))  # 09:00 Shanghai
    sched = _make(db, broker, pusher, clock, margin_level_below=150, drawdown_pct=5)
    await sched.subs.add("telegram", "42", "alerts", "en")
    broker.acc = account(balance=10_000, equity=10_000, margin=1000, margin_level=1000)
    await sched.snapshot_once()
    assert pusher.sent == []
    clock.t += timedelta(minutes=5)
    broker.acc = account(balance=10_000, equity=9_400, margin=7000, margin_level=134)
    await sched.snapshot_once()
    texts = [o.text for _, _, o in pusher.sent]
    assert any("Margin level 134%" in t for t in texts)
    assert any("Equity is down 6.0%" in t for t in texts)
    clock.t += timedelta(minutes=5)
    await sched.snapshot_once()  # still bad: no repeat
    assert len(pusher.sent) == 2
    snaps = await SnapshotStore(db).between(utc(2025, 3, 11), utc(2025, 3, 12))
    assert [s.equity for s in snaps] == [10_000, 9_400, 9_400]
    await db.close()


async def test_terminal_down_and_up_alert_once_each(tmp_path) -> None:
    db = await _open(tmp_path / "t.sqlite")
    pusher = RecordingPusher()
    sched = _make(db, _broker(), pusher, Clock(utc(2025, 3, 11, 1)))
    await sched.subs.add("qq", "7", "alerts", "zh")
    await sched.on_terminal_down()
    await sched.on_terminal_down()
    await sched.on_terminal_up()
    await sched.on_terminal_up()
    texts = [o.text for _, _, o in pusher.sent]
    assert len(texts) == 2
    assert "连接中断" in texts[0]
    assert "重新连接" in texts[1]
    await db.close()


async def test_new_deals_are_aggregated_into_one_push(tmp_path) -> None:
    db = await _open(tmp_path / "t.sqlite")
    broker = _broker()
    pusher = RecordingPusher()
    clock = Clock(utc(2025, 3, 11, 10))
    sched = _make(db, broker, pusher, clock)
    await sched.subs.add("telegram", "42", "deals", "en")
    sched._deals_since = clock()
    assert await sched.push_new_deals() == 0
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
    assert await sched.push_new_deals() == 1
    assert "3 new deal(s)" in pusher.sent[0][2].text
    assert "Net realised: +30.00" in pusher.sent[0][2].text
    clock.t = utc(2025, 3, 11, 10, 3)
    assert await sched.push_new_deals() == 0  # nothing new: no push
    await db.close()


@pytest.mark.parametrize("day", [date(2025, 3, 31)])
async def test_monthly_run_reports_the_month_before(tmp_path, day) -> None:
    db = await _open(tmp_path / "t.sqlite")
    pusher = RecordingPusher()
    clock = Clock(datetime(2025, 4, 1, 0, 5, tzinfo=SH))
    sched = _make(db, _broker(), pusher, clock)
    await sched.subs.add("telegram", "42", "monthly", "en")
    assert await sched.run_report("monthly", clock()) == 1
    text = pusher.sent[0][2].text
    assert "March 2025" in text
    assert "Realised P&L: +100.00 USD" in text
    await db.close()
