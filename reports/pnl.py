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

Computed over columns (`broker/columns.py`: one numpy array per field), never a model per
deal: masks pick the deals of the period and the filters, `bincount` groups them by trading
day and by (symbol, EA, side), and every sum runs in the order the deals were handed over
(`bincount` and cumulative sums add in array order), so the numbers are those of a walk over
the deals one by one, to the last bit (tests/reports/test_pnl_columns.py holds that walk as
the oracle). numpy is imported inside the functions, so importing this module (the chat path
does) stays cheap.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

from broker.models import Account, Deal, Position
from reports.drawdown import BalanceEvents, Snap, curve_arrays, max_drawdown
from reports.periods import Period, TradingCalendar

if TYPE_CHECKING:
    from broker.columns import DealColumns

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


def _in_order_sum(values: Any) -> float:
    """The sum of `values` added one after another, as a walk over the deals adds them
    (numpy's own sum adds pairwise, which can differ in the last bit)."""
    import numpy as np

    return float(np.cumsum(values)[-1]) if len(values) else 0.0


class _Tally:
    """Everything the report counts and sums over the deals, from columns (see the module
    text); the same numbers as the one walk over `Deal`s it replaces."""

    def __init__(
        self,
        cols: DealColumns,
        period: Period,
        calendar: TradingCalendar,
        symbol: str | None,
        magic: int | None,
    ) -> None:
        import numpy as np

        from broker import columns as dc

        self.cols = cols
        self.filtered = symbol is not None or magic is not None
        _stamps, self.days = calendar.day_boundaries(period)
        t, typ = cols.time_us, cols.type
        self.net = net = cols.net()
        start, end = dc.micros(period.start), dc.micros(period.end)
        # credit is not balance
        self.later_balance_delta = _in_order_sum(net[(t >= end) & (typ != dc.CREDIT)])
        inside = (t >= start) & (t < end)
        self.pos_magic, self.side = self._positions(cols)
        trade = inside & ((typ == dc.BUY) | (typ == dc.SELL))
        if symbol is not None:
            trade &= np.isin(cols.symbol, cols.symbol_codes(symbol))
        if magic is not None:
            trade &= self.pos_magic == magic
        self.trade = trade
        none = np.zeros(len(t), dtype=bool)
        self.other = none if self.filtered else inside & (typ == dc.OTHER)
        self.balance = none if self.filtered else inside & (typ == dc.BALANCE)
        self.credit = none if self.filtered else inside & (typ == dc.CREDIT)
        # what each booked deal moved the balance by: a balance deal its profit, others net
        booked = np.flatnonzero(trade | self.other | self.balance)
        del inside
        amount = np.where(self.balance[booked], cols.profit[booked], net[booked])
        self._by_day(calendar, booked, amount)
        self.events: BalanceEvents | None = None
        if not self.filtered:
            self.events = BalanceEvents(t[booked], amount, self.balance[booked])

    @staticmethod
    def _positions(cols: DealColumns) -> tuple[Any, Any]:
        """Each deal's position EA — an opening deal's own magic, else the magic of its
        position's opening deal when it is in the history (the last one, for a position
        opened by several deals), else its own — and the side of that position."""
        import numpy as np

        from broker import columns as dc

        opening = cols.entry == dc.IN
        # the last opening deal of each position id: unique over the reversed arrays
        ids, first = np.unique(cols.position_id[opening][::-1], return_index=True)
        magics = cols.magic[opening][::-1][first]
        pos_magic = cols.magic
        closing = np.flatnonzero(~opening)
        if len(ids) and len(closing):
            pids = cols.position_id[closing]
            at = np.minimum(np.searchsorted(ids, pids), len(ids) - 1)
            found = ids[at] == pids
            pos_magic = cols.magic.copy()
            pos_magic[closing[found]] = magics[at[found]]
        # buy → sell for a closing deal: the position it closed was the other side
        side = np.where(opening, cols.type, dc.BUY + dc.SELL - cols.type)
        return pos_magic, side

    def _by_day(self, calendar: TradingCalendar, booked: Any, amount: Any) -> None:
        """Realised P&L per trading day (without balance deals) and every balance change per
        trading day (with them), each added in the order of the deals. `booked`: positions of
        the deals that moved the balance; `amount`: by how much each of them did."""
        import numpy as np

        from broker import columns as dc

        n_days = len(self.days)
        self.daily = [0.0] * n_days
        self.day_balance_delta = [0.0] * n_days
        if not n_days or not len(booked):
            return
        bounds = np.asarray([dc.micros(calendar.day_start_utc(d)) for d in self.days])
        day = (np.searchsorted(bounds, self.cols.time_us[booked], side="right") - 1) % n_days
        amounts = amount
        realised = ~self.balance[booked]
        self.daily = np.bincount(
            day[realised], weights=amounts[realised], minlength=n_days
        ).tolist()
        self.day_balance_delta = np.bincount(day, weights=amounts, minlength=n_days).tolist()

    def into(self, rep: PnLReport) -> None:
        self._counts(rep)
        self._groups(rep)
        self._extremes(rep)
        self._balance_ops(rep)

    def _counts(self, rep: PnLReport) -> None:
        import numpy as np

        from broker import columns as dc

        cols, net, trade = self.cols, self.net, self.trade
        closes = trade & (cols.entry != dc.IN)
        n_trade, n_other = int(trade.sum()), int(self.other.sum())
        rep.deal_count = n_trade + n_other + int(self.balance.sum()) + int(self.credit.sum())
        rep.trading_deals = n_trade + n_other
        rep.trades = int(closes.sum())
        rep.wins = int(np.count_nonzero(closes & (net > 0)))
        rep.losses = int(np.count_nonzero(closes & (net < 0)))
        rep.sum_wins = _in_order_sum(net[closes & (net > 0)])
        rep.sum_losses = _in_order_sum(net[closes & (net < 0)])
        rep.entry_costs = _in_order_sum(net[trade & (cols.entry == dc.IN)])
        rep.other_ops = _in_order_sum(net[self.other])
        rep.daily = list(zip(self.days, self.daily, strict=True))

    def _keys(self) -> tuple[list[_Key], Any]:
        """The (symbol, EA, side) of every trade deal: the keys in the order they are first
        met, and each deal's index among them."""
        import numpy as np

        cols, idx = self.cols, np.flatnonzero(self.trade)
        names = [cols.symbol_key(c) for c in range(len(cols.symbols))]
        name_ids = {n: i for i, n in enumerate(dict.fromkeys(names))}
        name_of_code = np.asarray([name_ids[n] for n in names], dtype=np.int64)
        magics, magic_id = np.unique(self.pos_magic[idx], return_inverse=True)
        combined = (name_of_code[cols.symbol[idx]] * len(magics) + magic_id) * 2 + (
            self.side[idx] == 1
        )
        uniq, first, inverse = np.unique(combined, return_index=True, return_inverse=True)
        order = np.argsort(first, kind="stable")  # keys in the order first met
        rank = np.empty(len(uniq), dtype=np.int64)
        rank[order] = np.arange(len(uniq))
        by_id = list(name_ids)
        keys: list[_Key] = []
        for u in uniq[order].tolist():
            name, rest = divmod(u // 2, len(magics))
            keys.append((by_id[name], int(magics[rest]), "sell" if u % 2 else "buy"))
        return keys, rank[inverse]

    def _groups(self, rep: PnLReport) -> None:
        """Per (symbol, EA, side) sums, rolled up into the totals and the three breakdowns
        in the order the keys were first met."""
        import numpy as np

        from broker import columns as dc

        if not bool(self.trade.any()):
            return
        keys, key_of = self._keys()
        cols, net, sel = self.cols, self.net[self.trade], self.trade
        closing = cols.entry[sel] != dc.IN
        n = len(keys)

        def per_key(weights: Any) -> list[float]:
            return np.bincount(key_of, weights=weights, minlength=n).tolist()  # type: ignore[no-any-return]

        sums = {
            "profit": per_key(cols.profit[sel]),
            "swap": per_key(cols.swap[sel]),
            "commission": per_key(cols.commission[sel]),
            "fee": per_key(cols.fee[sel]),
            "trades": per_key(closing.astype(np.float64)),
            "volume": per_key(np.where(closing, cols.volume[sel], 0.0)),
            "wins": per_key((closing & (net > 0)).astype(np.float64)),
            "losses": per_key((closing & (net < 0)).astype(np.float64)),
        }
        for k, (sym, pos_magic, side) in enumerate(keys):
            _roll_up(rep, sym, pos_magic, side, {name: v[k] for name, v in sums.items()})

    def _extremes(self, rep: PnLReport) -> None:
        """The best and the worst closed trade: the first of the largest and smallest nets."""
        import numpy as np

        from broker import columns as dc

        closes = np.flatnonzero(self.trade & (self.cols.entry != dc.IN))
        if not len(closes):
            return
        nets = self.net[closes]
        rep.best = self._trade_ref(int(closes[int(np.argmax(nets))]))
        rep.worst = self._trade_ref(int(closes[int(np.argmin(nets))]))

    def _trade_ref(self, i: int) -> TradeRef:
        from broker.columns import from_micros

        cols = self.cols
        return TradeRef(
            int(cols.ticket[i]),
            int(cols.position_id[i]),
            from_micros(int(cols.time_us[i])),
            cols.symbol_key(int(cols.symbol[i])),
            "sell" if int(self.side[i]) == 1 else "buy",
            float(cols.volume[i]),
            float(self.net[i]),
            int(self.pos_magic[i]),
        )

    def _balance_ops(self, rep: PnLReport) -> None:
        """Balance and credit deals: listed one by one, never P&L."""
        import numpy as np

        from broker.columns import from_micros

        cols = self.cols
        profit = cols.profit
        ops = self.balance | self.credit
        rep.credit = _in_order_sum(profit[self.credit])
        rep.deposits = _in_order_sum(profit[self.balance & (profit >= 0)])
        rep.withdrawals = _in_order_sum(profit[self.balance & (profit < 0)])
        for i in np.flatnonzero(ops).tolist():
            amount = float(profit[i])
            kind = "credit" if self.credit[i] else "deposit" if amount >= 0 else "withdrawal"
            ticket = int(cols.ticket[i])
            when = from_micros(int(cols.time_us[i]))
            rep.balance_ops.append(
                BalanceOp(when, kind, amount, cols.comments.get(ticket, ""), ticket)
            )


def _roll_up(rep: PnLReport, sym: str, pos_magic: int, side: str, a: dict[str, float]) -> None:
    """One (symbol, EA, side) accumulator into the realised totals and the breakdowns."""
    rep.gross_profit += a["profit"]
    rep.swap += a["swap"]
    rep.commission += a["commission"]
    rep.fee += a["fee"]
    groups: tuple[tuple[dict[Any, Bucket], Any], ...] = (
        (rep.by_symbol, sym),
        (rep.by_magic, pos_magic),
        (rep.by_side, side),
    )
    for bucket_map, bkey in groups:
        b = bucket_map.get(bkey)
        if b is None:
            b = bucket_map[bkey] = Bucket(str(bkey))
        b.profit += a["profit"]
        b.swap += a["swap"]
        b.commission += a["commission"]
        b.fee += a["fee"]
        b.trades += int(a["trades"])
        b.volume += a["volume"]
        b.wins += int(a["wins"])
        b.losses += int(a["losses"])


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
    deals: Iterable[Deal] | DealColumns,
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
    """Aggregate `deals` (columns from `Broker.deal_columns`, or `Deal` models; any order)
    into a `PnLReport`.

    `account` and `positions` were read at `now` (default: the current time). For a period
    that has ended they only give its closing balance — which is why `deals` should run up to
    `now`: the balance changes after the period are walked back from today's balance."""
    from broker.columns import DealColumns

    now = now or datetime.now(UTC)
    rep = PnLReport(period=period, symbol=symbol, magic=magic, as_of=now)
    rep.running = period.start <= now < period.end
    cols = deals if isinstance(deals, DealColumns) else DealColumns.from_deals(list(deals))
    tally = _Tally(cols, period, calendar, symbol, magic)
    tally.into(rep)
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
        import numpy as np

        from broker.columns import from_micros

        order = events.ordered()
        n = len(events)
        # the balance after each change, added in order (as a walk adds them)
        running = np.cumsum(np.concatenate(([bal], events.amounts[order])))[1:]
        step = max(1, n // 2000)
        shown = sorted({*range(0, n, step), n - 1}) if n else []
        times = events.times_us[order]
        curve += [(from_micros(times[k]), float(running[k])) for k in shown]
        if n:
            bal = float(running[-1])
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
    tally: _Tally,
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
    dd = max_drawdown(curve_arrays(rep.period.start, start_balance, events, snaps, now))
    rep.drawdown_points = dd.points
    rep.max_drawdown = dd.amount
    rep.max_drawdown_pct = dd.pct
