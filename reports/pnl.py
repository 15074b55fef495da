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

What the account looked like is reported as of the right moment (`now` is when the account and
positions were read):
- a period that has ended: realised P&L only (the total is the realised P&L), the balance at the
  period's end — today's balance minus every balance change after the end, deposits and
  withdrawals included (credit is not balance) — and no floating P&L, equity or margin level:
  what was open at that moment is not known, and today's numbers are not that period's;
- the running period: floating P&L, balance, equity and margin level now, and a total of
  realised plus floating now;
- the drawdown comes from the curve the report can build (reports/drawdown.py), or is unknown.

One pass over the deals, no per-deal allocations beyond dictionary updates and three appends
to flat arrays (the balance changes, for the curve and the drawdown): 1M deals are fine.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, Protocol

from broker.models import Account, Deal, Position
from reports.drawdown import BalanceEvents, Snap, curve_points, max_drawdown
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
    # the account: now while the period runs; at the period's end (balance only) once it ended
    as_of: datetime | None = None  # when the account and positions were read
    running: bool = False  # the period holds `as_of`: floating, equity, margin level are "now"
    floating: float | None = None  # None for a period that has ended
    open_positions: int = 0
    open_volume: float = 0.0
    balance: float | None = None  # now (running) or at the period's end
    equity: float | None = None  # now; None for a period that has ended
    margin_level: float | None = None  # now; None for a period that has ended
    # curves: balance after each trading day (or each deal for a one-day period)
    balance_curve: list[tuple[datetime, float]] = field(default_factory=list)
    equity_curve: list[tuple[datetime, float]] = field(default_factory=list)
    # None: fewer than two points to measure on (the report says "not enough data")
    max_drawdown: float | None = None
    max_drawdown_pct: float | None = None
    drawdown_points: int = 0  # points of the curve the drawdown was measured on

    @property
    def drawdown_shown(self) -> bool:
        """The drawdown belongs to the whole account: not stated under a symbol or EA filter."""
        return self.symbol is None and self.magic is None

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
        """Realised plus floating now (running period); the realised P&L once it has ended."""
        return self.realised + (self.floating or 0.0)

    @property
    def empty(self) -> bool:
        return self.deal_count == 0 and not self.open_positions


def _matches_symbol(d: Deal | Position, symbol: str | None) -> bool:
    return symbol is None or d.symbol == symbol or d.broker_symbol == symbol


def symbol_key(d: Deal | Position) -> str:
    return d.symbol or d.broker_symbol or "?"


_Key = tuple[str, int, str]  # (symbol, EA, side of the position)
# accumulator slots per key: profit, swap, commission, fee, trades, volume, wins, losses
_PROFIT, _SWAP, _COMMISSION, _FEE, _TRADES, _VOLUME, _WINS, _LOSSES = range(8)


