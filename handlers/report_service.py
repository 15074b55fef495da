"""Reports on demand and for the scheduler: fetch from the broker, compute with `reports/`,
render text (zh/en), Markdown and charts. Every failure becomes a message for a person.

Numbers come only from broker data. An optional `commentary` callable (an LLM) may add a short
paragraph under them; it never supplies a number and its failure only drops the paragraph.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, tzinfo
from types import ModuleType
from typing import Any

from broker.base import Broker
from broker.errors import BrokerError
from broker.models import Account, Bar, Deal, Position, SymbolSpec
from handlers.broker_text import note_text
from handlers.hedge_actions import suggestion_buttons
from handlers.i18n import t
from handlers.messages import Button, Image, Lang
from reports import render
from reports.clock import UserClock
from reports.hedge import HedgeRules, HedgeSummary, compute_hedge
from reports.periods import Period, PeriodError, TradingCalendar, make_zone
from reports.pnl import PnLReport, compute_pnl
from store.db import Database
from store.snapshots import Snapshot, SnapshotStore

log = logging.getLogger(__name__)


def _charts() -> ModuleType:
    """`reports.charts` — and with it matplotlib and numpy, most of a second — loaded when
    the first chart is drawn, not when the bot starts (`tradechat chat` and `parse` never
    draw one; tests/bot/cli/test_lazy_imports.py keeps it so)."""
    from reports import charts

    return charts


Commentary = Callable[[str], Awaitable[str | None]]
REPORT_KINDS: tuple[str, ...] = ("daily", "weekly", "monthly", "hedge")
_KIND_PERIOD = {"daily": "today", "weekly": "week", "monthly": "month"}


@dataclass(frozen=True, slots=True)
class ReportConfig:
    timezone: str = "server"  # "server" (the broker's clock) or an IANA name
    # used when timezone = "server" and the broker cannot tell its offset
    server_utc_offset_hours: float | None = None
    day_starts_at: str = "00:00"
    charts: bool = True
    hedge_rules: HedgeRules = field(default_factory=HedgeRules)
    commentary_timeout_s: float = 20.0
    own_magic: int | None = None  # `[broker] magic`: the bot's own orders, named "tradechat"


@dataclass
class ReportAnswer:
    text: str
    images: list[Image] = field(default_factory=list)
    markdown: str = ""
    ok: bool = True  # False: the text explains why there is no report
    period_key: str = ""
    # one-tap plans of the hedge summary's suggestions (handlers/hedge_actions.py)
    buttons: list[Button] = field(default_factory=list)


class ReportService:
    def __init__(
        self,
        broker: Broker,
        db: Database,
        config: ReportConfig,
        commentary: Commentary | None = None,
    ) -> None:
        self.broker = broker
        self.db = db
        self.config = config
        self.commentary = commentary
        self.snapshots = SnapshotStore(db)
        make_zone(config.timezone, config.server_utc_offset_hours)  # fail early on a bad name

    # -- time ----------------------------------------------------------------------------
    def zone(self) -> tzinfo:
        if self.config.timezone == "server":
            offset: Any = getattr(self.broker, "server_utc_offset_hours", None)
            if not isinstance(offset, int | float):
                offset = self.config.server_utc_offset_hours
            return make_zone("server", offset)
        return make_zone(self.config.timezone)

    def user_clock(self) -> UserClock:
        """The one clock for times shown to people (see reports/clock.py)."""
        return UserClock(self.zone(), server=self.config.timezone == "server")

    def zone_label(self, lang: Lang = "en", at: datetime | None = None) -> str:
        """ "UTC+8", "server time UTC+2" / "服务器时间 UTC+2": which clock the times are in."""
        return self.user_clock().zone_name(lang, at)

    def calendar(self) -> TradingCalendar:
        return TradingCalendar(self.zone(), self.config.day_starts_at)

    def trading_day_start(self, now: datetime) -> datetime:
        return self.calendar().trading_day_start(now)

    # -- broker data ---------------------------------------------------------------------
    async def _deals(self, start: datetime, end: datetime) -> list[Deal]:
        return await self.broker.deals(start, end)

    async def _account(self) -> Account | None:
        try:
            return await self.broker.account()
        except BrokerError as exc:
            log.warning("account unavailable for a report: %s", exc)
            return None

    async def _positions(self) -> list[Position] | None:
        try:
            return await self.broker.positions()
        except BrokerError as exc:
            log.warning("positions unavailable for a report: %s", exc)
            return None

    async def _specs(self) -> dict[str, SymbolSpec]:
        try:
            return {s.symbol: s for s in await self.broker.symbols()}
        except BrokerError:
            return {}

    async def _snapshots(self, p: Period) -> list[Snapshot]:
        try:
            return await self.snapshots.between(p.start, p.end)
        except Exception:  # a report without a drawdown line beats no report
            log.exception("equity snapshots unavailable")
            return []

    def _failure(self, exc: BaseException, lang: Lang) -> ReportAnswer:
        if isinstance(exc, BrokerError):
            reason = note_text(exc.note, lang)
        elif isinstance(exc, PeriodError):
            return ReportAnswer(exc.text(lang), ok=False)
        else:
            log.error("report failed", exc_info=exc)
            reason = t(lang, "report_internal_error")
        return ReportAnswer(t(lang, "report_history_failed", reason=reason), ok=False)

    async def _compute(
        self, p: Period, now: datetime, *, symbol: str | None = None, magic: int | None = None
    ) -> PnLReport:
        cal = self.calendar()
        # up to now, so that the balance curve can be walked back from today's balance
        end = max(p.end, now) + timedelta(minutes=1)
        # columns, not a `Deal` per deal: a period can hold a million of them
        deals = await self.broker.deal_columns(p.start, end)
        account, positions, snaps = await asyncio.gather(
            self._account(), self._positions(), self._snapshots(p)
        )
        rep = await asyncio.to_thread(
            compute_pnl,
            deals,
            p,
            cal,
            positions=positions,
            account=account,
            snapshots=snaps,
            symbol=symbol,
            magic=magic,
            now=now,
        )
        if p.end > now and rep.balance_curve:  # a running period: the curve stops at now
            past = [pt for pt in rep.balance_curve if pt[0] <= now]
            later = [pt for pt in rep.balance_curve if pt[0] > now]
            rep.balance_curve = past + ([(now, later[0][1])] if later else [])
        return rep

    def _future(self, p: Period, now: datetime, lang: Lang) -> ReportAnswer | None:
        if p.start > now:
            return ReportAnswer(
                t(lang, "report_not_started", period=p.label(lang)), ok=False, period_key=p.key
            )
        return None

    async def _maybe_commentary(self, text: str, lang: Lang) -> str | None:
        if self.commentary is None:
            return None
        prompt = t(lang, "report_commentary_prompt", report=text)
        try:
            out = await asyncio.wait_for(self.commentary(prompt), self.config.commentary_timeout_s)
        except Exception as exc:  # an LLM failure only drops the paragraph
            log.warning("report commentary failed: %s", exc)
            return None
        return out.strip()[:800] if out and out.strip() else None

    async def _charts(self, jobs: list[tuple[str, Callable[[], bytes], str]]) -> list[Image]:
        images: list[Image] = []
        for name, fn, caption in jobs:
            try:
                data = await asyncio.to_thread(fn)
            except Exception:  # a chart that fails never takes the text down with it
                log.exception("chart %s failed", name)
                continue
            images.append(Image(data=data, name=name, caption=caption))
        return images

    def _pnl_chart_jobs(
        self, rep: PnLReport, lang: Lang, full: bool, now: datetime | None = None
    ) -> list[tuple[str, Callable[[], bytes], str]]:
        if rep.trading_deals == 0 and not rep.equity_curve:
            return []
        zone = self.zone()
        suffix = rep.period.label(lang)
        # the balance chart's axis reads times of day: its heading names the clock
        timed = suffix + self.user_clock().suffix(_charts().chart_lang(lang), rep.period.start)
        key = rep.period.key
        jobs: list[tuple[str, Callable[[], bytes], str]] = []
        if full and (len(rep.balance_curve) > 1 or rep.equity_curve):
            jobs.append(
                (
                    f"balance-{key}.png",
                    lambda: _charts().balance_chart(rep, zone, lang, timed, as_of=now),
                    t(lang, "chart_caption_balance"),
                )
            )
        if rep.period.kind != "day" and rep.trading_deals:
            jobs.append(
                (
                    f"daily-{key}.png",
                    lambda: _charts().daily_pnl_chart(rep, lang, suffix),
                    t(lang, "chart_caption_daily"),
                )
            )
        if rep.by_symbol and (full or len(rep.by_symbol) > 1):
            jobs.append(
                (
                    f"symbols-{key}.png",
                    lambda: _charts().pnl_by_symbol_chart(rep, lang, suffix),
                    t(lang, "chart_caption_symbols"),
                )
            )
        return jobs

    def _render_pnl(self, rep: PnLReport, kind: str, lang: Lang) -> tuple[str, str]:
        """Chat text and Markdown, titled with the report's clock and naming the bot's own EA."""
        zone = self.zone_label(lang, rep.period.start)
        own = self.config.own_magic
        text = render.pnl_text(rep, kind, lang, zone, own_magic=own)
        md = render.pnl_markdown(rep, kind, lang, zone, own, clock=self.user_clock())
        return text, md

    # -- public API ----------------------------------------------------------------------
    async def pnl(
        self,
        *,
        period: str | None,
        symbol: str | None,
        magic: int | None,
        lang: Lang,
        now: datetime | None = None,
    ) -> ReportAnswer:
        """P&L for a named period (None = today), optionally one symbol and/or one EA."""
        now = now or datetime.now(UTC)
        try:
            p = self.calendar().named(period, now)
            future = self._future(p, now, lang)
            if future:
                return future
            rep = await self._compute(p, now, symbol=symbol, magic=magic)
        except Exception as exc:
            return self._failure(exc, lang)
        text, md = self._render_pnl(rep, "pnl", lang)
        images: list[Image] = []
        if self.config.charts:
            images = await self._charts(self._pnl_chart_jobs(rep, lang, full=False, now=now))
        return ReportAnswer(text, images, md, period_key=p.key)

    async def ea_today(
        self, magic: int, symbol: str | None = None, now: datetime | None = None
    ) -> PnLReport:
        """Today's figures of one EA (magic, optionally one symbol): realised since the trading
        day began, trades, and the floating of its open positions — the per-magic view
        ("1001号EA持仓", handlers/ea_view.py)."""
        now = now or datetime.now(UTC)
        return await self._compute(
            self.calendar().named(None, now), now, symbol=symbol, magic=magic
        )

    async def report(
        self,
        *,
        kind: str,
        period: str | None,
        lang: Lang,
        now: datetime | None = None,
        charts: bool = True,
        day: date | None = None,
        by_magic: bool = False,
    ) -> ReportAnswer:
        """daily | weekly | monthly for a named period (default: the current one) or the
        period holding trading day `day`; hedge = the summary of what is open now."""
        now = now or datetime.now(UTC)
        if kind not in REPORT_KINDS:
            return ReportAnswer(t(lang, "report_no_such_kind", kind=kind), ok=False)
        if kind == "hedge":
            return await self.hedge(lang=lang, now=now, charts=charts, by_magic=by_magic)
        try:
            cal = self.calendar()
            p = (
                cal.for_kind(kind, day)
                if day is not None
                else cal.named(period or _KIND_PERIOD[kind], now)
            )
            future = self._future(p, now, lang)
            if future:
                return future
            rep = await self._compute(p, now)
        except Exception as exc:
            return self._failure(exc, lang)
        # "daily" asked for a week is titled as what it is
        kind = {"day": "daily", "week": "weekly", "month": "monthly"}.get(p.kind, kind)
        text, md = self._render_pnl(rep, kind, lang)
        if p.end > now:
            clock = self.user_clock()
            text += t(
                lang, "report_running_as_of", as_of=clock.bare(now), zone=clock.zone_name(lang, now)
            )
        if rep.trading_deals:
            note = await self._maybe_commentary(text, lang)
            if note:
                text += "\n" + t(lang, "report_ai_commentary_head")
                text += "\n" + note
                md += "\n## " + t(lang, "report_ai_commentary_md") + "\n\n" + note + "\n"
        images: list[Image] = []
        if charts and self.config.charts:
            images = await self._charts(self._pnl_chart_jobs(rep, lang, full=True, now=now))
        return ReportAnswer(text, images, md, period_key=p.key)

    async def hedge_summary(self, now: datetime) -> HedgeSummary:
        start = self.trading_day_start(now)
        positions = await self.broker.positions()
        deals = await self._deals(start, now + timedelta(minutes=1))
        account = await self._account()
        specs = await self._specs()
        return compute_hedge(
            positions, deals, account, specs, by_magic=True, rules=self.config.hedge_rules
        )

    async def hedge(
        self,
        *,
        lang: Lang,
        now: datetime | None = None,
        charts: bool = True,
        by_magic: bool = False,
    ) -> ReportAnswer:
        now = now or datetime.now(UTC)
        try:
            s = await self.hedge_summary(now)
        except Exception as exc:
            return self._failure(exc, lang)
        clock = self.user_clock()
        local = clock.local(now)
        zone = clock.zone_name(lang, now)
        own = self.config.own_magic
        text = render.hedge_text(s, lang, local, zone, by_magic=by_magic, own_magic=own)
        note = None if s.empty else await self._maybe_commentary(text, lang)
        if note:
            text = render.hedge_text(
                s, lang, local, zone, by_magic=by_magic, commentary=note, own_magic=own
            )
        md = render.hedge_markdown(s, lang, local, zone, commentary=note, own_magic=own)
        images: list[Image] = []
        if (
            charts
            and self.config.charts
            and not s.empty
            and any(r.buy.count or r.sell.count for r in s.rows)
        ):
            images = await self._charts(
                [
                    (
                        f"hedge-{local:%Y%m%d-%H%M}.png",
                        lambda: _charts().hedge_chart(
                            s, lang, title_suffix=clock.stamp(now, _charts().chart_lang(lang))
                        ),
                        t(lang, "chart_caption_hedge"),
                    )
                ]
            )
        key = self.calendar().trading_day(now).isoformat()
        buttons = suggestion_buttons(s, lang)
        return ReportAnswer(text, images, md, period_key=key, buttons=buttons)

    async def day_pnl(self, now: datetime | None = None) -> float:
        """What the trading day has made or lost so far (for the max-daily-loss limit):
        realised since the day began plus the change in floating P&L since then, i.e. the
        equity change without deposits. Raises `BrokerError` when the broker cannot tell.

        Floating at the day's start comes from the day's first equity snapshot when one was
        taken near the start; otherwise each position opened before the start is valued at
        the price the day began with (P&L is linear in price), so losses carried over from
        earlier days do not count against today.

        This is the whole computation, from the terminal, every time; the risk limit keeps
        the same figure up to date instead (handlers/day_pnl.py: `DayPnlTracker`)."""
        now = now or datetime.now(UTC)
        start = self.trading_day_start(now)
        deals = await self._deals(start, now + timedelta(minutes=1))
        realised = sum(d.net for d in deals if start <= d.time and d.type in DAY_PNL_DEAL_TYPES)
        positions = await self.broker.positions()
        floating_now = sum(p.profit + p.swap for p in positions)
        snap = await self.snapshots.first_since(start)
        if snap is not None and snap.time - start <= SNAPSHOT_BASELINE_SLACK:
            return realised + floating_now - (snap.equity - snap.balance)
        return realised + sum([await self._change_since(p, start) for p in positions])

    async def _change_since(self, p: Position, start: datetime) -> float:
        """Floating P&L the position gained since `start` (all of it when opened later)."""
        if p.time >= start or p.price_current == p.price_open:
            return p.profit + p.swap
        bars = await self.broker.rates(p.symbol, "H1", 30)
        return floating_change(p, start, price_at_day_start(bars, start))


# The deal types whose net counts as the day's realised P&L (deposits and credit do not).
DAY_PNL_DEAL_TYPES = frozenset({"buy", "sell", "other"})
_HOUR = timedelta(hours=1)
# a snapshot taken this long after the day began still stands for the day's start
SNAPSHOT_BASELINE_SLACK = timedelta(minutes=30)


def price_at_day_start(bars: Sequence[Bar], start: datetime) -> float | None:
    """The price a trading day began with, from H1 bars oldest first: the open of the bar
    holding `start`, or the close of the last bar before it; None when no bar reaches back."""
    opening = [b for b in bars if b.time <= start]
    if not opening:
        return None
    last = opening[-1]
    return last.close if last.time <= start - _HOUR else last.open


def floating_change(p: Position, start: datetime, price_at_start: float | None) -> float:
    """Floating P&L `p` gained since `start`, given the price the day began with: all of it
    when it was opened later or no price is known (P&L is linear in price)."""
    if p.time >= start or p.price_current == p.price_open or price_at_start is None:
        return p.profit + p.swap
    per_price = p.profit / (p.price_current - p.price_open)
    return per_price * (p.price_current - price_at_start)
