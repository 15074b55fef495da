"""The per-EA view ("1001号EA持仓", "EA 1001 positions"): one EA's positions (by its magic,
optionally one symbol or side), their floating P&L, and what the EA realised today — what a
trader running several EAs on one account looks at before closing or modifying an EA's basket
("平掉1001号EA的黄金单" is one plan over exactly those positions, handlers/plans.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from broker.base import Broker
from handlers import queries
from handlers.format import signed
from handlers.i18n import t
from handlers.messages import Lang
from reports.pnl import PnLReport


class EaDay(Protocol):
    async def ea_today(
        self, magic: int, symbol: str | None = None, now: datetime | None = None
    ) -> PnLReport: ...


async def ea_view_text(
    broker: Broker,
    lang: Lang,
    magic: int,
    *,
    symbol: str | None = None,
    side: str | None = None,
    reports: EaDay | None = None,
    now: datetime | None = None,
) -> str:
    """The EA's head line, its positions (handlers/queries.py's table) and today's figures."""
    held = await broker.positions(symbol=symbol, magic=magic)
    if side is not None:
        held = [p for p in held if p.side == side]
    floating = sum(p.profit + p.swap for p in held)
    lines = [t(lang, "tm_ea_head", magic=magic, n=len(held), pnl=signed(floating))]
    lines.append(await queries.positions_text(broker, lang, symbol, magic, side))
    if reports is not None:
        day = await reports.ea_today(magic, symbol, now)
        lines.append("")
        lines.append(
            t(
                lang,
                "tm_ea_today",
                realised=signed(day.realised),
                trades=day.trades,
                ccy=day.currency,
            )
        )
    return "\n".join(lines)
