"""Queries answered at once, formatted for a phone screen: positions, pending orders, account,
quote. (Help: handlers/help.py; P&L and reports come from the report service.)"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping

from broker.base import Broker
from broker.models import Position
from handlers.format import lots as fmt_lots
from handlers.format import money, pct, price, signed, table
from handlers.i18n import t
from handlers.messages import Lang
from reports.clock import UserClock

MAX_TICKET_ROWS = 12  # individual positions listed under the summary; the rest is counted


def _side(lang: Lang, side: str) -> str:
    return t(lang, side)


async def positions_text(
    broker: Broker,
    lang: Lang,
    symbol: str | None = None,
    magic: int | None = None,
    side: str | None = None,
    trailing: Mapping[int, float] | None = None,
) -> str:
    """`trailing`: pips by ticket of the trailing stops the bot keeps, named under the list."""
    ps = await broker.positions(symbol=symbol, magic=magic)
    if side is not None:  # contract v2: "黄金多单" lists the buys only
        ps = [p for p in ps if p.side == side]
    if not ps:
        return t(lang, "no_positions_symbol", symbol=symbol) if symbol else t(lang, "no_positions")
    digits: dict[str, int] = {}
    for sym in {p.symbol for p in ps}:
        digits[sym] = (await broker.symbol_spec(sym)).digits
    groups: dict[tuple[str, str], list[Position]] = defaultdict(list)
    for p in ps:
        groups[(p.symbol, p.side)].append(p)
    rows: list[list[str]] = []
    for (sym, side), items in sorted(groups.items()):
        vol = sum(p.volume for p in items)
        avg = sum(p.price_open * p.volume for p in items) / vol if vol else 0.0
        pnl = sum(p.profit + p.swap for p in items)
        rows.append([sym, _side(lang, side), fmt_lots(vol), price(avg, digits[sym]), signed(pnl)])
    header = [t(lang, k) for k in ("col_symbol", "col_side", "col_lots", "col_avg", "col_pnl")]
    total_lots = sum(p.volume for p in ps)
    total_pnl = sum(p.profit + p.swap for p in ps)
    parts = [
        t(lang, "positions_title", n=len(ps)),
        table(rows, "llrrr", header=header),
        t(lang, "positions_total", lots=fmt_lots(total_lots), pnl=signed(total_pnl)),
    ]
    if symbol is not None or magic is not None or len(ps) <= MAX_TICKET_ROWS:
        shown = sorted(ps, key=lambda p: (p.time, p.ticket))
        detail = [
            [
                f"#{p.ticket}",
                p.symbol,
                _side(lang, p.side),
                fmt_lots(p.volume),
                price(p.price_open, digits[p.symbol]),
                signed(p.profit + p.swap),
            ]
            for p in shown[:MAX_TICKET_ROWS]
        ]
        parts.append("")
        parts.append(table(detail, "lllrrr"))
        if len(shown) > MAX_TICKET_ROWS:
            parts.append(t(lang, "more_rows", n=len(shown) - MAX_TICKET_ROWS))
    trailed = [p for p in sorted(ps, key=lambda p: p.ticket) if p.ticket in (trailing or {})]
    for p in trailed:
        pips = f"{(trailing or {})[p.ticket]:g}"
        parts.append(t(lang, "tr_positions_note", ticket=p.ticket, symbol=p.symbol, pips=pips))
    return "\n".join(parts)


async def orders_text(broker: Broker, lang: Lang, symbol: str | None = None) -> str:
    os_ = sorted(await broker.pending_orders(symbol=symbol), key=lambda o: (o.time, o.ticket))
    if not os_:
        return t(lang, "no_orders")
    digits: dict[str, int] = {}
    for sym in {o.symbol for o in os_}:
        digits[sym] = (await broker.symbol_spec(sym)).digits
    rows = [
        [
            f"#{o.ticket}",
            o.symbol,
            f"{_side(lang, o.side)}{t(lang, o.kind)}" if lang == "zh" else f"{o.side} {o.kind}",
            fmt_lots(o.volume),
            price(o.price, digits[o.symbol]),
        ]
        for o in os_[:MAX_TICKET_ROWS]
    ]
    parts = [t(lang, "orders_title", n=len(os_)), table(rows, "lllrr")]
    if len(os_) > MAX_TICKET_ROWS:
        parts.append(t(lang, "more_rows", n=len(os_) - MAX_TICKET_ROWS))
    return "\n".join(parts)


async def account_text(broker: Broker, lang: Lang) -> str:
    a = await broker.account()
    rows = [
        [t(lang, "acc_balance"), money(a.balance)],
        [t(lang, "acc_equity"), money(a.equity)],
        [t(lang, "acc_floating"), signed(a.profit)],
        [t(lang, "acc_margin"), money(a.margin)],
        [t(lang, "acc_free"), money(a.margin_free)],
        [t(lang, "acc_level"), pct(a.margin_level)],
        [t(lang, "acc_leverage"), f"1:{a.leverage}"],
        [t(lang, "acc_server"), a.server],
    ]
    title = t(lang, "account_title", login=a.login, currency=a.currency)
    return title + "\n" + table(rows, "lr")


async def quote_text(
    broker: Broker, lang: Lang, symbol: str, clock: UserClock | None = None
) -> str:
    """Bid, ask, spread, the day's change and the tick's time in the user clock (the report
    time zone; UTC, said as such, without one)."""
    q = await broker.quote(symbol, with_day_open=True)
    rows = [
        [t(lang, "q_bid"), price(q.bid, q.digits)],
        [t(lang, "q_ask"), price(q.ask, q.digits)],
        [t(lang, "q_spread"), t(lang, "q_points", n=q.spread_points)],
    ]
    change = q.day_change
    if change is not None and q.day_open:
        rows.append(
            [
                t(lang, "q_change"),
                f"{change:+.{q.digits}f} ({change / q.day_open * 100:+.2f}%)",
            ]
        )
    rows.append([t(lang, "q_time"), (clock or UserClock()).time(q.time, lang, seconds=True)])
    return t(lang, "quote_title", symbol=q.symbol) + "\n" + table(rows, "lr")


def snapshot_note(lang: Lang, age_s: float) -> str:
    """The line under an answer that came from the terminal snapshot: how old it is."""
    if age_s < 120:
        age = t(lang, "snapshot_age_s", n=round(age_s))
    else:
        age = t(lang, "snapshot_age_min", n=round(age_s / 60))
    return t(lang, "snapshot_age", age=age)
