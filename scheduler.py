"""Scheduled pushes: daily/weekly/monthly reports and the hedging summary, equity snapshots,
alerts (margin level, drawdown since the day began, terminal lost/back, new deals).

APScheduler 3.x `AsyncIOScheduler` in the bot's own loop, with an explicit time zone (the report
zone), fixed job ids with `replace_existing=True`, `coalesce=True` and a `misfire_grace_time`.
Jobs live in the default memory store (targets are bound methods; nothing is pickled): what
must survive a restart — subscriptions and which period was already sent to which chat — is in
the database, and `start()` catches up once on a report missed while the bot was down.

Every push goes through one fan-out: one chat failing never silences the others; a failing
push is retried with bounded back-off; every attempt lands in the audit log.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from broker.base import Broker
from broker.errors import BrokerError
from broker.models import Deal, Health
from handlers.messages import Image, Lang, Outgoing, Pusher
from handlers.report_service import ReportAnswer, ReportService
from reports.periods import TradingCalendar, parse_hhmm
from reports.render import SIDE, money
from store.audit import AuditLog
from store.snapshots import SnapshotStore
from store.subscriptions import Subscription, SubscriptionStore

log = logging.getLogger(__name__)

REPORT_JOBS: tuple[str, ...] = ("daily", "weekly", "monthly", "hedge")
# A report that fires less than this long after its trading day (week) began is about the
# day (week) before: a "daily" at 00:05 reports yesterday, one at 23:59 reports today.
EARLY_FIRE = timedelta(hours=6)


@dataclass(frozen=True, slots=True)
class SchedulerConfig:
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
    retry_attempts: int = 4  # attempts per push (1 = no retry)
    retry_base_delay_s: float = 5.0  # 5, 10, 20 … capped below
    retry_max_delay_s: float = 120.0


def _msg(lang: str, zh: str, en: str) -> str:
    return zh if lang == "zh" else en


class ReportScheduler:
    def __init__(
        self,
        report_service: ReportService,
        subscriptions: SubscriptionStore,
        snapshots: SnapshotStore,
        broker: Broker,
        pusher: Pusher,
        audit: AuditLog,
        config: SchedulerConfig,
        clock: Callable[[], datetime] | None = None,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
    ) -> None:
        self.service = report_service
        self.subs = subscriptions
        self.snapshots = snapshots
        self.broker = broker
        self.pusher = pusher
        self.audit = audit
        self.config = config
        self.clock: Callable[[], datetime] = clock or (lambda: datetime.now(UTC))
        self._sleep = sleep
        self.scheduler: AsyncIOScheduler | None = None
        self.catchup_task: asyncio.Task[dict[str, str]] | None = None
        self._zone: tzinfo | None = None
        # alert state (in memory: after a restart an ongoing condition is reported once more)
        self._terminal_down = False
        self._margin_alerted = False
        self._drawdown_alert_day: date | None = None
        self._deals_since: datetime | None = None
        self._deals_seen: set[int] = set()
        self._last_prune: date | None = None

    # -- schedule ------------------------------------------------------------------------
    @property
    def zone(self) -> tzinfo:
        return self._zone or self.service.zone()

    def calendar(self) -> TradingCalendar:
        return self.service.calendar()

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
        prev: datetime | None = None
        nxt = trig.get_next_fire_time(None, start)
        while nxt is not None and nxt <= end:
            out.append(nxt)
            prev = nxt
            nxt = trig.get_next_fire_time(prev, nxt + timedelta(seconds=1))
        return out

    def previous_fire(self, kind: str, now: datetime, within: timedelta) -> datetime | None:
        """The latest scheduled time of `kind` at or before `now`, if within `within`."""
        times = self.fire_times(kind, now - within, now)
        return times[-1] if times else None

    def report_day(self, kind: str, fire: datetime) -> date:
        """The trading day whose period a run at `fire` reports on."""
        cal = self.calendar()
        d = cal.trading_day(fire)
        if kind == "monthly":
            return d.replace(day=1) - timedelta(days=1)  # the month before
        if kind == "weekly":
            week = cal.week(d)
            if fire - week.start < EARLY_FIRE:
                return d - timedelta(days=1)
            return d
        if kind == "daily" and fire - cal.day_start_utc(d) < EARLY_FIRE:
            return d - timedelta(days=1)
        return d

    def period_key(self, kind: str, fire: datetime) -> str:
        if kind == "hedge":
            return self.calendar().trading_day(fire).isoformat()
        return self.calendar().for_kind(kind, self.report_day(kind, fire)).key

    def start(self) -> None:
        """Add the jobs and start APScheduler in the running loop; catch up on a report
        missed while the bot was down (in the background: `catchup_task`)."""
        self._zone = self.service.zone()
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
        sched.add_job(
            self.snapshot_once,
            IntervalTrigger(minutes=c.snapshot_minutes, timezone=self._zone),
            id="snapshot",
            name="equity snapshot and alerts",
            replace_existing=True,
        )
        if c.push_new_deals:
            self._deals_since = self.clock()
            sched.add_job(
                self.push_new_deals,
                IntervalTrigger(seconds=c.deals_min_interval_s, timezone=self._zone),
                id="deals",
                name="new deals",
                replace_existing=True,
            )
        sched.start()
        self.scheduler = sched
        self.catchup_task = asyncio.get_running_loop().create_task(self.catch_up())

    async def shutdown(self) -> None:
        if self.catchup_task is not None and not self.catchup_task.done():
            self.catchup_task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self.catchup_task
        if self.scheduler is not None and self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        self.scheduler = None

    # -- reports -------------------------------------------------------------------------
    async def catch_up(self) -> dict[str, str]:
        """Send once each report whose last scheduled time passed within the grace period
        and that some subscriber has not received. Returns {kind: period key} tried."""
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
                sent = await self.run_report(kind, fire, reason="catch-up")
            except Exception:
                log.exception("catch-up of the %s report failed", kind)
                continue
            if sent:
                tried[kind] = self.period_key(kind, fire)
        return tried

    async def _scheduled_report(self, kind: str) -> None:
        now = self.clock()
        # the run may be late (misfire grace): report on the period of the scheduled time
        fire = self.previous_fire(kind, now, timedelta(seconds=self.config.misfire_grace_s + 60))
        await self.run_report(kind, fire or now, reason="schedule")

    async def run_report(self, kind: str, fire: datetime, reason: str = "schedule") -> int:
        """Push report `kind` for the period of scheduled time `fire` to every subscriber that
        has not had it; returns how many chats received it now."""
        key = self.period_key(kind, fire)
        subs = await self.subs.list_for_kind(kind)
        todo = [s for s in subs if not await self.subs.was_sent(kind, key, s.platform, s.chat_id)]
        if not todo:
            return 0
        answers: dict[str, ReportAnswer] = {}
        delivered = 0
        for sub in todo:
            lang: Lang = "en" if sub.lang == "en" else "zh"
            if lang not in answers:
                answers[lang] = await self._build(kind, fire, lang)
            ans = answers[lang]
            if not ans.ok:
                # tell the chat, but leave it unmarked: the next start catches up
                await self._push(sub, Outgoing(ans.text, lang=lang, kind="push"), kind, key)
                continue
            out = Outgoing(ans.text, images=list(ans.images), lang=lang, kind="push")
            if await self._push(sub, out, kind, key, reason=reason):
                await self.subs.mark_sent(kind, key, sub.platform, sub.chat_id)
                delivered += 1
        return delivered

    async def _build(self, kind: str, fire: datetime, lang: Lang) -> ReportAnswer:
        attempts = max(1, self.config.retry_attempts)
        ans = ReportAnswer("", ok=False)
        for attempt in range(attempts):
            if kind == "hedge":
                ans = await self.service.hedge(
                    lang=lang, now=self.clock(), charts=self.config.charts
                )
            else:
                ans = await self.service.report(
                    kind=kind,
                    period=None,
                    lang=lang,
                    now=self.clock(),
                    charts=self.config.charts,
                    day=self.report_day(kind, fire),
                )
            if ans.ok:
                return ans
            await self._record(
                "report_failed",
                detail={"kind": kind, "attempt": attempt + 1, "text": ans.text[:200]},
            )
            if attempt + 1 < attempts:
                await self._sleep(self._delay(attempt))
        return ans

    def _delay(self, attempt: int) -> float:
        c = self.config
        return float(min(c.retry_base_delay_s * (2**attempt), c.retry_max_delay_s))

    async def _record(self, event: str, **kw: Any) -> None:
        try:
            await self.audit.record(event, **kw)
        except Exception:  # the audit log failing must not stop a push
            log.exception("audit record failed")

    async def _push(
        self, sub: Subscription, out: Outgoing, kind: str, key: str = "", reason: str = ""
    ) -> bool:
        attempts = max(1, self.config.retry_attempts)
        for attempt in range(attempts):
            detail = {
                "kind": kind,
                "period": key,
                "attempt": attempt + 1,
                "reason": reason,
                "images": len(out.images),
                "chars": len(out.text),
            }
            try:
                await self.pusher.push(sub.platform, sub.chat_id, out)
            except Exception as exc:
                detail["error"] = f"{type(exc).__name__}: {exc}"[:300]
                await self._record(
                    "push_failed", platform=sub.platform, chat_id=sub.chat_id, detail=detail
                )
                if attempt + 1 < attempts:
                    await self._sleep(self._delay(attempt))
                continue
            await self._record("push", platform=sub.platform, chat_id=sub.chat_id, detail=detail)
            return True
        log.warning(
            "push of %s to %s:%s gave up after %d attempts",
            kind,
            sub.platform,
            sub.chat_id,
            attempts,
        )
        return False

    async def _fan_out(
        self, kind: str, make: Callable[[Lang], str], images: list[Image] | None = None
    ) -> int:
        n = 0
        for sub in await self.subs.list_for_kind(kind):
            lang: Lang = "en" if sub.lang == "en" else "zh"
            out = Outgoing(make(lang), images=list(images or []), lang=lang, kind="push")
            try:
                if await self._push(sub, out, kind):
                    n += 1
            except Exception:  # one chat never silences the others
                log.exception("push to %s:%s failed", sub.platform, sub.chat_id)
        return n

    async def alert(self, code: str, zh: str, en: str) -> int:
        await self._record("alert", detail={"code": code, "text": en})
        return await self._fan_out("alerts", lambda lang: _msg(lang, zh, en))

    # -- snapshots and alerts ------------------------------------------------------------
    async def snapshot_once(self) -> None:
        now = self.clock()
        try:
            acc = await self.broker.account()
        except BrokerError as exc:
            log.info("no equity snapshot: %s", exc)
            return
        await self.snapshots.add(now, acc.balance, acc.equity, acc.margin_level)
        c = self.config
        ml = acc.margin_level
        if c.margin_level_below > 0:
            if ml is not None and ml < c.margin_level_below:
                if not self._margin_alerted:
                    self._margin_alerted = True
                    so = f"{acc.margin_so_so:.0f}%" if acc.margin_so_so else "?"
                    await self.alert(
                        "margin",
                        f"⚠️ 保证金比例 {ml:.0f}%，低于提醒线 {c.margin_level_below:.0f}%"
                        f"（强平线 {so}）。净值 {money(acc.equity, False)}，"
                        f"已用保证金 {money(acc.margin, False)}。",
                        f"⚠️ Margin level {ml:.0f}% is below {c.margin_level_below:.0f}% "
                        f"(stop-out {so}). Equity {money(acc.equity, False)}, margin "
                        f"{money(acc.margin, False)}.",
                    )
            elif ml is None or ml >= c.margin_level_below * 1.1:
                self._margin_alerted = False  # recovered with some room: may alert again
        if c.drawdown_pct > 0:
            cal = self.calendar()
            day = cal.trading_day(now)
            base = await self.snapshots.first_since(cal.day_start_utc(day))
            if base is not None and base.equity > 0 and self._drawdown_alert_day != day:
                dd = (base.equity - acc.equity) / base.equity * 100.0
                if dd >= c.drawdown_pct:
                    self._drawdown_alert_day = day
                    await self.alert(
                        "drawdown",
                        f"⚠️ 净值较今日开始下跌 {dd:.1f}%：{money(base.equity, False)} → "
                        f"{money(acc.equity, False)}（提醒线 {c.drawdown_pct:g}%）。",
                        f"⚠️ Equity is down {dd:.1f}% since the day began: "
                        f"{money(base.equity, False)} → {money(acc.equity, False)} "
                        f"(threshold {c.drawdown_pct:g}%).",
                    )
        if self._last_prune != now.date():
            self._last_prune = now.date()
            with contextlib.suppress(Exception):
                await self.snapshots.prune(now - timedelta(days=c.snapshot_keep_days))

    async def on_terminal_down(self, health: Health | None = None) -> None:
        """For the broker supervisor: the terminal went away (alerted once per outage)."""
        if self._terminal_down:
            return
        self._terminal_down = True
        why_en = f" ({health.message})" if health and health.message else ""
        why_zh = f"（{health.message_zh}）" if health and health.message_zh else ""
        await self.alert(
            "terminal_down",
            f"🔌 交易终端连接中断{why_zh}，正在自动重连；期间暂停交易。",
            f"🔌 Lost the trading terminal{why_en}; reconnecting. Trading is paused meanwhile.",
        )

    async def on_terminal_up(self, health: Health | None = None) -> None:
        """For the broker supervisor: the terminal is back."""
        if not self._terminal_down:
            return
        self._terminal_down = False
        await self.alert(
            "terminal_up",
            "✅ 交易终端已重新连接，恢复交易。",
            "✅ The trading terminal is connected again; trading resumed.",
        )

    async def push_new_deals(self) -> int:
        """Aggregate deals since the last look into one message per chat."""
        now = self.clock()
        since = self._deals_since or now
        try:
            deals = await self.broker.deals(
                since - timedelta(seconds=5), now + timedelta(minutes=1)
            )
        except BrokerError as exc:
            log.info("new deals unavailable: %s", exc)
            return 0
        new = [
            d
            for d in deals
            if d.ticket not in self._deals_seen and d.time >= since - timedelta(seconds=5)
        ]
        for d in deals:
            self._deals_seen.add(d.ticket)
        if deals:
            self._deals_since = max(d.time for d in deals)
        if len(self._deals_seen) > 10_000:
            self._deals_seen = {d.ticket for d in deals}
        if not new:
            return 0
        new.sort(key=lambda d: d.time)
        return await self._fan_out("deals", lambda lang: deals_text(new, lang))


def deals_text(deals: list[Deal], lang: Lang, limit: int = 10) -> str:
    zh = lang == "zh"
    lines = [f"🔔 {len(deals)} 笔新成交：" if zh else f"🔔 {len(deals)} new deal(s):"]
    entry_zh = {"in": "开仓", "out": "平仓", "inout": "反手", "out_by": "对冲平仓"}
    for d in deals[:limit]:
        if d.type in ("buy", "sell"):
            side = SIDE[d.type][lang]
            what = (
                entry_zh.get(d.entry, d.entry)
                if zh
                else {"in": "open", "out": "close"}.get(d.entry, d.entry)
            )
            pnl = f" {money(d.net)}" if d.entry != "in" else ""
            lines.append(
                f"  {d.symbol or d.broker_symbol} {side} {d.volume:.2f} {what} @ {d.price:g}{pnl}"
            )
        else:
            lines.append(f"  {d.type} {money(d.profit)} {d.comment}".rstrip())
    if len(deals) > limit:
        rest = sum(d.net for d in deals[limit:])
        lines.append(
            f"  …另有 {len(deals) - limit} 笔，合计 {money(rest)}"
            if zh
            else f"  …and {len(deals) - limit} more, net {money(rest)}"
        )
    total = sum(d.net for d in deals if d.type in ("buy", "sell"))
    lines.append(("合计已实现：" if zh else "Net realised: ") + money(total))
    return "\n".join(lines)
