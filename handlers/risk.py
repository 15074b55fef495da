"""Risk limits, checked on every path: when the preview is built and again at ✅ just before
anything is sent. Each check yields a `Check` with a line for the preview.

- read-only mode blocks every trade (open, close, modify, cancel);
- allowed symbols, lots per order, total lots per symbol, open positions, the daily loss and
  free margin apply to new exposure (market and pending opens);
- the daily loss (realised + floating since the trading day began, from the report service)
  blocks new opens but never closes; when it cannot be computed, opens are blocked (fail safe).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from broker.base import Broker
from handlers.config import RiskLimits
from handlers.format import lots as fmt_lots
from handlers.format import money, signed
from handlers.plans import Check, Plan

DayPnl = Callable[[], Awaitable[float]]
ReadOnly = Callable[[], Awaitable[bool]]


class RiskGate:
    def __init__(
        self,
        broker: Broker,
        limits: RiskLimits,
        *,
        read_only: ReadOnly,
        day_pnl: DayPnl | None,
    ) -> None:
        self.broker = broker
        self.limits = limits
        self.read_only = read_only
        self.day_pnl = day_pnl

    async def check(self, plan: Plan) -> list[Check]:
        checks: list[Check] = []
        ro = await self.read_only()
        checks.append(Check("risk_read_only_fail" if ro else "risk_read_only_ok", not ro))
        if plan.action != "open":
            return checks
        lim = self.limits
        leg = plan.legs[0]
        symbol = leg.symbol
        if lim.allowed_symbols:
            allowed = symbol in lim.allowed_symbols
            checks.append(
                Check(
                    "risk_symbol_ok" if allowed else "risk_symbol_fail", allowed, {"symbol": symbol}
                )
            )
        vol_ok = leg.volume <= lim.max_lots_per_order + 1e-9
        checks.append(
            Check(
                "risk_lots_ok" if vol_ok else "risk_lots_fail",
                vol_ok,
                {"lots": fmt_lots(leg.volume), "max": fmt_lots(lim.max_lots_per_order)},
            )
        )
        positions = await self.broker.positions()
        total = round(sum(p.volume for p in positions if p.symbol == symbol) + leg.volume, 8)
        tot_ok = total <= lim.max_total_lots_per_symbol + 1e-9
        checks.append(
            Check(
                "risk_symbol_total_ok" if tot_ok else "risk_symbol_total_fail",
                tot_ok,
                {
                    "symbol": symbol,
                    "total": fmt_lots(total),
                    "max": fmt_lots(lim.max_total_lots_per_symbol),
                },
            )
        )
        n = len(positions) + 1
        n_ok = n <= lim.max_open_positions
        checks.append(
            Check(
                "risk_positions_ok" if n_ok else "risk_positions_fail",
                n_ok,
                {"n": str(n), "max": str(lim.max_open_positions)},
            )
        )
        if lim.max_daily_loss > 0:
            checks.append(await self._daily(lim.max_daily_loss))
        if leg.action == "open" and plan.margin is not None:
            acct = await self.broker.account()
            m_ok = plan.margin <= acct.margin_free + 1e-9
            checks.append(
                Check(
                    "risk_margin_ok" if m_ok else "risk_margin_fail",
                    m_ok,
                    {"free": money(acct.margin_free), "need": money(plan.margin)},
                )
            )
        return checks

    async def _daily(self, max_loss: float) -> Check:
        if self.day_pnl is None:
            return Check("risk_daily_unknown", False)
        try:
            pnl = await self.day_pnl()
        except Exception:  # a broken report must block opens, not crash the preview
            return Check("risk_daily_unknown", False)
        ok = pnl > -max_loss
        return Check(
            "risk_daily_ok" if ok else "risk_daily_fail",
            ok,
            {"pnl": signed(pnl), "max": money(max_loss)},
        )
