from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from statistics import median
from typing import Any, NamedTuple

MIN_COVER = timedelta(minutes=15)  # a lone snapshot stands for the account this long around it
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_US = timedelta(microseconds=1)


def _micros(t: datetime) -> int:
    return (t - _EPOCH) // _US


def _from_micros(us: int) -> datetime:
    return _EPOCH + timedelta(microseconds=int(us))


class CurvePoint(NamedTuple):
    time: datetime
    value: float  # balance or equity
    flows: float  # deposits minus withdrawals inside the period up to `time`


_Point = tuple[datetime, float, float]  # a CurvePoint without the names


@dataclass(frozen=True, slots=True)
class Drawdown:
    amount: float | None  # ≥ 0, account currency; None: fewer than two points, unknown
    # of the value at the peak plus the flows since; None when unknown or that base is ≤ 0
    pct: float | None
    points: int  # how many points the curve had


def _empty(dtype: str) -> Any:
    import numpy as np

    return np.empty(0, dtype)


@dataclass(slots=True)
class BalanceEvents:
    """Balance changes inside a period in the order they were met: time (UTC microseconds),
    amount, and whether the change is a deposit/withdrawal (a flow) rather than a result.
    numpy arrays, so that a million deals cost some megabytes."""

    times_us: Any = field(default_factory=lambda: _empty("int64"))
    amounts: Any = field(default_factory=lambda: _empty("float64"))
    flows: Any = field(default_factory=lambda: _empty("bool"))

    def add(self, t: datetime, amount: float, flow: bool) -> None:
        """One more change (tests and small curves; reports build the arrays at once)."""
        import numpy as np

        self.times_us = np.append(self.times_us, np.int64(_micros(t)))
        self.amounts = np.append(self.amounts, np.float64(amount))
        self.flows = np.append(self.flows, bool(flow))

    def ordered(self) -> Any:
        """Indices in time order (stable: changes at the same instant keep their order), or
        a whole slice when they are in order already — the terminal hands deals over in time
        order, so usually no sort and no copy."""
        import numpy as np

        t = self.times_us
        if len(t) < 2 or bool(np.all(t[1:] >= t[:-1])):
            return slice(None)
        return np.argsort(t, kind="stable")

    def __len__(self) -> int:
        return len(self.times_us)


class Snap(NamedTuple):
    time: datetime
    equity: float


@dataclass(frozen=True, slots=True)
class Curve:
    """The account curve as arrays: UTC microseconds, value, flows up to then."""

    times_us: Any
    values: Any
    flows: Any

    def __len__(self) -> int:
        return len(self.values)


def _cover(snap_times: Sequence[datetime]) -> timedelta:
    """How far from a snapshot the equity it read still stands for the account: twice the
    usual interval between snapshots, at least MIN_COVER."""
    if len(snap_times) < 2:
        return MIN_COVER
    gaps = [(b - a).total_seconds() for a, b in pairwise(snap_times)]
    return max(MIN_COVER, timedelta(seconds=2 * median(gaps)))


def _covered(t_us: Any, snap_us: Any, cover_us: int) -> Any:
    """For each time: is a snapshot within `cover` of it (before or after)?"""
    import numpy as np

    n = len(snap_us)
    if not n:
        return np.zeros(len(t_us), dtype=bool)
    j = np.searchsorted(snap_us, t_us, side="left")  # the first snapshot at or after t
    after = snap_us[np.minimum(j, n - 1)]
    before = snap_us[np.maximum(j - 1, 0)]
    return ((j < n) & (after - t_us <= cover_us)) | ((j > 0) & (t_us - before <= cover_us))


