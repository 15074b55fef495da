"""Contract info and deal history: data from the broker, and a phone-width text of it.

Every mouth calls the same two pairs (the chat here, the gateway and MCP later):

    info = await contract_info(broker, "XAUUSD")        → ContractInfo
    text = contract_text(info, lang, clock, now)

    hist = await closed_trades(broker, calendar, period="week", symbol=None, magic=None, now=now)
    text = history_text(hist, lang, clock)

Trading hours: the MetaTrader5 Python API has no call for a symbol's session times, so the
answer does not invent them. It says what the terminal does know — whether the symbol may be
traded (its trade mode) and whether it is quoting: a last tick older than `STALE_TICK_S` means
the market is closed (a weekend, the daily break, a holiday) — and says plainly that session
times are not available from the terminal.

History follows the P&L report's rules (reports/pnl.py): a closed trade is one closing deal
(entry out, inout or out_by; a partial close is a trade of its own), its result is that deal's
profit + commission + swap + fee, its side is the side of the position it closed, its EA the
magic of the position's opening deal when that deal is in the period, else its own magic.
Commissions and fees charged on opening deals in the period are "entry costs": they hit the
balance, so the total net includes them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from broker.base import Broker
from broker.models import ContractInfo, Deal
from handlers.format import UserClock, money, price, signed, table
from handlers.format import lots as fmt_lots
from handlers.i18n import t
from handlers.messages import Lang
from reports.periods import Period, TradingCalendar

STALE_TICK_S = 300.0  # no tick for five minutes: the market is not quoting
MAX_HISTORY_ROWS = 15  # closed trades listed; the rest are counted
_CLOSING = frozenset({"out", "inout", "out_by"})
_OPPOSITE = {"buy": "sell", "sell": "buy"}
_WEEKDAYS_MT5 = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")  # MT5 counts from Sunday


# ---------------------------------------------------------------------- contract info


async def contract_info(broker: Broker, symbol: str) -> ContractInfo:
    """The contract of `symbol` (either spelling) now; raises `BrokerError` (unknown symbol,
    terminal away) for the caller to word."""
    return await broker.contract_info(symbol)


def _market_line(info: ContractInfo, lang: Lang, clock: UserClock, now: datetime) -> str:
    mode = t(lang, f"mk_trade_mode_{info.trade_mode}")
    if info.last_tick is None:
        quoting = t(lang, "mk_no_quote")
    elif (now - info.last_tick).total_seconds() <= STALE_TICK_S:
        quoting = t(lang, "mk_quoting", time=clock.time(info.last_tick, lang, seconds=True))
    else:
        quoting = t(lang, "mk_not_quoting", stamp=clock.stamp(info.last_tick, lang))
    return t(lang, "mk_info_market", mode=mode, quoting=quoting)


def _swap_line(info: ContractInfo, lang: Lang) -> str:
    if info.swap_mode == "disabled":
        return t(lang, "mk_info_swap_none")
    unit = t(lang, f"mk_swap_unit_{info.swap_mode}")
    day = _WEEKDAYS_MT5[info.swap_triple_day % 7]
    return t(
        lang,
        "mk_info_swap",
        long=f"{info.swap_long:g}",
        short=f"{info.swap_short:g}",
        unit=unit,
        triple=t(lang, f"mk_day_{day}"),
    )


def contract_text(info: ContractInfo, lang: Lang, clock: UserClock, now: datetime) -> str:
    """The contract as a block that fits a phone (one fact per line)."""
    s = info.spec
    name = s.symbol if s.symbol == s.broker_symbol else f"{s.symbol} ({s.broker_symbol})"
    lines = [t(lang, "mk_info_title", symbol=name, description=s.description)]
    if info.last_tick is not None:
        lines.append(
            t(
                lang,
                "mk_info_price",
                bid=price(info.bid, s.digits),
                ask=price(info.ask, s.digits),
                spread=info.spread_points,
            )
        )
    lines.append(t(lang, "mk_info_contract", digits=s.digits, size=f"{s.contract_size:g}"))
    lines.append(
        t(
            lang,
            "mk_info_lots",
            min=fmt_lots(s.volume_min),
            step=fmt_lots(s.volume_step),
            max=fmt_lots(s.volume_max),
        )
    )
    lines.append(_swap_line(info, lang))
    if info.margin_1lot is None:
        lines.append(t(lang, "mk_info_margin_unknown"))
    else:
        currency = info.account_currency
        lines.append(t(lang, "mk_info_margin", margin=money(info.margin_1lot), currency=currency))
    if s.stops_level:
        lines.append(t(lang, "mk_info_stops", points=s.stops_level))
    lines.append(_market_line(info, lang, clock, now))
    lines.append(t(lang, "mk_info_sessions"))
    return "\n".join(lines)


# ---------------------------------------------------------------------- history


@dataclass(frozen=True, slots=True)
class ClosedTrade:
    """One closing deal, as a trade."""

    time: datetime  # UTC, when it closed
    ticket: int  # the closing deal
    position_id: int
    symbol: str
    side: str  # the side of the position it closed: buy / sell
    volume: float
    price: float  # the closing price
    digits: int
    net: float  # profit + commission + swap + fee of the closing deal
    magic: int


@dataclass(frozen=True, slots=True)
class History:
    period: Period
    period_name: str  # today, week … as asked
    trades: tuple[ClosedTrade, ...]  # oldest first
    entry_costs: float  # commission and fees of opening deals in the period (negative)
    symbol: str | None = None
    magic: int | None = None

    @property
    def count(self) -> int:
        return len(self.trades)

    @property
    def lots(self) -> float:
        return sum(tr.volume for tr in self.trades)

    @property
    def net(self) -> float:
        """What the period's trading did to the balance (trades plus entry costs)."""
        return sum(tr.net for tr in self.trades) + self.entry_costs