class _Pass:
    """The one pass over the deals: totals, one accumulator per (symbol, EA, side) — rolled
    up into the three breakdowns afterwards — and the balance change per trading day."""

    def __init__(
        self,
        period: Period,
        calendar: TradingCalendar,
        symbol: str | None,
        magic: int | None,
        open_magic: dict[int, int],
    ) -> None:
        self.start, self.end = period.start, period.end
        self.symbol, self.magic = symbol, magic
        self.filtered = symbol is not None or magic is not None
        self.open_magic = open_magic
        _stamps, self.days = calendar.day_boundaries(period)
        # aware UTC, compared without .timestamp()
        self.bounds = [calendar.day_start_utc(d) for d in self.days]
        n_days = len(self.days)
        self.daily = [0.0] * n_days
        # balance changes per trading day (incl. deposits) — for the balance curve
        self.day_balance_delta = [0.0] * n_days
        # every balance change inside the period, for the curve (unfiltered reports only)
        self.events: BalanceEvents | None = None if self.filtered else BalanceEvents()
        self.later_balance_delta = 0.0  # balance change after the period (unfiltered)
        self.acc: dict[_Key, list[float]] = {}
        self.trades = self.wins = self.losses = self.deal_count = self.trading_deals = 0
        self.sum_wins = self.sum_losses = self.entry_costs = self.other_ops = 0.0
        self.best: Deal | None = None
        self.worst: Deal | None = None
        self.best_net = self.worst_net = 0.0
        self.best_key: _Key = ("", 0, "")
        self.worst_key: _Key = ("", 0, "")
        self.balance_ops: list[BalanceOp] = []
        self.deposits = self.withdrawals = self.credit = 0.0
        self._day = -1
        self._day_lo = self._day_hi = self.start

    def run(self, deals: Iterable[Deal]) -> None:
        # the hot loop of a report over a million deals: dispatch and day lookup inline
        start, end, filtered = self.start, self.end, self.filtered
        daily, day_delta, events = self.daily, self.day_balance_delta, self.events
        if events is not None:  # bound once: three appends per deal in the hot loop
            ev_time, ev_amount = events.times.append, events.amounts.append
            ev_flow = events.flows.append
        trade = self._trade
        for d in deals:
            t = d.time
            net = d.profit + d.commission + d.swap + d.fee
            if t >= end:
                if d.type != "credit":  # credit is not balance
                    self.later_balance_delta += net
                continue
            if t < start:
                continue
            dtype = d.type
            if dtype == "buy" or dtype == "sell":
                booked = trade(d, net)
            elif filtered:
                continue
            else:
                booked = self._other(d, net)
            if booked is None:
                continue
            if not (self._day_lo <= t < self._day_hi):
                self._seek_day(t)
            if dtype != "balance":
                daily[self._day] += booked
            day_delta[self._day] += booked
            if events is not None:
                ev_time(t)
                ev_amount(booked)
                ev_flow(dtype == "balance")

    def _other(self, d: Deal, net: float) -> float | None:
        """A non-trade deal (unfiltered reports only): "other" charges are P&L; balance and
        credit deals are listed apart; the amount it moved the balance by, or None."""
        self.deal_count += 1
        if d.type == "other":
            self.trading_deals += 1
            self.other_ops += net
            return net
        return self._balance_op(d)

    def _trade(self, d: Deal, net: float) -> float | None:
        symbol = self.symbol
        if symbol is not None and d.symbol != symbol and d.broker_symbol != symbol:
            return None
        if d.entry == "in":
            pos_magic = d.magic
            side: str = d.type
        else:
            pos_magic = self.open_magic.get(d.position_id, d.magic)
            side = "sell" if d.type == "buy" else "buy"
        if self.magic is not None and pos_magic != self.magic:
            return None
        self.deal_count += 1
        self.trading_deals += 1
        key = (d.symbol or d.broker_symbol or "?", pos_magic, side)
        a = self.acc.get(key)
        if a is None:
            a = self.acc[key] = [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]
        a[_PROFIT] += d.profit
        a[_SWAP] += d.swap
        a[_COMMISSION] += d.commission
        a[_FEE] += d.fee
        if d.entry == "in":
            self.entry_costs += net
        else:
            self._close(d, net, a, key)
        return net

    def _close(self, d: Deal, net: float, a: list[float], key: _Key) -> None:
        self.trades += 1
        a[_TRADES] += 1
        a[_VOLUME] += d.volume
        if net > 0:
            self.wins += 1
            self.sum_wins += net
            a[_WINS] += 1
        elif net < 0:
            self.losses += 1
            self.sum_losses += net
            a[_LOSSES] += 1
        if self.best is None or net > self.best_net:
            self.best, self.best_net, self.best_key = d, net, key
        if self.worst is None or net < self.worst_net:
            self.worst, self.worst_net, self.worst_key = d, net, key

    def _balance_op(self, d: Deal) -> float | None:
        """Balance and credit deals: listed, never P&L; only balance deals move the balance."""
        amount = d.profit
        if d.type == "credit":
            self.credit += amount
            kind = "credit"
        elif amount >= 0:
            self.deposits += amount
            kind = "deposit"
        else:
            self.withdrawals += amount
            kind = "withdrawal"
        self.balance_ops.append(BalanceOp(d.time, kind, amount, d.comment, d.ticket))
        return amount if d.type == "balance" else None

    def _seek_day(self, t: datetime) -> None:
        """Find the trading day of `t` by bisection; remembered while the next deals fall on
        the same day."""
        idx = bisect.bisect_right(self.bounds, t) - 1
        self._day = idx
        self._day_lo = self.bounds[idx]
        self._day_hi = self.bounds[idx + 1] if idx + 1 < len(self.bounds) else self.end


def _totals(rep: PnLReport, tally: _Pass) -> None:
    rep.deal_count = tally.deal_count
    rep.trading_deals = tally.trading_deals
    rep.trades, rep.wins, rep.losses = tally.trades, tally.wins, tally.losses
    rep.sum_wins, rep.sum_losses = tally.sum_wins, tally.sum_losses
    rep.entry_costs = tally.entry_costs
    rep.other_ops = tally.other_ops
    rep.credit, rep.deposits, rep.withdrawals = tally.credit, tally.deposits, tally.withdrawals
    rep.balance_ops = tally.balance_ops
    rep.daily = list(zip(tally.days, tally.daily, strict=True))


def _roll_up(rep: PnLReport, acc: dict[_Key, list[float]]) -> None:
    """The accumulators into the realised totals and the symbol / EA / side breakdowns."""
    for (sym, pos_magic, side), a in acc.items():
        rep.gross_profit += a[_PROFIT]
        rep.swap += a[_SWAP]
        rep.commission += a[_COMMISSION]
        rep.fee += a[_FEE]
        groups: tuple[tuple[dict[Any, Bucket], Any], ...] = (
            (rep.by_symbol, sym),
            (rep.by_magic, pos_magic),
            (rep.by_side, side),
        )
        for bucket_map, bkey in groups:
            b = bucket_map.get(bkey)
            if b is None:
                b = bucket_map[bkey] = Bucket(str(bkey))
            b.profit += a[_PROFIT]
            b.swap += a[_SWAP]
            b.commission += a[_COMMISSION]
            b.fee += a[_FEE]
            b.trades += int(a[_TRADES])
            b.volume += a[_VOLUME]
            b.wins += int(a[_WINS])
            b.losses += int(a[_LOSSES])


