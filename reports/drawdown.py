"""The account curve a report can actually build, and its largest fall.

What we know of the account over a period:
- the balance at the period's start and after every deal inside it (rebuilt from the deals);
- the equity at each snapshot the bot took (store/snapshots.py), and the equity read now while
  the period is running.

Equity is what a trader loses sleep over, so where snapshots cover the time they stand for the
account; a balance point is used only where no snapshot lies within `cover` of it (before the
bot ran, during an outage, between sparse snapshots). Mixing both at the same moment would
count a floating loss twice: once in the equity and again when the trade closes.

Deposits and withdrawals are no gain and no loss: every value is taken net of the balance
operations made up to its time ("flows"), so a withdrawal is not a drawdown and a deposit is not
a new peak. The percentage is the fall over the account's value at the peak.

Fewer than two points is not a curve: the drawdown is unknown (None), never 0.

The points are walked one at a time (`curve_points`), so a million deals cost no list of
points; the events themselves are flat arrays.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import pairwise
from statistics import median
from typing import NamedTuple

MIN_COVER = timedelta(minutes=15)  # a lone snapshot stands for the account this long around it


class CurvePoint(NamedTuple):
    time: datetime
    value: float  # balance or equity
    flows: float  # deposits minus withdrawals inside the period up to `time`


_Point = tuple[datetime, float, float]  # a CurvePoint without the names (cheaper by the million)


@dataclass(frozen=True, slots=True)
class Drawdown:
    amount: float | None  # ≥ 0, account currency; None: fewer than two points, unknown
    pct: float | None  # of the value at the peak; None when unknown or that value is ≤ 0
    points: int  # how many points the curve had


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


class Snap(NamedTuple):
    time: datetime
    equity: float


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


def account_curve(
    start: datetime,
    start_balance: float | None,
    events: BalanceEvents,
    snapshots: Sequence[Snap],
    now: Snap | None = None,
) -> list[CurvePoint]:
    """`curve_points` as a list (for inspection and tests)."""
    return [CurvePoint(*p) for p in curve_points(start, start_balance, events, snapshots, now)]


def max_drawdown(points: Iterable[_Point]) -> Drawdown:
    """Largest fall from a running peak, net of flows; unknown with fewer than two points."""
    n = 0
    peak_net = peak_value = worst = worst_pct = 0.0
    for _t, value, flows in points:
        net = value - flows
        if n == 0 or net > peak_net:
            peak_net, peak_value = net, value
        n += 1
        fall = peak_net - net
        if fall <= 0:
            continue
        if fall > worst:
            worst = fall
        if peak_value > 0 and fall > worst_pct * peak_value:
            worst_pct = fall / peak_value
    if n < 2:
        return Drawdown(None, None, n)
    pct = worst_pct * 100.0 if peak_value > 0 or worst == 0 else None
    return Drawdown(worst, pct, n)