def curve_arrays(
    start: datetime,
    start_balance: float | None,
    events: BalanceEvents,
    snapshots: Sequence[Snap],
    now: Snap | None = None,
) -> Curve:
    """Every point the report knows — time, value, flows — in time order (see the module
    text). `start_balance` None: the balance is unknown (no account), so only equity readings
    make the curve. Readings at the same instant as a deal come before it."""
    import numpy as np

    snaps = sorted(snapshots, key=lambda s: s.time)
    snap_us = np.asarray([_micros(s.time) for s in snaps], dtype=np.int64)
    cover_us = _cover([s.time for s in snaps]) // _US
    readings = [*snaps, *([now] if now is not None else [])]
    order = events.ordered()
    ev_t = events.times_us[order]
    amounts = events.amounts[order]
    is_flow = events.flows[order]
    # running sums in the order of the events, as a walk adds them
    bal = np.cumsum(np.concatenate(([start_balance or 0.0], amounts)))[1:]
    flows_after = np.cumsum(np.concatenate(([0.0], np.where(is_flow, amounts, 0.0))))
    if start_balance is None:
        ev_idx = np.empty(0, dtype=np.int64)
    else:
        ev_idx = np.flatnonzero(~is_flow & ~_covered(ev_t, snap_us, cover_us))
    times, values, flows = ev_t[ev_idx], bal[ev_idx], flows_after[ev_idx + 1]
    del bal
    if readings:
        # a reading waits for the readings before it and goes before the first deal at or
        # after it: inserted, in their order, before the first shown deal from there on
        r_us = np.asarray([_micros(r.time) for r in readings], dtype=np.int64)
        r_at = np.searchsorted(ev_t, np.maximum.accumulate(r_us), side="left")
        at = np.searchsorted(ev_idx, r_at, side="left")
        times = np.insert(times, at, r_us)
        values = np.insert(values, at, [r.equity for r in readings])
        flows = np.insert(flows, at, flows_after[r_at])
    start_us = _micros(start)
    if start_balance is not None and not bool(
        _covered(np.asarray([start_us], dtype=np.int64), snap_us, cover_us)[0]
    ):
        times = np.insert(times, 0, start_us)
        values = np.insert(values, 0, start_balance)
        flows = np.insert(flows, 0, 0.0)
    return Curve(times, values, flows)


def account_curve(
    start: datetime,
    start_balance: float | None,
    events: BalanceEvents,
    snapshots: Sequence[Snap],
    now: Snap | None = None,
) -> list[CurvePoint]:
    """`curve_arrays` as a list of points (for inspection and tests)."""
    c = curve_arrays(start, start_balance, events, snapshots, now)
    return [
        CurvePoint(_from_micros(t), v, f)
        for t, v, f in zip(c.times_us.tolist(), c.values.tolist(), c.flows.tolist(), strict=True)
    ]


def max_drawdown(points: Curve | Iterable[_Point]) -> Drawdown:
    """Largest fall from a running peak, net of flows; unknown with fewer than two points.

    Vectorised, with the numbers of the walk that keeps the peak and the worst fall so far
    (a new peak only when strictly higher; the percentage is the fall over the value at its
    peak, kept when it beats the one before)."""
    import numpy as np

    if isinstance(points, Curve):
        values, flows = points.values, points.flows
    else:
        pts = list(points)
        values = np.asarray([p[1] for p in pts], dtype=np.float64)
        flows = np.asarray([p[2] for p in pts], dtype=np.float64)
    n = len(values)
    if n < 2:
        return Drawdown(None, None, n)
    net = values - flows
    peak = np.maximum.accumulate(net)  # the net value at the running peak
    # where each peak was set (a new peak only when strictly higher than all before)
    new_peak = np.empty(n, dtype=bool)
    new_peak[0] = True
    np.greater(net[1:], peak[:-1], out=new_peak[1:])
    at_peak = np.flatnonzero(new_peak)[np.cumsum(new_peak) - 1]
    # the base of a percentage: what the account held at the peak plus the money that came in
    # (or went out) since — an account that was empty at its peak and then funded falls from
    # its funding, not from 0.00000001
    peak_value = values[at_peak] + (flows - flows[at_peak])
    fall = np.subtract(peak, net, out=peak)
    del net
    worst = float(fall.max()) if bool((fall > 0).any()) else 0.0
    worst_pct = _worst_pct(fall, peak_value)
    pct = worst_pct * 100.0 if float(peak_value[-1]) > 0 or worst == 0 else None
    return Drawdown(worst, pct, n)


def _worst_pct(fall: Any, peak_value: Any) -> float:
    """The walk's `if fall > pct * peak: pct = fall / peak`, run only on the points that can
    change it: those whose ratio comes near the best ratio before them (a point well under it
    cannot pass the test), so the result is the walk's to the last bit."""
    import numpy as np

    cand = np.flatnonzero((fall > 0) & (peak_value > 0))
    if not len(cand):
        return 0.0
    ratio = fall[cand] / peak_value[cand]
    best_before = np.concatenate(([0.0], np.maximum.accumulate(ratio)[:-1]))
    near = ratio >= best_before * (1 - 1e-9)
    pct = 0.0
    for f, pv in zip(fall[cand[near]].tolist(), peak_value[cand[near]].tolist(), strict=True):
        if f > pct * pv:
            pct = f / pv
    return pct