def _trade_ref(d: Deal | None, net: float, key: _Key) -> TradeRef | None:
    if d is None:
        return None
    return TradeRef(d.ticket, d.position_id, d.time, key[0], key[2], d.volume, net, key[1])


def _open_positions(
    rep: PnLReport, positions: Sequence[Position], symbol: str | None, magic: int | None
) -> None:
    float_sum = 0.0
    for p in positions:
        if not _matches_symbol(p, symbol) or (magic is not None and p.magic != magic):
            continue
        rep.open_positions += 1
        rep.open_volume += p.volume
        float_sum += p.profit + p.swap
    rep.floating = float_sum


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
    now: datetime | None = None,
) -> PnLReport:
    """Aggregate `deals` (any order) into a `PnLReport`.

    `account` and `positions` were read at `now` (default: the current time). For a period
    that has ended they only give its closing balance — which is why `deals` should run up to
    `now`: the balance changes after the period are walked back from today's balance."""
    now = now or datetime.now(UTC)
    rep = PnLReport(period=period, symbol=symbol, magic=magic, as_of=now)
    rep.running = period.start <= now < period.end
    deal_list = deals if isinstance(deals, list) else list(deals)
    # opening magics first, so that a close handed over before its open still finds it
    open_magic: dict[int, int] = {d.position_id: d.magic for d in deal_list if d.entry == "in"}
    tally = _Pass(period, calendar, symbol, magic, open_magic)
    tally.run(deal_list)
    _totals(rep, tally)
    _roll_up(rep, tally.acc)
    rep.best = _trade_ref(tally.best, tally.best_net, tally.best_key)
    rep.worst = _trade_ref(tally.worst, tally.worst_net, tally.worst_key)
    if positions is not None and rep.running:
        _open_positions(rep, positions, symbol, magic)
    end_balance = _account(rep, account, tally.later_balance_delta)
    if end_balance is not None and tally.events is not None:
        _balance_curve(
            rep, end_balance, tally.days, calendar, tally.day_balance_delta, tally.events
        )
    rep.equity_curve = _equity_curve(period, snapshots)
    if rep.drawdown_shown:
        _drawdown(rep, end_balance, tally, snapshots, account)
    return rep


def _account(rep: PnLReport, account: Account | None, later_delta: float) -> float | None:
    """The account's numbers as of the right moment; the balance at the period's end."""
    if account is None:
        return None
    rep.currency = account.currency
    end_balance = account.balance - later_delta
    rep.balance = end_balance
    if rep.running:
        rep.equity = account.equity
        rep.margin_level = account.margin_level
    return end_balance


def _balance_curve(
    rep: PnLReport,
    end_balance: float,
    days: list[date],
    calendar: TradingCalendar,
    day_delta: list[float],
    events: BalanceEvents,
) -> None:
    """Rebuild the balance backwards from its value at the end of the period: after each deal
    for a one-day period, at each trading day's close otherwise."""
    start_balance = end_balance - sum(day_delta)
    bal = start_balance
    curve = [(rep.period.start, bal)]
    if rep.period.kind == "day":
        order = events.ordered()
        step = max(1, len(order) // 2000)
        for n, i in enumerate(order):
            bal += events.amounts[i]
            if n % step == 0 or n == len(order) - 1:
                curve.append((events.times[i], bal))
        curve.append((rep.period.end, bal))  # flat to the end of the day
        rep.balance_curve = curve
        return
    for d, delta in zip(days, day_delta, strict=True):
        bal += delta
        curve.append((calendar.day_start_utc(d + timedelta(days=1)), bal))
    rep.balance_curve = curve


def _equity_curve(
    period: Period, snapshots: Sequence[EquitySample]
) -> list[tuple[datetime, float]]:
    """The snapshots inside the period, thinned to some 2,000 points for a chart."""
    pts = sorted((s for s in snapshots if period.contains(s.time)), key=lambda s: s.time)
    step = max(1, len(pts) // 2000)
    return [(s.time, s.equity) for s in pts[::step]]


def _drawdown(
    rep: PnLReport,
    end_balance: float | None,
    tally: _Pass,
    snapshots: Sequence[EquitySample],
    account: Account | None,
) -> None:
    """Largest fall of the account curve the report can build (reports/drawdown.py)."""
    events = tally.events if tally.events is not None else BalanceEvents()
    start_balance = None if end_balance is None else end_balance - sum(tally.day_balance_delta)
    snaps = [Snap(s.time, s.equity) for s in snapshots if rep.period.contains(s.time)]
    now = None
    if rep.running and account is not None and rep.as_of is not None:
        now = Snap(rep.as_of, account.equity)
    dd = max_drawdown(curve_points(rep.period.start, start_balance, events, snaps, now))
    rep.drawdown_points = dd.points
    rep.max_drawdown = dd.amount
    rep.max_drawdown_pct = dd.pct
