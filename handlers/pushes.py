"""What goes out without being asked: scheduled reports, alerts (margin level, drawdown since
the day began, terminal lost/back), new-deal notices and the equity snapshots the alerts are
measured against. The outgoing brain, as `handlers/conversation.py` is the incoming one.

`scheduler.py` only says *when*; everything here decides *what* and *to whom*: which period a
scheduled time reports on, which chats get it (`recipients`: the subscribers and the default
audience of handlers/subscriptions.py — admins get alerts without subscribing), the text, and delivery through the `Pusher`
port (one attempt per call) with bounded retries:

- `PermanentPlatformError` (blocked, chat gone, bad request) is never retried — the app would
  refuse the same message again; `LookupError` (the platform is not running) likewise;
- `TemporaryPlatformError` and anything unclassified are retried with back-off
  (base · 2^attempt, capped), waiting at least the `retry_after` the app asked for;
- every attempt lands in the audit log, and one chat failing never silences the others.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, Protocol

from broker.base import Broker
from broker.errors import BrokerError
from broker.models import Account, Deal, Note
from handlers.broker_text import words
from handlers.i18n import STRINGS, t
from handlers.messages import (
    Image,
    Lang,
    Outgoing,
    PermanentPlatformError,
    Pusher,
    TemporaryPlatformError,
)
from handlers.report_service import ReportAnswer, ReportService
from handlers.subscriptions import Audience
from handlers.trailing import TrailingKeeper
from reports.numbers import money
from reports.periods import TradingCalendar
from store.audit import AuditLog
from store.snapshots import SnapshotStore
from store.subscriptions import Subscription, SubscriptionStore

log = logging.getLogger(__name__)

# A report that fires less than this long after its trading day (week) began is about the
# day (week) before: a "daily" at 00:05 reports yesterday, one at 23:59 reports today.
EARLY_FIRE = timedelta(hours=6)
# Deals are fetched with this overlap, so one booked a moment late is not missed.
_DEALS_OVERLAP = timedelta(seconds=5)
_DEALS_SEEN_MAX = 10_000  # tickets remembered against duplicates before the set is rebuilt

Sleep = Callable[[float], Awaitable[Any]]


@dataclass(frozen=True, slots=True)
class PushConfig:
    charts: bool = True
    snapshot_keep_days: int = 400
    margin_level_below: float = 150.0  # 0 = never
    drawdown_pct: float = 5.0  # 0 = never
    retry_attempts: int = 4  # attempts per push (1 = no retry)
    retry_base_delay_s: float = 5.0  # 5, 10, 20 … capped below
    retry_max_delay_s: float = 120.0


class TerminalNote(Protocol):
    """What the broker supervisor says about the terminal (`broker.models.Health`)."""

    @property
    def note(self) -> Note: ...


def lang_of(sub: Subscription) -> Lang:
    return "en" if sub.lang == "en" else "zh"


class Pushes:
    def __init__(
        self,
        reports: ReportService,
        subscriptions: SubscriptionStore,
        snapshots: SnapshotStore,
        broker: Broker,
        pusher: Pusher,
        audit: AuditLog,
        config: PushConfig,
        *,
        clock: Callable[[], datetime] | None = None,
        sleep: Sleep = asyncio.sleep,
        on_terminal_up: Callable[[], Awaitable[object]] | None = None,
        audience: Audience | None = None,
        trailing: TrailingKeeper | None = None,
    ) -> None:
        self.reports = reports
        self.subs = subscriptions
        # without one: the subscribers only (no default audience)
        self.audience = audience if audience is not None else Audience(subscriptions)
        self.snapshots = snapshots
        self.broker = broker
        self.pusher = pusher
        self.audit = audit
        self.config = config
        self.clock: Callable[[], datetime] = clock or (lambda: datetime.now(UTC))
        self._sleep = sleep
        # what else the terminal's return starts (handlers/recovery.py looks up interrupted
        # trades), so the supervisor keeps its one on_reconnect
        self.on_terminal_up = on_terminal_up
        # alert state (in memory: after a restart an ongoing condition is reported once more)
        self._terminal_down = False
        self._margin_alerted = False
        self._drawdown_alert_day: date | None = None
        self._deals_since: datetime | None = None
        self._deals_seen: set[int] = set()
        # told of every batch of new deals (the gateway's WebSocket trade events)
        self.deal_listeners: list[Callable[[list[Deal]], Awaitable[object]]] = []
        self._last_prune: date | None = None
        # trailing stops kept by the bot: the scheduler ticks it, it tells owners through us
        self.trailing = trailing
        if trailing is not None:
            trailing.notify = self.tell
        # who else wants the deals the watcher found (handlers/day_pnl.py: the daily-loss
        # tracker counts them, so the next preview needs no look at the history of its own)
        self.on_deals: Callable[[Sequence[Deal]], object] | None = None

    # -- which period a scheduled time reports on -------------------------------------------
    def calendar(self) -> TradingCalendar:
        return self.reports.calendar()

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

    # -- who receives ------------------------------------------------------------------------
    async def recipients(self, kind: str) -> list[Subscription]:
        """Every chat that receives `kind`: its subscribers, and the listed users it goes to by
        default (`[notifications]`), less those who unsubscribed — each chat once."""
        return await self.audience.recipients(kind)

    # -- scheduled reports -------------------------------------------------------------------
    async def report(self, kind: str, fire: datetime, reason: str = "schedule") -> int:
        """Push report `kind` for the period of scheduled time `fire` to every subscriber that
        has not had it; returns how many chats received it now."""
        key = self.period_key(kind, fire)
        subs = await self.recipients(kind)
        todo = [s for s in subs if not await self.subs.was_sent(kind, key, s.platform, s.chat_id)]
        answers: dict[Lang, ReportAnswer] = {}
        delivered = 0
        for sub in todo:
            lang = lang_of(sub)
            if lang not in answers:
                answers[lang] = await self._build(kind, fire, lang)
            ans = answers[lang]
            if not ans.ok:
                # tell the chat, but leave it unmarked: the next start catches up
                await self.deliver(sub, Outgoing(ans.text, lang=lang, kind="push"), kind, key)
                continue
            out = Outgoing(
                ans.text,
                buttons=list(ans.buttons),  # the hedge summary's one-tap suggestions
                images=list(ans.images),
                lang=lang,
                kind="push",
            )
            if await self.deliver(sub, out, kind, key, reason=reason):
                await self.subs.mark_sent(kind, key, sub.platform, sub.chat_id)
                delivered += 1
        return delivered

    async def _build_once(self, kind: str, fire: datetime, lang: Lang) -> ReportAnswer:
        if kind == "hedge":
            return await self.reports.hedge(lang=lang, now=self.clock(), charts=self.config.charts)
        return await self.reports.report(
            kind=kind,
            period=None,
            lang=lang,
            now=self.clock(),
            charts=self.config.charts,
            day=self.report_day(kind, fire),
        )

    async def _build(self, kind: str, fire: datetime, lang: Lang) -> ReportAnswer:
        attempts = max(1, self.config.retry_attempts)
        ans = ReportAnswer("", ok=False)
        for attempt in range(attempts):
            ans = await self._build_once(kind, fire, lang)
            if ans.ok:
                return ans
            await self._record(
                "report_failed",
                detail={"kind": kind, "attempt": attempt + 1, "text": ans.text[:200]},
            )
            if attempt + 1 < attempts:
                await self._sleep(self.backoff(attempt))
        return ans

    # -- delivery ----------------------------------------------------------------------------
    def backoff(self, attempt: int) -> float:
        """Seconds before attempt `attempt + 2` (attempt 0 failed: base, then 2·base …)."""
        c = self.config
        return float(min(c.retry_base_delay_s * (2**attempt), c.retry_max_delay_s))

    def retry_delay(self, attempt: int, exc: BaseException) -> float | None:
        """Seconds to wait before trying again after `exc`, or None: do not try again."""
        if isinstance(exc, PermanentPlatformError | LookupError):
            return None
        if attempt + 1 >= max(1, self.config.retry_attempts):
            return None
        delay = self.backoff(attempt)
        asked = exc.retry_after if isinstance(exc, TemporaryPlatformError) else None
        if asked is not None:
            if asked > self.config.retry_max_delay_s:
                return None  # sooner would be refused again; the catch-up tries later
            delay = max(delay, asked)
        return delay

    async def deliver(
        self, sub: Subscription, out: Outgoing, kind: str, key: str = "", reason: str = ""
    ) -> bool:
        """One message to one chat through the `Pusher`, retried as `retry_delay` says;
        every attempt audited. True when it was delivered."""
        attempt = 0
        while True:
            detail: dict[str, Any] = {
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
                delay = self.retry_delay(attempt, exc)
                detail["error"] = f"{type(exc).__name__}: {exc}"[:300]
                detail["retry_in_s"] = delay
                await self._record(
                    "push_failed", platform=sub.platform, chat_id=sub.chat_id, detail=detail
                )
                if delay is None:
                    break
                await self._sleep(delay)
                attempt += 1
                continue
            await self._record("push", platform=sub.platform, chat_id=sub.chat_id, detail=detail)
            return True
        log.warning(
            "push of %s to %s:%s gave up after %d attempt(s)",
            kind,
            sub.platform,
            sub.chat_id,
            attempt + 1,
        )
        return False

    async def tell(self, platform: str, chat_id: str, out: Outgoing) -> bool:
        """One message to one chat that is no subscription (the owner of a trailing stop),
        retried and audited like every push."""
        return await self.deliver(
            Subscription(platform, chat_id, "trailing", out.lang), out, "trailing"
        )

    async def fan_out(
        self, kind: str, make: Callable[[Lang], str], images: Sequence[Image] = ()
    ) -> int:
        """One message per subscriber of `kind`, in the subscriber's language; returns how
        many chats received it."""
        n = 0
        for sub in await self.recipients(kind):
            lang = lang_of(sub)
            out = Outgoing(make(lang), images=list(images), lang=lang, kind="push")
            try:
                if await self.deliver(sub, out, kind):
                    n += 1
            except Exception:  # one chat never silences the others
                log.exception("push to %s:%s failed", sub.platform, sub.chat_id)
        return n

    async def _record(self, event: str, **kw: Any) -> None:
        try:
            await self.audit.record(event, **kw)
        except Exception:  # the audit log failing must not stop a push
            log.exception("audit record failed")

    # -- alerts ------------------------------------------------------------------------------
    async def alert(self, code: str, key: str, **values: object) -> int:
        """Alert every "alerts" subscriber with i18n entry `key`; audited under `code`."""
        return await self.alert_text(code, lambda lang: t(lang, key, **values))

    async def alert_text(self, code: str, make: Callable[[Lang], str]) -> int:
        await self._record("alert", detail={"code": code, "text": make("en")})
        return await self.fan_out("alerts", make)

    async def snapshot(self) -> None:
        """Take an equity snapshot, alert on margin level and drawdown, prune old snapshots."""
        now = self.clock()
        try:
            acc = await self.broker.account()
        except BrokerError as exc:
            log.info("no equity snapshot: %s", exc)
            return
        await self.snapshots.add(now, acc.balance, acc.equity, acc.margin_level)
        await self._check_margin(acc)
        await self._check_drawdown(acc, now)
        if self._last_prune != now.date():
            self._last_prune = now.date()
            with contextlib.suppress(Exception):
                keep = timedelta(days=self.config.snapshot_keep_days)
                await self.snapshots.prune(now - keep)

    async def _check_margin(self, acc: Account) -> None:
        below = self.config.margin_level_below
        ml = acc.margin_level
        if below <= 0:
            return
        if ml is None or ml >= below * 1.1:
            self._margin_alerted = False  # recovered with some room: may alert again
            return
        if ml >= below or self._margin_alerted:
            return
        self._margin_alerted = True
        await self.alert(
            "margin",
            "alert_margin",
            level=ml,
            threshold=below,
            stop_out=f"{acc.margin_so_so:.0f}%" if acc.margin_so_so else "?",
            equity=money(acc.equity),
            margin=money(acc.margin),
        )

    async def _check_drawdown(self, acc: Account, now: datetime) -> None:
        threshold = self.config.drawdown_pct
        if threshold <= 0:
            return
        cal = self.calendar()
        day = cal.trading_day(now)
        base = await self.snapshots.first_since(cal.day_start_utc(day))
        if base is None or base.equity <= 0 or self._drawdown_alert_day == day:
            return
        down = (base.equity - acc.equity) / base.equity * 100.0
        if down < threshold:
            return
        self._drawdown_alert_day = day
        await self.alert(
            "drawdown",
            "alert_drawdown",
            down=down,
            start=money(base.equity),
            now=money(acc.equity),
            threshold=threshold,
        )

    async def terminal_down(self, health: TerminalNote | None = None) -> None:
        """For the broker supervisor: the terminal went away (alerted once per outage)."""
        if self._terminal_down:
            return
        self._terminal_down = True
        zh, en = words(health.note) if health else ("", "")
        reason = {"en": en, "zh": zh}
        await self.alert_text("terminal_down", lambda lang: _terminal_down_text(lang, reason))

    async def terminal_up(self, health: TerminalNote | None = None) -> None:
        """For the broker supervisor: the terminal is back."""
        if self.on_terminal_up is not None:
            await self.on_terminal_up()
        if not self._terminal_down:
            return
        self._terminal_down = False
        await self.alert("terminal_up", "alert_terminal_up")

    # -- new deals ---------------------------------------------------------------------------
    def watch_deals_from(self, since: datetime) -> None:
        """Deals before `since` are history, not news (set when the deals job starts)."""
        self._deals_since = since

    async def new_deals(self, *, fan_out: bool = True) -> int:
        """Aggregate deals since the last look into one message per chat. Every listener in
        `deal_listeners` (the gateway's WebSocket) is told the new deals first; `fan_out`
        False: only they are (a look of the gateway's while no deals job runs)."""
        now = self.clock()
        since = self._deals_since or now
        try:
            deals = await self.broker.deals(since - _DEALS_OVERLAP, now + timedelta(minutes=1))
        except BrokerError as exc:
            log.info("new deals unavailable: %s", exc)
            return 0
        new = [
            d
            for d in deals
            if d.ticket not in self._deals_seen and d.time >= since - _DEALS_OVERLAP
        ]
        if self.on_deals is not None and deals:
            self.on_deals(deals)
        self._deals_seen.update(d.ticket for d in deals)
        if deals:
            self._deals_since = max(d.time for d in deals)
        if len(self._deals_seen) > _DEALS_SEEN_MAX:
            self._deals_seen = {d.ticket for d in deals}
        if not new:
            return 0
        new.sort(key=lambda d: d.time)
        own = self.reports.config.own_magic
        for listener in list(self.deal_listeners):
            try:
                await listener(new)
            except Exception:  # a listener's trouble never costs the chats their notice
                log.exception("a new-deals listener failed")
        if not fan_out:
            return 0
        return await self.fan_out("deals", lambda lang: deals_text(new, lang, own_magic=own))


def _terminal_down_text(lang: Lang, reason: dict[str, str]) -> str:
    why = t(lang, "alert_terminal_down_why", reason=reason[lang]) if reason[lang] else ""
    return t(lang, "alert_terminal_down", why=why)


# ENUM_DEAL_REASON of the MetaTrader 5 documentation (MQL5 reference, "Deal Properties"):
# why the terminal booked a deal. The paper terminal books the same values
# (broker/paper/constants.py).
DEAL_REASON_CLIENT = 0  # from the desktop terminal, by hand
DEAL_REASON_MOBILE = 1  # from a mobile app, by hand
DEAL_REASON_WEB = 2  # from the web terminal, by hand
DEAL_REASON_EXPERT = 3  # by an MQL5 program (an EA, a script) or the Python API
DEAL_REASON_SL = 4  # the stop loss triggered
DEAL_REASON_TP = 5  # the take profit triggered
DEAL_REASON_SO = 6  # the stop-out (margin call liquidation)
_BY_HAND = {DEAL_REASON_CLIENT: "", DEAL_REASON_MOBILE: "_mobile", DEAL_REASON_WEB: "_web"}
_TRIGGERED = {DEAL_REASON_SL: "sl", DEAL_REASON_TP: "tp", DEAL_REASON_SO: "so"}


def close_reason(d: Deal, lang: Lang, own_magic: int | None = None) -> str:
    """Why a closing deal closed its position: its stop loss, take profit or a stop-out; this
    bot (its idempotency comment `tc:…` or its magic on a programmatic deal); an EA (with its
    magic); by hand (desktop, mobile, web). Empty when the deal says nothing we can word."""
    if d.reason in _TRIGGERED:
        return t(lang, f"tr_reason_{_TRIGGERED[d.reason]}")
    if d.comment.startswith("tc:"):  # our idempotency comment (handlers/execute.py)
        return t(lang, "tr_reason_bot")
    if d.reason == DEAL_REASON_EXPERT:
        if own_magic is not None and d.magic == own_magic:
            return t(lang, "tr_reason_bot")
        return t(lang, "tr_reason_ea", magic=d.magic) if d.magic else t(lang, "tr_reason_program")
    if d.reason in _BY_HAND:
        return t(lang, f"tr_reason_hand{_BY_HAND[d.reason]}")
    return ""


def _deal_line(d: Deal, lang: Lang, own_magic: int | None = None) -> str:
    if d.type not in ("buy", "sell"):
        return f"  {d.type} {money(d.profit, signed=True)} {d.comment}".rstrip()
    key = f"deals_entry_{d.entry}"
    what = t(lang, key) if key in STRINGS else d.entry
    pnl = f" {money(d.net, signed=True)}" if d.entry != "in" else ""
    side = t(lang, f"deals_side_{d.type}")
    line = f"  {d.symbol or d.broker_symbol} {side} {d.volume:.2f} {what} @ {d.price:g}{pnl}"
    why = close_reason(d, lang, own_magic) if d.entry != "in" else ""
    return f"{line} · {why}" if why else line


def deals_text(
    deals: Sequence[Deal], lang: Lang, limit: int = 10, *, own_magic: int | None = None
) -> str:
    """The new-deal notice: up to `limit` deals, each closing one with why it closed
    (`close_reason`), then one line for the rest, then the total."""
    lines = [t(lang, "deals_head", n=len(deals))]
    lines.extend(_deal_line(d, lang, own_magic) for d in deals[:limit])
    if len(deals) > limit:
        rest = sum(d.net for d in deals[limit:])
        lines.append(t(lang, "deals_more", n=len(deals) - limit, net=money(rest, signed=True)))
    total = sum(d.net for d in deals if d.type in ("buy", "sell"))
    lines.append(t(lang, "deals_total", net=money(total, signed=True)))
    return "\n".join(lines)
