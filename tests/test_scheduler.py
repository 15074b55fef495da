"""ReportScheduler with a controlled clock: when jobs fire (once per day in the report zone,
across DST), which jobs are registered, and the catch-up after a restart. What a push says
and how it is retried is in tests/handlers/test_pushes.py."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from handlers.pushes import Pushes
from handlers.report_service import ReportConfig, ReportService
from scheduler import ReportScheduler, SchedulerConfig
from store.audit import AuditLog
from store.db import Database, sqlite_url
from store.snapshots import SnapshotStore
from store.subscriptions import SubscriptionStore
from tests.fakes.report_fixtures import (
    Clock,
    RecordingPusher,
    no_sleep,
    one_trade_broker,
    utc,
)

SH = ZoneInfo("Asia/Shanghai")


async def _open(path) -> Database:
    return await Database.open(sqlite_url(path))


def _scheduler(
    svc, subscriptions, snapshots, broker, pusher, audit, config, clock=None, sleep=no_sleep
) -> ReportScheduler:
    """The pushes and the scheduler over them, from their parts."""
    clock = clock or (lambda: datetime.now(UTC))
    pushes = Pushes(
        svc, subscriptions, snapshots, broker, pusher, audit, config.push_config(),
        clock=clock, sleep=sleep,
    )  # fmt: skip
    return ReportScheduler(pushes, config, clock=clock)


def _make(db: Database, broker, pusher, clock, **cfg) -> ReportScheduler:
    svc = ReportService(broker, db, ReportConfig(timezone="Asia/Shanghai", charts=False))
    conf = SchedulerConfig(charts=False, retry_base_delay_s=0, **cfg)
    return _scheduler(
        svc,
        SubscriptionStore(db),
        SnapshotStore(db),
        broker,
        pusher,
        AuditLog(db),
        conf,
        clock=clock,
        sleep=no_sleep,
    )


def test_daily_job_fires_once_per_day_at_the_report_zone_time(tmp_path) -> None:
    sched = _make(None, one_trade_broker(), RecordingPusher(), Clock(utc(2025, 3, 1)))  # type: ignore[arg-type]
    start = utc(2025, 3, 1)
    times = sched.fire_times("daily", start, start + timedelta(days=10))
    assert len(times) == 10
    local = [t.astimezone(SH) for t in times]
    assert all((t.hour, t.minute) == (23, 59) for t in local)
    assert len({t.date() for t in local}) == 10  # one per calendar day in Shanghai
    assert times[0] == utc(2025, 3, 1, 15, 59)  # 23:59 in Shanghai is 15:59 UTC


def test_daily_job_keeps_local_time_across_a_dst_change() -> None:
    broker = one_trade_broker()
    svc = ReportService(broker, None, ReportConfig(timezone="Europe/Berlin"))  # type: ignore[arg-type]
    sched = _scheduler(
        svc,
        None,  # type: ignore[arg-type]
        None,  # type: ignore[arg-type]
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


async def test_missed_report_is_caught_up_once_after_restart(tmp_path) -> None:
    path = tmp_path / "t.sqlite"
    db = await _open(path)
    await SubscriptionStore(db).add("telegram", "42", "daily", "en")
    await db.close()

    # the bot was down at 23:59 on the 11th and starts again at 03:00 on the 12th (Shanghai)
    db = await _open(path)
    pusher = RecordingPusher()
    sched = _make(db, one_trade_broker(), pusher, Clock(utc(2025, 3, 11, 19)))
    tried = await sched.catch_up()
    assert tried == {"daily": "2025-03-11"}
    assert len(pusher.sent) == 1
    assert "2025-03-11" in pusher.sent[0][2].text
    await db.close()

    # another restart an hour later: already sent, nothing again
    db = await _open(path)
    pusher2 = RecordingPusher()
    sched2 = _make(db, one_trade_broker(), pusher2, Clock(utc(2025, 3, 11, 20)))
    assert await sched2.catch_up() == {}
    assert pusher2.sent == []
    await db.close()


async def test_report_older_than_the_grace_period_is_not_caught_up(tmp_path) -> None:
    db = await _open(tmp_path / "t.sqlite")
    await SubscriptionStore(db).add("telegram", "42", "daily", "en")
    pusher = RecordingPusher()
    # 14 h after the 23:59 run, with a 12 h grace
    sched = _make(
        db, one_trade_broker(), pusher, Clock(utc(2025, 3, 12, 6)), catchup_grace_hours=12
    )
    assert await sched.catch_up() == {}
    assert pusher.sent == []
    await db.close()


async def test_push_that_keeps_failing_is_left_for_the_next_start(tmp_path) -> None:
    db = await _open(tmp_path / "t.sqlite")
    clock = Clock(utc(2025, 3, 11, 15, 59))
    failing = RecordingPusher(fail_times=100)
    sched = _make(db, one_trade_broker(), failing, clock, retry_attempts=3)
    await sched.pushes.subs.add("telegram", "42", "daily", "en")
    assert await sched.pushes.report("daily", clock()) == 0
    assert failing.calls == 3  # bounded
    clock.t = utc(2025, 3, 11, 17)
    ok = RecordingPusher()
    sched2 = _make(db, one_trade_broker(), ok, clock)
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
        one_trade_broker(),
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


def test_previous_fire_at_the_scheduled_time_is_that_time() -> None:
    sched = _make(None, one_trade_broker(), RecordingPusher(), Clock(utc(2025, 3, 1)))  # type: ignore[arg-type]
    at = utc(2025, 3, 11, 15, 59)  # 23:59 Shanghai
    assert sched.previous_fire("daily", at, timedelta(hours=1)) == at
    assert sched.previous_fire("daily", at - timedelta(seconds=1), timedelta(hours=1)) is None


async def test_a_late_daily_job_pushes_the_period_of_its_scheduled_time_once(tmp_path) -> None:
    db = await _open(tmp_path / "t.sqlite")
    pusher = RecordingPusher()
    # the job runs 20 minutes late, just after midnight: still the 11th's report
    clock = Clock(utc(2025, 3, 11, 16, 19))
    sched = _make(db, one_trade_broker(), pusher, clock, catchup_grace_hours=0)
    await sched.pushes.subs.add("telegram", "42", "daily", "en")
    sched.start()
    try:
        assert sched.scheduler is not None
        job = sched.scheduler.get_job("report:daily")
        await job.func(*job.args)  # what APScheduler calls at the trigger time
        await job.func(*job.args)  # a second run of the same period sends nothing
    finally:
        await sched.shutdown()
    assert len(pusher.sent) == 1
    assert pusher.calls == 1
    assert "2025-03-11" in pusher.sent[0][2].text
    await db.close()


async def test_the_trailing_job_runs_on_its_interval_when_the_bot_keeps_trailing_stops(
    tmp_path,
) -> None:
    from handlers.trailing import TrailingKeeper
    from store.trailing import TrailingStore

    db = await _open(tmp_path / "t.sqlite")
    broker = one_trade_broker()
    sched = _make(db, broker, RecordingPusher(), Clock(utc(2025, 3, 11, 1)), trailing_interval_s=7)
    sched.pushes.trailing = TrailingKeeper(broker, TrailingStore(db))
    sched.start()
    try:
        assert sched.scheduler is not None
        job = sched.scheduler.get_job("trailing")
        assert job is not None
        assert job.trigger.interval == timedelta(seconds=7)
        await sched.catchup_task
    finally:
        await sched.shutdown()
    await db.close()
