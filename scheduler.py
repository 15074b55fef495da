"""When things go out: APScheduler jobs for the daily/weekly/monthly reports and the hedging
summary, equity snapshots (with their alerts) and new-deal notices. What goes out, to whom
and how it is retried is decided by `handlers/pushes.py`; each job is one call into it.

APScheduler 3.x `AsyncIOScheduler` in the bot's own loop, with an explicit time zone (the report
zone), fixed job ids with `replace_existing=True`, `coalesce=True` and a `misfire_grace_time`.
Jobs live in the default memory store (targets are bound methods; nothing is pickled): what
must survive a restart — subscriptions and which period was already sent to which chat — is in
the database, and `start()` catches up once on a report missed while the bot was down.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from handlers.alerts import PriceAlerts
from handlers.pushes import PushConfig, Pushes
from reports.periods import parse_hhmm

log = logging.getLogger(__name__)

REPORT_JOBS: tuple[str, ...] = ("daily", "weekly", "monthly", "hedge")


@dataclass(frozen=True, slots=True)
class SchedulerConfig:
    """[reports] and [alerts] as one value: the timing fields are the scheduler's, the rest
    goes to `Pushes` (`push_config()`)."""

    daily_at: str = "23:59"
    weekly_day: str = "fri"
    weekly_at: str = "23:59"
    monthly_at: str = "00:05"  # on the 1st, for the month before
    hedge_at: str | None = None  # None: with the daily report
    charts: bool = True
    catchup_grace_hours: float = 12.0
    misfire_grace_s: int = 3600
    snapshot_minutes: int = 5
    snapshot_keep_days: int = 400
    margin_level_below: float = 150.0  # 0 = never
    drawdown_pct: float = 5.0  # 0 = never
    push_new_deals: bool = False
    deals_min_interval_s: int = 60
    trailing_interval_s: float = 5.0  # trailing stops kept by the bot
    retry_attempts: int = 4  # attempts per push (1 = no retry)
    retry_base_delay_s: float = 5.0  # 5, 10, 20 … capped below
    retry_max_delay_s: float = 120.0
    price_alert_seconds: int = 15  # [price_alerts] check_seconds

    def push_config(self) -> PushConfig:
        return PushConfig(
            charts=self.charts,
            snapshot_keep_days=self.snapshot_keep_days,
            margin_level_below=self.margin_level_below,
            drawdown_pct=self.drawdown_pct,
            retry_attempts=self.retry_attempts,
            retry_base_delay_s=self.retry_base_delay_s,
            retry_max_delay_s=self.retry_max_delay_s,
        )


@dataclass(frozen=True, slots=True)
class IntervalJob:
    """A job the composition root adds (the outbox courier …): `fn` every `seconds`."""

    fn: Callable[[], Awaitable[Any]]
    seconds: float
    id: str
    name: str


class ReportScheduler:
    def __init__(
        self,
        pushes: Pushes,
        config: SchedulerConfig,
        *,
        clock: Callable[[], datetime] | None = None,
        price_alerts: PriceAlerts | None = None,
    ) -> None:
        self.pushes = pushes
        self.config = config
        self.price_alerts = price_alerts  # None: no price-alert job
        self.clock: Callable[[], datetime] = clock or pushes.clock
        self.scheduler: AsyncIOScheduler | None = None
        self.catchup_task: asyncio.Task[dict[str, str]] | None = None
        self._zone: tzinfo | None = None
        self.interval_jobs: list[IntervalJob] = []

    # -- triggers ----------------------------------------------------------------------------
    @property
    def zone(self) -> tzinfo:
        return self._zone or self.pushes.reports.zone()

    def trigger(self, kind: str) -> BaseTrigger:
        c = self.config
        z = self.zone
        if kind in ("daily", "hedge"):
            t = parse_hhmm(c.hedge_at or c.daily_at if kind == "hedge" else c.daily_at)
            return CronTrigger(hour=t.hour, minute=t.minute, timezone=z)
        if kind == "weekly":
            t = parse_hhmm(c.weekly_at)
            return CronTrigger(day_of_week=c.weekly_day, hour=t.hour, minute=t.minute, timezone=z)
        if kind == "monthly":
            t = parse_hhmm(c.monthly_at)
            return CronTrigger(day=1, hour=t.hour, minute=t.minute, timezone=z)
        raise ValueError(kind)

    def fire_times(self, kind: str, start: datetime, end: datetime) -> list[datetime]:
        """Every scheduled time of `kind` with start <= t <= end (the trigger's own rule)."""
        trig = self.trigger(kind)
        out: list[datetime] = []
        nxt = trig.get_next_fire_time(None, start)
        while nxt is not None and nxt <= end:
            out.append(nxt)
            nxt = trig.get_next_fire_time(nxt, nxt + timedelta(seconds=1))
        return out

    def previous_fire(self, kind: str, now: datetime, within: timedelta) -> datetime | None:
        """The latest scheduled time of `kind` at or before `now`, if within `within`."""
        times = self.fire_times(kind, now - within, now)
        return times[-1] if times else None

    # -- jobs --------------------------------------------------------------------------------
    def start(self) -> None:
        """Add the jobs and start APScheduler in the running loop; catch up on a report
        missed while the bot was down (in the background: `catchup_task`)."""
        self._zone = self.pushes.reports.zone()
        c = self.config
        sched = AsyncIOScheduler(
            timezone=self._zone,
            job_defaults={
                "coalesce": True,
                "misfire_grace_time": c.misfire_grace_s,
                "max_instances": 1,
            },
        )
        for kind in REPORT_JOBS:
            sched.add_job(
                self._scheduled_report,
                self.trigger(kind),
                args=[kind],
                id=f"report:{kind}",
                name=f"{kind} report",
                replace_existing=True,
            )
        if c.push_new_deals:
            self.pushes.watch_deals_from(self.clock())
        for job in self.every():
            sched.add_job(
                job.fn,
                IntervalTrigger(seconds=job.seconds, timezone=self._zone),
                id=job.id,
                name=job.name,
                replace_existing=True,
            )
        sched.start()
        self.scheduler = sched
        self.catchup_task = asyncio.get_running_loop().create_task(self.catch_up())

    def every(self) -> list[IntervalJob]:
        """The jobs that run every so many seconds: ours, then the composition root's."""
        c, p = self.config, self.pushes
        jobs = [IntervalJob(p.snapshot, c.snapshot_minutes * 60.0, "snapshot", "equity snapshot")]
        if c.push_new_deals:
            jobs.append(IntervalJob(p.new_deals, c.deals_min_interval_s, "deals", "new deals"))
        if self.price_alerts is not None:
            jobs.append(
                IntervalJob(
                    self.check_price_alerts, c.price_alert_seconds, "price_alerts", "alerts"
                )
            )
        if p.trailing is not None:
            jobs.append(IntervalJob(p.trailing.tick, c.trailing_interval_s, "trailing", "trailing"))
        return [*jobs, *self.interval_jobs]

    async def shutdown(self) -> None:
        if self.catchup_task is not None and not self.catchup_task.done():
            self.catchup_task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self.catchup_task
        if self.scheduler is not None and self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        self.scheduler = None

    async def catch_up(self) -> dict[str, str]:
        """Send once each report whose last scheduled time passed within the grace period
        and that some subscriber has not received. Returns {kind: period key} sent."""
        now = self.clock()
        grace = timedelta(hours=self.config.catchup_grace_hours)
        tried: dict[str, str] = {}
        if grace <= timedelta(0):
            return tried
        for kind in REPORT_JOBS:
            fire = self.previous_fire(kind, now, grace)
            if fire is None:
                continue
            try:
                sent = await self.pushes.report(kind, fire, reason="catch-up")
            except Exception:
                log.exception("catch-up of the %s report failed", kind)
                continue
            if sent:
                tried[kind] = self.pushes.period_key(kind, fire)
        return tried

    async def check_price_alerts(self) -> int:
        """The price-alert job: one call into handlers/alerts.py, delivered by the pushes."""
        if self.price_alerts is None:
            return 0
        return await self.price_alerts.check(self.pushes.deliver)

    async def _scheduled_report(self, kind: str) -> None:
        now = self.clock()
        # the run may be late (misfire grace): report on the period of the scheduled time
        fire = self.previous_fire(kind, now, timedelta(seconds=self.config.misfire_grace_s + 60))
        await self.pushes.report(kind, fire or now, reason="schedule")
