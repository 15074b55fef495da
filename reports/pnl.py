"""Realised and floating P&L for a period, from broker models only.

Rules (MT5 semantics, see shared/MT5-NOTES.md):
- realised P&L = profit + commission + swap + fee of every buy/sell deal in the period, plus
  `other` balance operations (charges, commissions billed as separate deals, interest);
- balance deals (deposits/withdrawals) and credit deals are never P&L: they are listed apart;
- a *closed trade* is one closing deal (entry out, inout or out_by) — a partial close is a
  trade of its own, as in MT5's account report; its result is that deal's net amount.
  Commissions charged on opening deals count in the realised total (they hit the balance)
  and are shown as "entry costs", so that the trade results plus entry costs add up to it;
- the side of a closing deal's trade is the side of the position it closed (the opposite of
  the deal's own direction);
- a trade's EA is the magic of the position's opening deal when that deal is in the history
  handed over, else the closing deal's own magic.

One pass over the deals, no per-deal allocations beyond dictionary updates: 1M deals are fine.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Protocol

from broker.models import Account, Deal, Position
from reports.periods import Period, TradingCalendar

CLOSING = frozenset({"out", "inout", "out_by"})
OPPOSITE = {"buy": "sell", "sell": "buy"}


class EquitySample(Protocol):
    """An equity snapshot (store.snapshots.Snapshot satisfies this)."""

    @property
    def time(self) -> datetime: ...
    @property
    def balance(self) -> float: ...
    @property
    def equity(self) -> float: ...


@dataclass(slots=True)
class Bucket:
    """Realised P&L of one group (symbol, EA, side)."""

    key: str
    profit: float = 0.0  # gross, before costs
    swap: float = 0.0
    commission: float = 0.0
    fee: float = 0.0
    trades: int = 0  # closing deals
    wins: int = 0
    losses: int = 0
    volume: float = 0.0  # closed lots

    @property
    def net(self) -> float:
        return self.profit + self.swap + self.commission + self.fee

    @property
    def win_rate(self) -> float | None:
        return self.wins / self.trades if self.trades else None


@dataclass(frozen=True, slots=True)
class TradeRef:
    ticket: int
    position_id: int
    time: datetime
    symbol: str
    side: str
    volume: float
    net: float
    magic: int


@dataclass(frozen=True, slots=True)
class BalanceOp:
    time: datetime
    kind: str  # deposit, withdrawal, credit
    amount: float
    comment: str
    ticket: int


@dataclass(slots=True)
class PnLReport:
    period: Period
    currency: str = ""
    symbol: str | None = None  # filter applied
    magic: int | None = None  # filter applied
    # realised
    gross_profit: float = 0.0
    swap: float = 0.0
    commission: float = 0.0
    fee: float = 0.0
    other_ops: float = 0.0  # "other" balance deals: charges, interest …
    entry_costs: float = 0.0  # commission/fee/swap on opening deals
    trades: int = 0
    wins: int = 0
    losses: int = 0
    sum_wins: float = 0.0
    sum_losses: float = 0.0  # ≤ 0
    best: TradeRef | None = None
    worst: TradeRef | None = None
    by_symbol: dict[str, Bucket] = field(default_factory=dict)
    by_magic: dict[int, Bucket] = field(default_factory=dict)
    by_side: dict[str, Bucket] = field(default_factory=dict)
    daily: list[tuple[date, float]] = field(default_factory=list)  # realised per trading day
    deal_count: int = 0  # deals inside the period after filters (balance operations too)
    trading_deals: int = 0  # buy/sell deals and "other" charges among them
    # balance operations (never P&L)
    deposits: float = 0.0
    withdrawals: float = 0.0  # ≤ 0
    credit: float = 0.0
    balance_ops: list[BalanceOp] = field(default_factory=list)
    # account at report time
    floating: float | None = None
    open_positions: int = 0
    open_volume: float = 0.0
    balance: float | None = None
    equity: float | None = None
    margin_level: float | None = None
    # curves: balance after each trading day (or each deal for a one-day period)
    balance_curve: list[tuple[datetime, float]] = field(default_factory=list)
    equity_curve: list[tuple[datetime, float]] = field(default_factory=list)
    max_drawdown: float | None = None
    max_drawdown_pct: float | None = None

    @property
    def realised(self) -> float:
        return self.gross_profit + self.swap + self.commission + self.fee + self.other_ops

    @property
    def win_rate(self) -> float | None:
        return self.wins / self.trades if self.trades else None

    @property
    def avg_win(self) -> float | None:
        return self.sum_wins / self.wins if self.wins else None

    @property
    def avg_loss(self) -> float | None:
        return self.sum_losses / self.losses if self.losses else None

    @property
    def profit_factor(self) -> float | None:
        """Sum of wins over the size of the sum of losses; None without losses."""
        return self.sum_wins / -self.sum_losses if self.sum_losses < 0 else None

    @property
    def total(self) -> float:
        """Realised plus floating (floating counts 0 when unknown)."""
        return self.realised + (self.floating or 0.0)

    @property
    def empty(self) -> bool:
        return self.deal_count == 0 and not self.open_positions


def _matches_symbol(d: Deal | Position, symbol: str | None) -> bool:
    return symbol is None or d.symbol == symbol or d.broker_symbol == symbol


def symbol_key(d: Deal | Position) -> str:
    return d.symbol or d.broker_symbol or "?"


def compute_pnl(
    deals: Iterable[Deal],
    period: Period,
    calendar: TradingCalendar,
    *,
    positions: Sequence[Position] | None = None,
    account: Account | None = None,
    snapshots: Sequence[EquitySample] = (),
    symbol: str | None = None,
    magic: int | None = None,
) -> PnLReport:
    """Aggregate `deals` (any order; deals outside the period are used only to rebuild the
    balance curve backwards from the account's current balance) into a `PnLReport`."""
    rep = PnLReport(period=period, symbol=symbol, magic=magic)
    if account is not None:
        rep.currency = account.currency
    start, end = period.start, period.end
    _stamps, days = calendar.day_boundaries(period)
    bounds = [calendar.day_start_utc(d) for d in days]  # aware UTC, compared without .timestamp()
    n_days = len(days)
    daily = [0.0] * n_days
    # balance changes per trading day (incl. deposits) — for the balance curve
    day_balance_delta = [0.0] * n_days
    intraday: list[tuple[datetime, float]] | None = [] if period.kind == "day" else None
    later_balance_delta = 0.0  # balance change after the period (all deals, unfiltered)
    filtered = symbol is not None or magic is not None

    deal_list = deals if isinstance(deals, list) else list(deals)
    # opening magics first, so that a close handed over before its open still finds it
    open_magic: dict[int, int] = {d.position_id: d.magic for d in deal_list if d.entry == "in"}

    # one accumulator per (symbol, EA, side): profit, swap, commission, fee, trades, volume,
    # wins, losses — rolled up into the three breakdowns after the pass
    acc: dict[tuple[str, int, str], list[float]] = {}
    trades = wins = losses = deal_count = trading_deals = 0
    sum_wins = sum_losses = entry_costs = other_ops = 0.0
    best: Deal | None = None
    worst: Deal | None = None
    best_net = worst_net = 0.0
    best_key: tuple[str, int, str] = ("", 0, "")
    worst_key: tuple[str, int, str] = ("", 0, "")
    cur_idx = -1
    cur_lo = cur_hi = start

    for d in deal_list:
        t = d.time
        net = d.profit + d.commission + d.swap + d.fee
        if t >= end:
            later_balance_delta += net
            continue
        if t < start:
            continue
        dtype = d.type
        if dtype == "buy" or dtype == "sell":
            sym = d.symbol or d.broker_symbol or "?"
            if symbol is not None and d.symbol != symbol and d.broker_symbol != symbol:
                continue
            entry = d.entry
            if entry == "in":
                pos_magic = d.magic
                side = dtype
            else:
                pos_magic = open_magic.get(d.position_id, d.magic)
                side = "sell" if dtype == "buy" else "buy"
            if magic is not None and pos_magic != magic:
                continue
            deal_count += 1
            trading_deals += 1
            key = (sym, pos_magic, side)
            a = acc.get(key)
            if a is None:
                a = acc[key] = [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]
            a[0] += d.profit
            a[1] += d.swap
            a[2] += d.commission
            a[3] += d.fee
            if entry == "in":
                entry_costs += net
            else:
                trades += 1
                a[4] += 1
                a[5] += d.volume
                if net > 0:
                    wins += 1
                    sum_wins += net
                    a[6] += 1
                elif net < 0:
                    losses += 1
                    sum_losses += net
                    a[7] += 1
                if best is None or net > best_net:
                    best, best_net, best_key = d, net, key
                if worst is None or net < worst_net:
                    worst, worst_net, worst_key = d, net, key
        elif dtype == "other":
            if filtered:
                continue
            deal_count += 1
            trading_deals += 1
            other_ops += net
        else:  # balance / credit: listed, never P&L
            if filtered:
                continue
            deal_count += 1
            amount = d.profit
            if dtype == "credit":
                rep.credit += amount
                kind = "credit"
            elif amount >= 0:
                rep.deposits += amount
                kind = "deposit"
            else:
                rep.withdrawals += amount
                kind = "withdrawal"
            rep.balance_ops.append(BalanceOp(t, kind, amount, d.comment, d.ticket))
            if dtype != "balance":
                continue
            net = amount
        if not (cur_lo <= t < cur_hi):
            cur_idx = bisect.bisect_right(bounds, t) - 1
            cur_lo = bounds[cur_idx]
            cur_hi = bounds[cur_idx + 1] if cur_idx + 1 < n_days else end
        if dtype != "balance":
            daily[cur_idx] += net
        day_balance_delta[cur_idx] += net
        if intraday is not None:
            intraday.append((t, net))

    rep.deal_count = deal_count
    rep.trading_deals = trading_deals
    rep.trades, rep.wins, rep.losses = trades, wins, losses
    rep.sum_wins, rep.sum_losses = sum_wins, sum_losses
    rep.entry_costs = entry_costs
    rep.other_ops = other_ops
    for (sym, pos_magic, side), a in acc.items():
        rep.gross_profit += a[0]
        rep.swap += a[1]
        rep.commission += a[2]
        rep.fee += a[3]
        groups: tuple[tuple[dict[Any, Bucket], Any], ...] = (
            (rep.by_symbol, sym),
            (rep.by_magic, pos_magic),
            (rep.by_side, side),
        )
        for bucket_map, bkey in groups:
            b = bucket_map.get(bkey)
            if b is None:
                b = bucket_map[bkey] = Bucket(str(bkey))
            b.profit += a[0]
            b.swap += a[1]
            b.commission += a[2]
            b.fee += a[3]
            b.trades += int(a[4])
            b.volume += a[5]
            b.wins += int(a[6])
            b.losses += int(a[7])
    for ref, net_value, key, attr in (
        (best, best_net, best_key, "best"),
        (worst, worst_net, worst_key, "worst"),
    ):
        if ref is not None:
            setattr(
                rep,
                attr,
                TradeRef(
                    ref.ticket,
                    ref.position_id,
                    ref.time,
                    key[0],
                    key[2],
                    ref.volume,
                    net_value,
                    key[1],
                ),
            )

    rep.daily = list(zip(days, daily, strict=True))

    # account at report time
    if positions is not None:
        float_sum = 0.0
        for p in positions:
            if not _matches_symbol(p, symbol) or (magic is not None and p.magic != magic):
                continue
            rep.open_positions += 1
            rep.open_volume += p.volume
            float_sum += p.profit + p.swap
        rep.floating = float_sum
    if account is not None:
        rep.balance = account.balance
        rep.equity = account.equity
        rep.margin_level = account.margin_level
        if not filtered:
            _balance_curve(
                rep,
                account.balance - later_balance_delta,
                days,
                calendar,
                day_balance_delta,
                intraday,
            )

    if snapshots:
        _drawdown(rep, snapshots)
    return rep


def _balance_curve(
    rep: PnLReport,
    end_balance: float,
    days: list[date],
    calendar: TradingCalendar,
    day_delta: list[float],
    intraday: list[tuple[datetime, float]] | None,
) -> None:
    """Rebuild the balance backwards from its value at the end of the period."""
    start_balance = end_balance - sum(day_delta)
    if intraday is not None:
        intraday.sort(key=lambda x: x[0])
        bal = start_balance
        curve = [(rep.period.start, bal)]
        step = max(1, len(intraday) // 2000)
        for i, (t, delta) in enumerate(intraday):
            bal += delta
            if i % step == 0 or i == len(intraday) - 1:
                curve.append((t, bal))
        curve.append((rep.period.end, bal))  # flat to the end of the day
        rep.balance_curve = curve
        return
    bal = start_balance
    curve = [(rep.period.start, bal)]
    for d, delta in zip(days, day_delta, strict=True):
        bal += delta
        curve.append((calendar.day_start_utc(d + timedelta(days=1)), bal))
    rep.balance_curve = curve


def _drawdown(rep: PnLReport, snapshots: Sequence[EquitySample]) -> None:
    """Largest fall of equity from a running peak, over the snapshots inside the period."""
    pts = sorted(
        (s for s in snapshots if rep.period.start <= s.time < rep.period.end),
        key=lambda s: s.time,
    )
    if not pts:
        return
    peak = pts[0].equity
    max_dd = 0.0
    max_pct = 0.0
    for s in pts:
        eq = s.equity
        if eq > peak:
            peak = eq
        dd = peak - eq
        if dd > max_dd:
            max_dd = dd
        if peak > 0 and dd / peak > max_pct:
            max_pct = dd / peak
    rep.max_drawdown = max_dd
    rep.max_drawdown_pct = max_pct * 100.0
    step = max(1, len(pts) // 2000)
    rep.equity_curve = [(s.time, s.equity) for s in pts[::step]]
