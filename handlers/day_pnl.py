"""The trading day's P&L for the max-daily-loss limit, kept up to date instead of recomputed.

The definition is the report service's (`ReportService.day_pnl`, docs: daily loss): realised
since the trading day began plus the change of floating P&L since then — floating at the start
from the day's first equity snapshot when one was taken near the start, otherwise each position
opened before the start valued at the H1 price the day began with.

Recomputing that on every preview and ✅ fetched and converted the whole day's deals (11 µs a
deal: 40 ms with a grid EA's 2,000 deals), the positions again, a snapshot and an H1 bar per
older position. Here each part is kept where it changes:

- realised: rebuilt once per trading day (at the first use, and after a restart), then updated
  from new deals only — the ones the deal watcher hands over (`feed`) and the ones fetched
  since the newest deal seen. New deals are looked for only when the account's balance moved:
  every deal that changes realised P&L changes the balance by its net, and one that does not
  move the balance adds nothing. Where the balance's move is not explained by the deals found
  (a deal booked late with an older time), the day is fetched again whole;
- the floating baseline: the snapshot's or the H1 prices at the start, one per symbol, cached
  for the day (they cannot change within it once the bars after the start exist);
- floating now: from the positions the caller already has (the plan's `MarketView`).

So the check costs the same with 0 and 2,000 deals today: a dict lookup and a sum over the open
positions, no terminal call while nothing was booked. The day resets at the start of the report
service's trading calendar, so the limit's day is the reports' day.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from broker.models import Account, Deal, Position
from handlers.report_service import (
    DAY_PNL_DEAL_TYPES,
    SNAPSHOT_BASELINE_SLACK,
    ReportService,
    floating_change,
    price_at_day_start,
)

# The window of the incremental look: deals from this long before the newest one seen, so a
# deal booked in the same second after the look is not missed (tickets keep it from counting
# twice). A deal booked later with an older time leaves the balance's move unexplained, and the
# day is fetched again whole.
_OVERLAP = timedelta(seconds=1)
# How far past the newest moment the history is asked for (as the report service asks).
_AHEAD = timedelta(minutes=1)
# While the day has no snapshot yet, a snapshot taken this long after its start may still be
# written (it is stamped when it was taken, stored a moment later): look again until then.
_SNAPSHOT_WRITE_SLACK = timedelta(minutes=5)
# Money amounts are booked to the cent; the balance's move and the deals' nets may differ by
# rounding, never by a whole cent per deal.
_CENT = 0.01


@dataclass
class _Day:
    """What is known of one trading day."""

    start: datetime
    realised: float = 0.0  # net of the day's trading deals (`DAY_PNL_DEAL_TYPES`)
    seen: set[int] = field(default_factory=set)  # deal tickets counted
    newest: datetime | None = None  # the newest deal time seen
    balance: float | None = None  # the balance when the deals were last in step with it
    unexplained: float = 0.0  # nets of deals added since `balance` was read
    added: int = 0  # how many deals those are
    # floating P&L at the start from the first snapshot: a number, None = there is none
    # (use the H1 prices), missing = not decided yet
    snapshot_floating: float | None = None
    snapshot_decided: bool = False
    prices: dict[str, float | None] = field(default_factory=dict)  # symbol → price at start


class DayPnlTracker:
    """`await tracker(positions=..., account=...)`: the trading day's P&L so far.

    `positions` and `account` are what the caller read from the terminal for the same plan
    (`Plan.view`); without them the tracker reads them itself. Raises `BrokerError` when the
    terminal cannot tell (the risk gate then blocks opens)."""

    def __init__(self, reports: ReportService, clock: Callable[[], datetime] | None = None) -> None:
        self.reports = reports
        self.broker = reports.broker
        self.clock: Callable[[], datetime] = clock or (lambda: datetime.now(UTC))
        self._day: _Day | None = None
        self._lock = asyncio.Lock()  # one rebuild or fetch at a time
        self.rebuilds = 0  # whole-day fetches so far (a restart, a new day, a late booking)
        self.fetches = 0  # incremental fetches so far

    async def __call__(
        self,
        *,
        positions: Sequence[Position] | None = None,
        account: Account | None = None,
        now: datetime | None = None,
    ) -> float:
        now = now or self.clock()
        start = self.reports.trading_day_start(now)
        day = self._day
        fresh = (
            day is not None
            and day.start == start
            and account is not None
            and day.balance == account.balance
        )
        if not fresh:
            async with self._lock:
                day = await self._sync(start, account, now)
        assert day is not None  # noqa: S101 - _sync always leaves the day it synced
        if positions is None:
            positions = await self.broker.positions()
        return day.realised + await self._floating_change(day, positions, now)

    def feed(self, deals: Iterable[Deal]) -> None:
        """New deals the deal watcher (handlers/pushes.py) found: counted now, so the next
        check needs no look of its own. Deals of another day, or before the first use of the
        day (the rebuild fetches those), are left alone."""
        day = self._day
        if day is None:
            return
        for d in deals:
            self._count(day, d)

    # -- realised ---------------------------------------------------------------------------
    async def _sync(self, start: datetime, account: Account | None, now: datetime) -> _Day:
        day = self._day
        if day is None or day.start != start:
            return await self._rebuild(start, account, now)
        if account is not None and day.balance == account.balance:
            return day  # another check brought it in step while this one waited
        await self._fetch_new(day, now)
        if account is None:
            return day
        if day.balance is not None and not _explained(day, account.balance):
            return await self._rebuild(start, account, now)
        day.balance, day.unexplained, day.added = account.balance, 0.0, 0
        return day

    async def _rebuild(self, start: datetime, account: Account | None, now: datetime) -> _Day:
        deals = await self.broker.deals(start, now + _AHEAD)
        day = _Day(start)
        if self._day is not None and self._day.start == start:  # the same day: keep its baseline
            day.snapshot_floating = self._day.snapshot_floating
            day.snapshot_decided = self._day.snapshot_decided
            day.prices = self._day.prices
        for d in deals:
            self._count(day, d)
        day.balance = None if account is None else account.balance
        day.unexplained, day.added = 0.0, 0
        self._day = day
        self.rebuilds += 1
        return day

    async def _fetch_new(self, day: _Day, now: datetime) -> None:
        since = day.start if day.newest is None else max(day.start, day.newest - _OVERLAP)
        self.fetches += 1
        for d in await self.broker.deals(since, now + _AHEAD):
            self._count(day, d)

    @staticmethod
    def _count(day: _Day, d: Deal) -> None:
        if d.time < day.start or d.ticket in day.seen:
            return
        day.seen.add(d.ticket)
        day.newest = d.time if day.newest is None else max(day.newest, d.time)
        day.unexplained += d.net
        day.added += 1
        if d.type in DAY_PNL_DEAL_TYPES:
            day.realised += d.net

    # -- floating ---------------------------------------------------------------------------
    async def _floating_change(
        self, day: _Day, positions: Sequence[Position], now: datetime
    ) -> float:
        floating_now = sum(p.profit + p.swap for p in positions)
        if not day.snapshot_decided:
            await self._decide_snapshot(day, now)
        if day.snapshot_floating is not None:
            return floating_now - day.snapshot_floating
        change = 0.0
        unsettled: dict[str, float | None] = {}  # this check's prices not final yet
        for p in positions:
            if p.time >= day.start or p.price_current == p.price_open:
                change += p.profit + p.swap
                continue
            if p.symbol in day.prices:
                price = day.prices[p.symbol]
            elif p.symbol in unsettled:
                price = unsettled[p.symbol]
            else:
                price = await self._price_at_start(day, p.symbol, unsettled)
            change += floating_change(p, day.start, price)
        return change

    async def _decide_snapshot(self, day: _Day, now: datetime) -> None:
        snap = await self.reports.snapshots.first_since(day.start)
        if snap is not None:
            within = snap.time - day.start <= SNAPSHOT_BASELINE_SLACK
            day.snapshot_floating = (snap.equity - snap.balance) if within else None
            day.snapshot_decided = True
        elif now - day.start > SNAPSHOT_BASELINE_SLACK + _SNAPSHOT_WRITE_SLACK:
            day.snapshot_decided = True  # too late for one to stand for the start

    async def _price_at_start(
        self, day: _Day, symbol: str, unsettled: dict[str, float | None]
    ) -> float | None:
        bars = await self.broker.rates(symbol, "H1", 30)
        price = price_at_day_start(bars, day.start)
        # final once a bar at or after the start exists: no later bar can be the start's;
        # before the day's first bar has formed it is asked again at the next check
        if any(b.time >= day.start for b in bars):
            day.prices[symbol] = price
        else:
            unsettled[symbol] = price
        return price


def _explained(day: _Day, balance: float) -> bool:
    """Whether the deals added since the balance was last read account for its move (to the
    cent per deal: amounts are booked rounded)."""
    moved = balance - (day.balance or 0.0)
    return abs(moved - day.unexplained) <= _CENT * (day.added + 1)


class FullDayPnl:
    """The day's P&L recomputed whole every time (`ReportService.day_pnl`), for a report
    service that is not ours to keep a tracker over (a test's stand-in)."""

    def __init__(
        self,
        day_pnl: Callable[[datetime], Awaitable[float]],
        clock: Callable[[], datetime],
    ) -> None:
        self.day_pnl = day_pnl
        self.clock = clock

    async def __call__(
        self, *, positions: Sequence[Position] | None = None, account: Account | None = None
    ) -> float:
        return float(await self.day_pnl(self.clock()))


def day_pnl_for(reports: object, clock: Callable[[], datetime]) -> DayPnlTracker | FullDayPnl:
    """The daily-loss source over `reports`: a tracker over our report service, the whole
    computation over anything else that can tell the day's P&L."""
    if isinstance(reports, ReportService):
        return DayPnlTracker(reports, clock)
    day_pnl = getattr(reports, "day_pnl")  # noqa: B009 - a ReportsLike, typed by the caller
    return FullDayPnl(day_pnl, clock)
