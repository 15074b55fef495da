"""The report computation as it stood before reports were computed over columns: one Python
pass over `Deal` models. Kept here, unchanged but for its imports, as the oracle the columnar
`reports.pnl.compute_pnl` must agree with exactly (tests/reports/test_pnl_columns.py)."""

from __future__ import annotations

import bisect
from array import array
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from statistics import median
from typing import Any

from broker.models import Account, Deal, Position
from reports.drawdown import MIN_COVER, Drawdown, Snap
from reports.periods import Period, TradingCalendar
from reports.pnl import BalanceOp, Bucket, EquitySample, PnLReport, TradeRef

_Point = tuple[datetime, float, float]


@dataclass(slots=True)
class BalanceEvents:
    """Balance changes inside a period in the order they were met: time, amount, and whether
    the change is a deposit/withdrawal (a flow) rather than a result. Kept as flat arrays so
    that a million deals cost some megabytes, not a tuple each."""

    times: list[datetime] = field(default_factory=list)
    amounts: array[float] = field(default_factory=lambda: array("d"))
    flows: bytearray = field(default_factory=bytearray)

    def add(self, t: datetime, amount: float, flow: bool) -> None:
        self.times.append(t)
        self.amounts.append(amount)
        self.flows.append(1 if flow else 0)

    def ordered(self) -> Sequence[int]:
        """Indices in time order (stable: deals at the same instant keep their order); the
        terminal hands deals over in time order, so usually no sort and no index list."""
        times = self.times
        if all(a <= b for a, b in pairwise(times)):
            return range(len(times))
        return sorted(range(len(times)), key=times.__getitem__)

    def __len__(self) -> int:
        return len(self.times)


def _cover(snap_times: Sequence[datetime]) -> timedelta:
    """How far from a snapshot the equity it read still stands for the account: twice the
    usual interval between snapshots, at least MIN_COVER."""
    if len(snap_times) < 2:
        return MIN_COVER
    gaps = [(b - a).total_seconds() for a, b in pairwise(snap_times)]
    return max(MIN_COVER, timedelta(seconds=2 * median(gaps)))


def curve_points(
    start: datetime,
    start_balance: float | None,
    events: BalanceEvents,
    snapshots: Sequence[Snap],
    now: Snap | None = None,
) -> Iterator[_Point]:
    """Every point the report knows — (time, value, flows) — in time order (see the module
    text), one at a time: a million deals are walked, not held. `start_balance` None: the
    balance is unknown (no account), so only equity readings make the curve."""
    snaps = sorted(snapshots, key=lambda s: s.time)
    snap_times = [s.time for s in snaps]
    cover = _cover(snap_times)
    readings = [*snaps, *([now] if now is not None else [])]
    n_snaps, k = len(snap_times), 0
    j = 0  # the first snapshot at or after the point being placed

    def covered(t: datetime) -> bool:
        nonlocal j
        if not n_snaps:
            return False
        while j < n_snaps and snap_times[j] < t:
            j += 1
        return (j < n_snaps and snap_times[j] - t <= cover) or (
            j > 0 and t - snap_times[j - 1] <= cover
        )

    bal, flows = start_balance or 0.0, 0.0
    if start_balance is not None and not covered(start):
        yield (start, start_balance, 0.0)
    times, amounts, is_flow = events.times, events.amounts, events.flows
    balance_known = start_balance is not None
    n_readings = len(readings)
    next_reading = readings[0].time if readings else None
    for i in events.ordered():
        t = times[i]
        while next_reading is not None and next_reading <= t:
            yield (next_reading, readings[k].equity, flows)
            k += 1
            next_reading = readings[k].time if k < n_readings else None
        amount = amounts[i]
        bal += amount
        if is_flow[i]:
            flows += amount
        elif balance_known and (not n_snaps or not covered(t)):
            yield (t, bal, flows)
    for r in readings[k:]:
        yield (r.time, r.equity, flows)


def max_drawdown(points: Iterable[_Point]) -> Drawdown:
    """Largest fall from a running peak, net of flows; unknown with fewer than two points."""
    n = 0
    peak_net = peak_value = peak_flows = base = worst = worst_pct = 0.0
    for _t, value, flows in points:
        net = value - flows
        if n == 0 or net > peak_net:
            peak_net, peak_value, peak_flows = net, value, flows
        n += 1
        # the percentage's base: the value at the peak plus the flows since (reports/drawdown.py)
        base = peak_value + (flows - peak_flows)
        fall = peak_net - net
        if fall <= 0:
            continue
        if fall > worst:
            worst = fall
        if base > 0 and fall > worst_pct * base:
            worst_pct = fall / base
    if n < 2:
        return Drawdown(None, None, n)
    pct = worst_pct * 100.0 if base > 0 or worst == 0 else None
    return Drawdown(worst, pct, n)


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


def reference_pnl(
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