def _digits(price_: float) -> int:
    text = f"{price_:.10f}".rstrip("0")
    return min(5, max(2, len(text.split(".")[1]) if "." in text else 0))


def _trade_of(deal: Deal, opening: dict[int, Deal], digits: dict[str, int]) -> ClosedTrade:
    side = _OPPOSITE.get(deal.type, deal.type)
    opened = opening.get(deal.position_id)
    return ClosedTrade(
        time=deal.time,
        ticket=deal.ticket,
        position_id=deal.position_id,
        symbol=deal.symbol,
        side=side,
        volume=deal.volume,
        price=deal.price,
        digits=digits.get(deal.symbol, _digits(deal.price)),
        net=deal.net,
        magic=opened.magic if opened is not None else deal.magic,
    )


def history_of(
    deals: list[Deal],
    period: Period,
    period_name: str,
    *,
    symbol: str | None = None,
    magic: int | None = None,
    digits: dict[str, int] | None = None,
) -> History:
    """The closed trades among `deals` (any order), filtered by symbol and EA."""
    trading = [d for d in deals if d.type in ("buy", "sell") and period.contains(d.time)]
    if symbol is not None:
        trading = [d for d in trading if d.symbol == symbol]
    opening = {d.position_id: d for d in trading if d.entry == "in"}
    trades = [_trade_of(d, opening, digits or {}) for d in trading if d.entry in _CLOSING]
    entry = [d for d in trading if d.entry == "in"]
    if magic is not None:
        trades = [tr for tr in trades if tr.magic == magic]
        entry = [d for d in entry if d.magic == magic]
    costs = sum(d.commission + d.fee for d in entry)
    trades.sort(key=lambda tr: (tr.time, tr.ticket))
    return History(period, period_name, tuple(trades), round(costs, 2), symbol, magic)


async def closed_trades(
    broker: Broker,
    calendar: TradingCalendar,
    *,
    period: str | None,
    symbol: str | None,
    magic: int | None,
    now: datetime,
) -> History:
    """The closed trades of a named period (None = today, as docs/INTENTS.md), optionally of
    one symbol and/or one EA. Raises `PeriodError` / `BrokerError` for the caller to word."""
    p = calendar.named(period, now)
    canonical = None
    if symbol is not None:
        canonical = (await broker.symbol_spec(symbol)).symbol
    deals = await broker.deals(p.start, p.end, canonical)  # the running period: up to now
    digits: dict[str, int] = {}
    for sym in {d.symbol for d in deals if d.symbol}:
        digits[sym] = (await broker.symbol_spec(sym)).digits
    return history_of(deals, p, period or "today", symbol=canonical, magic=magic, digits=digits)


def history_text(h: History, lang: Lang, clock: UserClock, limit: int = MAX_HISTORY_ROWS) -> str:
    """The closed trades as a phone-width table (newest last) with totals; past `limit`
    rows the oldest are left out and counted."""
    what = t(lang, f"mk_period_{h.period_name}")
    if h.symbol:
        what = f"{what} {h.symbol}"
    if h.magic is not None:
        what = f"{what} {t(lang, 'mk_magic', magic=h.magic)}"
    zone = clock.suffix(lang, h.period.start)
    title = t(lang, "mk_history_title", what=what, label=h.period.label(lang), zone=zone)
    if not h.trades:
        lines = [title, t(lang, "mk_history_none")]
        if h.entry_costs:
            lines.append(t(lang, "mk_history_entry_costs", costs=signed(h.entry_costs)))
        return "\n".join(lines)
    one_day = h.period.first_day == h.period.last_day
    fmt = "%H:%M" if one_day else "%m-%d %H:%M"
    shown = h.trades[-limit:]
    rows = [
        [clock.bare(tr.time, fmt), tr.symbol, t(lang, tr.side), fmt_lots(tr.volume),
         signed(tr.net)]
        for tr in shown
    ]  # fmt: skip
    header = [
        t(lang, k) for k in ("mk_col_time", "col_symbol", "col_side", "col_lots", "mk_col_net")
    ]
    lines = [title]
    if len(h.trades) > len(shown):
        lines.append(t(lang, "mk_history_more", n=len(h.trades) - len(shown)))
    lines.append(table(rows, "lllrr", header=header))
    lines.append(t(lang, "mk_history_total", n=h.count, lots=fmt_lots(h.lots), net=signed(h.net)))
    if h.entry_costs:
        lines.append(t(lang, "mk_history_entry_costs", costs=signed(h.entry_costs)))
    return "\n".join(lines)
