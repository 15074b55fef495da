"""What the MCP tools do, without the MCP SDK: reads over the broker and the report service,
and proposals over the gateway's `Proposals` (the chat's own planner, risk gate and ✅). The
SDK layer (bot/mcp/server.py) only registers these functions as tools and turns `ToolFailure`
into an error result.

Every argument is data. A symbol is resolved to a canonical one or refused; free text (an
order comment is not taken at all) never reaches a prompt or a command. Nothing here executes
an order: a proposal is a preview in the owner's chat, and only the owner's ✅ there sends it.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from pydantic import BaseModel, Field, ValidationError

from bot.api.auth import Principal
from bot.api.jobs import JobRunner
from bot.api.models import (
    AccountOut,
    BarOut,
    DealOut,
    PendingOut,
    PositionOut,
    QuoteOut,
    SymbolOut,
)
from broker.base import Broker
from broker.errors import BrokerError
from broker.models import Timeframe
from handlers.audit_trail import AuditTrail
from handlers.broker_text import note_text
from handlers.i18n import t
from handlers.market import MarketData, MarketError, indicator_summary
from handlers.proposals import Proposal, ProposalRefused, Proposals
from handlers.report_service import ReportService
from handlers.trading_service import Actor
from nlp.aliases import SymbolAliases
from nlp.intent import CANONICAL_SYMBOLS, Intent
from store.jobs import Job

log = logging.getLogger(__name__)

Lang = Literal["en", "zh"]
PeriodName = Literal["today", "yesterday", "week", "last_week", "month", "last_month", "year"]
TIMEFRAMES: tuple[Timeframe, ...] = ("M1", "M5", "M15", "M30", "H1", "H4", "D1", "W1", "MN1")
MAX_BARS = 1000
MAX_HISTORY_ROWS = 500


class ToolFailure(Exception):
    """A tool cannot do what was asked; the message is a sentence for the assistant."""


@dataclass(frozen=True, slots=True)
class Caller:
    """Who calls a tool: the token's principal (or the stdio owner's) and the name the audit
    log shows ("mcp:<token name>" or "mcp-stdio:<client name>")."""

    principal: Principal
    label: str

    @property
    def actor(self) -> Actor:
        return Actor(source="mcp", name=self.label[:64])

    @property
    def may_propose(self) -> bool:
        return self.principal.has("trade") and self.principal.owner is not None


# ---- outputs ---------------------------------------------------------------------------------


class PositionsOut(BaseModel):
    count: int
    positions: list[PositionOut]


class PendingOrdersOut(BaseModel):
    count: int
    orders: list[PendingOut]


class BarsOut(BaseModel):
    symbol: str
    timeframe: str
    bars: list[BarOut]


class SymbolInfoOut(BaseModel):
    spec: SymbolOut
    bid: float | None = None
    ask: float | None = None
    spread_points: int | None = None


class IndicatorOut(BaseModel):
    symbol: str
    timeframe: str
    name: str
    label: str = Field(description='e.g. "RSI(14)", "MACD(12,26,9)"')
    params: dict[str, float]
    close: float = Field(description="the last bar's close the reading is taken against")
    last: dict[str, float | None] = Field(description="the latest value of each line")
    series: list[dict[str, Any]] = Field(description="the last values with their bar times")
    reading: str = Field(description="what the latest values show, in words; never advice")


class TextReport(BaseModel):
    text: str = Field(description="the report as the chat shows it")
    period: str | None = Field(None, description="the period's key, e.g. 2026-12")


class HistoryOut(BaseModel):
    start: datetime
    end: datetime
    count: int
    net_profit: float = Field(description="profit + commission + swap + fee of the deals shown")
    truncated: bool
    deals: list[DealOut]


class JobOut(BaseModel):
    job_id: str
    kind: str
    status: Literal["running", "completed", "failed"]
    created_at: datetime
    completed_at: datetime | None
    text: str | None = None
    error: str | None = None


class ProposalOut(BaseModel):
    proposal_id: str
    status: str = Field(description="pending | executed | refused | expired | …")
    message: str
    owner: str = Field(description="who confirms, platform:user id")
    chat: str = Field(description="the chat the preview was sent to")
    expires_at: datetime | None
    plan: dict[str, Any] | None
    result: dict[str, Any] | None = None


# ---- the service -----------------------------------------------------------------------------


class McpService:
    def __init__(
        self,
        *,
        broker: Broker,
        reports: ReportService,
        proposals: Proposals,
        jobs: JobRunner,
        trail: AuditTrail,
        read_only: Callable[[], Awaitable[bool]],
        aliases: SymbolAliases | None = None,
        market: MarketData | None = None,
        queued_delivery: bool = False,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.broker = broker
        self.reports = reports
        self.proposals = proposals
        self.jobs = jobs
        self.trail = trail
        self.read_only = read_only
        self.aliases = aliases or SymbolAliases()
        self.market = market  # indicators (handlers/market.py); None: not served
        # True when this process has no chat platforms: previews go through the outbox and
        # the running bot delivers them (handlers/outbox.py); the answers say so
        self.queued_delivery = queued_delivery
        self.clock = clock

    # -- helpers -------------------------------------------------------------------------------
    def symbol(self, raw: str) -> str:
        """The canonical symbol `raw` names ("xauusd", "gold", "黄金"), or a clear refusal."""
        text = raw.strip()
        if text.upper() in CANONICAL_SYMBOLS:
            return text.upper()
        found = self.aliases.find(text) if 0 < len(text) <= 40 else []
        if len(found) == 1 and found[0][0] == 0 and found[0][1] == len(text.lower()):
            return found[0][2]
        shown = text[:40] + ("…" if len(text) > 40 else "")
        raise ToolFailure(
            t("en", "mcp_bad_symbol", symbol=shown, known=", ".join(CANONICAL_SYMBOLS))
        )

    async def audit(self, caller: Caller, tool: str, detail: dict[str, Any]) -> None:
        await self.trail.about("mcp_tool", caller.actor.incoming(), {"tool": tool, **detail})

    async def _broker(self, call: Awaitable[Any]) -> Any:
        try:
            return await call
        except BrokerError as exc:
            raise ToolFailure(note_text(exc.note, "en")) from None

    # -- reads ---------------------------------------------------------------------------------
    async def account(self, caller: Caller) -> AccountOut:
        await self.audit(caller, "get_account", {})
        return AccountOut.of(await self._broker(self.broker.account()))

    async def positions(
        self, caller: Caller, symbol: str | None, magic: int | None, side: str | None
    ) -> PositionsOut:
        sym = self.symbol(symbol) if symbol else None
        if side not in (None, "buy", "sell"):
            raise ToolFailure(t("en", "mcp_bad_side"))
        await self.audit(caller, "get_positions", {"symbol": sym, "magic": magic, "side": side})
        found = await self._broker(self.broker.positions(sym, magic, side))  # type: ignore[arg-type]
        return PositionsOut(count=len(found), positions=[PositionOut.of(p) for p in found])

    async def pending_orders(self, caller: Caller, symbol: str | None) -> PendingOrdersOut:
        sym = self.symbol(symbol) if symbol else None
        await self.audit(caller, "get_pending_orders", {"symbol": sym})
        found = await self._broker(self.broker.pending_orders(sym))
        return PendingOrdersOut(count=len(found), orders=[PendingOut.of(o) for o in found])

    async def quote(self, caller: Caller, symbol: str) -> QuoteOut:
        sym = self.symbol(symbol)
        await self.audit(caller, "get_quote", {"symbol": sym})
        return QuoteOut.of(await self._broker(self.broker.quote(sym)))

    async def symbol_info(self, caller: Caller, symbol: str) -> SymbolInfoOut:
        sym = self.symbol(symbol)
        await self.audit(caller, "get_symbol_info", {"symbol": sym})
        spec = await self._broker(self.broker.symbol_spec(sym))
        out = SymbolInfoOut(spec=SymbolOut.of(spec))
        try:
            q = await self.broker.quote(sym)
        except BrokerError:
            return out  # the contract is known; the market may be closed
        return out.model_copy(update={"bid": q.bid, "ask": q.ask, "spread_points": q.spread_points})

    async def bars(self, caller: Caller, symbol: str, timeframe: str, count: int) -> BarsOut:
        sym = self.symbol(symbol)
        tf = timeframe.strip().upper()
        if tf not in TIMEFRAMES:
            raise ToolFailure(
                t("en", "mcp_bad_timeframe", tf=timeframe[:10], known=", ".join(TIMEFRAMES))
            )
        if not 1 <= count <= MAX_BARS:
            raise ToolFailure(t("en", "mcp_bad_count", max=MAX_BARS))
        await self.audit(caller, "get_bars", {"symbol": sym, "timeframe": tf, "count": count})
        found = await self._broker(self.broker.rates(sym, tf, count))
        return BarsOut(symbol=sym, timeframe=tf, bars=[BarOut.of(b) for b in found])

    async def indicator(
        self,
        caller: Caller,
        symbol: str,
        name: str,
        timeframe: str | None,
        period: int | None,
        lang: Lang,
    ) -> IndicatorOut:
        if self.market is None:
            raise ToolFailure(t("en", "not_available"))
        sym = self.symbol(symbol)
        await self.audit(caller, "get_indicator", {"symbol": sym, "name": name, "tf": timeframe})
        try:
            reading = await self.market.indicator(sym, name, timeframe, period)
        except MarketError as exc:
            raise ToolFailure(exc.text("en")) from None
        except BrokerError as exc:
            raise ToolFailure(note_text(exc.note, "en")) from None
        summary = indicator_summary(reading, self.reports.user_clock())
        summary["reading"] = summary["reading"][lang]
        return IndicatorOut(**summary)

    async def pnl(
        self, caller: Caller, period: str | None, symbol: str | None, magic: int | None, lang: Lang
    ) -> TextReport:
        sym = self.symbol(symbol) if symbol else None
        await self.audit(caller, "get_pnl", {"period": period, "symbol": sym, "magic": magic})
        answer = await self.reports.pnl(period=period, symbol=sym, magic=magic, lang=lang)
        if not answer.ok:
            raise ToolFailure(answer.text)
        return TextReport(text=answer.text, period=answer.period_key)

    async def hedge_summary(self, caller: Caller, lang: Lang) -> TextReport:
        await self.audit(caller, "get_hedge_summary", {})
        answer = await self.reports.hedge(lang=lang, charts=False, by_magic=True)
        if not answer.ok:
            raise ToolFailure(answer.text)
        return TextReport(text=answer.text, period=answer.period_key)

    async def history(
        self, caller: Caller, period: str | None, symbol: str | None, magic: int | None
    ) -> HistoryOut:
        sym = self.symbol(symbol) if symbol else None
        now = self.clock()
        try:
            p = self.reports.calendar().named(period, now)
        except (KeyError, ValueError):
            raise ToolFailure(t("en", "mcp_bad_period")) from None
        end = min(p.end, now + timedelta(minutes=1))
        await self.audit(caller, "get_history", {"period": p.key, "symbol": sym, "magic": magic})
        found = await self._broker(self.broker.deals(p.start, end, sym))
        closed = [
            d
            for d in found
            if d.type in ("buy", "sell")
            and d.entry in ("out", "inout", "out_by")
            and (magic is None or d.magic == magic)
        ]
        net = math.fsum(d.profit + d.commission + d.swap + d.fee for d in closed)
        shown = closed[-MAX_HISTORY_ROWS:]
        return HistoryOut(
            start=p.start,
            end=end,
            count=len(closed),
            net_profit=round(net, 2),
            truncated=len(shown) < len(closed),
            deals=[DealOut.of(d) for d in shown],
        )

    async def start_report(
        self, caller: Caller, kind: str, period: str | None, lang: Lang
    ) -> JobOut:
        if kind not in ("daily", "weekly", "monthly", "hedge", "pnl"):
            raise ToolFailure(t("en", "mcp_bad_report_kind"))
        await self.audit(caller, "start_report", {"kind": kind, "period": period})
        params = {"kind": kind, "period": period, "lang": lang, "charts": False}
        return _job_out(await self.jobs.start(kind, params, owner=caller.label))

    async def job(self, caller: Caller, job_id: str) -> JobOut:
        job = await self.jobs.store.get(job_id.strip()[:64])
        if job is None or job.owner != caller.label:
            raise ToolFailure(t("en", "mcp_no_job"))
        return _job_out(job)

    # -- proposals -----------------------------------------------------------------------------
    async def _check_may_propose(self, caller: Caller) -> None:
        if not caller.may_propose:
            raise ToolFailure(t("en", "mcp_read_only_token", name=caller.principal.name))
        if await self.read_only():
            raise ToolFailure(t("en", "mcp_read_only_mode"))

    async def propose(self, caller: Caller, fields: dict[str, Any]) -> ProposalOut:
        await self._check_may_propose(caller)
        given = {k: v for k, v in fields.items() if v is not None}
        if "symbol" in given:
            given["symbol"] = self.symbol(str(given["symbol"]))
        try:
            intent = Intent(**given)
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in e['loc']) or 'request'}: {e['msg']}"
                for e in exc.errors()
            )
            raise ToolFailure(t("en", "mcp_bad_request", problems=problems)) from None
        owner = caller.principal.owner
        assert owner is not None  # noqa: S101 - may_propose says so
        await self.audit(caller, f"propose_{intent.intent}", {"intent": intent.to_json_dict()})
        made = await self.proposals.propose(intent, owner, caller.actor)
        if isinstance(made, ProposalRefused):
            raise ToolFailure(made.message)
        return _proposal_out(made, queued=self.queued_delivery)

    async def proposal_status(self, caller: Caller, proposal_id: str) -> ProposalOut:
        found = await self.proposals.status(proposal_id.strip()[:64], caller.actor.name)
        if found is None:
            raise ToolFailure(t("en", "mcp_no_proposal"))
        return _proposal_out(found, queued=self.queued_delivery)


def _job_out(job: Job) -> JobOut:
    result = job.result or {}
    return JobOut(
        job_id=job.id,
        kind=job.kind,
        status=job.status,
        created_at=job.created_at,
        completed_at=job.completed_at,
        text=result.get("text") if job.status == "completed" else None,
        error=job.error,
    )


def _proposal_out(p: Proposal, *, queued: bool) -> ProposalOut:
    owner = f"{p.owner[0]}:{p.owner[1]}"
    message = p.message
    if p.status == "pending":
        key = "mcp_awaits_confirmation_queued" if queued else "mcp_awaits_confirmation"
        message = t("en", key, id=p.id, platform=p.owner[0], chat=p.chat_id)
    return ProposalOut(
        proposal_id=p.id,
        status=p.status,
        message=message,
        owner=owner,
        chat=f"{p.owner[0]}:{p.chat_id}",
        expires_at=p.expires_at,
        plan=p.plan,
        result=p.result or None,
    )
