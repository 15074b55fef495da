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
"""

from __future__ import annotations

import bisect
from array import array
from collections.abc import Sequence
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


@dataclass(frozen=True, slots=True)
class Drawdown:
    amount: float  # ≥ 0, account currency
    pct: float | None  # of the value at the peak; None when that value is not positive
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

    def ordered(self) -> list[int]:
        """Indices in time order (stable: deals at the same instant keep their order)."""
        times = self.times
        idx = list(range(len(times)))
        if any(times[i] > times[i + 1] for i in range(len(times) - 1)):
            idx.sort(key=times.__getitem__)
        return idx

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


def _covered(t: datetime, snap_times: Sequence[datetime], cover: timedelta) -> bool:
    i = bisect.bisect_left(snap_times, t)
    near = [snap_times[j] for j in (i - 1, i) if 0 <= j < len(snap_times)]
    return any(abs(s - t) <= cover for s in near)


def _balance_points(
    start: datetime,
    start_balance: float,
    events: BalanceEvents,
    snap_times: Sequence[datetime],
    cover: timedelta,
) -> tuple[list[CurvePoint], list[tuple[datetime, float]]]:
    """The balance points not covered by a snapshot, and the running flows (for snapshots)."""
    points: list[CurvePoint] = []
    if not _covered(start, snap_times, cover):
        points.append(CurvePoint(start, start_balance, 0.0))
    flow_steps: list[tuple[datetime, float]] = []
    bal, flows = start_balance, 0.0
    for i in events.ordered():
        t, amount = events.times[i], events.amounts[i]
        bal += amount
        if events.flows[i]:
            flows += amount
            flow_steps.append((t, flows))
        elif not _covered(t, snap_times, cover):
            points.append(CurvePoint(t, bal, flows))
    return points, flow_steps


def _flows_at(t: datetime, steps: Sequence[tuple[datetime, float]]) -> float:
    i = bisect.bisect_right([s for s, _ in steps], t)
    return steps[i - 1][1] if i else 0.0


def account_curve(
    start: datetime,
    start_balance: float | None,
    events: BalanceEvents,
    snapshots: Sequence[Snap],
    now: Snap | None = None,
) -> list[CurvePoint]:
    """Every point the report knows, in time order (see the module text). `start_balance`
    None: the balance is unknown (no account), so only equity readings make the curve."""
    snaps = sorted(snapshots, key=lambda s: s.time)
    snap_times = [s.time for s in snaps]
    cover = _cover(snap_times)
    points: list[CurvePoint] = []
    steps: list[tuple[datetime, float]] = []
    if start_balance is not None:
        points, steps = _balance_points(start, start_balance, events, snap_times, cover)
    readings = [*snaps, *([now] if now is not None else [])]
    points += [CurvePoint(s.time, s.equity, _flows_at(s.time, steps)) for s in readings]
    points.sort(key=lambda p: p.time)
    return points


def max_drawdown(points: Sequence[CurvePoint]) -> Drawdown | None:
    """Largest fall from a running peak, net of flows; None with fewer than two points."""
    if len(points) < 2:
        return None
    peak_net = points[0].value - points[0].flows
    peak_value = points[0].value
    worst, worst_pct = 0.0, 0.0
    for p in points:
        net = p.value - p.flows
        if net > peak_net:
            peak_net, peak_value = net, p.value
        fall = peak_net - net
        if fall > worst:
            worst = fall
        if peak_value > 0 and fall / peak_value > worst_pct:
            worst_pct = fall / peak_value
    pct = worst_pct * 100.0 if peak_value > 0 or worst == 0 else None
    return Drawdown(worst, pct, len(points))
